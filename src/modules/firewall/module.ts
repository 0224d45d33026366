// firewall: open the mail ports in whichever firewall is active, with rules narrowly scoped (one
// tcp port each, placed directly before what blocked it) and tagged as ours, and an undo that
// removes only those and puts back byte for byte the config files it persisted them in.
//
// Which backend gets a rule: every active backend that would block the port, because they all
// filter the same packet — iptables-legacy and iptables-nft tables, nftables tables and firewalld's
// table each hook input on their own, and a packet gets in only when each of them lets it through
// (measured: an nft accept in one base chain does not stop a drop in another). Frontends are
// planned first and their chains are opened only through them:
//   - ufw keeps its rules in iptables chains (ufw-*) and sets INPUT's policy; a raw ACCEPT in
//     INPUT would pass packets but is invisible in `ufw status` and bypasses the admin's ufw rules,
//     so ufw gets `ufw allow`. A raw iptables rule is added only where a rule outside ufw's chains
//     still blocks once ufw's own allow is modelled in.
//   - firewalld rebuilds its table on every reload; a rule inserted in it would vanish, and an
//     accept in a table of our own cannot overrule its reject (see above). So firewalld gets
//     `firewall-cmd`, and raw rules go only into tables that are not firewalld's.
// The profile's order of preference decides the order in which frontends are planned and shown.
//
// Mixed iptables-legacy and nft tables: both are evaluated; rules go only where one blocks, and
// the plan says so (consolidating them is a decision the firewall-mixed-backends finding explains).

import type { JsonObject, JsonValue } from '../../core/json.js';
import type { FactContext } from '../../facts/context.js';
import { gatherFirewall, outsideInterfaces } from '../../facts/firewall/gather.js';
import { gatherNetwork } from '../../facts/network.js';
import { scanProcesses } from '../../facts/processes.js';
import { FIREWALL_BACKENDS } from '../../core/profile.js';
import type { FirewallBackend } from '../../core/profile.js';
import type { NetworkFacts } from '../../facts/types.js';
import { NotApplicable, StepFailure } from '../../core/errors.js';
import type { ActionModule, Change, ModuleContext, Outcome, UndoRecord } from '../types.js';
import { firewalldBackend } from './firewalld.js';
import { iptablesBackend } from './iptables.js';
import { nftablesBackend } from './nftables.js';
import { describeVerdict } from './types.js';
import type { BackendPlan, FirewallBackendOps, InspectEnv, OutsideIface, PlanContext, PortVerdict } from './types.js';
import { ufwBackend } from './ufw.js';

const BACKENDS: readonly FirewallBackendOps[] = [firewalldBackend(), ufwBackend(), nftablesBackend(), iptablesBackend('nft'), iptablesBackend('legacy')];

const argsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['ports'],
  properties: {
    ports: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'integer', minimum: 1, maximum: 65535 }, description: 'TCP ports to open (25, 587, …).' },
    protocol: { enum: ['tcp'], description: 'Only tcp: SMTP runs over nothing else.' },
    backend: { enum: ['auto', ...FIREWALL_BACKENDS], description: 'Open the ports only in this backend (default auto: every active backend that blocks them).' },
  },
};

interface FirewallState extends JsonObject {
  ports: number[];
  outside: OutsideIface[];
  active: FirewallBackend[];
  mixedIptables: boolean;
  /** What could not be read (a backend's tool failed): shown, never guessed around. */
  errors: string[];
  backends: Array<{ name: FirewallBackend; state: JsonObject }>;
}

interface FirewallData extends JsonObject {
  plans: BackendPlan[];
}

function parsePorts(args: JsonObject): number[] {
  return [...new Set((args.ports as number[]).map(Number))];
}

function opsFor(name: string): FirewallBackendOps {
  const ops = BACKENDS.find((b) => b.name === name);
  if (!ops) throw new StepFailure(`firewall backend ${name} is not known to this version`);
  return ops;
}

