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
    // Concurrency as overlap, not as elapsed time: b starts before a has finished.
    const events: string[] = [];
    const traced = (name: string, title: string): Probe =>
      probe(name, 5_000, async () => (events.push(`${name} start`), await sleep(150), events.push(`${name} end`), [ok(name, title)]));
    const r = await runProbes([traced('a', 'A'), traced('b', 'B')], ctx, Date.now() + 10_000);
    assert.ok(events.indexOf('b start') < events.indexOf('a end'), `not one after the other: ${events.join(', ')}`);
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
    assert.ok(Date.now() - started < 2_000, "ended by the overall deadline, not the probe's own 10 s");
    assert.ok(seen <= started + 300);
    assert.match(r.findings[0]?.evidence[0] ?? '', /overall --timeout/);
  });

  it('a longer --timeout (timeScale) stretches each probe\'s own limit in proportion', async () => {
    const slowProbe = (): Probe => probe('slow', 100, async () => (await sleep(250), [ok('slow', 'made it')]));
    const stretched = await runProbes([slowProbe()], { ...base(), timeScale: 4 }, Date.now() + 2_000);
    assert.deepEqual(stretched.findings.map((f) => [f.status, f.title]), [['ok', 'made it']]);
    const plain = await runProbes([slowProbe()], { ...base(), timeScale: 1 }, Date.now() + 2_000);
    assert.match(plain.findings[0]?.evidence[0] ?? '', /its own limit is 100 ms/);
  });

  it('a probe that throws becomes unknown with the message', async () => {
    const r = await runProbes([probe('boom', 1_000, async () => Promise.reject(new Error('kaput')))], base(), Date.now() + 1_000);
    assert.deepEqual([r.findings[0]?.status, r.findings[0]?.evidence], ['unknown', ['kaput']]);
    assert.equal(r.timings[0]?.outcome, 'error');
  });
});
