import { makeCertificate, renewCertificate, useCertificate } from '../certs.js';
import type { CertificateOptions, CertificateVariant, LabCertificate } from '../certs.js';
import type { Host } from '../host-types.js';
import { postconfGet } from '../postfix-control.js';
import { smtpSession } from '../smtp.js';
import type { TlsMode } from '../smtp.js';

export interface CertificateFault {
  kind: 'tls-certificate';
  variant: CertificateVariant;
  certificate: LabCertificate;
}

// Postfix configured (postconf + reload) with a certificate of the given variant. What a peer
// sees, measured in certs.test.ts: expired/expiring are served as they are; key-mismatch and
// key-missing make smtpd log "disabling TLS support" and answer STARTTLS with "454 4.7.0 TLS
// not available due to local problem"; key-unreadable (mode/owner) changes nothing.
export async function injectCertificate(
  host: Host,
  variant: CertificateVariant,
  opts: Omit<CertificateOptions, 'variant'> = {},
): Promise<CertificateFault> {
  const certificate = await makeCertificate(host, { ...opts, variant });
  await useCertificate(host, certificate);
  return { kind: 'tls-certificate', variant, certificate };
}

export interface RenewedFaultOptions {
  // The certificate in service (default: a valid one is made and used first).
  certificate?: LabCertificate;
  // Ports whose smtpd must hold the old certificate (default 25 with STARTTLS).
  ports?: readonly { port: number; tls: Exclude<TlsMode, 'none'> }[];
}

export interface RenewedNotReloadedFault {
  kind: 'tls-renewed-not-reloaded';
  // What clients are served until smtpd processes are replaced (reload, or max_idle/max_use).
  served: LabCertificate;
  // What the files hold now.
  onDisk: LabCertificate;
  // smtpd reads its certificate when it starts: an idle one lives max_idle seconds (100) and
  // serves up to max_use (100) clients with the old certificate.
  maxIdleSeconds: number;
}

// The certificate was renewed on disk (new key and certificate over the same file names) but
// Postfix was not reloaded. smtpd loads its certificate once, at process start, so a live
// smtpd keeps serving the old one; one client session per port first makes sure such a process
// is there, as on any server that has had a client in the last max_idle seconds. A freshly
// spawned smtpd (a second simultaneous client, or after max_idle) serves the new files.
export async function injectRenewedNotReloaded(host: Host, opts: RenewedFaultOptions = {}): Promise<RenewedNotReloadedFault> {
  let served = opts.certificate;
  if (!served) {
    served = await makeCertificate(host, { name: 'renewed' });
    await useCertificate(host, served);
  }
  for (const { port, tls } of opts.ports ?? [{ port: 25, tls: 'starttls' as const }]) {
    const session = await smtpSession(host, '127.0.0.1', port, { tls });
    const got = session.tls?.certificate?.fingerprint256;
    if (got !== served.fingerprint256) throw new Error(`${host.name}: 127.0.0.1:${port} serves ${got ?? 'no certificate'}, not ${served.certFile}`);
  }
  const onDisk = await renewCertificate(host, served);
  const maxIdleSeconds = Number((await postconfGet(host, 'max_idle')).replace(/s$/, ''));
  return { kind: 'tls-renewed-not-reloaded', served, onDisk, maxIdleSeconds };
}
