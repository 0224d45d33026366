// The services smtpd and cleanup must reach before they accept a mail: milters (smtpd_milters,
// non_smtpd_milters), policy services (check_policy_service in any restriction list) and the SASL
// backend (Dovecot's auth socket), from main.cf and every master.cf `-o` override — each
// connect-tested, and, when it does not answer, who should be answering (the unit that owns it).
// The most reported cause of mail refused behind a normal banner that is not a port problem.

import { join } from 'node:path';
import { connectEndpoint } from '../exec/endpoint.js';
import type { Endpoint } from '../exec/endpoint.js';
import type { FactContext } from './context.js';
import type { ServiceManager } from '../core/profile.js';
import type { ProcessInfo } from './processes.js';
import type { Dependency, DependencyFacts, DependencyKind, Listener, MasterService } from './types.js';

interface KnownService {
  units: string[];
  ports: number[];
  path: RegExp;
  process: string;
}

/** Who usually serves an address: Debian's and upstream's documented defaults. */
const KNOWN: readonly KnownService[] = [
  { units: ['opendkim.service', 'opendkim'], ports: [8891, 12301], path: /opendkim/, process: 'opendkim' },
  { units: ['opendmarc.service', 'opendmarc'], ports: [8893, 54321], path: /opendmarc/, process: 'opendmarc' },
  { units: ['rspamd.service', 'rspamd'], ports: [11332], path: /rspamd/, process: 'rspamd' },
  { units: ['spamass-milter.service', 'spamass-milter'], ports: [], path: /spamass/, process: 'spamass-milter' },
  { units: ['clamav-milter.service', 'clamav-milter'], ports: [7357], path: /clamav/, process: 'clamav-milter' },
  { units: ['postgrey.service', 'postgrey'], ports: [10023, 60000], path: /postgrey/, process: 'postgrey' },
  { units: ['policyd-weight.service', 'policyd-weight'], ports: [12525], path: /policyd-weight/, process: 'policyd-weight' },
  { units: ['dovecot.service', 'dovecot'], ports: [12345], path: /private\/auth|dovecot/, process: 'dovecot' },
  { units: ['saslauthd.service', 'saslauthd'], ports: [], path: /saslauthd/, process: 'saslauthd' },
];

/** Specs in a milter list: `inet:h:p`, `unix:/p`, `{ inet:h:p, default_action=accept }`. */
export function milterSpecs(value: string): string[] {
  const out: string[] = [];
  for (const m of value.matchAll(/\{([^}]*)\}|([^\s,{}]+)/g)) {
    const first = m[1] !== undefined ? m[1].split(/[\s,]+/).find((x) => x !== '') : m[2];
    if (first && /^(inet|unix|local):/.test(first)) out.push(first);
  }
  return out;
}

/** The service named after each `check_policy_service` in a restriction list. */
export function policySpecs(value: string): string[] {
  const tokens = [...value.matchAll(/\{[^}]*\}|[^\s,{}]+/g)].map((m) => m[0]);
  const out: string[] = [];
  tokens.forEach((t, i) => {
    if (t !== 'check_policy_service') return;
    const next = tokens[i + 1] ?? '';
    const spec = next.startsWith('{') ? next.slice(1).split(/[\s,}]+/).find((x) => x !== '') : next;
    if (spec) out.push(spec);
  });
  return out;
}

/** Where smtpd connects: relative unix paths and, when chrooted, absolute ones are under the queue directory. */
export function endpointOf(spec: string, queueDir: string, chrooted: boolean): Endpoint | null {
  const inet = /^inet:\[?([^\]]+?)\]?:(\d+)$/.exec(spec);
  if (inet) return { transport: 'inet', host: inet[1] === 'localhost' ? '127.0.0.1' : (inet[1] as string), port: Number(inet[2]) };
  const unix = /^(?:unix|local):(.+)$/.exec(spec) ?? (/^[^:]+$/.test(spec) ? [spec, spec] : null);
  if (!unix) return null;
  const path = unix[1] as string;
  return { transport: 'unix', path: !path.startsWith('/') || chrooted ? join(queueDir, path) : path };
}

interface Named {
  kind: DependencyKind;
  spec: string;
  usedBy: string;
  chrooted: boolean;
}

