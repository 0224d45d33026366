import assert from 'node:assert/strict';
import { execRefused } from '../../../src/exec/refused.js';

describe('exec/refused: the shell could not execute the program', () => {
  const cases: Array<[string, { exitCode: number | null; stdout?: string; stderr?: string }, boolean]> = [
    ['exit 126', { exitCode: 126 }, true],
    ['the shell says so under `script` (as seen under enforcing SELinux)', { exitCode: 1, stdout: '/bin/sh: 1: exec: postfix: Permission denied\r\n' }, true],
    ['the bare message', { exitCode: 2, stderr: 'postfix: Permission denied\n' }, true],
    ['the configuration is unreadable: a verdict, not a refusal', { exitCode: 1, stdout: 'postfix/postfix-script: fatal: open /etc/postfix/main.cf: Permission denied\n' }, false],
    ['a path that ends in the name is not the program', { exitCode: 1, stderr: 'fatal: chdir /etc/postfix: Permission denied\n' }, false],
    ['another program refused', { exitCode: 1, stderr: 'sh: 1: exec: postconf: Permission denied\n' }, false],
    ['a clean run', { exitCode: 0, stdout: '' }, false],
    ['killed', { exitCode: null }, false],
  ];
  for (const [what, r, want] of cases) {
    it(`${what}: ${want ? 'refused' : 'not refused'}`, () => {
      assert.equal(execRefused({ stdout: '', stderr: '', ...r }, 'postfix'), want);
    });
  }
});
