import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { Host } from './host-types.js';
import { backdateConfig, postconfGet, postfixIsRunning, postfixReload } from './postfix-control.js';
import { smtpSession } from './smtp.js';
import type { TlsMode } from './smtp.js';
import { pollUntil } from './wait.js';

// Certificates made with the host's openssl (Debian 12: OpenSSL 3.0, whose `x509 -req` has no
// -not_before/-not_after): self-signed with `req -x509 -days`, and backdated ones signed by a
// small per-host CA with `openssl ca -startdate -enddate`.

export type CertificateVariant =
  // CN and SAN = the host's FQDN (Postfix's myhostname), a year of validity.
  | 'valid'
  // Still valid, ends in `days` days (default 5).
  | 'expiring'
  // Ended `expiredDaysAgo` days ago (default 30): CA-signed with past dates.
  | 'expired'
  // A valid certificate with the private key of another one in keyFile.
  | 'key-mismatch'
  // Key mode 0000, owned by nobody:nogroup. Measured: Postfix still serves TLS, because smtpd
  // loads its key as root before it drops privileges and chroots; only non-root readers fail.
  | 'key-unreadable'
  // certbot's layout (live/NAME/*.pem -> ../../archive/NAME/*1.pem) with the archived key gone:
  // keyFile is a dangling symlink, which nothing (root included) can open.
  | 'key-missing';

export interface CertificateOptions {
  variant?: CertificateVariant;
  // Base name of the files (default: the variant).
  name?: string;
  // Default: Postfix's myhostname in the host.
  commonName?: string;
  // DNS names of the subjectAltName (default: [commonName]).
  altNames?: readonly string[];
  // 'valid', 'key-*': lifetime (default 365); 'expiring': days left (default 5).
  days?: number;
  expiredDaysAgo?: number;
  // EC P-256 (default; ~5 ms to make) or RSA-2048 (~0.1 s).
  keyType?: 'ec' | 'rsa';
  // Default /etc/ssl/lab.
  dir?: string;
}

export interface LabCertificate {
  variant: CertificateVariant;
  name: string;
  certFile: string;
  keyFile: string;
  commonName: string;
  altNames: string[];
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  // "AB:CD:..." (SHA-256), as a TLS client sees it in the served certificate.
  fingerprint256: string;
  // Whether keyFile holds the certificate's own key ('missing': keyFile cannot be opened).
  key: 'matches' | 'mismatch' | 'missing';
  // The lab CA's certificate, for CA-signed ones.
  caFile?: string;
}

const DEFAULT_DIR = '/etc/ssl/lab';
const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]*$/i;
const DNS_PATTERN = /^[a-z0-9*]([a-z0-9.-]*[a-z0-9])?$/i;
const DAY_MS = 86_400_000;

function newKeyArgs(keyType: 'ec' | 'rsa'): string[] {
  return keyType === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'] : ['-newkey', 'rsa:2048'];
}

function genKeyArgs(keyType: 'ec' | 'rsa'): string[] {
  return keyType === 'ec'
    ? ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1']
    : ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'];
}

