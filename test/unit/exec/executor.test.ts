// The executor's contract, in both ways it can wire a program's stdio: node's own (socketpairs)
// and real pipes relayed by `cat` (used under enforcing SELinux, forced here with
// POSTFIX_FIX_STDIO=pipes). Real programs on this machine, nothing but sh/printf/cat/sleep/ls.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { AuditLog } from '../../../src/exec/audit.js';
import { createExecutor } from '../../../src/exec/executor.js';

for (const mode of ['node', 'pipes'] as const) {
  describe(`exec/executor (stdio: ${mode})`, function () {
    this.timeout(30_000);
    const saved = process.env['POSTFIX_FIX_STDIO'];
    before(() => {
      process.env['POSTFIX_FIX_STDIO'] = mode;
    });
    after(() => {
      if (saved === undefined) delete process.env['POSTFIX_FIX_STDIO'];
      else process.env['POSTFIX_FIX_STDIO'] = saved;
    });
    const exec = (): ReturnType<typeof createExecutor> => createExecutor({ audit: new AuditLog(), defaultTimeoutMs: 10_000 });

    it('keeps stdout and stderr apart, and returns the program\'s exit status', async () => {
      const r = await exec().run(['sh', '-c', 'printf "out\\n"; printf "err\\n" >&2; exit 7']);
      assert.deepEqual([r.stdout, r.stderr, r.exitCode, r.timedOut, r.notFound], ['out\n', 'err\n', 7, false, false]);
    });

    it('feeds input on stdin', async () => {
      const r = await exec().run(['sh', '-c', 'read -r line; printf "got %s" "$line"'], { input: 'hello\n' });
      assert.deepEqual([r.stdout, r.exitCode], ['got hello', 0]);
    });

    it('input for a program that exits without reading it (or is not installed): its status, not an uncaught EPIPE', async () => {
      const big = 'x'.repeat(1 << 20);
      const quits = await exec().run(['sh', '-c', 'exit 4'], { input: big });
      assert.deepEqual([quits.exitCode, quits.timedOut], [4, false]);
      const missing = await exec().run(['/nonexistent/postfix-fix-hook'], { input: big });
      assert.deepEqual([missing.exitCode, missing.notFound], [127, true]);
      // An EPIPE raised after the call returned would land here, in the next turns of the loop.
      await new Promise((r) => setTimeout(r, 50));
    });

    for (const input of [undefined, '']) {
      it(`with ${input === undefined ? 'no' : 'empty'} input, a program that reads stdin gets EOF at once`, async () => {
        const r = await exec().run(['cat'], { timeoutMs: 5_000, ...(input === undefined ? {} : { input }) });
        assert.deepEqual([r.stdout, r.exitCode, r.timedOut], ['', 0, false]);
      });
    }

    // How the postfix_check probe runs it: `script` gives `postfix check` a pty, stdin empty.
    it('script -qec under empty input ends with its child and passes its status', async () => {
      const r = await exec().run(['script', '-qec', 'sh -c "echo hi; exit 3"', '/dev/null'], { timeoutMs: 5_000, input: '' });
      assert.deepEqual([r.stdout.replace(/\r/g, ''), r.exitCode, r.timedOut], ['hi\n', 3, false]);
    });

    it(`the program's stdout is ${mode === 'pipes' ? 'a pipe' : 'what node gives (a socket)'}`, async () => {
      const r = await exec().run(['sh', '-c', 'ls -l /proc/self/fd/1 /proc/self/fd/2']);
      const kinds = r.stdout.trim().split('\n').map((l) => /-> (pipe|socket):/.exec(l)?.[1]);
      assert.deepEqual(kinds, mode === 'pipes' ? ['pipe', 'pipe'] : ['socket', 'socket']);
    });

    it('a missing program is notFound, exit 127', async () => {
      const r = await exec().run(['postfix-fix-no-such-program']);
      assert.deepEqual([r.exitCode, r.notFound], [127, true]);
    });

    it('a hung program is killed at its timeout (not left behind), and the call returns', async () => {
      const marker = `${mode === 'pipes' ? 31 : 32}.${process.pid}`;
      const r = await exec().run(['sleep', marker], { timeoutMs: 500 });
      assert.equal(r.timedOut, true);
      assert.ok(r.durationMs < 10_000, `returned after ${r.durationMs} ms`);
      const left = (): string[] =>
        readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
          try {
            return readFileSync(`/proc/${p}/cmdline`, 'utf8') === `sleep\0${marker}\0`;
          } catch {
            return false;
          }
        });
      // SIGKILL has been sent to the whole tree when the call returns; on a loaded machine the
      // kernel may take a moment to run it down. Gone well before the program's own 31 s end.
      const deadline = Date.now() + 10_000;
      while (left().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(left(), [], 'the killed program is gone');
    });

    it('arguments stay single words', async () => {
      const r = await exec().run(['printf', '%s|', 'a b', '$(id)', "it's", '']);
      assert.equal(r.stdout, "a b|$(id)|it's||");
    });
  });
}
