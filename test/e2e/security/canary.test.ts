// Shell metacharacters planted everywhere postfix-fix reads from a host — the hostname, main.cf
// values, os-release fields, unit names and --var values that reach module arguments — and
// every command run against that host. Each payload would create its own canary file if any of
// it reached a shell; none may exist afterwards, anywhere in the host. The tool either treats the
// value as data (and says so in its reports) or rejects it with exit 2; it never crashes.

import assert from 'node:assert/strict';
import { LabHost, injectLoopbackOnly, link, postfixStart, postfixStop, runCli } from '../lab/index.js';
import type { CliResult, LinkInfo } from '../lab/index.js';

const planted = new Set<string>();
/** A canary path: the file a payload creates if it is ever executed. */
const canary = (name: string): string => {
  const path = `/tmp/pwned-${name}`;
  planted.add(path);
  return path;
};

// The kernel limits a hostname to 64 bytes: three payloads fit.
const HOSTNAME = `$(touch ${canary('h1')})\`touch ${canary('h2')}\`;touch ${canary('h3')}`;
const OS_RELEASE = [
  `NAME="Debian $(touch ${canary('os-name')})"`,
  `PRETTY_NAME="\\\`touch ${canary('os-pretty')}\\\`; touch ${canary('os-semi')}"`,
  'ID=debian',
  `ID_LIKE="debian $(touch ${canary('os-like')})"`,
  'VERSION_ID="12"',
  `VERSION="12 (bookworm); touch ${canary('os-version')}"`,
  `VERSION_CODENAME=$(touch ${canary('os-codename')})`,
  `HOME_URL="https://example.org/|touch ${canary('os-url')}"`,
  '',
].join('\n');
// `$$` is Postfix's literal `$`: the effective values (`postconf -x`) carry `$(touch …)` verbatim.
const MAIN_CF = [
  `smtpd_banner=$myhostname ESMTP $mail_name $$(touch ${canary('maincf')}) \`touch ${canary('maincf-bt')}\`; touch ${canary('maincf-semi')}`,
  `canary_long=$$(touch ${canary('maincf-long')}) ${'A'.repeat(100_000)} \`touch ${canary('maincf-long-bt')}\``,
  `smtp_helo_name=mx.example.org;touch ${canary('maincf-helo')}`,
];
// Raw `$(…)` is a Postfix macro: main.cf that Postfix itself cannot parse (postconf fails).
const BROKEN_MAIN_CF = `\nbroken_param = $(touch ${canary('raw-macro')})\nmyhostname = mx;touch ${canary('myhostname')}\n`;

/** Every canary that could exist, anywhere a payload could write it, in one find. */
const FIND = ['find', '/', '-xdev', '(', '-path', '/proc', '-o', '-path', '/sys', '-o', '-path', '/usr', '-o', '-path', '/work', '-o', '-path', '/var/cache', '-o', '-path', '/root/.npm', '-o', '-path', '/root/.cache', ')', '-prune', '-o', '-name', 'pwned*', '-print'];

