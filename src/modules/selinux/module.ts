// selinux: the durable SELinux fixes — label a non-standard port for Postfix
// (`semanage port -a -t smtp_port_t`) or set a boolean persistently. Never edits
// /etc/selinux/config and never turns enforcement off (see selinux-permissive for the
// temporary, always-restored confirmation).

import type { FromSchema } from 'json-schema-to-ts';
import { NotApplicable, StepFailure } from '../../core/errors.js';
import { mustRun } from '../../exec/command.js';
import { defineActionModule } from '../define.js';
import type { ModuleContext } from '../types.js';
import { deniedPorts } from './avc.js';
import { getEnforce, parseGetsebool, parsePortList, portLabelled } from './tools.js';

async function recentDeniedPorts(ctx: ModuleContext): Promise<number[]> {
  // --input-logs: with stdin a pipe (as it is for every command we run), ausearch reads stdin,
  // not the audit log, and finds nothing (seen in the real-SELinux VM: no port to label).
  const r = await ctx.exec.run(['ausearch', '--input-logs', '-m', 'AVC', '-ts', 'recent', '-i'], { timeoutMs: 20_000 });
  if (r.notFound) throw new NotApplicable('ausearch is not installed (audit package): cannot tell which ports SELinux denied');
  // ausearch exits 1 when nothing matches: that is an answer, not an error.
  return deniedPorts(r.stdout);
}

const PORT = { type: 'integer', minimum: 1, maximum: 65535 } as const;
const BOOLEAN_NAME = { pattern: '^[a-z0-9_]+$' } as const;
const PORT_TYPE = { type: 'string', pattern: '^[a-z0-9_]+_t$' } as const;

const ARGS = {
  type: 'object',
  additionalProperties: false,
  // Something to do: a port type alone labels nothing.
  anyOf: [{ required: ['ports'] }, { required: ['ports_from_denials'] }, { required: ['booleans'] }],
  properties: {
    ports: { type: 'array', items: PORT },
    ports_from_denials: { type: 'boolean', description: 'Also label every port SELinux recently denied Postfix (ausearch -m AVC, name_bind).' },
    port_type: { ...PORT_TYPE, default: 'smtp_port_t' },
    booleans: { type: 'object', propertyNames: BOOLEAN_NAME, additionalProperties: { type: 'boolean' } },
  },
} as const;

const STATE = {
  type: 'object',
  additionalProperties: false,
  required: ['mode', 'unlabelled', 'booleans'],
  properties: {
    mode: { enum: ['Enforcing', 'Permissive'] },
    /** The requested ports that do not carry the port type yet. */
    unlabelled: { type: 'array', items: PORT },
    /** Each requested boolean as it is now; null where getsebool could not say. */
    booleans: { type: 'object', propertyNames: BOOLEAN_NAME, additionalProperties: { type: ['boolean', 'null'] } },
  },
} as const;

const DATA = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'ports', 'booleans'],
  properties: {
    type: PORT_TYPE,
    ports: { type: 'array', items: PORT },
    booleans: { type: 'object', propertyNames: BOOLEAN_NAME, additionalProperties: { type: 'boolean' } },
  },
} as const;

type SelinuxState = FromSchema<typeof STATE>;

/** Enforcing or permissive; anything else means there is nothing for this module to do. */
async function enabledMode(ctx: ModuleContext): Promise<SelinuxState['mode']> {
  const mode = await getEnforce(ctx);
  if (mode === null || mode === 'Disabled') throw new NotApplicable('SELinux is not enabled on this host');
  return mode;
}

/** The SELinux state of the given ports (for `type`) and booleans. */
async function readState(ctx: ModuleContext, type: string, ports: number[], booleanNames: string[]): Promise<SelinuxState> {
  const mode = await enabledMode(ctx);
  return { mode, ...(await readLabels(ctx, type, ports, booleanNames)) };
}

async function readLabels(ctx: ModuleContext, type: string, ports: number[], booleanNames: string[]): Promise<Omit<SelinuxState, 'mode'>> {
  let unlabelled: number[] = [];
  if (ports.length) {
    const r = await ctx.exec.run(['semanage', 'port', '-l', '-n'], { timeoutMs: 30_000 });
    if (r.notFound) throw new NotApplicable('semanage is not installed (policycoreutils-python-utils / policycoreutils)');
    const list = parsePortList(r.stdout);
    unlabelled = ports.filter((p) => !portLabelled(list, type, p));
  }
  const booleans: SelinuxState['booleans'] = {};
  for (const name of booleanNames) booleans[name] = parseGetsebool((await ctx.exec.run(['getsebool', name], { timeoutMs: 10_000 })).stdout);
  return { unlabelled, booleans };
}

