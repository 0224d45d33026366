// Gather every fact once, concurrently, each gatherer under its own timeout and all of them under
// the run's deadline. A gatherer that fails or times out leaves an entry in `facts.errors` and a
// deliberately empty value (no listeners, no interfaces, nothing active) that probes check
// against `errors` before drawing conclusions — never a made-up observation.

import { budgetMs, withTimeout } from '../core/deadline.js';
import { accessTablesIn, readAccessTables } from './access-tables.js';
import { readAccounts } from './accounts.js';
import { FactUnavailable } from './context.js';
import { gatherClient } from './client.js';
import { gatherFail2ban } from './fail2ban.js';
import { gatherFirewall } from './firewall/gather.js';
import { gatherHostname } from './hostname.js';
import { gatherInit } from './init.js';
import { gatherListeners } from './listeners.js';
import { gatherMac } from './mac.js';
import { gatherMasterPid, masterPidPath } from './master-pid.js';
import { gatherNetwork } from './network.js';
import { gatherOs } from './os.js';
import { gatherOtherMtas } from './other-mtas.js';
import { assemblePostfix } from './postfix.js';
import { gatherDependencies } from './dependencies.js';
import { chrootConvention } from './master-cf.js';
import { gatherSasl } from './sasl.js';
import { serverCertificateProblem } from './tls-certificate.js';
import { gatherMasterServices } from './master-services.js';
import { gatherPostfixParams } from './postfix-params.js';
import { scanProcesses } from './processes.js';
import { deriveRelay } from './relay.js';
import { gatherServiceState } from './service-state.js';
import type { Accounts } from './accounts.js';
import type { FactContext, NoteError } from './context.js';
import type { PostfixParams } from './postfix-params.js';
import type { ProcessInfo } from './processes.js';
import type { ServiceState } from './service-state.js';
import type { ClientFacts, DependencyFacts, Facts, Fail2banFacts, FirewallFacts, InitFacts, MasterPidFacts, MasterService, NetworkFacts, SaslFacts, TlsFacts } from './types.js';
import { hasSymptom } from '../core/client.js';
import type { ClientQuery } from '../core/client.js';

/** Each gatherer's own budget; the deadline caps it further. */
const BUDGET_MS = {
  hostname: 1_500,
  os: 1_500,
  init: 2_500,
  accounts: 1_500,
  processes: 2_000,
  params: 3_000,
  listeners: 2_500,
  network: 2_500,
  masterPid: 2_000,
  service: 2_500,
  postfix: 1_500,
  firewall: 4_000,
  mac: 1_500,
  otherMtas: 1_500,
  accessTables: 1_000,
  dependencies: 1_500,
  sasl: 1_500,
  tls: 1_000,
  client: 1_500,
  fail2ban: 3_000,
} as const;

export interface GatherOptions {
  /** The client and ports a person asked about (--from, --port): facts are then gathered for them too. */
  client?: ClientQuery | null;
}