/** Frontends first, each group in the profile's order of preference. */
export function orderBackends(active: readonly FirewallBackend[], preferred: readonly FirewallBackend[]): FirewallBackend[] {
  const rank = (b: FirewallBackend): number => {
    const i = preferred.indexOf(b);
    return (opsFor(b).frontend ? 0 : 100) + (i < 0 ? 50 + FIREWALL_BACKENDS.indexOf(b) : i);
  };
  return [...active].sort((a, b) => rank(a) - rank(b));
}

function outsideOf(network: NetworkFacts): OutsideIface[] {
  const v6 = (name: string): string[] =>
    network.interfaces
      .find((i) => i.name === name)
      ?.addresses.filter((a) => a.family === 6 && !a.address.toLowerCase().startsWith('fe80'))
      .map((a) => a.address) ?? [];
  return outsideInterfaces(network)
    .filter((i) => i.name !== '(outside)')
    .map((i) => ({ name: i.name, v4: i.v4, v6: v6(i.name) }));
}

/** The firewall as it is now: which backends are loaded (the facts gatherers, run again), and where strangers arrive. */
async function look(ctx: ModuleContext): Promise<{ env: Omit<InspectEnv, 'ports'>; mixedIptables: boolean; errors: string[] }> {
  const errors: string[] = [];
  const note = (fact: string, message: string): void => void errors.push(`${fact}: ${message}`);
  const fctx: FactContext = { ...ctx, deadline: Math.min(ctx.deadline, Date.now() + 20_000) };
  const [network, processes] = await Promise.all([gatherNetwork(fctx, note), scanProcesses(ctx.fs)]);
  const fw = await gatherFirewall(fctx, note, processes, network);
  return { env: { outside: outsideOf(network), active: orderBackends(fw.active, ctx.profile.firewall.preferred) }, mixedIptables: fw.mixedIptables, errors };
}

function selected(active: FirewallBackend[], backend: string): FirewallBackend[] {
  if (backend === 'auto') return active;
  if (!active.includes(backend as FirewallBackend)) throw new NotApplicable(`${backend} is not active on this host (active: ${active.join(', ') || 'none'})`);
  return [backend as FirewallBackend];
}

function mixedNote(plans: BackendPlan[]): string {
  const where = plans.filter((p) => p.backend.startsWith('iptables-')).map((p) => p.backend);
  return `# note: iptables-legacy and iptables-nft tables both hold rules (mixed backends): the kernel runs both, so a port is open only when each lets it through; rules are added only where one blocks${where.length ? ` (${where.join(', ')})` : ''}. Which set to keep is a separate decision (see the firewall-mixed-backends finding).`;
}

async function currentVerdicts(ctx: ModuleContext, ports: number[], only: FirewallBackend[] | null): Promise<{ verdicts: PortVerdict[]; mixed: boolean; errors: string[] }> {
  const now = await look(ctx);
  const env: InspectEnv = { ...now.env, ports };
  const names = only ? now.env.active.filter((b) => only.includes(b)) : now.env.active;
  const verdicts: PortVerdict[] = [];
  for (const name of names) {
    const ops = opsFor(name);
    verdicts.push(...ops.verdicts(await ops.inspect(ctx, env), env));
  }
  return { verdicts, mixed: now.mixedIptables, errors: now.errors };
}

