// What smtpd serves over TLS, next to what is on disk. smtpd loads its certificate once, when the
// process starts (as root, before it chroots): a certificate renewed on disk reaches clients only
// through smtpd processes started after the renewal. Until `postfix reload`, every live smtpd
// (an idle one lives max_idle = 100 s, serving up to max_use = 100 clients) hands out the old one.
// Two views of the same fact: a STARTTLS from this host (what a client gets right now, from
// whichever smtpd takes the connection), and the start times of the smtpd processes against the
// file's modification time (every process that would serve the old one to its next client).
// Read on demand, not gathered with the other facts: it costs a TLS handshake per service.

import { X509Certificate } from 'node:crypto';
import type { DialResult, Dialer, TlsCertificate } from '../core/dial.js';
import type { HostFs } from '../core/host-fs.js';
import { processStartEpoch } from './process-start.js';
import { readCmdline, scanProcesses } from './processes.js';
import type { Facts, MasterService } from './types.js';

export interface DiskCertificate {
  fingerprint256: string;
  notBefore: string;
  notAfter: string;
  subject: string;
  /** When the file (the symlink's target) was last written: renewals write new files. */
  mtimeMs: number;
}

export type TlsMode = 'starttls' | 'implicit';

/** What a client got over TLS from one dial. */
export interface ServedTls {
  /** The handshake completed and a certificate came back. */
  ok: boolean;
  /** `served`, or why not: `no STARTTLS offered`, the reply to STARTTLS (454 …), the handshake error, ECONNREFUSED… */
  detail: string;
  certificate?: TlsCertificate;
}

export interface ServedTlsState {
  /** `smtp/inet`, `submission/inet`, `smtpd/pass` (behind postscreen). */
  service: string;
  port: number;
  mode: TlsMode;
  /** Where it was dialled. */
  host: string;
  certFile: string;
  /** null: unreadable or not a certificate (the tls probe names that). */
  disk: DiskCertificate | null;
  served: ServedTls;
  /** smtpd processes of this service started before the certificate file last changed. */
  staleProcesses: Array<{ pid: number; startedAt: string }>;
}

/** Started this much before the file's mtime at least: start times and /proc/uptime are known to 10 ms each. */
const CLOCK_SLACK_MS = 50;
/** Linux reports process start times in USER_HZ, which is 100 on every architecture Postfix runs on. */
const USER_HZ = 100;

interface TlsService {
  name: string;
  master: MasterService;
  port: number;
  mode: TlsMode;
  certFile: string;
  address: string | null;
}

function param(s: MasterService, main: Readonly<Record<string, string>>, name: string): string {
  return s.params[name] ?? main[name] ?? '';
}

/** smtpd services that speak TLS to clients, with the port clients reach them on. */
export function tlsServices(facts: Facts): TlsService[] {
  const main = facts.postfix.params;
  const services = facts.postfix.services;
  const out: TlsService[] = [];
  const add = (s: MasterService, port: number, address: string | null, front: MasterService): void => {
    const wrapper = param(front, main, 'smtpd_tls_wrappermode') === 'yes' || param(s, main, 'smtpd_tls_wrappermode') === 'yes';
    const level = param(s, main, 'smtpd_tls_security_level') || (param(s, main, 'smtpd_use_tls') === 'yes' ? 'may' : '');
    if (!wrapper && level !== 'may' && level !== 'encrypt') return;
    // smtpd_tls_chain_files, when set, replaces the cert/key parameters: its first certificate is served.
    const chain = param(s, main, 'smtpd_tls_chain_files').split(/[\s,]+/).filter(Boolean);
    const certFile = chain[0] ?? param(s, main, 'smtpd_tls_cert_file');
    if (certFile === '') return;
    out.push({ name: `${s.service}/${s.type}`, master: s, port, mode: wrapper ? 'implicit' : 'starttls', certFile, address });
  };
  for (const s of services) {
    if (s.command === 'smtpd' && s.type === 'inet' && s.port !== null) add(s, s.port, s.address, s);
    // postscreen hands each client to the smtpd pass service named `smtpd`: it is what does STARTTLS.
    if (s.command === 'postscreen' && s.type === 'inet' && s.port !== null) {
      const behind = services.find((x) => x.command === 'smtpd' && x.type === 'pass');
      if (behind) add(behind, s.port, s.address, s);
    }
  }
  return out;
}

async function diskCertificate(fs: HostFs, path: string): Promise<DiskCertificate | null> {
  try {
    const [bytes, st] = await Promise.all([fs.readBytes(path), fs.stat(path)]);
    const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(bytes.toString('latin1'))?.[0];
    if (!pem || !st) return null;
    const x = new X509Certificate(pem);
    return { fingerprint256: x.fingerprint256, notBefore: new Date(x.validFrom).toISOString(), notAfter: new Date(x.validTo).toISOString(), subject: x.subject.replace(/\n/g, ', '), mtimeMs: st.mtimeMs };
  } catch {
    return null;
  }
}

