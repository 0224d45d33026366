// The postfix_fix Ansible module's contract, run the way Ansible runs a "want JSON" module
// (`node postfix_fix ARGS_FILE`), against a stand-in postfix-fix that records its argv and
// answers with a canned report and exit code: which command each mode runs, and how every
// exit code maps to changed / failed / msg. (The real thing, over SSH, against real hosts:
// test/e2e/ansible/fleet.test.ts.)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const MODULE = resolve(fileURLToPath(new URL('../../../contrib/ansible/library/postfix_fix', import.meta.url)));

const STUB = `#!/bin/sh
printf '%s\\n' "$@" > "$STUB_ARGS"
[ -f "$STUB_OUT" ] && cat "$STUB_OUT"
[ -n "$STUB_ERR" ] && echo "$STUB_ERR" >&2
exit "$STUB_RC"
`;

interface Result {
  changed: boolean;
  failed: boolean;
  msg: string;
  rc?: number;
  status?: string;
  needs_human?: string[];
  warnings?: string[];
  diff?: Array<{ prepared: string }>;
  report?: unknown;
  top_cause?: { cause: string } | null;
  healthy?: boolean;
  cmd?: string[];
  [k: string]: unknown;
}

const step = (seq: number, runbook: string, risk: string, status = 'change') => ({
  seq,
  stepId: `${runbook}#${seq}`,
  runbook,
  name: `step ${seq}`,
  module: 'postconf',
  risk,
  args: {},
  status,
  change: { summary: `summary ${seq}`, diff: [`-old ${seq}`, `+new ${seq}`], data: null, intent: null, restore: null },
});

const PLAN = {
  schemaVersion: 1,
  runbooks: [
    { id: 'inet-interfaces', status: 'ready', steps: [step(1, 'inet-interfaces', 'low'), step(2, 'inet-interfaces', 'medium', 'skipped')] },
    { id: 'port-conflict', status: 'ready', steps: [step(3, 'port-conflict', 'high'), step(4, 'port-conflict', 'low')] },
    { id: 'selinux', status: 'blocked', blockedReason: 'SELinux is not enforcing', steps: [] },
  ],
  findings: [{ check: 'x', status: 'fail', title: 'a thing only a human fixes', human: { reason: 'no runbook for it' }, fixedBy: [] }],
  summary: { changes: 3, maxRisk: 'high', blocked: ['selinux'] },
};

const report = (status: string, extra: Record<string, unknown> = {}) => ({
  schemaVersion: 1,
  status,
  runId: '20260101T000000Z-abcd',
  steps: [
    { seq: 1, runbook: 'inet-interfaces', name: 'listen', risk: 'low', status: status === 'nothing-to-do' ? 'ok' : 'changed', diff: ['-inet_interfaces = loopback-only', '+inet_interfaces = all'] },
  ],
  needsHuman: [],
  error: null,
  ...extra,
});

