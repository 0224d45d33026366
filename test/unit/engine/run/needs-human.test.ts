import assert from 'node:assert/strict';
import { ExitCode } from '../../../../src/core/exit-codes.js';
import type { CauseProbe } from '../../../../src/engine/checks.js';
import type { Finding } from '../../../../src/probes/types.js';
import { scratchDir } from '../../helpers/context.js';
import type { Scratch } from '../../helpers/context.js';
import { applyAll, settingRunbook, types, world } from './harness.js';
import type { TinyHost } from './harness.js';

const finding = (cause: string, fixedBy: string[], extra: Partial<Finding> = {}): Finding => ({ check: 'test', status: 'fail', cause, title: `${cause} found`, evidence: [`${cause}: seen`], fixedBy, ...extra });

/** diagnose's cause probe, as the run sees it: here "postfix-stopped" is found until `running` is set. */
const probeOn = (host: () => TinyHost, probed: string[]): CauseProbe => async (cause) => {
  probed.push(cause);
  const found = cause === 'postfix-stopped' && host().values.get('running') !== 'yes';
  return { found, evidence: [`${cause}: ${found ? 'still there' : 'gone'}`] };
};

describe('engine run: what is left for a person', function () {
  this.timeout(30_000);
  let s: Scratch;
  beforeEach(() => (s = scratchDir('pf-run-')));
  afterEach(() => s.cleanup());

  it('blocked runbooks and causes no runbook fixes are counted even when the rest is fixed', async () => {
    const w = world(s.dir, [
      settingRunbook('fixable', [{ key: 'a', value: '1' }]),
      settingRunbook('blocked', [{ key: 'b', value: '2' }], 'preconditions:\n  - name: postfix is absent\n    that: { fact: postfix.installed, equals: false }\n'),
    ]);
    const plan = await w.plan(['fixable', 'blocked'], [finding('mx-missing', []), finding('starttls-missing', [], { status: 'warn' })]);
    const { outcome, events } = await w.apply(plan, applyAll);
    assert.equal(outcome.status, 'changed');
    assert.equal(outcome.exitCode, ExitCode.NeedsHuman);
    assert.equal(outcome.needsHuman.length, 2, outcome.needsHuman.join('\n'));
    assert.match(outcome.needsHuman[0] ?? '', /^blocked: /);
    assert.equal(outcome.needsHuman[1], 'mx-missing found');
    assert.ok(types(events).includes('runbook-skip:blocked'));
    assert.deepEqual(w.host.trace, ['apply a']);
  });

  it('nothing to change but something blocked: needs-human, exit 4, no journal', async () => {
    const w = world(s.dir, [settingRunbook('blocked', [{ key: 'b', value: '2' }], 'preconditions:\n  - name: postfix is absent\n    that: { fact: postfix.installed, equals: false }\n')]);
    const { outcome } = await w.apply(await w.plan(['blocked']), applyAll);
    assert.equal(outcome.status, 'needs-human');
    assert.equal(outcome.exitCode, ExitCode.NeedsHuman);
    assert.equal(outcome.journal, null);
  });

  it('after a run that changed something, causes still found are re-probed and reported; those a `gone` check proved are not probed twice', async () => {
    let w = undefined as unknown as ReturnType<typeof world>;
    const probed: string[] = [];
    w = world(
      s.dir,
      [
        settingRunbook('start', [{ key: 'running', value: 'no-still' }]),
        `id: fixes-dns
title: fixes-dns
description: proves its own cause gone
symptoms: []
steps:
  - name: set dns
    module: setting
    args: { key: dns, value: ok }
    risk: low
verify:
  - name: mx no longer missing
    gone: mx-missing
`,
      ],
      { causeProbe: probeOn(() => w.host, probed) },
    );
    const plan = await w.plan(['start', 'fixes-dns'], [finding('postfix-stopped', ['start']), finding('mx-missing', ['fixes-dns'])]);
    const { outcome, events } = await w.apply(plan, applyAll);
    assert.equal(outcome.status, 'changed');
    assert.equal(outcome.exitCode, ExitCode.NeedsHuman);
    assert.deepEqual(outcome.remaining.map((f) => [f.cause, f.evidence]), [['postfix-stopped', ['postfix-stopped: still there']]]);
    assert.deepEqual(outcome.needsHuman, ['still found after the run: postfix-stopped found']);
    assert.deepEqual(probed, ['mx-missing', 'postfix-stopped'], 'the gone check probed mx-missing once; the re-diagnosis only what was not proved');
    const re = events.find((e) => e.type === 're-diagnosis');
    assert.ok(re?.type === 're-diagnosis' && re.remaining.length === 1);
  });

  it('a failure the run made go away is not left for a person, even when its finding carried advice for one', async () => {
    // Mail refused behind the banner (advice for a human) until a table was built: once the
    // re-diagnosis no longer finds it, nothing about it is left; what is still found stays.
    let w = undefined as unknown as ReturnType<typeof world>;
    const probed: string[] = [];
    w = world(s.dir, [settingRunbook('start', [{ key: 'running', value: 'yes' }])], { causeProbe: probeOn(() => w.host, probed) });
    const advice = { human: { reason: 'the log line says what smtpd could not use', steps: ['look'] } };
    const plan = await w.plan(['start'], [finding('postfix-stopped', ['start']), finding('mail-refused', [], advice), finding('mx-missing', [], { status: 'warn', ...advice })]);
    const { outcome } = await w.apply(plan, applyAll);
    assert.equal(outcome.status, 'changed');
    assert.deepEqual(outcome.remaining, []);
    assert.deepEqual(outcome.needsHuman, ['mx-missing found: the log line says what smtpd could not use'], 'a warning is not re-probed: its advice stays');
  });

  it('no re-diagnosis after a run that changed nothing or failed', async () => {
    const probed: string[] = [];
    let w = undefined as unknown as ReturnType<typeof world>;
    w = world(s.dir, [settingRunbook('start', [{ key: 'running', value: 'yes', fail: 'apply' }])], { causeProbe: probeOn(() => w.host, probed) });
    const { outcome, events } = await w.apply(await w.plan(['start'], [finding('postfix-stopped', ['start'])]), applyAll);
    assert.equal(outcome.status, 'failed-rolled-back');
    assert.deepEqual(outcome.remaining, []);
    assert.deepEqual(probed, []);
    assert.ok(!types(events).includes('re-diagnosis'));
  });

  it("a failure's advice for a person is dropped once the run made it go away (a refusal whose milter now answers); kept while it is still found", async () => {
    const human = { reason: 'Postfix greets, then refuses the mail', steps: ['read the log'] };
    const probe: CauseProbe = async (cause) => ({ found: cause === 'lookup-table-not-built', evidence: [] });
    const w = world(s.dir, [settingRunbook('start-milter', [{ key: 'opendkim', value: 'active' }])], { causeProbe: probe });
    const plan = await w.plan(['start-milter'], [finding('mail-refused', [], { human }), finding('lookup-table-not-built', [], { human: { reason: 'a table was never built', steps: [] } })]);
    const { outcome } = await w.apply(plan, applyAll);
    assert.equal(outcome.status, 'changed');
    assert.ok(!outcome.needsHuman.some((n) => n.startsWith('mail-refused found')), outcome.needsHuman.join('\n'));
    assert.ok(outcome.needsHuman.includes('lookup-table-not-built found: a table was never built'), outcome.needsHuman.join('\n'));
    assert.ok(outcome.needsHuman.includes('still found after the run: lookup-table-not-built found'), outcome.needsHuman.join('\n'));
  });

  it("a warning's advice goes too once the run's own `gone` check proved it fixed (a choice made with --runbook)", async () => {
    const probe: CauseProbe = async () => ({ found: false, evidence: ['gone'] });
    const rb = settingRunbook('listen-v6', [{ key: 'inet_protocols', value: 'all' }]).replace('verify:\n', 'verify:\n  - name: localhost reaches Postfix\n    gone: localhost-resolves-ipv6\n');
    const w = world(s.dir, [rb], { causeProbe: probe });
    const plan = await w.plan(['listen-v6'], [finding('localhost-resolves-ipv6', [], { status: 'warn', human: { reason: 'either side can change', steps: [] } })]);
    const { outcome } = await w.apply(plan, applyAll);
    assert.equal(outcome.status, 'changed');
    assert.deepEqual(outcome.needsHuman, []);
    assert.equal(outcome.exitCode, ExitCode.Changed);
  });

  it("a runbook's `gone` checks run after its own proofs, on facts gathered after them (a daemon still binding its port)", async () => {
    const order: string[] = [];
    const slow = { name: 'slow-proof', description: 'waits, then passes', argsSchema: { type: 'object' }, describe: () => 'a proof that waits', async check() {
      await new Promise((r) => setTimeout(r, 50));
      order.push('proof');
      return { ok: true, evidence: ['answered'] };
    } };
    const probe: CauseProbe = async () => {
      order.push('gone');
      return { found: false, evidence: [] };
    };
    const rb = settingRunbook('start-policy', [{ key: 'postgrey', value: 'active' }]).replace('verify:\n', 'verify:\n  - name: gone\n    gone: policy-service-unreachable\n  - name: answers\n    module: slow-proof\n');
    const w = world(s.dir, [rb], { causeProbe: probe, checks: [slow], onRefresh: () => order.push('facts') });
    const { outcome } = await w.apply(await w.plan(['start-policy']), applyAll);
    assert.equal(outcome.status, 'changed');
    assert.deepEqual(order.slice(0, 4), ['facts', 'proof', 'facts', 'gone']);
    assert.deepEqual(outcome.verifications.map((v) => v.name), ['gone', 'answers', 'postgrey holds active'], 'reported in the runbook\'s order');
  });
});