export async function gatherFacts(ctx: FactContext, options: GatherOptions = {}): Promise<Facts> {
  const errors: Facts['errors'] = [];
  const note: NoteError = (fact, message) => errors.push({ fact, message });
  const guard = <T>(fact: Gatherer, wantedMs: number, work: () => Promise<T>, fallback: T): Promise<T> =>
    withTimeout(
      Promise.resolve().then(work),
      budgetMs(ctx.deadline, wantedMs * (ctx.timeScale ?? 1), { floorMs: 50 }),
      `gathering ${fact}`,
    ).catch((e: unknown) => {
      note(fact, e instanceof FactUnavailable || e instanceof Error ? e.message : String(e));
      return fallback;
    });

  const hostname = guard('hostname', BUDGET_MS.hostname, () => gatherHostname(ctx), '');
  const os = guard('os', BUDGET_MS.os, () => gatherOs(ctx), { id: '', idLike: [], versionId: '', prettyName: '' });
  const init = guard<InitFacts>('init', BUDGET_MS.init, () => gatherInit(ctx), { pid1: '', manager: 'direct' });
  const accounts = guard<Accounts>('accounts', BUDGET_MS.accounts, () => readAccounts(ctx.fs), { users: new Map(), groups: new Map() });
  const processes = guard<ProcessInfo[]>('processes', BUDGET_MS.processes, () => scanProcesses(ctx.fs), []);
  const params = guard<PostfixParams>('postfix.params', BUDGET_MS.params, () => gatherPostfixParams(ctx), { installed: ctx.exec.has('postconf'), params: {} });
  const listeners = guard('listeners', BUDGET_MS.listeners, () => gatherListeners(ctx, note), []);
  const network = guard<NetworkFacts>('network', BUDGET_MS.network, () => gatherNetwork(ctx, note), { interfaces: [], ipv6Available: false, defaultRoutes: [] });
  const mac = guard('mac', BUDGET_MS.mac, () => gatherMac(ctx), { selinux: 'absent' as const, apparmor: 'absent' as const });

  const pidPath = params.then((p) => masterPidPath(p.params, ctx.profile.paths.masterPid));
  const masterPid = pidPath.then((path) =>
    guard<MasterPidFacts>('master_pid', BUDGET_MS.masterPid, () => gatherMasterPid(ctx, path), { path, exists: false, pid: null, pidAlive: false, pidIsMaster: false, lockHolder: null }),
  );
  const service = init.then((i) => guard<ServiceState>('postfix.service', BUDGET_MS.service, () => gatherServiceState(ctx, i.manager), { unit: null, enabled: null, unitState: null }));
  const services = params.then((p) =>
    p.installed ? guard<MasterService[]>('postfix.services', BUDGET_MS.params, () => gatherMasterServices(ctx, p.params.config_directory || ctx.profile.paths.postfixConfigDir), []) : [],
  );
  const query = hasSymptom(options.client) ? options.client : null;
  const client: Promise<ClientFacts | null> = query
    ? guard<ClientFacts | null>('client', BUDGET_MS.client + BUDGET_MS.params, () => gatherClient(ctx, query, network, services), { address: query.address, name: query.name, family: null, ports: query.ports ?? [25], portsGiven: query.ports !== null, iface: null, local: false, bridge: null })
    : Promise.resolve(null);
  // Without a client the firewall does not wait for it (nor for master.cf, which it needs).
  const fail2ban = processes.then((procs) => guard<Fail2banFacts | null>('fail2ban', BUDGET_MS.fail2ban, () => gatherFail2ban(ctx, note, procs, query?.address ?? null), null));
  // The firewall reads its rules at once; its judging waits for the client's facts, and without
  // a client for fail2ban's list (which ports its bans guard is read from the rules; at once where
  // fail2ban does not run). With a client, its own walk says it, and the two run side by side.
  const firewall = Promise.all([processes, network]).then(([procs, net]) =>
    guard<FirewallFacts>('firewall', BUDGET_MS.firewall, () => gatherFirewall(ctx, note, procs, net, client, query ? null : fail2ban), { active: [], installed: [], mixedIptables: false, verdicts: [] }),
  );
  const postfix = Promise.all([params, services, accounts, masterPid, service]).then(([p, sv, a, m, s]) =>
    guard('postfix', BUDGET_MS.postfix, () => assemblePostfix(ctx, { params: p, services: sv, accounts: a, masterPid: m, service: s }), {
      installed: p.installed,
      version: p.params.mail_version || null,
      configDir: ctx.profile.paths.postfixConfigDir,
      queueDir: ctx.profile.paths.postfixQueueDir,
      dataDir: ctx.profile.paths.postfixDataDir,
      mainCf: unknownFile(`${ctx.profile.paths.postfixConfigDir}/main.cf`),
      masterCf: unknownFile(`${ctx.profile.paths.postfixConfigDir}/master.cf`),
      params: p.params,
      services: sv,
      running: m.pidAlive && m.pidIsMaster,
      masterPid: m.pidAlive && m.pidIsMaster ? m.pid : null,
      enabled: s.enabled,
      unit: s.unit,
      unitState: s.unitState,
    }),
  );
  const otherMtas = Promise.all([processes, listeners, init, masterPid]).then(([procs, ls, i, m]) =>
    guard('other_mtas', BUDGET_MS.otherMtas, () => gatherOtherMtas(ctx, procs, ls, i.manager, m.pidIsMaster ? m.pid : null), []),
  );

  const dependencies = Promise.all([params, services, listeners, init, processes]).then(([p, sv, ls, i, procs]) =>
    p.installed
      ? guard<DependencyFacts>('dependencies', BUDGET_MS.dependencies, () => gatherDependencies(ctx, { params: p.params, services: sv, queueDir: p.params.queue_directory || ctx.profile.paths.postfixQueueDir, listeners: ls, manager: i.manager, processes: procs }), { endpoints: [], downUnits: [] })
      : { endpoints: [], downUnits: [] },
  );
  const sasl = Promise.all([params, services]).then(([p, sv]) =>
    p.installed
      ? guard<SaslFacts>('sasl', BUDGET_MS.sasl, () => gatherSasl(ctx, { params: p.params, queueDir: p.params.queue_directory || ctx.profile.paths.postfixQueueDir, configDir: p.params.config_directory || ctx.profile.paths.postfixConfigDir, chrooted: chrootConvention(sv) === 'y' }), { available: false, type: null, path: null, detail: 'not gathered' })
      : { available: false, type: null, path: null, detail: 'Postfix is not installed' },
  );
  const tls = params.then((p) =>
    guard<TlsFacts>('tls', BUDGET_MS.tls, async () => {
      const c = await serverCertificateProblem(ctx.fs, p.params);
      return { certFile: c.cert, keyFile: c.key, certificateProblem: c.problem };
    }, { certFile: '', keyFile: '', certificateProblem: 'the certificate could not be checked' }),
  );
  const accessTables = params.then((p) => guard('relay.access_tables', BUDGET_MS.accessTables, () => readAccessTables(ctx.fs, accessTablesIn(p.params)), new Map<string, string>()));

  const [h, o, i, pf, ls, mp, net, fw, mc, om, pp, tables, deps, sa, tl, cl, f2b] = await Promise.all([hostname, os, init, postfix, listeners, masterPid, network, firewall, mac, otherMtas, params, accessTables, dependencies, sasl, tls, client, fail2ban]);
  const relay = errors.some((e) => e.fact === 'postfix.params')
    ? { mynetworksTooWide: false, restrictionsSafe: false, safe: false, reasons: ['Postfix parameters could not be read'] }
    : deriveRelay(pp.params, net, tables);
  return { hostname: h, os: o, init: i, postfix: pf, listeners: ls, masterPid: mp, network: net, firewall: fw, mac: mc, otherMtas: om, relay, dependencies: deps, sasl: sa, tls: tl, errors, client: cl, fail2ban: f2b };
}

