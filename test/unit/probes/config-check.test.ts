import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createHostFs } from '../../../src/exec/host-fs.js';
import type { HostFs } from '../../../src/core/host-fs.js';
import { configCheckProbe } from '../../../src/probes/config-check.js';
import { POSTFIX_CHECK_TIMEOUT_MS, postfixCheckWarmup } from '../../../src/probes/config-check-warmup.js';
import { startDiagnoseWarmup } from '../../../src/probes/warmup.js';
import { fakeExec } from './helpers/fake-exec.js';
import { factsWith, healthyFacts } from './helpers/facts.js';
import { emptyRoot, probeCtx } from './helpers/probe-ctx.js';

const out = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const SCRIPT = ['script', '-qec', 'postfix check', '/dev/null'];

// Captured under `script` (a pty): without one, `postfix check` prints nothing at all.
describe('probes/config-check', () => {
  it('runs under a pty when `script` exists; clean: ok', async () => {
    const exec = fakeExec([{ argv: SCRIPT, result: { exitCode: 0 } }], ['postfix']);
    const [f] = await configCheckProbe.run(probeCtx(healthyFacts(), { exec }));
    assert.equal(f?.status, 'ok');
    assert.deepEqual(exec.calls[0]?.argv, SCRIPT);
    assert.equal(exec.calls[0]?.options.input, '', 'stdin is an empty pipe, never the terminal');
  });

  it('a permission warning: warn main-cf-permissions', async () => {
    const exec = fakeExec([{ argv: SCRIPT, result: { exitCode: 0, stdout: out('postfix-check-warn.txt') } }]);
    const [f] = await configCheckProbe.run(probeCtx(healthyFacts(), { exec }));
    assert.deepEqual([f?.status, f?.cause], ['warn', 'main-cf-permissions']);
    assert.deepEqual(f?.evidence, ['postfix/postfix-script: warning: group or other writable: /etc/postfix/./main.cf']);
  });

  it('a fatal error: fail postfix-config-invalid with the file:line', async () => {
    const exec = fakeExec([{ argv: SCRIPT, result: { exitCode: 1, stdout: out('postfix-check-fatal.txt') } }]);
    const [f] = await configCheckProbe.run(probeCtx(healthyFacts(), { exec }));
    assert.deepEqual([f?.status, f?.cause], ['fail', 'postfix-config-invalid']);
    assert.match(f?.evidence[0] ?? '', /main\.cf, line 39: missing '='/);
  });

  it('without `script`, a silent exit 1 is explained', async () => {
    const exec = fakeExec([{ argv: ['postfix', 'check'], result: { exitCode: 1 } }]);
    const [f] = await configCheckProbe.run(probeCtx(healthyFacts(), { exec }));
    assert.equal(f?.cause, 'postfix-config-invalid');
    assert.match(f?.evidence[0] ?? '', /without a message .*only prints on a terminal/);
  });

  // As seen in the real-SELinux VM: a root shell (unconfined_r) may not enter postfix_master_t.
  it('`postfix` itself refused (exit 126): unknown, not a config error; under enforcing SELinux, says where to look', async () => {
    const denied = { exitCode: 126, stdout: '/bin/sh: 1: exec: postfix: Permission denied\r\n' };
    const enforcing = factsWith((f) => {
      f.mac.selinux = 'enforcing';
    });
    const [f] = await configCheckProbe.run(probeCtx(enforcing, { exec: fakeExec([{ argv: SCRIPT, result: denied }]) }));
    assert.deepEqual([f?.status, f?.cause], ['unknown', undefined]);
    assert.match(f?.evidence.join('\n') ?? '', /Permission denied[\s\S]*SELinux is enforcing[\s\S]*runcon/);
    const [g] = await configCheckProbe.run(probeCtx(healthyFacts(), { exec: fakeExec([{ argv: SCRIPT, result: denied }]) }));
    assert.equal(g?.status, 'unknown');
    assert.doesNotMatch(g?.evidence.join('\n') ?? '', /SELinux/);
  });

  it('not root: unknown; postconf already failed: that error is the finding', async () => {
    assert.equal((await configCheckProbe.run(probeCtx(healthyFacts(), { isRoot: false })))[0]?.status, 'unknown');
    const broken = factsWith((f) => f.errors.push({ fact: 'postfix.params', message: 'postconf: fatal: /etc/postfix/main.cf, line 39: missing \'=\'' }));
    const [f] = await configCheckProbe.run(probeCtx(broken, { isRoot: false }));
    assert.equal(f?.cause, 'postfix-config-invalid');
  });
});

