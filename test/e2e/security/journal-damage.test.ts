// A journal damaged on disk: rollback says exactly what it can undo (and undoes it) and what it
// cannot (and exits 6 rather than claiming success). A torn last line is the normal trace of a
// killed run and loses nothing; a damaged intent record loses that step's undo data.

import assert from 'node:assert/strict';
import { LabHost, injectLoopbackOnly, link, runCli } from '../lab/index.js';

describe('e2e security: rollback with a truncated or corrupted journal', function () {
  this.timeout(300_000);
  let host: LabHost;
  let peer: LabHost;
  let broken: string;

  const runFix = async (): Promise<string> => {
    const r = await runCli(host, ['run', '--yes', '--offline', '--max-risk', 'high', '--json'], { timeoutMs: 180_000 });
    assert.equal(r.code, 0, r.stderr);
    return (r.json as { runId: string }).runId;
  };
  const journalOf = (runId: string): string => `/var/lib/postfix-fix/runs/${runId}/journal.jsonl`;

  before(async function () {
    this.timeout(120_000);
    host = await LabHost.create({ name: 'journal-damage' });
    peer = await LabHost.create({ name: 'journal-damage-peer', postfix: false });
    await link(host, peer);
    await injectLoopbackOnly(host);
    broken = await host.readFile('/etc/postfix/main.cf');
  });
  after(async () => {
    await peer?.destroy();
    await host?.destroy();
  });

  it('a torn last line: reported as harmless, and every change is undone', async () => {
    const runId = await runFix();
    const journal = await host.readFile(journalOf(runId));
    // Cut the last record (run-end) in half: what a kill during its write leaves.
    const lastStart = journal.lastIndexOf('\n', journal.length - 2) + 1;
    await host.writeFile(journalOf(runId), journal.slice(0, lastStart + 30), 0o600);
    const r = await runCli(host, ['rollback', runId]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Rolled back run/);
    assert.match(r.stdout, /note: journal line \d+ is unreadable \(truncated: the process died while writing it\); .*nothing is lost/);
    assert.equal(await host.readFile('/etc/postfix/main.cf'), broken);
  });

  it('a damaged intent record: rollback names the step it cannot undo and exits 6', async () => {
    const runId = await runFix();
    const fixed = await host.readFile('/etc/postfix/main.cf');
    const journal = await host.readFile(journalOf(runId));
    const lines = journal.split('\n');
    const i = lines.findIndex((l) => l.includes('"type":"step-intent"'));
    assert.ok(i >= 0);
    const seq = (JSON.parse((lines[i] as string).slice(17)) as { seq: number }).seq;
    lines[i] = (lines[i] as string).replace('"step-intent"', '"step-intenT"');
    await host.writeFile(journalOf(runId), lines.join('\n'), 0o600);
    const r = await runCli(host, ['rollback', runId, '--json']);
    assert.equal(r.code, 6, `${r.stdout}\n${r.stderr}`);
    const out = r.json as { ok: boolean; notes: string[] };
    assert.equal(out.ok, false);
    assert.ok(out.notes.some((n) => /checksum mismatch: the file was damaged/.test(n)), JSON.stringify(out.notes));
    assert.ok(out.notes.some((n) => n.startsWith(`step ${seq}: its intent record is damaged, so it cannot be undone automatically — the journal says it was applied: restore it by hand`)), JSON.stringify(out.notes));
    // Nothing was guessed: the change stays as it was.
    assert.equal(await host.readFile('/etc/postfix/main.cf'), fixed);
    const text = await runCli(host, ['rollback', runId]);
    assert.equal(text.code, 6);
    assert.match(text.stdout, /ROLLBACK INCOMPLETE for run .*: nothing in it can be undone automatically/);
    const list = await runCli(host, ['rollback', '--list']);
    assert.match(list.stdout, new RegExp(`${runId} .*1 damaged journal line`));
  });
});