function unknownFile(path: string): Facts['postfix']['mainCf'] {
  return { path, exists: false, mode: null, uid: null, gid: null, owner: null, group: null };
}

/** Each gatherer's name: its facts live under the same path (`postfix.params` under `postfix`). */
const GATHERERS = ['accounts', 'client', 'dependencies', 'fail2ban', 'firewall', 'hostname', 'init', 'listeners', 'mac', 'master_pid', 'network', 'os', 'other_mtas', 'postfix', 'postfix.params', 'postfix.service', 'postfix.services', 'processes', 'relay.access_tables', 'sasl', 'tls'] as const;
type Gatherer = (typeof GATHERERS)[number];

/**
 * Why the value at a fact path (`mac.selinux`) is a fallback, not the host's: the gatherer that
 * owns it — the most specific one whose name leads the path — failed. Null when it did not.
 */
export function factPathFailed(facts: Facts, path: string): string | null {
  const owner = GATHERERS.filter((g) => path === g || path.startsWith(`${g}.`)).sort((a, b) => b.length - a.length)[0];
  return owner ? factFailed(facts, owner, { exact: true }) : null;
}

/**
 * Did gathering `fact` fail? Its message, or null. Unless `exact`, anything under it counts too
 * (`firewall` covers `firewall.ufw`).
 */
export function factFailed(facts: Facts, fact: string, options: { exact?: boolean } = {}): string | null {
  const e = facts.errors.find((x) => x.fact === fact || (!options.exact && x.fact.startsWith(`${fact}.`)));
  return e ? e.message : null;
}
