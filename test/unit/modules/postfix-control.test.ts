import assert from 'node:assert/strict';
import { StepFailure } from '../../../src/core/errors.js';
import { postfixCheck } from '../../../src/modules/postfix-control.js';
import { fakeExec } from '../probes/helpers/fake-exec.js';
import { baseFacts, testContext } from '../helpers/context.js';

describe('modules/postfix-control: postfix check before a (re)start', () => {
  const withCheck = (result: { exitCode: number; stdout?: string }) => ({ ...testContext(baseFacts({ configDir: '/etc/postfix' })), exec: fakeExec([{ argv: ['postfix'], result }]) });
  const failure = async (result: { exitCode: number; stdout?: string }): Promise<string> => {
    try {
      await postfixCheck(withCheck(result));
    } catch (e) {
      assert.ok(e instanceof StepFailure);
      return e.message;
    }
    return 'passed';
  };

  it('passes, fails on a fatal error, and says "could not run" — not "failed" — when `postfix` is refused', async () => {
    assert.equal(await failure({ exitCode: 0 }), 'passed');
    assert.match(await failure({ exitCode: 1, stdout: 'postfix: fatal: /etc/postfix/main.cf, line 3: missing \'=\'\n' }), /failed: the new configuration is not safe to load/);
    assert.match(await failure({ exitCode: 126, stdout: 'sh: 1: exec: postfix: Permission denied\n' }), /could not run: executing `postfix` was refused/);
  });
});