describe('probes/config-check-warmup: starting `postfix check` before anything else', () => {
  // A host root with a running master (pid 4242) whose master.pid is `pidAgeS` seconds old.
  function hostRoot(o: { comm?: string; pidAgeS: number }): HostFs {
    const root = mkdtempSync(join(tmpdir(), 'pf-warmup-root-'));
    const put = (path: string, text: string): void => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    put('etc/postfix/main.cf', 'inet_interfaces = all\n');
    put('etc/postfix/master.cf', 'smtp inet n - y - - smtpd\n');
    put('proc/4242/comm', `${o.comm ?? 'master'}\n`);
    put('var/spool/postfix/pid/master.pid', '       4242\n');
    const when = Date.now() / 1000 - o.pidAgeS;
    utimesSync(join(root, 'var/spool/postfix/pid/master.pid'), when, when);
    return createHostFs(root);
  }
  const installed = fakeExec([], ['postfix', 'script']);

  it('a master started after the configuration last changed has checked it: nothing to start', async () => {
    // master.pid "written" a minute from now: main.cf and master.cf (changed just now) are older.
    assert.deepEqual(await postfixCheckWarmup.commands({ exec: installed, fs: hostRoot({ pidAgeS: -60 }), isRoot: true }), []);
  });

  it('a configuration changed since the master started, or no master: the check starts, under a pty', async () => {
    const changed = await postfixCheckWarmup.commands({ exec: installed, fs: hostRoot({ pidAgeS: 60 }), isRoot: true });
    assert.deepEqual(changed, [{ argv: SCRIPT, input: '' }]);
    const notMaster = await postfixCheckWarmup.commands({ exec: installed, fs: hostRoot({ comm: 'bash', pidAgeS: -60 }), isRoot: true });
    assert.deepEqual(notMaster, [{ argv: SCRIPT, input: '' }], 'a pid reused by another process proves nothing');
    assert.deepEqual(await postfixCheckWarmup.commands({ exec: installed, fs: emptyRoot(), isRoot: true }), [{ argv: SCRIPT, input: '' }]);
    const noScript = await postfixCheckWarmup.commands({ exec: fakeExec([], ['postfix']), fs: emptyRoot(), isRoot: true });
    assert.deepEqual(noScript, [{ argv: ['postfix', 'check'], input: '' }]);
  });

  it('not root, or no Postfix: nothing to start', async () => {
    assert.deepEqual(await postfixCheckWarmup.commands({ exec: installed, fs: emptyRoot(), isRoot: false }), []);
    assert.deepEqual(await postfixCheckWarmup.commands({ exec: fakeExec([], ['script']), fs: emptyRoot(), isRoot: true }), []);
  });

  it('startDiagnoseWarmup runs each command once, with the probe budget stretched by a longer --timeout; the probe joins it', async () => {
    const inner = fakeExec([{ argv: SCRIPT, result: { exitCode: 0, stdout: 'checked' } }], ['postfix']);
    const warm = startDiagnoseWarmup({ exec: inner, fs: emptyRoot(), isRoot: true, timeoutMs: 10_000 });
    await warm.decided;
    assert.deepEqual(inner.calls.map((c) => [c.argv, c.options.timeoutMs]), [[SCRIPT, POSTFIX_CHECK_TIMEOUT_MS * 2]]);
    const [f] = await configCheckProbe.run(probeCtx(healthyFacts(), { exec: warm.exec }));
    assert.equal(f?.status, 'ok');
    assert.equal(inner.calls.length, 1, 'the probe got the run already under way');
    const failing = startDiagnoseWarmup({ exec: inner, fs: emptyRoot(), isRoot: true, timeoutMs: 5_000, warmups: [{ timeoutMs: 1_000, commands: () => Promise.reject(new Error('unreadable')) }] });
    await failing.decided;
    assert.equal(inner.calls.length, 1, 'a warm-up that cannot decide starts nothing (its probe runs the command itself)');
  });
});
