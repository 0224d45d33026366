// The end-to-end proof of a host with several things broken at once, against the real CLI in a
// lab host, judged from a peer:
//   broken (the peer gets no banner) → `plan` lists every layer it can see, in layer order, and
//   changes nothing → one `run --yes` fixes all of them (each runbook proves its own layer, a
//   cause a fix revealed is fixed in a further round, then the end-to-end proof) → the peer gets
//   the Postfix banner and cannot relay → a second run changes nothing → one `rollback --last`
//   restores the broken state byte for byte (every round, newest first) and the peer is refused
//   again.
//
// A scenario is one test (its phases named in the assertion messages); the scenarios of a file
// run two at a time — most of a run is waiting (Postfix restarts, dial timeouts on DROP rules),
// and CI has 2 cores.

import assert from 'node:assert/strict';
import { LabHost, NspawnHost, link, relayAttempt, runCli, smtpProbe } from '../lab/index.js';
import type { Host, LinkInfo } from '../lab/index.js';
import { restorableState } from '../scenario.js';

export interface StackedScenario {
  title: string;
  kind?: 'namespace' | 'nspawn';
  /** Break the host: every cause, in the order production would pile them up. */
  inject(host: Host): Promise<unknown>;
  /** Causes diagnose must see up front (each must be among the findings before the run). */
  causes: string[];
  /** The runbooks the run runs, every round, in the order it must run them (lower layers first). */
  runbooks: string[];
  /** The runbooks the plan can already list (default: all of them — every cause visible up front). */
  upFront?: string[];
  /** Check the `plan` command itself too (lists the layers in order, says what shows later, changes nothing). */
  plan?: boolean;
  /** What the peer sees while broken (default: anything but a Postfix banner). */
  brokenPeer?: Array<'refused' | 'unreachable' | 'timeout' | 'banner-timeout' | 'error'>;
  /** Extra arguments for plan and run (e.g. --runbooks DIR). */
  args?: string[];
  /** Files besides main.cf/master.cf/firewall dumps/listeners the rollback must restore. */
  extraState?(host: Host): Promise<string>;
}

interface RunReport {
  status: string;
  needsHuman: string[];
  findings: Array<{ cause?: string; status: string }>;
  rounds: Array<{ round: number; runbooks: string[] }>;
  proof: { ok: boolean; checks: Array<{ name: string; ok: boolean | null }> } | null;
  verifications: Array<{ runbook: string; ok: boolean | null; name: string }>;
}

export function hostName(title: string): string {
  return title.replace(/[^a-z0-9]+/gi, '-').slice(0, 18).toLowerCase().replace(/^-+|-+$/g, '');
}

async function peerSeesBroken(s: StackedScenario, peer: Host, net: LinkInfo, when: string): Promise<void> {
  const seen = await smtpProbe(peer, net.aAddr, 25, 2500);
  if (s.brokenPeer) assert.ok(s.brokenPeer.includes(seen.kind as never), `${when}: peer saw ${seen.kind} ${seen.banner ?? ''}`);
  else assert.ok(!(seen.kind === 'banner' && /Postfix/.test(seen.banner ?? '')), `${when}: peer saw ${seen.kind} ${seen.banner ?? ''}`);
}

