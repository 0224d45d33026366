// The rules of a watch tick, as pure functions: back-off per cause over a sliding hour, and
// notices only on change — told as the story of a host over several ticks.
import assert from 'node:assert/strict';
import type { Plan, PlannedRunbook } from '../../../../src/engine/plan-types.js';
import type { StepResult } from '../../../../src/engine/run/index.js';
import { emptyWatchState } from '../../../../src/engine/watch/state.js';
import type { WatchState } from '../../../../src/engine/watch/state.js';
import { attemptedCauses, BACKOFF_WINDOW_MS, holdBackedOff, problemsOf, settleTick } from '../../../../src/engine/watch/tick.js';
import type { Problem, TickRun, WatchEvent } from '../../../../src/engine/watch/tick.js';
import type { Finding } from '../../../../src/probes/types.js';

const T0 = Date.parse('2026-12-06T10:00:00Z');
const MIN = 60_000;

const STOPPED: Problem = { cause: 'postfix-stopped', title: 'Postfix is not running', status: 'fail', evidence: ['`postfix status` exits 1 (not running)'], fixedBy: ['postfix-service'] };
const DISABLED: Problem = { cause: 'postfix-disabled', title: 'Postfix does not start at boot', status: 'warn', evidence: [], fixedBy: ['postfix-service'] };
const NO_MX: Problem = { cause: 'mx-missing', title: 'no MX record for lab.test', status: 'warn', evidence: [], fixedBy: [] };

function runbook(id: string, causes: string[], status: PlannedRunbook['status'] = 'ready'): PlannedRunbook {
  return {
    id,
    title: id,
    file: `${id}.yaml`,
    sha256: '0',
    triggeredBy: causes.map((cause) => ({ cause, title: cause })),
    variables: {},
    preconditions: [],
    status,
    steps: [{ seq: 1, stepId: `${id}#1`, runbook: id, name: 'do it', module: 'service', risk: 'low', args: {}, status: 'change', rollback: null, reversible: true, undo: 'undo', verification: 'verify' }],
    verify: [],
  };
}

function plan(...runbooks: PlannedRunbook[]): Plan {
  return {
    schemaVersion: 1,
    tool: { name: 'postfix-fix', version: '0' },
    createdAt: new Date(T0).toISOString(),
    host: { hostname: 'mx1', os: 'Debian' },
    profile: { id: 'debian', sha256: '0' },
    serviceManager: 'systemd',
    findings: [],
    runbooks,
    fingerprint: { facts: {}, digest: '0' },
    summary: { changes: runbooks.length, maxRisk: 'low', blocked: [] },
  };
}

const run = (status: TickRun['status'], attempted: Record<string, string[]>, remaining: string[] = [], error: string | null = null): TickRun => ({
  runId: `run-${status}`,
  status,
  error,
  attempted: new Map(Object.entries(attempted)),
  remaining: new Set(remaining),
});

const kinds = (events: WatchEvent[]): string[] => events.map((e) => `${e.kind}:${e.cause}`);

