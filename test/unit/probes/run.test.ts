import assert from 'node:assert/strict';
import { runProbes } from '../../../src/probes/run.js';
import { ok } from '../../../src/probes/finding.js';
import { healthyFacts } from './helpers/facts.js';
import { probeCtx } from './helpers/probe-ctx.js';
import type { Probe } from '../../../src/probes/types.js';

const probe = (name: string, timeoutMs: number, run: Probe['run']): Probe => ({ name, description: `${name} check`, timeoutMs, run });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

describe('probes/run: concurrency, per-probe timeouts, the overall deadline', () => {
  const base = () => {
    const { deadline: _d, ...rest } = probeCtx(healthyFacts());
    return rest;
  };

  it('runs probes concurrently and keeps their findings in registry order', async () => {
    const ctx = base();
    const started = Date.now();
    const r = await runProbes(
      [probe('a', 1_000, async () => (await sleep(150), [ok('a', 'A')])), probe('b', 1_000, async () => (await sleep(150), [ok('b', 'B')]))],
      ctx,
      Date.now() + 2_000,
    );
    assert.ok(Date.now() - started < 280, 'not one after the other');
    assert.deepEqual(r.findings.map((f) => f.title), ['A', 'B']);
    assert.deepEqual(r.timings.map((t) => t.outcome), ['done', 'done']);
  });

  it('a probe past its own timeout becomes unknown, saying so; the others still report', async () => {
    const r = await runProbes([probe('slow', 100, () => sleep(5_000).then(() => [])), probe('fast', 1_000, async () => [ok('fast', 'fine')])], base(), Date.now() + 2_000);
    assert.deepEqual(r.findings.map((f) => [f.check, f.status]), [['slow', 'unknown'], ['fast', 'ok']]);
    assert.match(r.findings[0]?.title ?? '', /slow check: no answer in time/);
    assert.match(r.findings[0]?.evidence[0] ?? '', /its own limit is 100 ms/);
  });

  it('the overall deadline caps every probe, and the probe sees its own deadline', async () => {
    let seen = 0;
    const ctx = base();
    const started = Date.now();
    const r = await runProbes([probe('hang', 10_000, async (c) => ((seen = c.deadline), await sleep(10_000), []))], ctx, started + 300);
    assert.ok(Date.now() - started < 450);
    assert.ok(seen <= started + 300);
    assert.match(r.findings[0]?.evidence[0] ?? '', /overall --timeout/);
  });

  it('a probe that throws becomes unknown with the message', async () => {
    const r = await runProbes([probe('boom', 1_000, async () => Promise.reject(new Error('kaput')))], base(), Date.now() + 1_000);
    assert.deepEqual([r.findings[0]?.status, r.findings[0]?.evidence], ['unknown', ['kaput']]);
    assert.equal(r.timings[0]?.outcome, 'error');
  });
});
