// Unattended mode as a contract: stdin closed, no TTY, no colour; `run --yes --json` fixes the
// host and prints a report that validates against the published schema.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { LabHost, PID_AND_LISTENERS, injectForeignMasterLock, injectPostfixStopped, link, runCli, smtpProbe } from '../lab/index.js';
import type { Host, LinkInfo } from '../lab/index.js';

const schema = JSON.parse(readFileSync(new URL('../../../schemas/run-report.schema.json', import.meta.url), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: false, formats: { 'date-time': true } }).compile(schema);

describe('e2e: unattended runs', function () {
  this.timeout(120_000);
  let host: Host;
  let peer: Host;
  let net: LinkInfo;
  before(async () => {
    host = await LabHost.create({ name: 'unattended' });
    peer = await LabHost.create({ name: 'unattended-peer', postfix: false });
    net = await link(host, peer);
    await injectPostfixStopped(host);
  });
  after(async () => {
    await peer?.destroy();
    await host?.destroy();
  });

  it('run with neither --yes nor a terminal changes nothing and says how to proceed', async () => {
    const r = await runCli(host, ['run', '--offline'], { input: '' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /nothing was changed/);
    assert.match(r.stderr, /postfix-fix run --yes/);
    assert.equal((await smtpProbe(peer, net.aAddr, 25, 2000)).kind, 'refused');
  });

  it('run --yes --json with stdin closed fixes the host and emits a schema-valid report', async () => {
    const r = await runCli(host, ['run', '--yes', '--json', '--offline', '--detailed-exitcodes'], { input: '' });
    assert.equal(r.code, 10, r.stderr);
    assert.ok(validate(r.json), JSON.stringify(validate.errors, null, 1));
    const report = r.json as { status: string; steps: Array<{ status: string }>; runId: string };
    assert.equal(report.status, 'changed');
    assert.ok(report.steps.some((s) => s.status === 'changed'));
    assert.doesNotMatch(r.stdout + r.stderr, /\u001b\[/, 'no colour codes without a terminal');
    assert.equal((await smtpProbe(peer, net.aAddr, 25, 2000)).kind, 'banner');
    const saved = JSON.parse(await host.readFile(`/var/lib/postfix-fix/runs/${report.runId}/report.json`)) as unknown;
    assert.ok(validate(saved), 'the report saved beside the journal is the same contract');
  });

  it('a second run reports nothing-to-do (exit 0) with a schema-valid report', async () => {
    const r = await runCli(host, ['run', '--yes', '--json', '--offline', '--detailed-exitcodes'], { input: '' });
    assert.equal(r.code, 0);
    assert.ok(validate(r.json), JSON.stringify(validate.errors));
    assert.equal((r.json as { status: string }).status, 'nothing-to-do');
  });

});

describe('e2e: --max-risk caps what an unattended run may do', function () {
  this.timeout(120_000);
  let host: Host;
  before(async () => {
    host = await LabHost.create({ name: 'maxrisk' });
    await injectForeignMasterLock(host); // the fix moves master.pid aside: a medium-risk step
  });
  after(async () => host?.destroy());

  it('a step above the cap is skipped with the rest of its runbook, reported, exit 4, nothing changed', async () => {
    const before = await host.exec(PID_AND_LISTENERS);
    const r = await runCli(host, ['run', '--yes', '--json', '--offline', '--max-risk', 'low'], { input: '' });
    assert.equal(r.code, 4, r.stderr);
    assert.ok(validate(r.json), JSON.stringify(validate.errors));
    const report = r.json as { status: string; needsHuman: string[]; steps: Array<{ name: string; status: string; reason?: string }> };
    assert.equal(report.status, 'needs-human');
    const moved = report.steps.find((s) => /master\.pid/.test(s.name));
    assert.equal(moved?.status, 'skipped');
    assert.match(moved?.reason ?? '', /declined or above the allowed risk/);
    assert.ok(report.needsHuman.some((n) => /port-conflict/.test(n)), JSON.stringify(report.needsHuman));
    assert.ok(!report.steps.some((s) => s.status === 'changed'));
    assert.equal((await host.exec(PID_AND_LISTENERS)).stdout, before.stdout);
  });
});
