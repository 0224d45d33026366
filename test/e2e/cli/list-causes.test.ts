// `list --causes`: every cause diagnose can name, and which runbook fixes it (or that it needs a
// human) — the same mapping as the runbooks' `symptoms` and the README's cause list.
import assert from 'node:assert/strict';
import { LabHost, runCli } from '../lab/index.js';
import { CAUSES } from '../../../src/probes/causes.js';

describe('e2e: list --causes', function () {
  this.timeout(60_000);
  let host: LabHost;
  before(async () => (host = await LabHost.create({ name: 'list-causes', postfix: false })));
  after(async () => host?.destroy());

  it('names every cause once, with the runbooks that fix it', async () => {
    const r = await runCli(host, ['list', '--causes', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const rows = (r.json as { causes: Array<{ id: string; fixedBy: string[] }> }).causes;
    assert.deepEqual(rows.map((c) => c.id).sort(), Object.keys(CAUSES).sort());
    const by = new Map(rows.map((c) => [c.id, c.fixedBy]));
    assert.deepEqual(by.get('inet-interfaces-needs-restart'), ['inet-interfaces-needs-restart']);
    assert.deepEqual(by.get('smtp-service-disabled'), ['smtp-service-disabled']);
    assert.deepEqual(by.get('inet-interfaces-unknown-address'), ['inet-interfaces-unknown-address']);
    assert.deepEqual(by.get('lookup-table-not-built'), ['lookup-tables']);
    assert.deepEqual(by.get('submission-port-disabled'), ['submission-ports']);
    assert.deepEqual(by.get('port-held-by-unknown'), [], 'an unknown process is never killed');
  });

  it('the text form: one aligned line per cause, "needs a human" where no runbook fixes it', async () => {
    const r = await runCli(host, ['list', '--causes']);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, Object.keys(CAUSES).length);
    const titleAt = new Set(lines.map((l) => l.search(/ {2}\S/)));
    assert.equal(titleAt.size, 1, `titles start in one column:\n${lines.join('\n')}`);
    assert.ok(lines.some((l) => /^port-held-by-unknown .* → needs a human$/.test(l)));
    assert.ok(lines.some((l) => /^lookup-table-not-built .* → lookup-tables$/.test(l)));
  });
});