describe('engine/watch: one tick\'s decisions', () => {
  it('problemsOf: fail and warn findings, one per cause, in the report\'s order; a problem without a cause is named by its check', () => {
    const f = (check: string, status: Finding['status'], cause?: string): Finding => ({ check, status, ...(cause ? { cause } : {}), title: `${check} ${status}`, evidence: ['1', '2', '3', '4', '5', '6', '7'], fixedBy: [] });
    const got = problemsOf([f('service', 'fail', 'postfix-stopped'), f('listeners', 'fail', 'postfix-stopped'), f('dns', 'unknown'), f('queue', 'warn', 'queue-backlog'), f('tls', 'warn'), f('relay', 'ok')]);
    assert.deepEqual(got.map((p) => [p.cause, p.status, p.title]), [['postfix-stopped', 'fail', 'service fail'], ['queue-backlog', 'warn', 'queue warn'], ['tls', 'warn', 'tls warn']]);
    assert.equal(got[0]?.evidence.length, 5, 'a notice carries the first 5 evidence lines');
  });

  it('a healthy host, tick after tick: no events, nothing recorded', () => {
    let state = emptyWatchState();
    for (let i = 0; i < 3; i++) {
      const t = settleTick(state, { now: T0 + i * 5 * MIN, found: [], run: null, limit: 3 });
      assert.deepEqual(t.events, []);
      assert.deepEqual(t.state.problems, {});
      assert.deepEqual(t.state.causes, {});
      assert.equal(t.state.lastTick?.state, 'healthy');
      state = t.state;
    }
  });

  it('Postfix stops and the tick restarts it: one notice with problem + fixed; the next tick is quiet', () => {
    const t1 = settleTick(emptyWatchState(), { now: T0, found: [STOPPED], run: run('changed', { 'postfix-stopped': ['postfix-service'] }), limit: 3 });
    assert.deepEqual(kinds(t1.events), ['problem:postfix-stopped', 'fixed:postfix-stopped']);
    assert.deepEqual(t1.problems, []);
    assert.deepEqual(t1.state.causes, { 'postfix-stopped': { fixes: [new Date(T0).toISOString()] } });
    const t2 = settleTick(t1.state, { now: T0 + 5 * MIN, found: [], run: null, limit: 3 });
    assert.deepEqual(t2.events, []);
  });

  it('a problem watch may not fix: told once, then silent while it stays; told again when it goes', () => {
    const t1 = settleTick(emptyWatchState(), { now: T0, found: [NO_MX], run: null, limit: 3 });
    assert.deepEqual(kinds(t1.events), ['problem:mx-missing']);
    const t2 = settleTick(t1.state, { now: T0 + 5 * MIN, found: [NO_MX], run: null, limit: 3 });
    assert.deepEqual(t2.events, []);
    const t3 = settleTick(t2.state, { now: T0 + 10 * MIN, found: [], run: null, limit: 3 });
    assert.deepEqual(kinds(t3.events), ['recovered:mx-missing']);
    assert.equal(t3.state.lastTick?.state, 'healthy');
  });

  it('a fix that keeps failing: problem + fix-failed, then silence, then exactly one back-off notice; nothing after', () => {
    const limit = 3;
    let state: WatchState = emptyWatchState();
    const told: string[][] = [];
    const fail = run('failed-rolled-back', { 'postfix-stopped': ['postfix-service'] }, [], 'verification failed for postfix-service: Postfix greets on port 25');
    for (let i = 0; i < 6; i++) {
      const now = T0 + i * 5 * MIN;
      const { plan: p, held } = holdBackedOff(plan(runbook('postfix-service', ['postfix-stopped'])), state, limit, now);
      const tried = p.runbooks[0]?.status === 'ready';
      assert.equal(tried, i < limit, `tick ${i} ${tried ? 'fixes' : 'holds back'}`);
      if (!tried) {
        assert.deepEqual(held.map((h) => [h.cause, h.fixes, h.runbooks]), [['postfix-stopped', 3, ['postfix-service']]]);
        assert.match(p.runbooks[0]?.blockedReason ?? '', /^back-off: postfix-stopped had 3 fix\(es\) within the hour \(max_fixes_per_cause_per_hour: 3\); left alone until 2026-12-06T11:00:00\.000Z$/);
        assert.deepEqual(p.summary.blocked, ['postfix-service']);
        assert.equal(p.summary.changes, 0);
      }
      const t = settleTick(state, { now, found: [STOPPED], run: tried ? fail : null, limit });
      told.push(kinds(t.events));
      state = t.state;
    }
    assert.deepEqual(told, [['problem:postfix-stopped', 'fix-failed:postfix-stopped'], [], ['backoff:postfix-stopped'], [], [], []]);
    const untouched = settleTick(emptyWatchState(), { now: T0, found: [STOPPED], run: null, limit: 1 }).events;
    assert.deepEqual(kinds(untouched), ['problem:postfix-stopped'], 'no back-off without fixes');
  });

  it('back-off is a sliding hour: the oldest fix ages out, one more try is allowed, and its failure is not told again', () => {
    const limit = 2;
    const fail = run('failed-rolled-back', { 'postfix-stopped': ['postfix-service'] });
    let state = settleTick(emptyWatchState(), { now: T0, found: [STOPPED], run: fail, limit }).state;
    state = settleTick(state, { now: T0 + 10 * MIN, found: [STOPPED], run: fail, limit }).state;
    const rb = (): PlannedRunbook => runbook('postfix-service', ['postfix-stopped']);
    assert.equal(holdBackedOff(plan(rb()), state, limit, T0 + 59 * MIN).plan.runbooks[0]?.status, 'blocked');
    const later = T0 + BACKOFF_WINDOW_MS + MIN;
    assert.equal(holdBackedOff(plan(rb()), state, limit, later).plan.runbooks[0]?.status, 'ready', 'an hour after the first fix, one more');
    const t = settleTick(state, { now: later, found: [STOPPED], run: fail, limit });
    assert.deepEqual(t.events, [], 'still failing, back-off already told: silence');
    assert.equal(t.state.causes['postfix-stopped']?.fixes.length, 2, 'the fix older than an hour is forgotten');
  });

  it('a flapping Postfix (each restart works, then it dies again) is restarted only `limit` times an hour', () => {
    const limit = 3;
    let state = emptyWatchState();
    const told: string[][] = [];
    for (let i = 0; i < 5; i++) {
      const now = T0 + i * 10 * MIN;
      const held = holdBackedOff(plan(runbook('postfix-service', ['postfix-stopped'])), state, limit, now).held.length > 0;
      const t = settleTick(state, { now, found: [STOPPED], run: held ? null : run('changed', { 'postfix-stopped': ['postfix-service'] }), limit });
      told.push(kinds(t.events));
      // It dies again before the next tick (told as a new problem each time, while fixed).
      state = t.state;
    }
    assert.deepEqual(told, [
      ['problem:postfix-stopped', 'fixed:postfix-stopped'],
      ['problem:postfix-stopped', 'fixed:postfix-stopped'],
      ['problem:postfix-stopped', 'fixed:postfix-stopped'],
      ['problem:postfix-stopped', 'backoff:postfix-stopped'],
      [],
    ]);
  });

  it('a cause that went away starts a new story: a later failure and back-off are told again', () => {
    const limit = 1;
    const fail = run('failed-rolled-back', { 'postfix-stopped': ['postfix-service'] });
    const t1 = settleTick(emptyWatchState(), { now: T0, found: [STOPPED], run: fail, limit });
    assert.deepEqual(kinds(t1.events), ['problem:postfix-stopped', 'fix-failed:postfix-stopped', 'backoff:postfix-stopped']);
    const t2 = settleTick(t1.state, { now: T0 + MIN, found: [], run: null, limit });
    assert.deepEqual(kinds(t2.events), ['recovered:postfix-stopped']);
    assert.deepEqual(t2.state.causes['postfix-stopped'], { fixes: [new Date(T0).toISOString()] }, 'the fix still counts; the flags are gone');
    const t3 = settleTick(t2.state, { now: T0 + 2 * MIN, found: [STOPPED], run: null, limit });
    assert.deepEqual(kinds(t3.events), ['problem:postfix-stopped', 'backoff:postfix-stopped']);
  });

  it('a fix that did not hold (changed, but still found) is a failed fix; a rollback that was incomplete is always told', () => {
    const t1 = settleTick(emptyWatchState(), { now: T0, found: [STOPPED], run: run('changed', { 'postfix-stopped': ['postfix-service'] }, ['postfix-stopped']), limit: 5 });
    const failed = t1.events.find((e) => e.kind === 'fix-failed');
    assert.deepEqual(failed && { ...failed }, { kind: 'fix-failed', cause: 'postfix-stopped', title: 'Postfix is not running', runbooks: ['postfix-service'], runId: 'run-changed', runStatus: 'changed', error: 'still found after the fix' });
    const t2 = settleTick(t1.state, { now: T0 + MIN, found: [STOPPED], run: run('rollback-incomplete', { 'postfix-stopped': ['postfix-service'] }, [], 'rollback failed'), limit: 5 });
    assert.deepEqual(kinds(t2.events), ['fix-failed:postfix-stopped']);
  });

  it('a runbook asked for by two causes is held when either is in back-off; its attempt counts for both', () => {
    const p = plan(runbook('postfix-service', ['postfix-stopped', 'postfix-disabled']), runbook('main-cf-permissions', ['main-cf-permissions']));
    const steps: StepResult[] = [
      { seq: 1, stepId: 'a', runbook: 'postfix-service', name: 'start', risk: 'low', status: 'rolled-back', diff: [], evidence: [], durationMs: 1 },
      { seq: 2, stepId: 'b', runbook: 'main-cf-permissions', name: 'chmod', risk: 'low', status: 'ok', diff: [], evidence: [], durationMs: 1 },
    ];
    const attempted = attemptedCauses(p, steps, [STOPPED, DISABLED]);
    assert.deepEqual([...attempted], [['postfix-stopped', ['postfix-service']], ['postfix-disabled', ['postfix-service']]]);
    const state = settleTick(emptyWatchState(), { now: T0, found: [STOPPED, DISABLED], run: { runId: 'r', status: 'failed-rolled-back', error: null, attempted, remaining: new Set() }, limit: 1 }).state;
    assert.deepEqual(Object.keys(state.causes).sort(), ['postfix-disabled', 'postfix-stopped']);
    const { plan: held } = holdBackedOff(p, state, 1, T0 + MIN);
    assert.deepEqual(held.runbooks.map((r) => r.status), ['blocked', 'ready']);
  });

  it('runbooks already blocked by the policy, or with nothing to do, are left as they are', () => {
    const state = settleTick(emptyWatchState(), { now: T0, found: [STOPPED], run: run('failed-rolled-back', { 'postfix-stopped': ['postfix-service'] }), limit: 1 }).state;
    const p = plan({ ...runbook('postfix-service', ['postfix-stopped'], 'blocked'), blockedReason: 'not in the allow list of policy x' });
    const r = holdBackedOff(p, state, 1, T0 + MIN);
    assert.equal(r.plan, p);
    assert.deepEqual(r.held, []);
  });
});