export const selinuxModule = defineActionModule({
  name: 'selinux',
  description: 'Label ports for Postfix (semanage port) or set SELinux booleans persistently.',
  args: ARGS,
  data: DATA,
  restore: STATE,

  async inspect(ctx, args) {
    // The denials are read only when asked, and only once SELinux is known to be on.
    const mode = await enabledMode(ctx);
    const ports = [...new Set([...(args.ports ?? []), ...(args.ports_from_denials ? await recentDeniedPorts(ctx) : [])])];
    return { mode, ...(await readLabels(ctx, args.port_type, ports, Object.keys(args.booleans ?? {}))) };
  },

  diff(_ctx, args, st) {
    const type = args.port_type;
    const flips = Object.entries(args.booleans ?? {}).filter(([n, v]) => st.booleans[n] !== v);
    if (st.unlabelled.length === 0 && flips.length === 0) return null;
    const data = { type, ports: st.unlabelled, booleans: Object.fromEntries(flips) };
    return {
      summary: [...st.unlabelled.map((p) => `label tcp/${p} as ${type}`), ...flips.map(([n, v]) => `${n} → ${v ? 'on' : 'off'}`)].join(', '),
      diff: [...st.unlabelled.map((p) => `~ semanage port -a -t ${type} -p tcp ${p}`), ...flips.map(([n, v]) => `~ setsebool -P ${n} ${v ? 'on' : 'off'}   (now ${st.booleans[n] === null ? 'unknown' : st.booleans[n] ? 'on' : 'off'})`)],
      data,
      intent: data,
      restore: st,
    };
  },

  async apply(ctx, _args, { data: d }) {
    for (const p of d.ports) await mustRun(ctx.exec, ['semanage', 'port', '-a', '-t', d.type, '-p', 'tcp', String(p)], `label port ${p}`, { timeoutMs: 120_000 });
    for (const [n, v] of Object.entries(d.booleans)) await mustRun(ctx.exec, ['setsebool', '-P', n, v ? 'on' : 'off'], `setsebool ${n}`, { timeoutMs: 120_000 });
    return undefined;
  },

  async verify(ctx, _args, { data: d }) {
    const st = await readState(ctx, d.type, d.ports, Object.keys(d.booleans));
    const ok = st.unlabelled.length === 0 && Object.entries(d.booleans).every(([n, v]) => st.booleans[n] === v);
    return { ok, evidence: [...d.ports.map((p) => `tcp/${p}: ${st.unlabelled.includes(p) ? 'not labelled' : d.type}`), ...Object.keys(d.booleans).map((n) => `${n}: ${st.booleans[n] ? 'on' : 'off'}`)] };
  },

  async undo(ctx, { change }) {
    const { data: d, restore: before } = change;
    const evidence: string[] = [];
    const list = parsePortList((await ctx.exec.run(['semanage', 'port', '-l', '-n'], { timeoutMs: 30_000 })).stdout);
    for (const p of d.ports) {
      if (!portLabelled(list, d.type, p)) continue;
      await mustRun(ctx.exec, ['semanage', 'port', '-d', '-t', d.type, '-p', 'tcp', String(p)], `unlabel port ${p}`, { timeoutMs: 120_000 });
      evidence.push(`removed the ${d.type} label from tcp/${p}`);
    }
    for (const n of Object.keys(d.booleans)) {
      const was = before.booleans[n];
      if (was === null || was === undefined) continue;
      await mustRun(ctx.exec, ['setsebool', '-P', n, was ? 'on' : 'off'], `restore ${n}`, { timeoutMs: 120_000 });
      evidence.push(`${n} back to ${was ? 'on' : 'off'}`);
    }
    if (evidence.length === 0) evidence.push('nothing to undo: already as before');
    const st = await getEnforce(ctx);
    if (st === null) throw new StepFailure('cannot read SELinux state after undo');
    return evidence;
  },
});
