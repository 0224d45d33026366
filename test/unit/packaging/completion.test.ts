// The bash completion (generated from --help) offers what postfix-fix accepts: the commands,
// each command's flags, runbook and profile ids from the data directory, choices, files.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderBashCompletion } from '../../../scripts/packaging/completion.js';
import { helpModel } from '../../../scripts/packaging/help-model.js';
import { COMMANDS, commandFlags } from '../../../src/cli/args.js';
import { HELP } from '../../../src/cli/help.js';

const REPO = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const ids = (dir: string): string[] =>
  readdirSync(join(REPO, dir))
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => (/^id:\s*(\S+)/m.exec(readFileSync(join(REPO, dir, f), 'utf8')) as RegExpExecArray)[1] as string)
    .sort();

describe('packaging: bash completion', () => {
  let dir: string;
  let file: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'postfix-fix-completion-'));
    file = join(dir, 'postfix-fix');
    writeFileSync(file, renderBashCompletion(helpModel(HELP)));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function complete(words: string[], env: Record<string, string> = {}, cwd?: string): string[] {
    const script = `source "$COMPLETION" || exit 9; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _postfix_fix; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = spawnSync('bash', ['--norc', '--noprofile', '-c', script, 'bash', ...words], {
      encoding: 'utf8',
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', COMPLETION: file, POSTFIX_FIX_DATA_DIR: REPO, ...env },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    return r.stdout.split('\n').filter(Boolean).sort();
  }

  it('is valid bash and registers itself for postfix-fix', () => {
    assert.equal(spawnSync('bash', ['-n', file]).status, 0);
    const r = spawnSync('bash', ['--norc', '-c', `source "${file}" && complete -p postfix-fix`], { encoding: 'utf8' });
    assert.equal(r.stdout.trim(), 'complete -F _postfix_fix postfix-fix');
  });

  it('completes the commands', () => {
    assert.deepEqual(complete(['postfix-fix', '']), [...COMMANDS, 'help', '--help', '--version', '-V', '-h'].sort());
    assert.deepEqual(complete(['postfix-fix', 'ro']), ['rollback']);
    assert.deepEqual(complete(['postfix-fix', 'help', 'pl']), ['plan']);
  });

  for (const c of COMMANDS) {
    it(`completes exactly the flags "${c}" accepts`, () => {
      assert.deepEqual(complete(['postfix-fix', c, '--']), commandFlags(c).map((f) => `--${f}`).sort());
    });
  }

  it('completes runbook ids (built-in and from --runbooks DIR) and profile ids', () => {
    assert.deepEqual(complete(['postfix-fix', 'plan', '--runbook', '']), ids('runbooks'));
    assert.deepEqual(complete(['postfix-fix', 'run', '--yes', '--runbook', 'inet-']), ids('runbooks').filter((i) => i.startsWith('inet-')));
    const extra = join(dir, 'mine');
    mkdirSync(extra);
    writeFileSync(join(extra, 'x.yaml'), 'id: my-own-fix\ntitle: mine\n');
    assert.ok(complete(['postfix-fix', 'plan', '--runbooks', extra, '--runbook', '']).includes('my-own-fix'));
    assert.deepEqual(complete(['postfix-fix', 'diagnose', '--profile', '']), ids('distro-profiles'));
  });

  it('completes choices, also after "=", and nothing for free-form values', () => {
    assert.deepEqual(complete(['postfix-fix', 'run', '--max-risk', '']), ['high', 'low', 'medium']);
    assert.deepEqual(complete(['postfix-fix', 'plan', '--format', 'm']), ['markdown']);
    assert.deepEqual(complete(['postfix-fix', 'plan', '--format', '=', 'j']), ['json']);
    assert.deepEqual(complete(['postfix-fix', 'diagnose', '--format', '']), ['json', 'markdown', 'nagios', 'prometheus', 'text']);
    assert.deepEqual(complete(['postfix-fix', 'diagnose', '--format', '=', 'p']), ['prometheus']);
    assert.deepEqual(complete(['postfix-fix', 'plan', '--format', '']), ['json', 'markdown', 'text'], 'plan has no monitoring formats');
    assert.deepEqual(complete(['postfix-fix', 'plan', '--var', '']), []);
    assert.deepEqual(complete(['postfix-fix', 'diagnose', '--timeout', '']), []);
  });

  it('completes files for --out and apply, run ids for rollback', () => {
    const work = join(dir, 'work');
    mkdirSync(work);
    writeFileSync(join(work, 'plan one.json'), '{}');
    assert.deepEqual(complete(['postfix-fix', 'plan', '--out', 'pl'], {}, work), ['plan one.json']);
    assert.deepEqual(complete(['postfix-fix', 'diagnose', '--format', 'prometheus', '--out', 'pl'], {}, work), ['plan one.json']);
    assert.deepEqual(complete(['postfix-fix', 'apply', 'pl'], {}, work), ['plan one.json']);
    const state = join(dir, 'state');
    mkdirSync(join(state, 'runs', '20260101T000000Z-abcd'), { recursive: true });
    assert.deepEqual(complete(['postfix-fix', 'rollback', ''], { POSTFIX_FIX_STATE_DIR: state }), ['20260101T000000Z-abcd']);
  });
});