/** Every endpoint named, with the chroot of the daemon that uses it. */
export function namedDependencies(params: Readonly<Record<string, string>>, services: readonly MasterService[]): Named[] {
  const smtpds = services.filter((s) => s.command === 'smtpd');
  const cleanup = services.find((s) => s.command === 'cleanup');
  const anyChrooted = smtpds.some((s) => s.chroot);
  const out: Named[] = [];
  const scan = (name: string, value: string, chrooted: boolean, where: string): void => {
    if (name === 'smtpd_milters') for (const spec of milterSpecs(value)) out.push({ kind: 'milter', spec, usedBy: where, chrooted });
    if (name === 'non_smtpd_milters') for (const spec of milterSpecs(value)) out.push({ kind: 'milter', spec, usedBy: where, chrooted: cleanup?.chroot ?? false });
    if (name.endsWith('_restrictions')) for (const spec of policySpecs(value)) out.push({ kind: 'policy', spec, usedBy: where, chrooted });
  };
  for (const [name, value] of Object.entries(params)) scan(name, value, anyChrooted, name);
  for (const s of smtpds) for (const [name, value] of Object.entries(s.params)) scan(name, value, s.chroot, `${s.service}/${s.type}/${name}`);
  // SASL: wherever smtpd_sasl_auth_enable is on, with that service's type and path.
  const saslOn = (s: MasterService | null): boolean => (s?.params.smtpd_sasl_auth_enable ?? params.smtpd_sasl_auth_enable) === 'yes';
  for (const s of [null, ...smtpds]) {
    if (!saslOn(s)) continue;
    if (s !== null && s.params.smtpd_sasl_auth_enable === undefined && s.params.smtpd_sasl_path === undefined && s.params.smtpd_sasl_type === undefined) continue;
    const type = s?.params.smtpd_sasl_type ?? params.smtpd_sasl_type ?? 'cyrus';
    // Cyrus reads its own config (saslauthd, auxprop): nothing Postfix names to connect to.
    if (type !== 'dovecot') continue;
    const path = s?.params.smtpd_sasl_path ?? params.smtpd_sasl_path ?? 'smtpd';
    out.push({ kind: 'sasl', spec: path, usedBy: s ? `${s.service}/${s.type}/smtpd_sasl_path` : 'smtpd_sasl_path', chrooted: s ? s.chroot : anyChrooted });
  }
  return out;
}

async function unitExists(ctx: FactContext, manager: ServiceManager, unit: string): Promise<boolean> {
  // Without a service manager nothing here can start another daemon for us.
  if (manager === 'direct') return false;
  const dirs = manager === 'systemd' ? ['/etc/systemd/system', '/run/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system'] : ['/etc/init.d'];
  if ((manager === 'systemd') !== unit.endsWith('.service')) return false;
  for (const d of dirs) if (await ctx.fs.exists(join(d, unit)).catch(() => false)) return true;
  return false;
}

function known(endpoint: Endpoint): KnownService | undefined {
  return KNOWN.find((k) => (endpoint.transport === 'inet' ? k.ports.includes(endpoint.port) : k.path.test(endpoint.path)));
}

export async function gatherDependencies(ctx: FactContext, input: { params: Readonly<Record<string, string>>; services: readonly MasterService[]; queueDir: string; listeners: readonly Listener[]; manager: ServiceManager; processes?: readonly ProcessInfo[] }): Promise<DependencyFacts> {
  const byEndpoint = new Map<string, Dependency>();
  const pending: Array<Promise<void>> = [];
  for (const n of namedDependencies(input.params, input.services)) {
    const endpoint = endpointOf(n.spec, input.queueDir, n.chrooted);
    if (!endpoint) continue;
    const key = endpoint.transport === 'inet' ? `inet:${endpoint.host}:${endpoint.port}` : `unix:${endpoint.path}`;
    const seen = byEndpoint.get(key);
    if (seen) {
      if (!seen.usedBy.includes(n.usedBy)) seen.usedBy.push(n.usedBy);
      continue;
    }
    const dep: Dependency = { kind: n.kind, spec: n.spec, usedBy: [n.usedBy], endpoint, chrooted: n.chrooted, answers: false, detail: '', owner: null, candidates: [], misplaced: null };
    byEndpoint.set(key, dep);
    pending.push(
      (async () => {
        // Unix paths through HostFs, so the lab (and a host mounted elsewhere) is read where it is.
        const target: Endpoint = endpoint.transport === 'unix' ? { transport: 'unix', path: ctx.fs.resolve(endpoint.path) } : endpoint;
        const a = await connectEndpoint(target, Math.max(50, Math.min(1_000, ctx.deadline - Date.now())));
        dep.answers = a.answers;
        dep.detail = a.detail;
        const k = known(endpoint);
        const listener = endpoint.transport === 'inet' ? input.listeners.find((l) => l.port === endpoint.port) : undefined;
        dep.owner = listener?.process ?? k?.process ?? null;
        if (k) for (const u of k.units) if (await unitExists(ctx, input.manager, u)) dep.candidates.push(u);
        if (!a.answers && k && input.processes) dep.ownerRunning = input.processes.some((p) => p.comm === k.process);
        // A chrooted smtpd looks inside the queue directory; the daemon may have made its socket outside it.
        if (!a.answers && endpoint.transport === 'unix' && n.chrooted && endpoint.path.startsWith(input.queueDir)) {
          const outside = endpoint.path.slice(input.queueDir.length) || '/';
          if (await ctx.fs.exists(outside).catch(() => false)) dep.misplaced = outside;
        }
      })(),
    );
  }
  await Promise.all(pending);
  const endpoints = [...byEndpoint.values()];
  // Starting a unit helps only an endpoint whose daemon is not running (and whose socket is where smtpd looks).
  const downUnits = [...new Set(endpoints.filter((d) => !d.answers && d.misplaced === null && d.ownerRunning !== true).flatMap((d) => d.candidates))];
  return { endpoints, downUnits };
}
