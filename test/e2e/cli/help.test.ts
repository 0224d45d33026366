// --help read in full, from the built binary, as a person would: every command is listed, every
// flag a command accepts is explained, exit codes are there, nothing runs off an 100-column
// terminal; wrong usage is answered with a pointer, never a stack trace. (Runs on this machine:
// --help and usage errors touch nothing.)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { COMMANDS, commandFlags } from '../../../src/cli/args.js';
import { cliBundlePath } from '../lab/index.js';

const cli = (...args: string[]) => spawnSync(process.execPath, [cliBundlePath(), ...args], { encoding: 'utf8', timeout: 20_000, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' } });

describe('e2e: --help, read in full', () => {
  it('postfix-fix --help lists every command, where to start, and the exit codes', () => {
    const r = cli('--help');
    assert.equal(r.status, 0);
    for (const c of COMMANDS) assert.match(r.stdout, new RegExp(`^  ${c}\\b`, 'm'), `command ${c} listed`);
    assert.match(r.stdout, /Start here:/);
    for (const code of [0, 1, 2, 3, 4, 5, 6, 7, 10, 130]) assert.match(r.stdout, new RegExp(`^  ${code}\\s`, 'm'), `exit code ${code}`);
  });

  it('no command prints the help and exits 2', () => {
    const r = cli();
    assert.equal(r.status, 2);
    assert.match(r.stdout, /Usage: postfix-fix <command>/);
  });

  for (const c of COMMANDS) {
    it(`postfix-fix ${c} --help explains every flag it accepts`, () => {
      const r = cli(c, '--help');
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^Usage: postfix-fix ${c}\\b`, 'm'));
      for (const f of commandFlags(c)) assert.match(r.stdout, new RegExp(`--${f}\\b`), `${c} --help mentions --${f}`);
      const wide = r.stdout.split('\n').filter((l) => l.length > 110);
      assert.deepEqual(wide, [], 'lines fit a terminal');
    });
  }

  it('diagnose and plan say they change nothing', () => {
    assert.match(cli('diagnose', '--help').stdout, /Changes nothing on the host/);
    assert.match(cli('plan', '--help').stdout, /Changes nothing on the host/);
  });

  it('an unknown command or flag is a usage error (exit 2) that points at --help, without a stack', () => {
    const a = cli('diagnoze');
    assert.equal(a.status, 2);
    assert.match(a.stderr, /unknown command "diagnoze"[\s\S]*postfix-fix --help/);
    const b = cli('plan', '--max-risk', 'high');
    assert.equal(b.status, 2);
    assert.match(b.stderr, /Unknown option '--max-risk'[\s\S]*postfix-fix plan --help/);
    for (const r of [a, b]) assert.doesNotMatch(r.stderr, /^\s+at /m);
  });

  it('--version is instant and plain', () => {
    const r = cli('--version');
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^postfix-fix \d+\.\d+\.\d+\n$/);
  });
});