describe('contrib/ansible: the postfix_fix module', () => {
  let dir: string;
  let stub: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'postfix-fix-ansible-module-'));
    stub = join(dir, 'postfix-fix');
    writeFileSync(stub, STUB, { mode: 0o755 });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function runModule(args: Record<string, unknown>, tool: { out?: unknown; rc?: number; err?: string } = {}): { result: Result; argv: string[]; stdout: string } {
    const argsFile = join(dir, 'args.json');
    writeFileSync(argsFile, JSON.stringify({ executable: stub, ...args }));
    const outFile = join(dir, 'out.json');
    rmSync(outFile, { force: true });
    if (tool.out !== undefined) writeFileSync(outFile, typeof tool.out === 'string' ? tool.out : JSON.stringify(tool.out));
    const argvFile = join(dir, 'argv');
    rmSync(argvFile, { force: true });
    const r = spawnSync(process.execPath, [MODULE, argsFile], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', STUB_ARGS: argvFile, STUB_OUT: outFile, STUB_RC: String(tool.rc ?? 0), STUB_ERR: tool.err ?? '' },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 1, 'exactly one line of JSON');
    let argv: string[] = [];
    try {
      argv = readFileSync(argvFile, 'utf8').split('\n').filter(Boolean);
    } catch {
      argv = [];
    }
    return { result: JSON.parse(r.stdout) as Result, argv, stdout: r.stdout };
  }

  describe('parameters', () => {
    it('refuses unknown parameters and bad values, naming them', () => {
      const a = runModule({ state: 'fixed', max_rsik: 'low' }).result;
      assert.equal(a.failed, true);
      assert.match(a.msg, /Unsupported parameters for \(postfix_fix\) module: max_rsik/);
      assert.match(runModule({ max_risk: 'extreme' }).result.msg, /max_risk must be one of: low, medium, high, got: extreme/);
      assert.match(runModule({ state: 'present' }).result.msg, /state must be one of: diagnosed, fixed/);
      assert.match(runModule({ runbooks: ['ok', 'not ok'] }).result.msg, /runbooks: expected a list of runbook ids/);
      assert.match(runModule({ vars: { 'bad name': 1 } }, { out: report('nothing-to-do') }).result.msg, /vars: "bad name" is not a variable name/);
      assert.match(runModule({ offline: 'perhaps' }).result.msg, /offline: "perhaps" is not a boolean/);
    });

    it('ignores Ansible\'s own _ansible_* keys and takes its boolean spellings', () => {
      const r = runModule({ state: 'diagnosed', offline: 'yes', _ansible_verbosity: 3, _ansible_no_log: false }, { out: { topCause: null, findings: [] }, rc: 0 });
      assert.equal(r.result.failed, false, r.result.msg);
      assert.deepEqual(r.argv, ['diagnose', '--json', '--offline']);
    });

    it('says so when postfix-fix is not installed', () => {
      const r = runModule({ executable: join(dir, 'nope') }).result;
      assert.equal(r.failed, true);
      assert.match(r.msg, /does not exist/);
    });
  });

  describe('state: diagnosed (read-only, also in check mode)', () => {
    const diag = { topCause: { cause: 'loopback-only', title: 'Postfix listens on loopback only', command: 'postfix-fix run --runbook inet-interfaces' }, findings: [{ check: 'listeners', status: 'fail', cause: 'loopback-only', title: 't', fixedBy: ['inet-interfaces'] }] };

    it('exit 7: fixable, not failed, not changed, with the top cause', () => {
      const { result, argv } = runModule({ state: 'diagnosed', timeout: 3, _ansible_check_mode: true }, { out: diag, rc: 7 });
      assert.deepEqual(argv, ['diagnose', '--json', '--timeout', '3']);
      assert.equal(result.failed, false);
      assert.equal(result.changed, false);
      assert.equal(result.rc, 7);
      assert.equal(result.status, 'fixable');
      assert.equal(result.top_cause?.cause, 'loopback-only');
      assert.match(result.msg, /^fixable: loopback-only: Postfix listens on loopback only \(fix: postfix-fix run --runbook inet-interfaces\)$/);
    });

    it('exit 0: healthy; exit 4: a warning, not a failure; exit 1: failed', () => {
      assert.equal(runModule({ state: 'diagnosed' }, { out: { topCause: null, findings: [] }, rc: 0 }).result.healthy, true);
      const human = runModule({ state: 'diagnosed' }, { out: diag, rc: 4 }).result;
      assert.equal(human.failed, false);
      assert.equal(human.status, 'needs-human');
      assert.equal(human.warnings?.length, 1);
      const broken = runModule({ state: 'diagnosed' }, { rc: 1, err: 'postfix-fix: internal error: boom' }).result;
      assert.equal(broken.failed, true);
      assert.match(broken.msg, /exit 1.*boom/);
    });
  });

  describe('state: fixed, check mode → postfix-fix plan (nothing touched)', () => {
    it('runs plan with the runbooks and vars; changed = a step within max_risk would change', () => {
      const { result, argv } = runModule(
        { runbooks: ['inet-interfaces'], vars: { ports: [25, 587], narrow: true }, offline: true, fail_on_needs_human: false, _ansible_check_mode: true },
        { out: PLAN, rc: 0 },
      );
      assert.deepEqual(argv, ['plan', '--json', '--runbook', 'inet-interfaces', '--var', 'ports=25,587', '--var', 'narrow=true', '--offline']);
      assert.equal(result.changed, true);
      assert.equal(result.failed, false);
      assert.equal(result.status, 'would-change');
      assert.match(result.msg, /^would fix: inet-interfaces \(1 step\(s\)\); needs a human: /);
      // port-conflict's first changing step is above max_risk: `run --yes` skips it and the rest of the runbook.
      assert.deepEqual(result.needs_human, [
        'selinux: SELinux is not enforcing',
        'port-conflict: step "step 3" is high risk, above max_risk medium',
        'a thing only a human fixes: no runbook for it',
      ]);
      assert.equal(result.warnings?.length, 3);
      assert.equal(result.diff, undefined, 'no diff unless asked');
      assert.deepEqual(result.report, PLAN);
    });

    it('max_risk high takes the high step too; --diff returns each step\'s diff', () => {
      const { result } = runModule({ max_risk: 'high', fail_on_needs_human: false, _ansible_check_mode: true, _ansible_diff: true }, { out: PLAN, rc: 0 });
      assert.match(result.msg, /^would fix: inet-interfaces, port-conflict \(3 step\(s\)\)/);
      assert.deepEqual(
        result.diff?.map((d) => d.prepared),
        [
          '--- step 1: inet-interfaces: step 1 (risk low)\n+++ summary 1\n-old 1\n+new 1',
          '--- step 3: port-conflict: step 3 (risk high)\n+++ summary 3\n-old 3\n+new 3',
          '--- step 4: port-conflict: step 4 (risk low)\n+++ summary 4\n-old 4\n+new 4',
        ],
      );
    });

    it('what would need a human fails the host by default, as the real run would (exit 4)', () => {
      const { result } = runModule({ _ansible_check_mode: true }, { out: PLAN, rc: 0 });
      assert.equal(result.failed, true);
      assert.equal(result.changed, true);
    });

    it('nothing to do: not changed', () => {
      const { result } = runModule({ _ansible_check_mode: true }, { out: { runbooks: [], findings: [] }, rc: 0 });
      assert.deepEqual([result.changed, result.failed, result.status, result.msg], [false, false, 'nothing-to-do', 'nothing to do']);
    });
  });

  describe('state: fixed → postfix-fix run --yes: exit codes → changed / failed', () => {
    const cases: Array<[string, number, Record<string, unknown>, { changed: boolean; failed: boolean; msg: RegExp }]> = [
      ['0 nothing to do', 0, report('nothing-to-do'), { changed: false, failed: false, msg: /^nothing to do: Postfix is healthy$/ }],
      ['10 changed and healthy', 10, report('changed'), { changed: true, failed: false, msg: /^fixed: inet-interfaces \(1 step\(s\) changed\); verified$/ }],
      ['3 failed, rolled back', 3, report('failed-rolled-back', { error: { message: 'verification failed for inet-interfaces' } }), { changed: false, failed: true, msg: /rolled back and verified: verification failed for inet-interfaces/ }],
      ['4 needs a human (after changing)', 4, report('changed', { needsHuman: ['port-conflict: skipped by risk'] }), { changed: true, failed: true, msg: /^fixed inet-interfaces, but needs a human: port-conflict: skipped by risk$/ }],
      ['4 needs a human (nothing changed)', 4, report('needs-human', { needsHuman: ['unknown listener on 25'] }), { changed: false, failed: true, msg: /^needs a human: unknown listener on 25$/ }],
      ['5 refused', 5, report('refused', { steps: [], error: { message: 'another run holds the lock' } }), { changed: false, failed: true, msg: /^refused before any change: another run holds the lock$/ }],
      ['6 rollback incomplete', 6, report('rollback-incomplete', { error: { message: 'step 2 failed' } }), { changed: true, failed: true, msg: /INCOMPLETE.*postfix-fix rollback.*step 2 failed/ }],
      ['130 interrupted', 130, report('interrupted'), { changed: false, failed: true, msg: /^interrupted/ }],
    ];
    for (const [name, rc, out, want] of cases) {
      it(`exit ${name}`, () => {
        const { result } = runModule({}, { out, rc });
        assert.deepEqual({ changed: result.changed, failed: result.failed }, { changed: want.changed, failed: want.failed }, result.msg);
        assert.match(result.msg, want.msg);
        assert.equal(result.rc, rc);
        assert.equal(result.status, (out as { status: string }).status);
        assert.deepEqual(result.report, out);
      });
    }

    it('runs run --yes with --detailed-exitcodes, the risk cap, runbooks, vars, policy', () => {
      const { argv } = runModule({ runbooks: ['a', 'b'], vars: { x: 'y' }, max_risk: 'low', policy: '/etc/p.yaml', state_dir: '/srv/state', timeout: 2.5 }, { out: report('nothing-to-do'), rc: 0 });
      assert.deepEqual(argv, ['run', '--yes', '--json', '--detailed-exitcodes', '--max-risk', 'low', '--runbook', 'a', '--runbook', 'b', '--var', 'x=y', '--policy', '/etc/p.yaml', '--timeout', '2.5', '--state-dir', '/srv/state']);
    });

    it('fail_on_needs_human: false turns exit 4 into warnings', () => {
      const { result } = runModule({ fail_on_needs_human: false }, { out: report('needs-human', { needsHuman: ['x'] }), rc: 4 });
      assert.equal(result.failed, false);
      assert.deepEqual(result.warnings, ['needs a human: x']);
    });

    it('diff mode returns the applied steps\' diffs', () => {
      const { result } = runModule({ _ansible_diff: true }, { out: report('changed'), rc: 10 });
      assert.deepEqual(result.diff, [{ prepared: '--- step 1: inet-interfaces: listen (risk low)\n+++ listen\n-inet_interfaces = loopback-only\n+inet_interfaces = all' }]);
    });

    it('exit 2 (bad input) without a report: failed, with what postfix-fix said', () => {
      const { result } = runModule({ runbooks: ['nope'] }, { rc: 2, err: 'postfix-fix: unknown runbook "nope"' });
      assert.equal(result.failed, true);
      assert.equal(result.changed, false);
      assert.match(result.msg, /exit 2.*unknown runbook "nope"/);
    });
  });
});

describe('contrib/ansible: the playbook and role', () => {
  const ANSIBLE_DIR = resolve(fileURLToPath(new URL('../../../contrib/ansible', import.meta.url)));

  it('the role carries the module (a link to library/postfix_fix)', () => {
    assert.equal(readFileSync(join(ANSIBLE_DIR, 'roles/postfix_fix/library/postfix_fix'), 'utf8'), readFileSync(MODULE, 'utf8'));
  });

  it('ansible-playbook --syntax-check accepts site.yml with the example inventory', function () {
    const probe = spawnSync('ansible-playbook', ['--version'], { encoding: 'utf8' });
    if (probe.error) {
      console.log('      skipped: ansible-playbook is not installed (.ci/lab-deps.sh installs ansible-core)');
      this.skip();
    }
    const home = mkdtempSync(join(tmpdir(), 'postfix-fix-ansible-home-'));
    try {
      const r = spawnSync('ansible-playbook', ['--syntax-check', '-i', 'inventory.example', 'site.yml'], { cwd: ANSIBLE_DIR, encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ANSIBLE_NOCOLOR: '1', HOME: home } });
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