describe('e2e security: shell metacharacters in facts, config and --var are never executed', function () {
  this.timeout(600_000);
  let host: LabHost;
  let peer: LabHost;
  let net: LinkInfo;
  let commands = 0;

  const noCanary = async (what: string): Promise<void> => {
    const tmp = await host.exec(['sh', '-c', 'ls -A /tmp /run /dev/shm /root 2>/dev/null | grep pwned || true']);
    assert.equal(tmp.stdout.trim(), '', `${what}: a canary was created`);
  };

  /** Run the CLI; the exit must be one of `exits`, never a crash; and no canary may appear. */
  const cli = async (args: string[], exits: number[]): Promise<CliResult> => {
    const r = await runCli(host, args, { timeoutMs: 180_000, env: { NO_COLOR: '1' } });
    commands++;
    const what = `postfix-fix ${args.map((a) => (a.length > 60 ? `${a.slice(0, 60)}…` : a)).join(' ')}`;
    assert.ok(exits.includes(r.code), `${what}: exit ${r.code}, wanted ${exits.join(' or ')}\n${r.stderr.slice(-3000)}\n${r.stdout.slice(0, 2000)}`);
    assert.doesNotMatch(`${r.stdout}\n${r.stderr}`, /internal error|^\s+at .+:\d+:\d+\)?$/m, `${what}: crashed\n${r.stderr}`);
    await noCanary(what);
    return r;
  };

  before(async function () {
    this.timeout(120_000);
    host = await LabHost.create({ name: 'canary', osRelease: OS_RELEASE, postconf: MAIN_CF, timeoutMs: 60_000 });
    peer = await LabHost.create({ name: 'canary-peer', postfix: false });
    net = await link(host, peer);
    await injectLoopbackOnly(host);
    // `hostname` refuses such a name; the kernel does not (the UTS namespace is the host's own).
    await host.execOk(['python3', '-c', 'import socket, sys; socket.sethostname(sys.argv[1])', HOSTNAME]);
    assert.equal((await host.execOk(['uname', '-n'])).stdout.trim(), HOSTNAME);
    await noCanary('setup');
  });

  after(async () => {
    await peer?.destroy();
    await host?.destroy();
  });

  it('diagnose reports the hostile facts as data, in text, JSON and markdown', async () => {
    const text = await cli(['diagnose', '--offline'], [4, 7]);
    assert.ok(text.stdout.includes(HOSTNAME), 'the hostname is shown as it is');
    const json = await cli(['diagnose', '--offline', '--json'], [4, 7]);
    const report = json.json as { host: { hostname: string; os: string } };
    assert.equal(report.host.hostname, HOSTNAME);
    assert.equal(report.host.os, `\`touch ${canary('os-pretty')}\`; touch ${canary('os-semi')}`);
    await cli(['diagnose', '--offline', '--format', 'markdown'], [4, 7]);
  });

  it('plan shows the fix with the hostile values as data', async () => {
    const r = await cli(['plan', '--offline', '--json'], [0]);
    const plan = r.json as { host: { hostname: string }; summary: { changes: number } };
    assert.equal(plan.host.hostname, HOSTNAME);
    assert.ok(plan.summary.changes > 0);
    await cli(['plan', '--offline'], [0]);
    await cli(['plan', '--offline', '--format', 'markdown'], [0]);
  });

  it('--var values reaching module args: data for postconf, refused for unit names', async () => {
    const semi = `interfaces=all; touch ${canary('var-semi')}`;
    const subst = `interfaces=$(touch ${canary('var-subst')})`;
    const bt = `interfaces=\`touch ${canary('var-bt')}\``;
    for (const v of [semi, subst, bt]) {
      const r = await cli(['plan', '--offline', '--json', '--var', v], [0]);
      assert.ok(JSON.stringify(r.json).includes(v.slice('interfaces='.length).replace(/"/g, '\\"')), 'the plan shows the value verbatim');
    }
    // A unit name goes to `service NAME` / `rc-service NAME`: only unit-name characters pass. A
    // path would make `service` run it: the script there would create its canary.
    await host.writeFile('/tmp/evil-unit', `#!/bin/sh\ntouch ${canary('unit-path')}\n`, 0o755);
    for (const unit of [`amavis;touch ${canary('unit-semi')}`, `$(touch ${canary('unit-subst')})`, '../../../tmp/evil-unit', '--status-all']) {
      const r = await cli(['plan', '--offline', '--runbook', 'content-filter', '--var', `filter_services=${unit}`], [2]);
      assert.match(r.stderr, /args\.service.* must match pattern/);
    }
    // Applied for real: postconf stores the value, `postfix check` refuses it, the run rolls back.
    const run = await cli(['run', '--yes', '--offline', '--max-risk', 'high', '--json', '--var', semi], [3]);
    assert.equal((run.json as { status: string }).status, 'failed-rolled-back');
  });

  it('run --yes fixes the host, rollback --last undoes it, all with the hostile facts in place', async () => {
    const run = await cli(['run', '--yes', '--offline', '--max-risk', 'high', '--json'], [0]);
    assert.equal((run.json as { status: string }).status, 'changed');
    const rb = await cli(['rollback', '--last'], [0]);
    assert.match(rb.stdout, /Rolled back run/);
    await cli(['rollback', '--list'], [0]);
    await cli(['plan', '--offline', '--out', '/root/canary-plan.json'], [0]);
    const apply = await cli(['apply', '/root/canary-plan.json', '--json'], [0]);
    assert.equal((apply.json as { status: string }).status, 'changed');
    await cli(['rollback', '--last', '--json'], [0]);
    void net;
  });

  it('a main.cf Postfix cannot parse (raw $(…) macro, myhostname with ;): handled, never executed', async () => {
    await postfixStop(host);
    const mainCf = await host.readFile('/etc/postfix/main.cf');
    await host.writeFile('/etc/postfix/main.cf', mainCf + BROKEN_MAIN_CF, 0o644);
    await cli(['diagnose', '--offline'], [4, 7]);
    await cli(['plan', '--offline'], [0]);
    await cli(['run', '--yes', '--offline', '--max-risk', 'high'], [0, 3, 4]);
    await cli(['rollback', '--last'], [0]);
    await host.writeFile('/etc/postfix/main.cf', mainCf, 0o644);
    await postfixStart(host).catch(() => undefined);
  });

  it('an os-release whose ID itself is hostile: no profile, exit 2, nothing run', async () => {
    const osRelease = await host.readFile('/etc/os-release');
    await host.writeFile('/etc/os-release', `ID="debian;touch ${canary('os-id')}"\nID_LIKE="$(touch ${canary('os-id-like')})"\nVERSION_ID="\`touch ${canary('os-id-version')}\`"\n`, 0o644);
    for (const args of [['diagnose', '--offline'], ['plan', '--offline'], ['run', '--yes', '--offline']]) {
      const r = await cli(args, [2]);
      assert.match(r.stderr, /profile/i);
    }
    await host.writeFile('/etc/os-release', osRelease, 0o644);
  });

  it(`no canary exists anywhere in the host`, async () => {
    const found = await host.exec(FIND, { timeoutMs: 120_000 });
    assert.equal(found.stdout.trim(), '', `canaries found:\n${found.stdout}`);
    for (const path of planted) assert.notEqual((await host.exec(['test', '-e', path])).code, 0, path);
    console.log(`\n      canaries: ${planted.size} planted, 0 created (${commands} postfix-fix commands against the host)`);
  });
});
