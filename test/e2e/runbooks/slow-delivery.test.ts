// slow-delivery's queue flush against a real Postfix with a deferred message: a change no
// rollback can take back. The plan says so before anything runs (text and JSON), the run's verify
// reports what it can know (the queue manager is up, what the queue holds), and rollback says the
// flush cannot be undone rather than pretending it was.

import assert from 'node:assert/strict';
import { LabHost, pollUntil, postconfSet, postfixRestart, runCli } from '../lab/index.js';
import type { Plan } from '../../../src/engine/plan-types.js';
import type { RunReport } from '../../../src/report/run-report.js';

describe('e2e: slow-delivery — a queue flush, which cannot be undone', function () {
  this.timeout(180_000);
  let host: LabHost;

  const deferred = async (): Promise<number> =>
    (await host.execOk(['postqueue', '-j'])).stdout
      .split('\n')
      .filter((l) => l.trim() !== '' && (JSON.parse(l) as { queue_name: string }).queue_name === 'deferred').length;

  before(async function () {
    this.timeout(120_000);
    host = await LabHost.create({ name: 'queue-flush' });
    // A relay nothing can reach (TEST-NET-1; this host has no route out): outgoing mail is
    // deferred at once, "Network is unreachable", and stays so however often it is retried.
    await postconfSet(host, ['relayhost=[192.0.2.1]:25']);
    await postfixRestart(host);
    await host.execOk(['sh', '-c', 'printf "Subject: stuck\\n\\nfor a remote server that never answers\\n" | sendmail -f root someone@example.com']);
    await pollUntil(async () => ((await deferred()) > 0 ? true : undefined), { timeoutMs: 60_000, intervalMs: 200, what: 'the message to be deferred' });
  });
  after(async () => {
    await host?.destroy();
  });

  it('the plan says the flush cannot be undone, and why, before anything runs', async () => {
    const text = await runCli(host, ['plan', '--runbook', 'slow-delivery', '--offline']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /~ postqueue -f {3}\(1 deferred of 1 queued\)\n {6}undo: cannot be undone: a flush retries deferred mail now; a delivery attempt that happened cannot be taken back\n/);
    assert.match(text.stdout, /Summary: 1 change \(highest risk: low\); 1 cannot be undone\./);
    const json = (await runCli(host, ['plan', '--runbook', 'slow-delivery', '--offline', '--format', 'json'])).json as Plan;
    const step = json.runbooks[0]?.steps.find((s) => s.module === 'queue');
    assert.equal(step?.status, 'change');
    assert.equal(step?.reversible, false);
  });

  it('run flushes; verify says what it can know; rollback says the flush cannot be undone', async () => {
    const run = await runCli(host, ['run', '--yes', '--runbook', 'slow-delivery', '--offline', '--json'], { timeoutMs: 120_000 });
    const report = run.json as RunReport;
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const step = report.steps.find((s) => s.name === 'retry deferred mail now');
    assert.equal(step?.status, 'changed', JSON.stringify(report.steps));
    const evidence = step?.evidence.join('\n') ?? '';
    assert.match(evidence, /postfix status: running \(its queue manager carries out the retry\)/);
    assert.match(evidence, /queue: \d+ deferred of \d+ \(before the flush: 1 of 1\); delivery goes on in the background, and whether it succeeds depends on the destinations/);
    // Still undeliverable: the flush moved an attempt earlier, it did not deliver anything.
    assert.equal(await pollUntil(async () => ((await deferred()) === 1 ? 1 : undefined), { timeoutMs: 60_000, intervalMs: 200, what: 'the message to be deferred again' }), 1);

    const rollback = await runCli(host, ['rollback', '--last']);
    assert.equal(rollback.code, 0, `${rollback.stdout}\n${rollback.stderr}`);
    assert.match(rollback.stdout, /step \d+ retry deferred mail now\n {6}cannot be undone: a flush retries deferred mail now/);
  });
});
