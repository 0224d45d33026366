// The certificates smtpd offers (main.cf and every smtpd service's -o overrides): present, a key
// that matches, not expired, not about to be. A missing or mismatched key makes smtpd answer
// STARTTLS with "454 4.7.0 TLS not available due to local problem" and reset TLS-first clients
// on 465 (measured); an expired certificate is served as it is, and every client that checks it
// refuses — submission clients do. Opportunistic senders on 25 mostly deliver anyway: there the
// same problems are warnings.

import { inspectCertificate } from '../facts/tls-certificate.js';
import { ok, problem } from './finding.js';
import type { Facts, MasterService } from '../facts/types.js';
import type { Finding, Probe, ProbeContext } from './types.js';

interface CertPair {
  cert: string;
  key: string;
  /** `main.cf` or the services whose -o overrides name it. */
  usedBy: string[];
  /** Clients there insist on TLS (submission, 465, security level encrypt). */
  required: boolean;
}

function pairsOf(facts: Facts): CertPair[] {
  const p = facts.postfix.params;
  const smtpds = facts.postfix.services.filter((s) => s.command === 'smtpd' && s.type === 'inet');
  const pairs = new Map<string, CertPair>();
  const add = (cert: string, key: string, where: string, required: boolean): void => {
    if (cert.trim() === '') return;
    const k = `${cert}\n${key}`;
    const e = pairs.get(k) ?? { cert, key: key || cert, usedBy: [], required: false };
    if (!e.usedBy.includes(where)) e.usedBy.push(where);
    e.required ||= required;
    pairs.set(k, e);
  };
  const requiredOn = (s: MasterService | null): boolean =>
    (s?.params.smtpd_tls_security_level ?? p.smtpd_tls_security_level) === 'encrypt' || (s !== null && (s.port === 587 || s.port === 465 || s.params.smtpd_tls_wrappermode === 'yes'));
  const anyRequired = smtpds.some((s) => requiredOn(s) && s.params.smtpd_tls_cert_file === undefined);
  add(p.smtpd_tls_cert_file ?? '', p.smtpd_tls_key_file ?? '', 'main.cf smtpd_tls_cert_file', anyRequired || requiredOn(null));
  add(p.smtpd_tls_eccert_file ?? '', p.smtpd_tls_eckey_file ?? '', 'main.cf smtpd_tls_eccert_file', anyRequired || requiredOn(null));
  for (const s of smtpds) {
    const cert = s.params.smtpd_tls_cert_file;
    if (cert !== undefined) add(cert, s.params.smtpd_tls_key_file ?? cert, `${s.service}/${s.type} -o smtpd_tls_cert_file`, requiredOn(s));
  }
  return [...pairs.values()];
}

export const tlsProbe: Probe = {
  name: 'tls',
  description: 'TLS certificates and keys smtpd offers: present, matching, not expired',
  timeoutMs: 500,
  causes: ['tls-certificate-problem'],
  async run(ctx) {
    if (!ctx.facts.postfix.installed) return [];
    const pairs = pairsOf(ctx.facts);
    if (pairs.length === 0) return [ok('tls', 'no certificate configured (smtpd offers no STARTTLS)')];
    return Promise.all(pairs.map((pair) => judgePair(ctx, pair)));
  },
};

async function judgePair(ctx: ProbeContext, pair: CertPair): Promise<Finding> {
  const where = pair.usedBy.join(', ');
  const fail = (what: string, evidence: string[], steps: string[]): Finding =>
    problem(pair.required ? 'fail' : 'warn', 'tls', 'tls-certificate-problem', [`${where}: ${pair.cert}${pair.key !== pair.cert ? ` with key ${pair.key}` : ''}`, ...evidence], {
      title: what,
      human: { reason: 'a certificate is the admin\'s to obtain or renew: postfix-fix does not make or replace one', steps: [...steps, 'then `postfix reload` (smtpd reads its certificate when a process starts)'] },
    });
  const v = await inspectCertificate(ctx.fs, pair.cert, pair.key);
  switch (v.kind) {
    case 'cert-unreadable':
      return fail(`TLS certificate ${pair.cert} cannot be read (${v.code}): STARTTLS fails`, [], [`Put the certificate at ${pair.cert}, or point ${where.split(' ').pop()} at the right file`]);
    case 'key-unreadable':
      return fail(`TLS key ${pair.key} cannot be read (${v.code}): STARTTLS fails`, [], [`Put the private key at ${pair.key} (mode 0600, owner root)`]);
    case 'not-pem':
      return fail(`${pair.cert} is not a PEM certificate (${v.message})`, [], ['Check the file: it must start with -----BEGIN CERTIFICATE-----']);
    case 'key-mismatch':
      return fail(`TLS key ${pair.key} does not belong to certificate ${pair.cert}: smtpd answers STARTTLS with 454`, v.facts, ['Install the key that was issued with this certificate (or the certificate of this key): compare `openssl x509 -noout -pubkey` with `openssl pkey -pubout`']);
    case 'key-unusable':
      return fail(`TLS key ${pair.key} cannot be used (${v.message})`, v.facts, [`Check ${pair.key}: a PEM private key, not encrypted with a passphrase`]);
    case 'expired':
      return fail(`TLS certificate ${pair.cert} expired on ${v.validTo}${pair.required ? ': clients that check it refuse to log in' : ''}`, v.facts, ['Renew it (certbot renew, or your CA)']);
    case 'expiring':
      return problem('warn', 'tls', 'tls-certificate-problem', [`${where}: ${pair.cert}`, ...v.facts], {
        title: `TLS certificate ${pair.cert} expires in ${v.days} day(s) (${v.validTo}): renewal is not happening`,
        human: { reason: 'renewals normally run 30 days ahead: a certificate this close to its end means the renewal job fails', steps: ['Run the renewal by hand and read why it fails (certbot renew --dry-run)', 'then `postfix reload`'] },
      });
    case 'valid':
      return ok('tls', `${pair.cert} matches its key and is valid for ${v.days} more days`, [`${where}`, ...v.facts]);
  }
}
