import assert from 'node:assert/strict';
import { StepFailure } from '../../../../src/core/errors.js';
import type { Executor } from '../../../../src/core/exec.js';
import { FIREWALL_BACKENDS } from '../../../../src/core/profile.js';
import { compileSchema } from '../../../../src/core/validate.js';
import { NO_DATA } from '../../../../src/modules/define.js';
import { defineFirewallBackend } from '../../../../src/modules/firewall/backend.js';
import type { BackendPlan } from '../../../../src/modules/firewall/backend.js';
import { BACKENDS, firewallModule } from '../../../../src/modules/firewall/module.js';
import type { InspectEnv, PlanContext } from '../../../../src/modules/firewall/types.js';
import type { Change, ModuleContext } from '../../../../src/modules/types.js';
import { baseFacts, testContext } from '../../helpers/context.js';

// The backend contract (defineFirewallBackend): what crosses from the module into a backend is
// decoded through the backend's schemas first, a change its undo could not read back is refused
// before it is journaled, and undo verifies what it restored. The backend below keeps its
// "firewall" in memory — the contract is what is tested; the real backends are tested against
// real firewalls in lab.test.ts.
const portsSchema = { type: 'array', items: { type: 'integer', minimum: 1, maximum: 65535 } } as const;
const stateSchema = { type: 'object', additionalProperties: false, required: ['blocked'], properties: { blocked: portsSchema } } as const;
const dataSchema = { type: 'object', additionalProperties: false, required: ['open'], properties: { open: portsSchema } } as const;
const restoreSchema = { type: 'object', additionalProperties: false, required: ['note'], properties: { note: { type: 'string' } } } as const;

function memoryBackend(opts: { forgetOnUndo?: number; badData?: boolean } = {}) {
  const opened = new Set<number>();
  const calls: string[] = [];
  const ops = defineFirewallBackend({
    name: 'nftables',
    frontend: false,
    state: stateSchema,
    data: dataSchema,
    restore: restoreSchema,
    applied: NO_DATA,
    inspect: async (_ctx, env) => ({ blocked: env.ports.filter((p) => !opened.has(p)) }),
    judge: (st, env) => env.ports.map((port) => ({ backend: 'nftables', port, iface: 'eth0', family: 4, verdict: st.blocked.includes(port) ? 'drop' : 'allow', detail: '' })),
    diff(st) {
      if (st.blocked.length === 0) return null;
      // badData: a backend bug that would journal something its undo cannot read.
      const data = opts.badData ? { open: st.blocked.map(String) } : { open: st.blocked };
      return { opens: st.blocked, diff: st.blocked.map((p) => `+ open ${p}`), data: data as { open: number[] }, intent: st.blocked, restore: { note: 'in memory' } };
    },
    async apply(_ctx, { data }) {
      calls.push('apply');
      for (const p of data.open) opened.add(p);
      return null;
    },
    async verify(_ctx, { data }) {
      const present = data.open.filter((p) => opened.has(p)).length;
      return { present, total: data.open.length, evidence: data.open.map((p) => `${p}: ${opened.has(p) ? 'open' : 'closed'}`) };
    },
    async undo(_ctx, { data }) {
      calls.push('undo');
      for (const p of data.open) if (p !== opts.forgetOnUndo) opened.delete(p);
      return data.open.map((p) => `closed ${p}`);
    },
  });
  return { ops, opened, calls };
}

/** An executor that must not be reached: a damaged record is refused before anything runs. */
const untouchable: Executor = {
  has: () => true,
  run: async (argv) => assert.fail(`ran ${argv.join(' ')}`),
};
const ctx = (): ModuleContext => ({ ...testContext(baseFacts()), exec: untouchable });
const env: InspectEnv = { ports: [25, 587], outside: [{ name: 'eth0', v4: ['192.0.2.1'], v6: [] }], active: ['nftables'] };
const pc = (): PlanContext => ({ ports: env.ports, active: env.active, openedBy: new Map() });