/** Where to dial a service from this host: loopback when it listens there (or everywhere). */
function dialHost(facts: Facts, svc: TlsService): string {
  if (svc.address && svc.address !== '*' && svc.address !== '0.0.0.0' && svc.address !== '[::]') return svc.address.replace(/^\[|\]$/g, '');
  const on = facts.listeners.filter((l) => l.port === svc.port);
  if (on.length === 0 || on.some((l) => l.address === '0.0.0.0' || l.address === '127.0.0.1' || l.address === '*')) return '127.0.0.1';
  if (on.some((l) => l.address === '::' || l.address === '::1')) return '::1';
  return on[0]?.address ?? '127.0.0.1';
}

/**
 * When a process started, to 10 ms: its start in ticks since boot against /proc/uptime read now.
 * (/proc/stat's btime is whole seconds: too coarse next to a renewal moments after a session.)
 */
async function startedMs(fs: HostFs, pid: number, uptime: number | null): Promise<number | null> {
  if (uptime === null) {
    const epoch = await processStartEpoch(fs, pid);
    return epoch === null ? null : epoch * 1000;
  }
  const stat = await fs.tryReadText(`/proc/${pid}/stat`).catch(() => null);
  const ticks = Number(stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  if (!Number.isFinite(ticks)) return null;
  return Date.now() - (uptime - ticks / USER_HZ) * 1000;
}

/** smtpd processes by the service they run (`-n NAME -t TYPE`), with their start times. */
async function smtpdProcesses(fs: HostFs): Promise<Array<{ pid: number; service: string; startedMs: number }>> {
  const procs = (await scanProcesses(fs).catch(() => [])).filter((p) => p.comm === 'smtpd');
  if (procs.length === 0) return [];
  const uptimeText = await fs.tryReadText('/proc/uptime').catch(() => null);
  const uptime = uptimeText ? Number(uptimeText.split(/\s+/)[0]) : null;
  const out = await Promise.all(
    procs.map(async (p) => {
      const [cmd, start] = await Promise.all([readCmdline(fs, p.pid), startedMs(fs, p.pid, uptime !== null && Number.isFinite(uptime) ? uptime : null)]);
      const m = cmd ? /\s-n\s+(\S+)\s+-t\s+(\S+)/.exec(` ${cmd}`) : null;
      return m && start !== null ? { pid: p.pid, service: `${m[1]}/${m[2]}`, startedMs: start } : null;
    }),
  );
  return out.filter((p): p is { pid: number; service: string; startedMs: number } => p !== null);
}

/** The dialer's answer, as "what certificate did a client get". */
function servedOf(r: DialResult): ServedTls {
  const t = r.tls;
  if (t?.ok && t.certificate) return { ok: true, detail: 'served', certificate: t.certificate };
  if (t?.ok) return { ok: false, detail: 'the handshake completed without a certificate' };
  if (t && !t.offered) return { ok: false, detail: 'no STARTTLS offered' };
  if (t) return { ok: false, detail: t.detail ?? 'the TLS handshake failed' };
  return { ok: false, detail: r.outcome === 'banner' ? `${r.banner ?? 'greeted'}${r.detail ? `; ${r.detail}` : ''}` : (r.detail ?? r.outcome) };
}

export async function servedTlsState(ctx: { fs: HostFs; facts: Facts; dialer: Dialer }, timeoutMs: number): Promise<ServedTlsState[]> {
  const services = tlsServices(ctx.facts);
  if (services.length === 0) return [];
  const procs = await smtpdProcesses(ctx.fs);
  return Promise.all(
    services.map(async (svc) => {
      const host = dialHost(ctx.facts, svc);
      const [disk, dialled] = await Promise.all([
        diskCertificate(ctx.fs, svc.certFile),
        ctx.dialer(host, svc.port, { connectTimeoutMs: timeoutMs, bannerTimeoutMs: timeoutMs, deadline: Date.now() + timeoutMs, ...(svc.mode === 'implicit' ? { implicitTls: true } : { starttls: true }) }),
      ]);
      const served = servedOf(dialled);
      const staleProcesses =
        disk === null
          ? []
          : procs
              .filter((p) => p.service === svc.name && p.startedMs < disk.mtimeMs - CLOCK_SLACK_MS)
              .map((p) => ({ pid: p.pid, startedAt: new Date(p.startedMs).toISOString() }));
      return { service: svc.name, port: svc.port, mode: svc.mode, host, certFile: svc.certFile, disk, served, staleProcesses };
    }),
  );
}

/** Clients get (or the next ones will get) another certificate than the file holds. */
export function notReloaded(s: ServedTlsState): boolean {
  if (s.disk === null) return false;
  const servedOther = s.served.ok && s.served.certificate !== undefined && s.served.certificate.fingerprint256 !== s.disk.fingerprint256;
  return servedOther || s.staleProcesses.length > 0;
}