// openssl ca's date format.
function caDate(d: Date): string {
  return `${d.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

function caConfig(dir: string): string {
  return [
    '[ca]',
    'default_ca = lab',
    '[lab]',
    `dir = ${dir}`,
    'database = $dir/index.txt',
    'serial = $dir/serial',
    'new_certs_dir = $dir/issued',
    'certificate = $dir/ca.pem',
    'private_key = $dir/ca.key',
    'default_md = sha256',
    'policy = any',
    'unique_subject = no',
    // Keep the subjectAltName the request carries.
    'copy_extensions = copy',
    '[any]',
    'commonName = supplied',
    '',
  ].join('\n');
}

// The host's lab CA, made on first use.
async function ensureCa(host: Host, dir: string): Promise<{ caDir: string; caFile: string }> {
  const caDir = `${dir}/ca`;
  const caFile = `${caDir}/ca.pem`;
  if ((await host.exec(['test', '-f', caFile])).code === 0) return { caDir, caFile };
  await host.execOk(['mkdir', '-p', `${caDir}/issued`]);
  await host.execOk(['chmod', '0700', caDir]);
  await host.writeFile(`${caDir}/index.txt`, '');
  await host.writeFile(`${caDir}/serial`, '1000\n');
  await host.writeFile(`${caDir}/ca.cnf`, caConfig(caDir), 0o644);
  await host.execOk([
    'openssl', 'req', '-x509', ...newKeyArgs('ec'), '-nodes', '-keyout', `${caDir}/ca.key`, '-out', caFile,
    '-days', '3650', '-subj', '/CN=postfix-fix lab CA',
  ]);
  return { caDir, caFile };
}

export async function makeCertificate(host: Host, opts: CertificateOptions = {}): Promise<LabCertificate> {
  const variant = opts.variant ?? 'valid';
  const name = opts.name ?? variant;
  if (!NAME_PATTERN.test(name)) throw new Error(`bad certificate name ${JSON.stringify(name)}`);
  const dir = opts.dir ?? DEFAULT_DIR;
  const commonName = opts.commonName ?? (await postconfGet(host, 'myhostname'));
  const altNames = [...(opts.altNames ?? [commonName])];
  for (const n of [commonName, ...altNames]) if (!DNS_PATTERN.test(n)) throw new Error(`bad DNS name ${JSON.stringify(n)}`);
  const keyType = opts.keyType ?? 'ec';
  const subj = ['-subj', `/CN=${commonName}`, '-addext', `subjectAltName=${altNames.map((n) => `DNS:${n}`).join(',')}`];
  await host.execOk(['mkdir', '-p', dir]);

  let certFile = `${dir}/${name}.pem`;
  let keyFile = `${dir}/${name}.key`;
  let caFile: string | undefined;
  if (variant === 'expired') {
    const ca = await ensureCa(host, dir);
    caFile = ca.caFile;
    const end = new Date(Date.now() - (opts.expiredDaysAgo ?? 30) * DAY_MS);
    const start = new Date(end.getTime() - 90 * DAY_MS);
    const csr = `${dir}/${name}.csr`;
    await host.execOk(['openssl', 'req', '-new', ...newKeyArgs(keyType), '-nodes', '-keyout', keyFile, '-out', csr, ...subj]);
    await host.execOk([
      'openssl', 'ca', '-batch', '-notext', '-config', `${ca.caDir}/ca.cnf`,
      '-startdate', caDate(start), '-enddate', caDate(end), '-in', csr, '-out', certFile,
    ]);
    await host.execOk(['rm', '-f', csr]);
  } else {
    const days = opts.days ?? (variant === 'expiring' ? 5 : 365);
    if (variant === 'key-missing') {
      // certbot: live/NAME/fullchain.pem and privkey.pem are symlinks into archive/NAME.
      const live = `${dir}/live/${name}`;
      const archive = `${dir}/archive/${name}`;
      await host.execOk(['mkdir', '-p', live, archive]);
      await host.execOk([
        'openssl', 'req', '-x509', ...newKeyArgs(keyType), '-nodes', '-keyout', `${archive}/privkey1.pem`,
        '-out', `${archive}/fullchain1.pem`, '-days', String(days), ...subj,
      ]);
      certFile = `${live}/fullchain.pem`;
      keyFile = `${live}/privkey.pem`;
      await host.execOk(['ln', '-sfn', `../../archive/${name}/fullchain1.pem`, certFile]);
      await host.execOk(['ln', '-sfn', `../../archive/${name}/privkey1.pem`, keyFile]);
      await host.execOk(['rm', '-f', `${archive}/privkey1.pem`]);
    } else {
      await host.execOk(['openssl', 'req', '-x509', ...newKeyArgs(keyType), '-nodes', '-keyout', keyFile, '-out', certFile, '-days', String(days), ...subj]);
    }
    if (variant === 'key-mismatch') await host.execOk(['openssl', 'genpkey', ...genKeyArgs(keyType), '-out', keyFile]);
  }
  if (variant !== 'key-missing') {
    await host.execOk(['chmod', '0644', certFile]);
    await host.execOk(['chmod', variant === 'key-unreadable' ? '0000' : '0600', keyFile]);
    if (variant === 'key-unreadable') await host.execOk(['chown', 'nobody:nogroup', keyFile]);
  }
  const cert = await describeFiles(host, variant, name, certFile, keyFile, commonName, altNames);
  if (caFile !== undefined) cert.caFile = caFile;
  return cert;
}

function keyMatches(cert: X509Certificate, keyPem: string): boolean {
  try {
    return cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    // A key of another algorithm than the certificate's.
    return false;
  }
}

async function describeFiles(
  host: Host,
  variant: CertificateVariant,
  name: string,
  certFile: string,
  keyFile: string,
  commonName: string,
  altNames: string[],
): Promise<LabCertificate> {
  const x509 = new X509Certificate(await host.readFile(certFile));
  // Read as root through the host (a mode-0000 key is still readable that way, as for smtpd).
  const keyPem = await host.readFile(keyFile).catch(() => undefined);
  const key = keyPem === undefined ? 'missing' : keyMatches(x509, keyPem) ? 'matches' : 'mismatch';
  return {
    variant,
    name,
    certFile,
    keyFile,
    commonName,
    altNames,
    subject: x509.subject,
    issuer: x509.issuer,
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    fingerprint256: x509.fingerprint256,
    key,
  };
}

export interface UseCertificateOptions {
  // `postfix reload` when Postfix runs (default true).
  reload?: boolean;
  // After the reload, wait until 127.0.0.1:port serves this certificate (default: when Postfix
  // runs and the key matches). tls: how to get TLS on that port.
  waitServed?: boolean;
  port?: number;
  tls?: Exclude<TlsMode, 'none'>;
}

// smtpd_tls_cert_file/smtpd_tls_key_file through postconf (plus smtpd_tls_security_level = may
// when unset, as Debian's main.cf.tls has it), then a reload.
export async function useCertificate(host: Host, cert: LabCertificate, opts: UseCertificateOptions = {}): Promise<void> {
  const settings = [`smtpd_tls_cert_file=${cert.certFile}`, `smtpd_tls_key_file=${cert.keyFile}`];
  if ((await postconfGet(host, 'smtpd_tls_security_level')) === '') settings.push('smtpd_tls_security_level=may');
  await host.execOk(['postconf', '-e', ...settings]);
  await backdateConfig(host);
  const running = await postfixIsRunning(host);
  if (running && (opts.reload ?? true)) await postfixReload(host);
  if (opts.waitServed ?? (running && cert.key === 'matches')) await waitServed(host, cert, opts.port ?? 25, opts.tls ?? 'starttls');
}

// Waits until a client of 127.0.0.1:port in the host gets cert (smtpd processes that predate a
// reload finish their session with the old one).
export async function waitServed(host: Host, cert: LabCertificate, port = 25, tls: Exclude<TlsMode, 'none'> = 'starttls'): Promise<void> {
  await pollUntil(
    async () => {
      const s = await smtpSession(host, '127.0.0.1', port, { tls, timeoutMs: 3_000 });
      return s.tls?.certificate?.fingerprint256 === cert.fingerprint256 ? true : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 100, what: `${host.name}: 127.0.0.1:${port} serving ${cert.certFile} (${cert.fingerprint256.slice(0, 11)}…)` },
  );
}

// A renewal on disk, as certbot or an admin's cron job leaves it: a new key and certificate
// (same names, a fresh validity) moved over the files Postfix was told about, and no reload.
export async function renewCertificate(host: Host, cert: LabCertificate, opts: { days?: number; keyType?: 'ec' | 'rsa' } = {}): Promise<LabCertificate> {
  if (cert.variant === 'key-missing') throw new Error('renewCertificate: a key-missing certificate has no key to renew');
  const subj = ['-subj', `/CN=${cert.commonName}`, '-addext', `subjectAltName=${cert.altNames.map((n) => `DNS:${n}`).join(',')}`];
  const newCert = `${cert.certFile}.renewed`;
  const newKey = `${cert.keyFile}.renewed`;
  await host.execOk([
    'openssl', 'req', '-x509', ...newKeyArgs(opts.keyType ?? 'ec'), '-nodes', '-keyout', newKey, '-out', newCert,
    '-days', String(opts.days ?? 90), ...subj,
  ]);
  await host.execOk(['chmod', '0644', newCert]);
  await host.execOk(['chmod', '0600', newKey]);
  // rename(2) over the old names: readers see the old file or the new one, never a mix.
  await host.execOk(['mv', '-f', newKey, cert.keyFile]);
  await host.execOk(['mv', '-f', newCert, cert.certFile]);
  return describeFiles(host, 'valid', cert.name, cert.certFile, cert.keyFile, cert.commonName, cert.altNames);
}