describe('firewall backends: the contract (defineFirewallBackend)', () => {
  it('inspect → diff → apply → verify → undo, with its own types, and undo verifies what it restored', async () => {
    const { ops, opened } = memoryBackend();
    const state = await ops.inspect(ctx(), env);
    assert.deepEqual(ops.judge(state, env).map((v) => v.verdict), ['drop', 'drop']);
    const plan = ops.diff(state, env, pc());
    assert.ok(plan);
    assert.deepEqual([plan.backend, plan.opens, plan.data], ['nftables', [25, 587], { open: [25, 587] }]);
    assert.equal(await ops.apply(ctx(), plan), null);
    assert.deepEqual(await ops.verify(ctx(), plan), { present: 2, total: 2, evidence: ['25: open', '587: open'] });
    assert.equal(ops.diff(await ops.inspect(ctx(), env), env, pc()), null, 'nothing left to open');
    assert.deepEqual(await ops.undo(ctx(), plan, null), ['closed 25', 'closed 587']);
    assert.deepEqual([...opened], []);
  });

  it('refuses at plan time a change its undo could not read back', () => {
    const { ops } = memoryBackend({ badData: true });
    assert.throws(
      () => ops.diff({ blocked: [25] }, env, pc()),
      (e: unknown) => e instanceof StepFailure && /firewall backend nftables: the change's data\.open\[0\] must be integer/.test(e.message),
    );
  });

  it('decodes a journaled plan before acting on it: a damaged one is a clear error, and nothing runs', async () => {
    const { ops, calls } = memoryBackend();
    const damaged: BackendPlan = { backend: 'nftables', opens: [25], diff: [], data: { open: 'all' }, intent: null, restore: { note: 'x' } };
    await assert.rejects(ops.undo(ctx(), damaged, undefined), (e: unknown) => e instanceof StepFailure && /the change's data\.open must be array/.test(e.message));
    await assert.rejects(ops.apply(ctx(), { ...damaged, data: { open: [25] }, restore: {} }), /the state to restore/);
    await assert.rejects(ops.verify(ctx(), { ...damaged, backend: 'ufw', data: { open: [25] } }), /handed a plan for ufw/);
    assert.deepEqual(calls, [], 'the backend never saw them');
  });

  it('an undo that returns but leaves one of our additions in place fails, saying which', async () => {
    const { ops } = memoryBackend({ forgetOnUndo: 587 });
    const plan = ops.diff(await ops.inspect(ctx(), env), env, pc());
    assert.ok(plan);
    await ops.apply(ctx(), plan);
    await assert.rejects(ops.undo(ctx(), plan, null), (e: unknown) => e instanceof StepFailure && e.evidence.includes('nftables: 1 of our 2 additions are still in place') && e.evidence.includes('587: open'));
  });

  it('the module knows one backend for every name the profiles may list, each with schemas that compile', () => {
    assert.deepEqual(BACKENDS.map((b) => b.name).sort(), [...FIREWALL_BACKENDS].sort());
    for (const b of BACKENDS) for (const [part, schema] of Object.entries(b.schemas)) assert.doesNotThrow(() => compileSchema(schema), `${b.name} ${part}`);
  });

  it('the firewall module reads a damaged journal record as an error before touching the host', async () => {
    const change: Change = {
      summary: 'open 25/tcp in iptables-nft',
      diff: [],
      intent: null,
      data: null,
      // The record as a previous run wrote it, with a field lost.
      restore: { plans: [{ backend: 'iptables-nft', opens: [25], diff: [], intent: null, data: { variant: 'nft', inserts: [], persist: [] }, restore: { persist: [] } }] },
    };
    await assert.rejects(firewallModule.undo(ctx(), { args: { ports: [25] }, change: { ...change, data: change.restore } }), (e: unknown) => e instanceof StepFailure && /iptables-nft: the change's data/.test(e.evidence.join('\n') + e.message));
    await assert.rejects(firewallModule.undo(ctx(), { args: { ports: [25] }, change }), /firewall: change\.data must be object/);
  });
});
