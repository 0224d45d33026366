import { makeCertificate, useCertificate } from './certs.js';
import type { LabCertificate } from './certs.js';
import type { Host } from './host-types.js';
import { listeners } from './listeners.js';
import { backdateConfig, postconfGet, postfixIsRunning, postfixReload } from './postfix-control.js';
import { pollUntil } from './wait.js';

// Submission ports as an admin enables them: master.cf entries and their -o options through
// `postconf -M`/`-P` (never by uncommenting Debian's sample block, whose -o lines are commented
// separately), with the values of that block spelled out ($mua_* are not defined in Debian's
// main.cf).

export type SubmissionService = 'submission' | 'submissions';

export const SUBMISSION_PORTS: Readonly<Record<SubmissionService, number>> = { submission: 587, submissions: 465 };

const COMMON_OPTIONS = [
  'smtpd_sasl_auth_enable=yes',
  'smtpd_reject_unlisted_recipient=no',
  'smtpd_client_restrictions=permit_sasl_authenticated,reject',
  'smtpd_relay_restrictions=permit_sasl_authenticated,reject',
  'milter_macro_daemon_name=ORIGINATING',
];

const SERVICE_OPTIONS: Readonly<Record<SubmissionService, readonly string[]>> = {
  // 587: STARTTLS required, AUTH only after it.
  submission: ['syslog_name=postfix/submission', 'smtpd_tls_security_level=encrypt', 'smtpd_tls_auth_only=yes', ...COMMON_OPTIONS],
  // 465: TLS from the first byte (RFC 8314 "submissions").
  submissions: ['syslog_name=postfix/submissions', 'smtpd_tls_wrappermode=yes', ...COMMON_OPTIONS],
};

export interface SubmissionOptions {
  // Default both.
  services?: readonly SubmissionService[];
  // TLS needs a certificate in main.cf: this one, else the one configured, else a valid one
  // is made (makeCertificate) and used.
  certificate?: LabCertificate;
  // `postfix reload` when Postfix runs (default true): new master.cf services need no restart.
  reload?: boolean;
}

export interface SubmissionInfo {
  services: SubmissionService[];
  ports: number[];
  // The certificate made or given here; undefined when main.cf already had one.
  certificate?: LabCertificate;
  // `postconf -M` lines of the services as enabled.
  masterEntries: string[];
}

// AUTH on these ports also needs a SASL backend (startDovecotSasl); without one smtpd offers
// whatever its default (Cyrus) finds.
export async function enableSubmission(host: Host, opts: SubmissionOptions = {}): Promise<SubmissionInfo> {
  const services = [...(opts.services ?? (['submission', 'submissions'] as const))];
  let certificate = opts.certificate;
  if (certificate === undefined && (await postconfGet(host, 'smtpd_tls_cert_file')) === '') {
    certificate = await makeCertificate(host, { name: 'submission' });
  }
  // The reload below (or the caller's start) brings it into service.
  if (certificate) await useCertificate(host, certificate, { reload: false, waitServed: false });
  await host.execOk(['postconf', '-M', ...services.map((s) => `${s}/inet=${s} inet n - y - - smtpd`)]);
  await host.execOk(['postconf', '-P', ...services.flatMap((s) => SERVICE_OPTIONS[s].map((o) => `${s}/inet/${o}`))]);
  await backdateConfig(host);
  const ports = services.map((s) => SUBMISSION_PORTS[s]);
  if ((opts.reload ?? true) && (await postfixIsRunning(host))) {
    await postfixReload(host);
    await pollUntil(
      async () => {
        const bound = new Set((await listeners(host)).map((l) => l.port));
        return ports.every((p) => bound.has(p)) ? true : undefined;
      },
      { timeoutMs: 15_000, what: `${host.name}: Postfix listening on ${ports.join(', ')}` },
    );
  }
  const masterEntries = (await host.execOk(['postconf', '-M', ...services.map((s) => `${s}/inet`)])).stdout.trim().split('\n');
  const info: SubmissionInfo = { services, ports, masterEntries };
  if (certificate) info.certificate = certificate;
  return info;
}