export const firewallModule: ActionModule = {
  name: 'firewall',
  description: 'Open the mail ports in the active firewall(s) with narrow rules tagged as ours; persisted the way each backend persists; undo removes only ours.',
  argsSchema,
  // Until this module is written with defineActionModule: nothing journaled is checked yet.
  irreversible: null,
  journalSchemas: { data: {}, restore: {}, applied: {} },

  async inspect(ctx, args) {
    const ports = parsePorts(args);
    const now = await look(ctx);
    const active = selected(now.env.active, String(args.backend ?? 'auto'));
    const env: InspectEnv = { ...now.env, active, ports };
    const backends: FirewallState['backends'] = [];
    for (const name of active) backends.push({ name, state: await opsFor(name).inspect(ctx, env) });
    const state: FirewallState = { ports, outside: env.outside, active, mixedIptables: now.mixedIptables, errors: now.errors, backends };
    return state;
  },

  diff(_ctx, _args, raw) {
    const st = raw as FirewallState;
    const env: InspectEnv = { ports: st.ports, outside: st.outside, active: st.active };
    const pc: PlanContext = { ports: st.ports, active: st.active, openedBy: new Map() };
    const plans: BackendPlan[] = [];
    for (const b of st.backends) {
      const ops = opsFor(b.name);
      const plan = ops.plan(b.state, env, pc);
      if (!plan) continue;
      plans.push(plan);
      if (ops.frontend) pc.openedBy.set(b.name, new Set(plan.opens));
    }
    if (plans.length === 0) return null;
    const diff = plans.flatMap((p) => p.diff);
    if (st.mixedIptables) diff.push(mixedNote(plans));
    for (const e of st.errors) diff.push(`# note: could not read ${e}`);
    const data: FirewallData = { plans };
    const change: Change = {
      summary: `open ${plans.map((p) => `${p.opens.map((n) => `${n}/tcp`).join(', ')} in ${p.backend}`).join('; ')}`,
      diff,
      data,
      intent: plans.map((p) => ({ backend: p.backend, change: p.intent })),
      // The plans are all undo needs: what was added (found again by our tag) and the file snapshots.
      restore: data,
    };
    return change;
  },

  async apply(ctx, _args, change) {
    const { plans } = change.data as FirewallData;
    const applied: { [backend: string]: JsonValue } = {};
    for (const plan of plans) applied[plan.backend] = await opsFor(plan.backend).apply(ctx, plan);
    return applied;
  },

  async verify(ctx, args, change): Promise<Outcome> {
    const { plans } = change.data as FirewallData;
    const ports = parsePorts(args);
    const backend = String(args.backend ?? 'auto');
    const evidence: string[] = [];
    let ok = true;
    for (const plan of plans) {
      const p = await opsFor(plan.backend).check(ctx, plan);
      evidence.push(...p.evidence);
      if (p.present !== p.total) ok = false;
    }
    const now = await currentVerdicts(ctx, ports, backend === 'auto' ? null : [backend as FirewallBackend]);
    for (const v of now.verdicts) {
      evidence.push(describeVerdict(v));
      if (v.verdict !== 'allow') ok = false;
    }
    if (now.mixed) evidence.push(mixedNote(plans).replace(/^# note: /, ''));
    // What could not be read cannot be shown to let the port through.
    if (now.errors.length > 0) ok = false;
    evidence.push(...now.errors.map((e) => `could not read ${e}`));
    return { ok, evidence };
  },

  async undo(ctx, record: UndoRecord): Promise<string[]> {
    const { plans } = record.change.restore as FirewallData;
    const applied = (record.applied ?? {}) as { [backend: string]: JsonValue };
    const evidence: string[] = [];
    const failures: string[] = [];
    // Newest first; one backend failing must not keep the others from being undone.
    for (const plan of [...plans].reverse()) {
      try {
        evidence.push(...(await opsFor(plan.backend).undo(ctx, plan, applied[plan.backend])));
      } catch (e) {
        failures.push(`${plan.backend}: ${(e as Error).message}`, ...(e instanceof StepFailure ? e.evidence : []));
      }
    }
    for (const plan of plans) {
      const p = await opsFor(plan.backend).check(ctx, plan);
      if (p.present > 0) failures.push(`${plan.backend}: ${p.present} of our ${p.total} additions are still in place`, ...p.evidence);
    }
    if (failures.length > 0) throw new StepFailure('the firewall could not be fully restored', [...evidence, ...failures]);
    return evidence;
  },
};
