import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { configCheckProbe } from '../../../src/probes/config-check.js';
import { fakeExec } from './helpers/fake-exec.js';
import { factsWith, healthyFacts } from './helpers/facts.js';
import { probeCtx } from './helpers/probe-ctx.js';

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
