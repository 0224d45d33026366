// A main.cf holding SASL credentials (an inline table continued over two lines, and a static
// map), and a run whose postconf step edits the line right after them: the plan, the live run
// output, the run report (stdout and report.json), the journal's readable lines and the command
// log must not show the secrets; the journal must still carry them for undo, and rollback must
// put main.cf back byte for byte. The state directory, run directory and every file in it are
// private to root.

import assert from 'node:assert/strict';
import { LabHost, injectLoopbackOnly, link, runCli } from '../lab/index.js';
import type { CliResult } from '../lab/index.js';

const SECRETS = ['S3cr3t-Passw0rd!', 'L0cal-Lmtp-Secret'];
const INLINE = 'smtp_sasl_password_maps = inline:{\n    [smtp.example.com]:587=relayuser:S3cr3t-Passw0rd! }\n';
const STATIC = 'lmtp_sasl_password_maps = static:lmtpuser:L0cal-Lmtp-Secret\n';
const REDACTED = '«redacted»';

describe('e2e security: secrets stay out of reports and journals; state is private', function () {
  this.timeout(300_000);
  let host: LabHost;
  let peer: LabHost;
  let original: string;
  let runId: string;
  const outputs: Array<[string, string]> = [];

  const cli = async (args: string[]): Promise<CliResult> => {
    const r = await runCli(host, args, { timeoutMs: 180_000, env: { NO_COLOR: '1' } });
    outputs.push([`postfix-fix ${args.join(' ')}`, `${r.stdout}\n${r.stderr}`]);
    return r;
  };
  const leaks = (text: string): string[] => SECRETS.filter((s) => text.includes(s));

  before(async function () {
    this.timeout(120_000);
    host = await LabHost.create({ name: 'secrets' });
    peer = await LabHost.create({ name: 'secrets-peer', postfix: false });
    await link(host, peer);
    await injectLoopbackOnly(host);
    // The credentials sit right above inet_interfaces, so the step's diff context shows the
    // inline table's continuation line without the parameter it belongs to.
    const mainCf = await host.readFile('/etc/postfix/main.cf');
    original = mainCf.replace(/^inet_interfaces = /m, `smtp_sasl_auth_enable = yes\n${STATIC}${INLINE}inet_interfaces = `);
    assert.notEqual(original, mainCf);
    await host.writeFile('/etc/postfix/main.cf', original, 0o644);
  });

  after(async () => {
    await peer?.destroy();
    await host?.destroy();
  });

  it('plan (text, markdown, JSON) shows the change but not the secrets', async () => {
    for (const args of [['plan', '--offline'], ['plan', '--offline', '--format', 'markdown'], ['plan', '--offline', '--json']]) {
      const r = await cli(args);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(leaks(r.stdout + r.stderr), [], `${args.join(' ')} leaked a secret`);
      assert.match(r.stdout, /\+inet_interfaces = all/);
      assert.ok(r.stdout.includes(REDACTED), `${args.join(' ')}: the redacted context line is not there`);
    }
  });

  it('diagnose does not show them either', async () => {
    for (const args of [['diagnose', '--offline'], ['diagnose', '--offline', '--json']]) {
      const r = await cli(args);
      assert.ok([4, 7].includes(r.code), r.stderr);
      assert.deepEqual(leaks(r.stdout + r.stderr), []);
    }
  });

  it('run --yes: live output, JSON report and report.json are redacted', async () => {
    const r = await cli(['run', '--yes', '--offline', '--max-risk', 'high', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = r.json as { status: string; runId: string; steps: Array<{ diff: string[] }> };
    assert.equal(report.status, 'changed');
    runId = report.runId;
    assert.deepEqual(leaks(r.stdout + r.stderr), []);
    assert.ok(report.steps.some((s) => s.diff.some((l) => l.includes(REDACTED))));
    const saved = await host.readFile(`/var/lib/postfix-fix/runs/${runId}/report.json`);
    assert.deepEqual(leaks(saved), []);
    // The text form (stderr) of an unattended run, too.
    assert.deepEqual(leaks((await cli(['run', '--yes', '--offline', '--max-risk', 'high'])).stderr), []);
  });

  it('the journal: readable lines redacted, the restore snapshot keeps the real bytes', async () => {
    const journal = await host.readFile(`/var/lib/postfix-fix/runs/${runId}/journal.jsonl`);
    assert.deepEqual(leaks(journal), [], 'a secret in the journal in clear text');
    const intent = journal
      .split('\n')
      .filter((l) => l.includes('"step-intent"'))
      .map((l) => JSON.parse(l.slice(17)) as { change: { diff: string[]; restore: { mainCf: { contentBase64: string } } } })[0];
    assert.ok(intent, 'no step-intent record');
    assert.ok(intent.change.diff.some((l) => l.includes(REDACTED)), intent.change.diff.join('\n'));
    assert.equal(Buffer.from(intent.change.restore.mainCf.contentBase64, 'base64').toString('utf8'), original);
    const log = await host.readFile(`/var/lib/postfix-fix/runs/${runId}/commands.log`);
    assert.deepEqual(leaks(log), []);
  });

  it('the state directory is 0700 and everything in it 0600 (or 0700 for directories), owned by root', async () => {
    const st = await host.execOk(['sh', '-c', 'find /var/lib/postfix-fix -printf "%m %u %y %p\\n" | sort -k4']);
    const rows = st.stdout.trim().split('\n').map((l) => l.split(' ') as [string, string, string, string]);
    assert.ok(rows.some(([, , , p]) => p === `/var/lib/postfix-fix/runs/${runId}/journal.jsonl`), st.stdout);
    for (const [mode, owner, type, path] of rows) {
      assert.equal(owner, 'root', path);
      assert.equal(mode, type === 'd' ? '700' : '600', `${path} is ${mode}`);
    }
  });

  it('rollback --last puts main.cf back byte for byte, secrets included, and says so without them', async () => {
    const r = await cli(['rollback', '--last', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(leaks(r.stdout + r.stderr), []);
    assert.equal(await host.readFile('/etc/postfix/main.cf'), original);
    for (const [what, text] of outputs) assert.deepEqual(leaks(text), [], what);
  });
});
