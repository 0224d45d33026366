// postfix-restart: stop and start a running Postfix whose master listens elsewhere than main.cf
// says. The master reads inet_interfaces and inet_protocols only when it starts: after
// `postconf -e inet_interfaces=all; postfix reload` it logs "ignoring inet_interfaces change" and
// keeps its old sockets, so clients stay refused while main.cf looks right (the triage guide's
// own steps leave a host this way). Plans nothing when the listeners already match, or when
// Postfix is not running (a start reads main.cf anyway).
// It cannot be undone, and says so: a restart changes no file, and the listeners the master had
// came from a main.cf that is no longer on disk — there is nothing to restore but a stale process.

import { gatherListeners } from '../../facts/listeners.js';
import { bindingDrift, expectedBindAddresses, formatBinding } from '../../facts/inet-interfaces.js';
import { parsePostconfN } from '../postconf/main-cf.js';
import { defineActionModule } from '../define.js';
import { NotApplicable, StepFailure } from '../../core/errors.js';
import { describeResult, pollUntil } from '../../exec/command.js';
import { controlPostfix, describePostfixAction, postfixCheck, postfixRunning } from '../postfix-control.js';
import type { ModuleContext } from '../types.js';

const ARGS = { type: 'object', additionalProperties: false, properties: {} } as const;

const PORT_BINDING = {
  type: 'object',
  additionalProperties: false,
  required: ['port', 'bound', 'stale', 'missing'],
  properties: {
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    bound: { type: 'array', items: { type: 'string' } },
    stale: { type: 'array', items: { type: 'string' } },
    missing: { type: 'array', items: { type: 'string' } },
  },
} as const;

const STATE = {
  type: 'object',
  additionalProperties: false,
  required: ['running', 'inetInterfaces', 'inetProtocols', 'expected', 'ports'],
  properties: {
    running: { type: 'boolean' },
    inetInterfaces: { type: 'string' },
    inetProtocols: { type: 'string' },
    /** What a master started now would bind for a service without an address of its own. */
    expected: { type: ['array', 'null'], items: { type: 'string' } },
    /** The ports of such services the master listens on now, and how they drift. */
    ports: { type: 'array', items: PORT_BINDING },
  },
} as const;

const DATA = {
  type: 'object',
  additionalProperties: false,
  required: ['configDir', 'expected'],
  properties: { configDir: { type: 'string', pattern: '^/' }, expected: { type: 'array', items: { type: 'string' } } },
} as const;

async function readSettings(ctx: ModuleContext): Promise<{ inetInterfaces: string; inetProtocols: string }> {
  const r = await ctx.exec.run(['postconf', '-c', ctx.facts.postfix.configDir, 'inet_interfaces', 'inet_protocols'], { timeoutMs: 10_000 });
  if (r.exitCode !== 0) throw new StepFailure('cannot read inet_interfaces / inet_protocols', describeResult(r));
  const p = parsePostconfN(r.stdout);
  return { inetInterfaces: p.get('inet_interfaces') ?? 'all', inetProtocols: p.get('inet_protocols') ?? 'all' };
}

/**
 * Ports of inet services without an address of their own (those inet_interfaces applies to) that
 * the master listens on now, with the addresses it binds.
 */
async function masterBindings(ctx: ModuleContext): Promise<Map<number, string[]>> {
  const ports = new Set(ctx.facts.postfix.services.filter((s) => s.type === 'inet' && s.address === null && s.port !== null).map((s) => s.port as number));
  const out = new Map<number, string[]>();
  for (const l of await gatherListeners(ctx, () => undefined)) {
    if (l.process !== 'master' || !ports.has(l.port)) continue;
    out.set(l.port, [...(out.get(l.port) ?? []), l.address]);
  }
  return out;
}

function describeBound(ports: ReadonlyArray<{ port: number; bound: readonly string[] }>): string {
  return ports.map((p) => p.bound.map((a) => formatBinding(a, p.port)).join(', ')).join(', ');
}

export const postfixRestartModule = defineActionModule({
  name: 'postfix-restart',
  description: 'Stop and start Postfix when its master listens elsewhere than main.cf says (inet_interfaces and inet_protocols are read only at start).',
  irreversible: 'a restart changes no file: Postfix reads the main.cf it already has, and the sockets the old master held came from settings that are no longer on disk. Rollback restores files (the steps before this one), not a stale process',
  args: ARGS,
  data: DATA,
  restore: STATE,

  async inspect(ctx) {
    const [running, settings] = await Promise.all([postfixRunning(ctx), readSettings(ctx)]);
    const expected = expectedBindAddresses(settings.inetInterfaces, settings.inetProtocols, ctx.facts.network.ipv6Available);
    const bindings = running ? await masterBindings(ctx) : new Map<number, string[]>();
    const ports = [...bindings.entries()].sort(([a], [b]) => a - b).map(([port, bound]) => ({ port, bound: [...bound].sort(), ...(expected ? bindingDrift(expected, bound) : { stale: [], missing: [] }) }));
    return { running, ...settings, expected, ports };
  },

  diff(ctx, _args, st) {
    // Stopped: whatever starts it next reads main.cf as it is. Nothing bound: nothing to compare
    // (a disabled smtp service is another cause, with another fix).
    if (!st.running || st.ports.length === 0) return null;
    if (st.expected === null) throw new NotApplicable(`inet_interfaces = ${st.inetInterfaces} names a host name: what it binds at start cannot be known here`);
    const drifting = st.ports.filter((p) => p.stale.length > 0 || p.missing.length > 0);
    if (drifting.length === 0) return null;
    const expected = st.expected;
    const then = st.ports.map((p) => expected.map((a) => formatBinding(a, p.port)).join(', ')).join(', ');
    const action = describePostfixAction(ctx, 'restart');
    return {
      summary: `restart Postfix: it listens on ${describeBound(st.ports)}, main.cf asks for inet_interfaces = ${st.inetInterfaces}`,
      diff: [
        '~ postfix check (must pass before Postfix is started again)',
        `~ restart Postfix: ${action}   (inet_interfaces and inet_protocols are read only at start: a reload ignores them)`,
        `  listening now: ${describeBound(st.ports)}`,
        `  after the restart: ${then}`,
        '  no file changes',
      ],
      data: { configDir: ctx.facts.postfix.configDir, expected },
      intent: { restart: true, inetInterfaces: st.inetInterfaces, inetProtocols: st.inetProtocols, expected },
      restore: st,
      touchesPostfix: true,
    };
  },

  async apply(ctx) {
    await postfixCheck(ctx);
    await controlPostfix(ctx, 'restart');
    return undefined;
  },

  async verify(ctx, _args, { data }) {
    const look = async () => [...(await masterBindings(ctx)).entries()].map(([port, bound]) => ({ port, bound, ...bindingDrift(data.expected, bound) }));
    const settled = (ports: Awaited<ReturnType<typeof look>>): boolean => ports.length > 0 && ports.every((p) => p.stale.length === 0 && p.missing.length === 0);
    // The new master opens its sockets as it starts: give it a moment after `postfix status` says running.
    const ports = await pollUntil(look, settled, Date.now() + 10_000, 200);
    return {
      ok: settled(ports),
      evidence: [
        `postfix status: ${(await postfixRunning(ctx)) ? 'running' : 'not running'}`,
        ports.length > 0 ? `the master listens on ${describeBound(ports)}` : 'the master listens on no port of an inet service',
        ...ports.filter((p) => p.missing.length > 0).map((p) => `not bound: ${p.missing.map((a) => formatBinding(a, p.port)).join(', ')}`),
      ],
    };
  },
});
