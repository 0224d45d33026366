// selinux: the durable SELinux fixes — label a non-standard port for Postfix
// (`semanage port -a -t smtp_port_t`) or set a boolean persistently. Never edits
// /etc/selinux/config and never turns enforcement off (see selinux-permissive for the
// temporary, always-restored confirmation).

import type { JsonObject } from '../../core/json.js';
import { NotApplicable, StepFailure } from '../../core/errors.js';
import { mustRun } from '../../exec/command.js';
import type { ActionModule, Change, ModuleContext, Outcome, UndoRecord } from '../types.js';
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

const argsSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    ports: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 65535 } },
    ports_from_denials: { type: 'boolean', description: 'Also label every port SELinux recently denied Postfix (ausearch -m AVC, name_bind).' },
    port_type: { type: 'string', pattern: '^[a-z0-9_]+_t$' },
    booleans: { type: 'object', propertyNames: { pattern: '^[a-z0-9_]+$' }, additionalProperties: { type: 'boolean' } },
  },
};

interface SelinuxState extends JsonObject {
  mode: string | null;
  unlabelled: number[];
  booleans: { [name: string]: boolean | null };
}

export const selinuxModule: ActionModule = {
  name: 'selinux',
  description: 'Label ports for Postfix (semanage port) or set SELinux booleans persistently.',
  argsSchema,

  async inspect(ctx, args) {
    const mode = await getEnforce(ctx);
    if (mode === null || mode === 'Disabled') throw new NotApplicable('SELinux is not enabled on this host');
    const type = String(args.port_type ?? 'smtp_port_t');
    const ports = [...new Set([...((args.ports as number[] | undefined) ?? []), ...(args.ports_from_denials ? await recentDeniedPorts(ctx) : [])])];
    let unlabelled: number[] = [];
    if (ports.length) {
      const r = await ctx.exec.run(['semanage', 'port', '-l', '-n'], { timeoutMs: 30_000 });
      if (r.notFound) throw new NotApplicable('semanage is not installed (policycoreutils-python-utils / policycoreutils)');
      const list = parsePortList(r.stdout);
      unlabelled = ports.filter((p) => !portLabelled(list, type, p));
    }
    const booleans: SelinuxState['booleans'] = {};
    for (const name of Object.keys((args.booleans as JsonObject | undefined) ?? {})) {
      booleans[name] = parseGetsebool((await ctx.exec.run(['getsebool', name], { timeoutMs: 10_000 })).stdout);
    }
    const st: SelinuxState = { mode, unlabelled, booleans };
    return st;
  },

  diff(_ctx, args, raw) {
    const st = raw as SelinuxState;
    const type = String(args.port_type ?? 'smtp_port_t');
    const wanted = (args.booleans as Record<string, boolean> | undefined) ?? {};
    const flips = Object.entries(wanted).filter(([n, v]) => st.booleans[n] !== v);
    if (st.unlabelled.length === 0 && flips.length === 0) return null;
    const change: Change = {
      summary: [...st.unlabelled.map((p) => `label tcp/${p} as ${type}`), ...flips.map(([n, v]) => `${n} → ${v ? 'on' : 'off'}`)].join(', '),
      diff: [...st.unlabelled.map((p) => `~ semanage port -a -t ${type} -p tcp ${p}`), ...flips.map(([n, v]) => `~ setsebool -P ${n} ${v ? 'on' : 'off'}   (now ${st.booleans[n] === null ? 'unknown' : st.booleans[n] ? 'on' : 'off'})`)],
      data: { type, ports: st.unlabelled, booleans: Object.fromEntries(flips) },
      intent: { type, ports: st.unlabelled, booleans: Object.fromEntries(flips) },
      restore: st,
    };
    return change;
  },

  async apply(ctx, _args, change) {
    const d = change.data as { type: string; ports: number[]; booleans: Record<string, boolean> };
    for (const p of d.ports) await mustRun(ctx.exec, ['semanage', 'port', '-a', '-t', d.type, '-p', 'tcp', String(p)], `label port ${p}`, { timeoutMs: 120_000 });
    for (const [n, v] of Object.entries(d.booleans)) await mustRun(ctx.exec, ['setsebool', '-P', n, v ? 'on' : 'off'], `setsebool ${n}`, { timeoutMs: 120_000 });
    return undefined;
  },

  async verify(ctx, args, change): Promise<Outcome> {
    const d = change.data as { type: string; ports: number[]; booleans: Record<string, boolean> };
    const st = (await selinuxModule.inspect(ctx, { ports: d.ports, port_type: d.type, booleans: d.booleans })) as SelinuxState;
    const ok = st.unlabelled.length === 0 && Object.entries(d.booleans).every(([n, v]) => st.booleans[n] === v);
    return { ok, evidence: [...d.ports.map((p) => `tcp/${p}: ${st.unlabelled.includes(p) ? 'not labelled' : d.type}`), ...Object.keys(d.booleans).map((n) => `${n}: ${st.booleans[n] ? 'on' : 'off'}`)] };
  },

  async undo(ctx, record: UndoRecord): Promise<Outcome> {
    const d = record.change.data as { type: string; ports: number[]; booleans: Record<string, boolean> };
    const before = record.change.restore as SelinuxState;
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
    return { ok: true, evidence };
  },
};