/** The whole proof for one scenario; returns how long each phase took. */
export async function proveStacked(s: StackedScenario): Promise<Record<string, number>> {
  const ms: Record<string, number> = {};
  let t = Date.now();
  const lap = (phase: string): void => {
    ms[phase] = Date.now() - t;
    t = Date.now();
  };
  const name = hostName(s.title);
  const host = s.kind === 'nspawn' ? await NspawnHost.create({ name }) : await LabHost.create({ name });
  let peer: Host | undefined;
  try {
    peer = await LabHost.create({ name: `${name}-p`, postfix: false });
    const net = await link(host, peer);
    await s.inject(host);
    const broken = await restorableState(host, s.extraState);
    await peerSeesBroken(s, peer, net, 'broken');
    lap('setup');
    const args = s.args ?? [];
    const upFront = s.upFront ?? s.runbooks;

    if (s.plan) {
      const r = await runCli(host, ['plan', '--json', '--offline', ...args]);
      assert.equal(r.code, 0, `plan: ${r.stderr}`);
      const plan = r.json as { runbooks: Array<{ id: string; status: string }>; stacking?: string };
      assert.deepEqual(plan.runbooks.filter((rb) => rb.status === 'ready').map((rb) => rb.id), upFront, `plan lists the layers in order: ${JSON.stringify(plan.runbooks.map((rb) => [rb.id, rb.status]))}`);
      assert.match(plan.stacking ?? '', /can only be (heard|tried) once it/, 'plan says what can only show after a fix');
      const after = await restorableState(host, s.extraState);
      for (const k of Object.keys(broken) as Array<keyof typeof broken>) assert.equal(after[k], broken[k], `plan changed ${k}`);
      lap('plan');
    }

    const r = await runCli(host, ['run', '--yes', '--max-risk', 'high', '--json', '--offline', '--detailed-exitcodes', ...args], { timeoutMs: 150_000 });
    const report = r.json as RunReport | undefined;
    assert.equal(r.code, 10, `run: exit ${r.code}\n${r.stderr}\n${r.stdout}`);
    assert.equal(report?.status, 'changed');
    assert.deepEqual(report?.needsHuman, []);
    const found = new Set(report?.findings.filter((f) => f.status === 'fail').map((f) => f.cause));
    for (const c of s.causes) assert.ok(found.has(c), `${c} seen up front: ${[...found].join(', ')}`);
    assert.deepEqual(report?.rounds[0]?.runbooks, upFront, 'round 1 is the plan: every layer visible up front, lower layers first');
    assert.deepEqual(report?.rounds.flatMap((x) => x.runbooks), s.runbooks, 'every layer, in order, each once');
    assert.ok(report?.verifications.every((v) => v.ok !== false), `every layer proven: ${JSON.stringify(report?.verifications)}`);
    assert.equal(report?.proof?.ok, true, `end to end: ${JSON.stringify(report?.proof)}`);
    const seen = await smtpProbe(peer, net.aAddr, 25, 3000);
    assert.equal(seen.kind, 'banner', `fixed: peer saw ${JSON.stringify(seen)}`);
    assert.match(seen.banner ?? '', /^220 .*Postfix/);
    const relay = await relayAttempt(peer, net.aAddr, 25, { from: 'spammer@example.org', to: 'victim@example.net' });
    assert.equal(relay.accepted, false, `relay was accepted: ${relay.reply}`);
    lap('run');

    const fixed = await restorableState(host, s.extraState);
    const again = await runCli(host, ['run', '--yes', '--max-risk', 'high', '--json', '--offline', '--detailed-exitcodes', ...args]);
    assert.equal((again.json as { status?: string } | undefined)?.status, 'nothing-to-do', `second run: ${again.stdout}`);
    assert.equal(again.code, 0);
    assert.deepEqual(await restorableState(host, s.extraState), fixed, 'the second run changed the host');
    lap('second run');

    const rb = await runCli(host, ['rollback', '--last'], { timeoutMs: 120_000 });
    assert.equal(rb.code, 0, `rollback: ${rb.stderr}\n${rb.stdout}`);
    const restored = await restorableState(host, s.extraState);
    for (const k of Object.keys(broken) as Array<keyof typeof broken>) assert.equal(restored[k], broken[k], `rollback did not restore ${k}`);
    await peerSeesBroken(s, peer, net, 'rolled back');
    lap('rollback');
    return ms;
  } finally {
    await peer?.destroy();
    await host.destroy();
  }
}

/** Two at a time, the rest queued: a pool that keeps `n` proofs going. */
function pool(n: number): <T>(job: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (job) => {
    if (running >= n) await new Promise<void>((r) => waiting.push(r));
    running++;
    try {
      return await job();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

export interface ConcurrentCase {
  title: string;
  /** The whole proof; may return how long its phases took (shown in the test's title). */
  run(): Promise<Record<string, number> | void>;
}

/** One test per case, the cases proven `concurrency` at a time from the start of the block. */
export function describeConcurrently(title: string, cases: ConcurrentCase[], concurrency = 2): void {
  describe(title, function () {
    const proofs = new Map<string, Promise<Record<string, number> | void>>();
    before(() => {
      const limit = pool(concurrency);
      for (const c of cases) {
        const p = limit(() => c.run());
        p.catch(() => undefined); // reported by its own test
        proofs.set(c.title, p);
      }
    });
    for (const c of cases) {
      it(c.title, async function () {
        this.timeout(cases.length * 150_000);
        const ms = await proofs.get(c.title);
        if (ms) this.test!.title += ` [${Object.entries(ms).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(', ')}]`;
      });
    }
  });
}

export function describeStacked(title: string, scenarios: StackedScenario[], concurrency = 2): void {
  describeConcurrently(
    `e2e stacked causes: ${title}`,
    scenarios.map((s) => ({ title: `${s.title}: ${s.runbooks.join(' → ')} in one run, proven from a peer; idempotent; one rollback restores it`, run: () => proveStacked(s) })),
    concurrency,
  );
}
