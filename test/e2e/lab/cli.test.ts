import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CLI_BUNDLE, runCli } from './cli.js';
import { LabHost } from './host.js';
import { LAB_DIR } from './paths.js';

const FAKE_CLI = join(LAB_DIR, 'fixtures', 'fake-cli.mjs');

interface FakeReport {
  args: string[];
  hostname: string;
  osId: string | null;
  stdin: string;
  env: string | null;
}

describe('lab: runCli inside a namespace host', function () {
  let host: LabHost;
  let savedBin: string | undefined;

  before(async function () {
    savedBin = process.env['POSTFIX_FIX_BIN'];
    process.env['POSTFIX_FIX_BIN'] = FAKE_CLI;
    host = await LabHost.create({ name: 'clihost', postfix: false, osRelease: 'ID=rocky\nVERSION_ID="9.4"\n' });
  });
  after(async function () {
    if (savedBin === undefined) delete process.env['POSTFIX_FIX_BIN'];
    else process.env['POSTFIX_FIX_BIN'] = savedBin;
    await host?.destroy();
  });

  it('runs node BUNDLE args inside the host and parses JSON output', async function () {
    const result = await runCli(host, ['diagnose', '--json', '--read-stdin'], { input: 'yes\n', env: { LAB_TEST_VAR: 'v' } });
    assert.equal(result.code, 0, result.stderr);
    const report = result.json as FakeReport;
    assert.deepEqual(report.args, ['diagnose', '--json', '--read-stdin']);
    assert.equal(report.hostname, 'clihost');
    assert.equal(report.osId, 'rocky');
    assert.equal(report.stdin, 'yes\n');
    assert.equal(report.env, 'v');
  });

  it('passes exit codes through and leaves json undefined for text', async function () {
    const result = await runCli(host, ['--text', '--fail']);
    assert.equal(result.code, 3);
    assert.equal(result.json, undefined);
    assert.equal(result.stdout.trim(), 'ran on clihost');
  });

  it('says clearly when the bundle is missing', async function () {
    process.env['POSTFIX_FIX_BIN'] = '/nonexistent/postfix-fix.mjs';
    try {
      await assert.rejects(runCli(host, ['--help']), /npm run build/);
    } finally {
      process.env['POSTFIX_FIX_BIN'] = FAKE_CLI;
    }
  });

  it('runs the real bundle when it has been built', async function () {
    if (!existsSync(DEFAULT_CLI_BUNDLE)) this.skip();
    delete process.env['POSTFIX_FIX_BIN'];
    try {
      const result = await runCli(host, ['--help']);
      assert.equal(result.timedOut, false);
      assert.ok(result.stdout.length + result.stderr.length > 0);
    } finally {
      process.env['POSTFIX_FIX_BIN'] = FAKE_CLI;
    }
  });
});
