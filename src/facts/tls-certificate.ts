// Is a certificate and key pair usable by smtpd: both readable, the key belongs to the
// certificate, not expired? One set of checks for diagnose (which explains each failure) and for
// the runbooks that turn on TLS-only services (which refuse to, saying which check failed).
// smtpd loads its key as root before dropping privileges, so "readable" means readable by root.

import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { HostFs } from '../core/host-fs.js';

/** Renewals (certbot, acme.sh) run 30 days ahead; less than this left means renewal is failing. */
export const EXPIRING_DAYS = 14;

export type CertificateVerdict =
  | { kind: 'cert-unreadable'; code: string }
  | { kind: 'key-unreadable'; code: string }
  | { kind: 'not-pem'; message: string }
  /** `facts`: subject, validity and names, for evidence. */
  | { kind: 'key-mismatch'; facts: string[] }
  | { kind: 'key-unusable'; message: string; facts: string[] }
  | { kind: 'expired'; validTo: string; facts: string[] }
  | { kind: 'expiring'; validTo: string; days: number; facts: string[] }
  | { kind: 'valid'; validTo: string; days: number; facts: string[] };

export async function inspectCertificate(fs: HostFs, certPath: string, keyPath: string, now: number = Date.now()): Promise<CertificateVerdict> {
  const [certPem, keyPem] = await Promise.all([fs.readBytes(certPath).catch((e: NodeJS.ErrnoException) => e), fs.readBytes(keyPath).catch((e: NodeJS.ErrnoException) => e)]);
  if (certPem instanceof Error) return { kind: 'cert-unreadable', code: certPem.code ?? certPem.message };
  if (keyPem instanceof Error) return { kind: 'key-unreadable', code: keyPem.code ?? keyPem.message };
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (e) {
    return { kind: 'not-pem', message: (e as Error).message };
  }
  const facts = [`subject ${cert.subject.replace(/\n/g, ', ')}`, `valid ${cert.validFrom} → ${cert.validTo}`, ...(cert.subjectAltName ? [`names ${cert.subjectAltName}`] : [])];
  try {
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return { kind: 'key-mismatch', facts };
  } catch (e) {
    return { kind: 'key-unusable', message: (e as Error).message, facts };
  }
  const left = Date.parse(cert.validTo) - now;
  const days = Math.floor(left / 86_400_000);
  if (left <= 0) return { kind: 'expired', validTo: cert.validTo, facts };
  if (days < EXPIRING_DAYS) return { kind: 'expiring', validTo: cert.validTo, days, facts };
  return { kind: 'valid', validTo: cert.validTo, days, facts };
}

/** Why TLS cannot work with this pair, in one line; null when it can (expiring soon still works). */
export function certificateProblem(v: CertificateVerdict, certPath: string, keyPath: string): string | null {
  switch (v.kind) {
    case 'cert-unreadable':
      return `certificate ${certPath} cannot be read (${v.code})`;
    case 'key-unreadable':
      return `key ${keyPath} cannot be read (${v.code})`;
    case 'not-pem':
      return `${certPath} is not a PEM certificate (${v.message})`;
    case 'key-mismatch':
      return `key ${keyPath} does not belong to certificate ${certPath}`;
    case 'key-unusable':
      return `key ${keyPath} cannot be used (${v.message})`;
    case 'expired':
      return `certificate ${certPath} expired on ${v.validTo}`;
    default:
      return null;
  }
}

/** main.cf's server certificate for smtpd: problem '' when usable, else why not. */
export async function serverCertificateProblem(fs: HostFs, params: Readonly<Record<string, string>>): Promise<{ cert: string; key: string; problem: string }> {
  const cert = (params.smtpd_tls_cert_file ?? '').trim();
  const key = (params.smtpd_tls_key_file ?? '').trim() || cert;
  if (cert === '') {
    const ec = (params.smtpd_tls_eccert_file ?? '').trim();
    if (ec === '') return { cert, key, problem: 'no certificate configured: smtpd_tls_cert_file is empty in main.cf' };
    const eckey = (params.smtpd_tls_eckey_file ?? '').trim() || ec;
    return { cert: ec, key: eckey, problem: certificateProblem(await inspectCertificate(fs, ec, eckey), ec, eckey) ?? '' };
  }
  return { cert, key, problem: certificateProblem(await inspectCertificate(fs, cert, key), cert, key) ?? '' };
}
