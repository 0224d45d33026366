// The hostile-input corpus (test/fixtures/hostile/) through the real CLI bundle: malformed
// runbooks, profiles, saved plans, policies and --var values. Each must be rejected with exit 2
// (5 where the design says "refused": a plan from another version, or one edited after it was
// made), with a message that names the file (and file:line:col for YAML), no stack trace, and
// nothing changed. `validate` reads only the file it is given, so it runs on this machine; the
// commands that could touch a host (apply, run, plan) run inside a lab host, fingerprinted
// before and after every case.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseVarFlags } from '../../../src/engine/variables.js';
import { UserError } from '../../../src/core/errors.js';
import { LabHost, cliBundlePath, runCli } from '../../e2e/lab/index.js';
import { restorableState } from '../../e2e/scenario.js';
import type { CliResult } from '../../e2e/lab/index.js';

const CORPUS = new URL('../../fixtures/hostile/', import.meta.url).pathname;
const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

interface Case {
  /** What is fed in: a corpus path, or the --var flags. */
  input: string;
  kind: 'runbook' | 'profile' | 'plan' | 'policy' | 'var';
  exit: 2 | 5;
  /** The gist of the message the person must see. */
  message: RegExp;
  /** A path the message must name, with :line:col when it is YAML. */
  names?: { file: string; yaml: boolean };
}

// --- the expected verdicts ---------------------------------------------------------------------
// Every file in the corpus has exactly one line here (checked below), so a new fixture cannot be
// forgotten and a message that degrades into something vague fails the test.

const RUNBOOKS: Record<string, RegExp> = {
  'after-unknown.yaml': /"after" names unknown runbook "no-such-runbook"/,
  'args-param-shell-metachar.yaml': /invalid key "inet_interfaces; touch/,
  'args-service-option.yaml': /steps\[0\]\.args\.service: value has the wrong format/,
  'args-service-traversal.yaml': /steps\[0\]\.args\.service: value has the wrong format/,
  'args-value-newline.yaml': /steps\[0\]\.args\.set\.inet_interfaces: value has the wrong format/,
  'args-wrong-shape.yaml': /steps\[0\]\.args\.set: wrong type \(expected object\)/,
  'binary-junk.yaml': /not a text file \(invalid UTF-8\)/,
  'check-two-forms.yaml': /a check takes only one of that, gone/,
  'comments-only.yaml': /file is empty/,
  'crlf-with-error.yaml': /:7:13: steps\[0\]\.module: unknown module "no-such-module"/,
  'deep-nesting.yaml': /nesting exceeded maxDepth/,
  'duplicate-ids': /duplicate runbook id "twin"/,
  'empty.yaml': /file is empty/,
  'id-path-traversal.yaml': /id: value has the wrong format/,
  'id-shell-metachar.yaml': /id: value has the wrong format/,
  'latin1.yaml': /not a text file \(invalid UTF-8\)/,
  'list-root.yaml': /a runbook must be a YAML mapping/,
  'missing-id.yaml': /missing required field "id"/,
  'module-shell-metachar.yaml': /steps\[0\]\.module: value has the wrong format/,
  'multi-document.yaml': /expected exactly one YAML document, found 2/,
  'nul-bytes.yaml': /not a text file \(contains NUL bytes\)/,
  'null-root.yaml': /a runbook must be a YAML mapping/,
  'precondition-gone.yaml': /"gone" checks belong under verify/,
  'risk-unknown.yaml': /steps\[0\]\.risk: value not allowed/,
  'scalar-root.yaml': /a runbook must be a YAML mapping/,
  'steps-empty.yaml': /steps: list is too short/,
  'symptom-unknown.yaml': /unknown symptom "cosmic-rays"/,
  'syntax-bad-indent.yaml': /YAML syntax error: bad indentation/,
  'syntax-duplicate-key.yaml': /YAML syntax error: duplicated mapping key/,
  'syntax-python-tag.yaml': /YAML syntax error: unknown sequence tag/,
  'syntax-tab-indent.yaml': /YAML syntax error: tab characters must not be used/,
  'syntax-unclosed-flow.yaml': /YAML syntax error/,
  'syntax-undefined-alias.yaml': /YAML syntax error: unidentified alias "nowhere"/,
  'syntax-unknown-tag.yaml': /YAML syntax error: unknown scalar tag/,
  'template-malformed.yaml': /malformed template/,
  'template-shell-expansion.yaml': /malformed template in "\{\{ \$\(touch/,
  'template-unknown-fact.yaml': /unknown fact "no\.such\.path" in template/,
  'template-unknown-var.yaml': /unknown variable "nope" in template/,
  'unknown-module.yaml': /unknown module "postconff"/,
  'unknown-step-field.yaml': /unknown field "shell"/,
  'unknown-top-field.yaml': /unknown field "stpes"/,
  'utf16-bom.yaml': /not a text file \(invalid UTF-8\)/,
  'variable-bad-name.yaml': /invalid key "Bad-Name"/,
  'variable-default-mismatch.yaml': /default does not match the declared type/,
  'variable-enum-default.yaml': /default "wide" is not among the allowed values/,
  'verify-missing.yaml': /missing required field "verify"/,
  'very-long-title.yaml': /title: string is too long/,
  'when-unknown-fact.yaml': /unknown fact "postfix\.no_such_fact"/,
  'when-unknown-var.yaml': /unknown variable "nope"/,
  'when-wrong-shape.yaml': /unknown field "exec"/,
  'wrong-type-risk.yaml': /steps\[0\]\.risk: value not allowed/,
  'wrong-type-steps.yaml': /steps: wrong type \(expected array\)/,
  'wrong-type-title.yaml': /title: wrong type \(expected string\)/,
  'yaml-bomb-in-args.yaml': /YAML aliases expand to more than 100000 nodes/,
  'yaml-bomb.yaml': /YAML aliases expand to more than 100000 nodes/,
};

const PROFILES: Record<string, RegExp> = {
  'bad-id.yaml': /id: value has the wrong format/,
  'bad-version-range.yaml': /invalid version range/,
  'duplicate-ids': /duplicate profile id "twin-profile"/,
  'extends-loop': /profile inheritance loops/,
  'extends-unknown.yaml': /extends unknown profile "no-such-profile"/,
  'match-ids-empty.yaml': /match\.ids: list is too short/,
  'missing-required.yaml': /missing required field "service_manager"/,
  'relative-path.yaml': /paths\.postfix_config_dir: value has the wrong format/,
  'syntax-error.yaml': /YAML syntax error/,
  'unknown-field.yaml': /unknown field "post_install_hook"/,
  'unknown-service-manager.yaml': /service_manager: value not allowed/,
  'wrong-type.yaml': /service_manager: value not allowed/,
  'yaml-bomb.yaml': /YAML aliases expand to more than 100000 nodes/,
};

const PLANS: Record<string, { exit: 2 | 5; message: RegExp }> = {
  'array-root.json': { exit: 2, message: /not a valid postfix-fix plan/ },
  'binary.json': { exit: 2, message: /not a plan file: invalid JSON/ },
  'change-without-diff.json': { exit: 2, message: /\.change\.diff: not a valid postfix-fix plan: missing required field "diff"/ },
  'deep-nesting.json': { exit: 2, message: /not a valid postfix-fix plan/ },
  'empty.json': { exit: 2, message: /not a plan file: invalid JSON/ },
  'fingerprint-missing.json': { exit: 2, message: /fingerprint: not a valid postfix-fix plan/ },
  'not-json.json': { exit: 2, message: /not a plan file: invalid JSON/ },
  'nul-byte.json': { exit: 2, message: /not a plan file: invalid JSON/ },
  'other-version.json': { exit: 5, message: /made by postfix-fix 0\.0\.1-another-version; this is .*Make a new plan/ },
  'proto-pollution.json': { exit: 2, message: /__proto__: not a valid postfix-fix plan: unknown field[\s\S]*tool: not a valid postfix-fix plan: wrong type/ },
  'rollback-not-an-action.json': { exit: 2, message: /\.rollback: not a valid postfix-fix plan/ },
  'runbooks-not-array.json': { exit: 2, message: /runbooks: not a valid postfix-fix plan/ },
  'step-args-string.json': { exit: 2, message: /steps\[2\]\.args: not a valid postfix-fix plan: wrong type \(expected object\)/ },
  'step-missing-module.json': { exit: 2, message: /steps\[2\]\.module: not a valid postfix-fix plan: missing required field "module"/ },
  'tampered-diff.json': { exit: 5, message: /the plan file was modified after it was made/ },
  'tampered-digest.json': { exit: 5, message: /the plan file was modified after it was made/ },
  'tampered-rollback.json': { exit: 5, message: /the plan file was modified after it was made/ },
  'truncated.json': { exit: 2, message: /not a plan file: invalid JSON/ },
  'utf16.json': { exit: 2, message: /not a plan file: invalid JSON/ },
  'verify-null-entry.json': { exit: 2, message: /runbooks\[0\]\.verify\[4\]: not a valid postfix-fix plan: wrong type \(expected object\)/ },
  'wrong-schema-version.json': { exit: 5, message: /plan format version 2 is not 1/ },
  'wrong-tool.json': { exit: 2, message: /tool\.name: not a valid postfix-fix plan/ },
};

const POLICIES: Record<string, RegExp> = {
  'allow-duplicates.yaml': /allow: .*(duplicate|identical)/,
  'allow-string.yaml': /allow: wrong type \(expected array\)/,
  'bad-risk.yaml': /max_risk: value not allowed/,
  'binary.yaml': /not a text file/,
  'empty.yaml': /file is empty/,
  'forbid-bad-id.yaml': /forbid\[0\]: value has the wrong format/,
  'list-root.yaml': /a policy must be a YAML mapping/,
  'risk-number.yaml': /max_risk: value not allowed/,
  'syntax-error.yaml': /YAML syntax error/,
  'unknown-field.yaml': /unknown field "exec"/,
  'unknown-runbook.yaml': /unknown runbook "no-such-runbook"/,
  'yaml-bomb.yaml': /YAML aliases expand to more than 100000 nodes/,
};

/** --var values, planned against base/vars-runbook.yaml (one variable of every type). */
const VARS: Array<{ flags: string[]; message: RegExp }> = [
  { flags: ['ports=25;rm'], message: /--var ports: invalid value "25;rm"/ },
  { flags: ['ports='], message: /--var ports: invalid value ""/ },
  { flags: ['ports=abc'], message: /--var ports: invalid value "abc"/ },
  { flags: ['ports=25,,x'], message: /--var ports: invalid value "25,,x"/ },
  { flags: [`ports=${'9'.repeat(400)}`], message: /--var ports: invalid value/ },
  { flags: ['limit=1e5'], message: /--var limit: invalid value "1e5" \(expected a number\)/ },
  { flags: ['nosuch=1'], message: /--var nosuch: no runbook in this plan declares it/ },
  { flags: ['=x'], message: /--var "=x": expected NAME=VALUE/ },
  { flags: ['ports'], message: /--var "ports": expected NAME=VALUE/ },
  { flags: ['ports=25', 'ports=587'], message: /--var ports given twice/ },
  { flags: ['Ports=25'], message: /invalid variable name/ },
  { flags: ['p\u03bfrts=25'], message: /invalid variable name/ },
  { flags: [`interfaces=${'a'.repeat(100_000)}`], message: /--var interfaces: value too long \(100000 characters\)/ },
  { flags: ['interfaces=all\nrelayhost = [evil.example]:25'], message: /--var interfaces: the value contains a control character/ },
  { flags: ['interfaces=all\ttab'], message: /--var interfaces: the value contains a control character/ },
  { flags: ['interfaces=,,,'], message: /--var interfaces: invalid value ",,," \(expected at least one value\)/ },
  { flags: ['enabled=maybe'], message: /--var enabled: invalid value "maybe" \(expected true or false\)/ },
  { flags: ['mode=$(touch /tmp/pwned-var)'], message: /--var mode: invalid value .* \(expected one of "strict", "relaxed"\)/ },
];

/** Hostile runbooks again, but through `plan --runbooks FILE` on a host: rejected before any look at it. */
const RUNBOOKS_ON_HOST = ['yaml-bomb-in-args.yaml', 'args-service-traversal.yaml', 'args-value-newline.yaml', 'syntax-python-tag.yaml', 'template-shell-expansion.yaml', 'module-shell-metachar.yaml', 'utf16-bom.yaml'];

// --- running the CLI ---------------------------------------------------------------------------

function runLocal(bundle: string, args: string[], nodeOptions: string[] = []): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...nodeOptions, bundle, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr });
    });
  });
}

async function pool<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) await work(items[next++] as T);
  }));
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The verdict every case shares: exit code, message, file named, no stack trace. */
function judge(c: Case, out: Outcome): void {
  const both = `${out.stderr}\n${out.stdout}`;
  const where = `${c.kind} ${c.input.slice(0, 120)}`;
  assert.equal(out.code, c.exit, `${where}: exit ${out.code}, wanted ${c.exit}\n${both}`);
  assert.match(out.stderr, c.message, `${where}: message`);
  assert.doesNotMatch(both, /^\s+at .+(:\d+:\d+\)?|\(native\))$/m, `${where}: a stack trace was printed\n${both}`);
  assert.doesNotMatch(both, /internal error|node:internal|TypeError|RangeError/i, `${where}: an internal error\n${both}`);
  if (c.names) {
    const pattern = c.names.yaml ? new RegExp(`${escape(c.names.file)}(/[^:\\s]+)?:\\d+:\\d+: `) : new RegExp(escape(c.names.file));
    assert.match(out.stderr, pattern, `${where}: the message does not name the file${c.names.yaml ? ' with line:col' : ''}`);
  }
}

/** The executor's audit lines in `--debug` output: one per command run. */
const auditLines = (stderr: string): string[] => stderr.split('\n').filter((l) => /^debug: \S+ exec (rc=|timeout|signal=)/.test(l));

/** Everything on the host a rejected input must leave alone, in one fixed script (no input in it). */
const FINGERPRINT = [
  'sha256sum /etc/postfix/* 2>&1',
  'stat -c "%n %a %U:%G %s %Y" /etc/postfix /etc/postfix/* 2>&1',
  'find /var/lib/postfix-fix -type f 2>/dev/null | sort',
  'ls -A /var/lib/postfix-fix/runs 2>/dev/null',
  // master.pid, not its directory: a mail dialogue (diagnose goes up to RCPT) has the master start
  // cleanup, which adds its own lock file there — Postfix at work, not a change of ours.
  'ls -la --time-style=+%s /var/spool/postfix/pid/master.pid 2>&1',
  'nft list ruleset 2>&1',
  // Not Recv-Q/Send-Q: a listener's Recv-Q counts connections waiting to be accepted.
  "ss -Hltn 2>&1 | awk '{ print $1, $4, $5 }' | sort",
  'ls -A /tmp 2>&1',
].join('; echo ---; ');

let tally = { cases: 0, rejected: 0, byKind: {} as Record<string, number> };
/** Run a case's checks; it counts as rejected only if every one of them held. */
async function counted(c: Case, checks: () => unknown): Promise<void> {
  tally.cases++;
  await checks();
  tally.rejected++;
  tally.byKind[c.kind] = (tally.byKind[c.kind] ?? 0) + 1;
}
const corpusFiles = (): number => ['runbooks', 'profiles', 'plans', 'policies'].flatMap((d) => readdirSync(join(CORPUS, d), { recursive: true, withFileTypes: true }).filter((e) => e.isFile())).length;

describe('hostile inputs through the real CLI', function () {
  this.timeout(900_000);
  let bundle: string;

  before(() => {
    bundle = cliBundlePath();
    if (!existsSync(bundle)) throw new Error(`CLI bundle ${bundle} not found: run \`npm run build\` first (npm test does)`);
    tally = { cases: 0, rejected: 0, byKind: {} };
  });

  after(() => {
    const kinds = Object.entries(tally.byKind).map(([k, n]) => `${n} ${k}`).join(', ');
    console.log(`\nhostile inputs: ${tally.rejected} rejected of ${tally.cases} (${kinds}; ${corpusFiles()} corpus files)`);
  });

  it('every corpus file has an expected verdict, and every verdict a file', () => {
    const listed = (dir: string): string[] => readdirSync(join(CORPUS, dir)).sort();
    assert.deepEqual(listed('runbooks'), Object.keys(RUNBOOKS).sort());
    assert.deepEqual(listed('profiles'), Object.keys(PROFILES).sort());
    assert.deepEqual(listed('plans'), Object.keys(PLANS).sort());
    assert.deepEqual(listed('policies'), Object.keys(POLICIES).sort());
    assert.ok(corpusFiles() >= 50, `only ${corpusFiles()} corpus files`);
  });

  describe('validate (reads only the given file: run on this machine)', () => {
    let scratch: string;
    before(() => (scratch = mkdtempSync(join(tmpdir(), 'postfix-fix-hostile-'))));
    after(() => rmSync(scratch, { recursive: true, force: true }));

    it(`rejects ${Object.keys(RUNBOOKS).length} malformed runbooks and ${Object.keys(PROFILES).length} malformed profiles, each by file:line:col`, async () => {
      const cases: Case[] = [
        ...Object.entries(RUNBOOKS).map(([f, message]): Case => ({ input: join(CORPUS, 'runbooks', f), kind: 'runbook', exit: 2, message, names: { file: join(CORPUS, 'runbooks', f), yaml: true } })),
        ...Object.entries(PROFILES).map(([f, message]): Case => ({ input: join(CORPUS, 'profiles', f), kind: 'profile', exit: 2, message, names: { file: join(CORPUS, 'profiles', f), yaml: true } })),
      ];
      const failures: string[] = [];
      await pool(cases, 10, async (c) => {
        const out = await runLocal(bundle, ['validate', c.input]);
        try {
          await counted(c, () => judge(c, out));
        } catch (e) {
          failures.push((e as Error).message);
        }
      });
      assert.deepEqual(failures, []);
    });

    it('rejects a runbook too large to be one (2 MiB) before parsing it', async () => {
      const file = join(scratch, 'huge.yaml');
      writeFileSync(file, `id: huge\ntitle: t\ndescription: |\n${'  x\n'.repeat(512 * 1024)}`);
      assert.ok(statSync(file).size > 1024 * 1024);
      const started = Date.now();
      const c: Case = { input: file, kind: 'runbook', exit: 2, message: /file is too large \(\d+ bytes\)/, names: { file, yaml: true } };
      const out = await runLocal(bundle, ['validate', file]);
      await counted(c, () => {
        judge(c, out);
        assert.ok(Date.now() - started < 10_000);
      });
    });

    it('rejects the billion-laughs bombs fast and within a 64 MiB heap', async () => {
      for (const file of [join(CORPUS, 'runbooks', 'yaml-bomb-in-args.yaml'), join(CORPUS, 'runbooks', 'yaml-bomb.yaml'), join(CORPUS, 'profiles', 'yaml-bomb.yaml')]) {
        const started = Date.now();
        // Unchecked, 2^47 aliases expand to a tree no machine holds: the heap cap would kill it.
        const out = await runLocal(bundle, ['validate', file], ['--max-old-space-size=64']);
        assert.equal(out.code, 2, out.stderr);
        assert.match(out.stderr, /YAML aliases expand to more than 100000 nodes/);
        assert.ok(Date.now() - started < 5_000, `${file}: took ${Date.now() - started} ms`);
      }
    });
  });

  describe('apply, run --policy, plan --var, plan --runbooks (could touch a host: run in a lab host)', () => {
    let host: LabHost;
    let before0: string;
    let snap0: Awaited<ReturnType<typeof restorableState>>;
    const fingerprint = async (): Promise<string> => (await host.execOk(['sh', '-c', FINGERPRINT])).stdout;

    before(async function () {
      this.timeout(120_000);
      host = await LabHost.create({ name: 'hostile' });
      await host.execOk(['mkdir', '-p', '/root/hostile/plans', '/root/hostile/policies', '/root/hostile/runbooks', '/root/hostile/base']);
      // The plan fixtures carry a placeholder for the version that reads them.
      for (const f of Object.keys(PLANS)) {
        const bytes = readFileSync(join(CORPUS, 'plans', f));
        const text = bytes.toString('utf8');
        await host.writeFile(`/root/hostile/plans/${f}`, text.includes('@VERSION@') && !bytes.includes(0) ? text.replaceAll('@VERSION@', VERSION) : bytes);
      }
      for (const f of Object.keys(POLICIES)) await host.writeFile(`/root/hostile/policies/${f}`, readFileSync(join(CORPUS, 'policies', f)));
      for (const f of RUNBOOKS_ON_HOST) await host.writeFile(`/root/hostile/runbooks/${f}`, readFileSync(join(CORPUS, 'runbooks', f)));
      await host.writeFile('/root/hostile/base/vars-runbook.yaml', readFileSync(join(CORPUS, 'base', 'vars-runbook.yaml')));
      // Listeners by address and program: the smtpd children of diagnose's own probes come and go.
      snap0 = await restorableState(host);
      before0 = await fingerprint();
    });
    after(async () => host?.destroy());

    const onHost = async (c: Case, args: string[]): Promise<void> => {
      const out: CliResult = await runCli(host, args, { timeoutMs: 60_000, env: { NO_COLOR: '1' } });
      await counted(c, async () => {
        judge(c, out);
        assert.equal(await fingerprint(), before0, `${c.kind} ${c.input.slice(0, 80)}: the host changed`);
      });
    };

    it(`apply rejects ${Object.keys(PLANS).length} malformed, foreign or tampered plans and changes nothing`, async () => {
      const entries = Object.entries(PLANS);
      const failures: string[] = [];
      const one = async ([f, want]: [string, { exit: 2 | 5; message: RegExp }]): Promise<void> => {
        const file = `/root/hostile/plans/${f}`;
        try {
          await onHost({ input: file, kind: 'plan', exit: want.exit, message: want.message, names: { file, yaml: false } }, ['apply', file]);
        } catch (e) {
          failures.push((e as Error).message);
        }
      };
      // Tampered plans get as far as the run lock: one at a time, or they would refuse each other.
      await pool(entries.filter(([f]) => !f.startsWith('tampered-')), 4, one);
      for (const e of entries.filter(([f]) => f.startsWith('tampered-'))) await one(e);
      assert.deepEqual(failures, []);
    });

    it(`run --yes --policy rejects ${Object.keys(POLICIES).length} malformed policies (and a missing one) before changing anything`, async () => {
      const failures: string[] = [];
      const cases: Case[] = [
        ...Object.entries(POLICIES).map(([f, message]): Case => ({ input: `/root/hostile/policies/${f}`, kind: 'policy', exit: 2, message, names: { file: `/root/hostile/policies/${f}`, yaml: true } })),
        { input: '/root/hostile/policies/does-not-exist.yaml', kind: 'policy', exit: 2, message: /cannot read file: no such file/, names: { file: '/root/hostile/policies/does-not-exist.yaml', yaml: true } },
      ];
      await pool(cases, 4, async (c) => {
        try {
          await onHost(c, ['run', '--yes', '--offline', '--max-risk', 'high', '--policy', c.input]);
        } catch (e) {
          failures.push((e as Error).message);
        }
      });
      assert.deepEqual(failures, []);
    });

    it(`plan rejects ${VARS.length} bad --var values, and a NUL that argv cannot even carry`, async () => {
      const failures: string[] = [];
      await pool(VARS, 4, async (v) => {
        const c: Case = { input: v.flags.join(' ').slice(0, 200), kind: 'var', exit: 2, message: v.message };
        try {
          await onHost(c, ['plan', '--offline', '--runbooks', '/root/hostile/base/vars-runbook.yaml', '--runbook', 'hostile-vars', ...v.flags.flatMap((f) => ['--var', f])]);
        } catch (e) {
          failures.push((e as Error).message);
        }
      });
      assert.deepEqual(failures, []);
      // execve cannot pass a NUL; the parser refuses one all the same (a library caller could).
      await counted({ input: 'interfaces=all\\0…', kind: 'var', exit: 2, message: /./ }, () => {
        assert.throws(() => parseVarFlags(['interfaces=all\0; touch /tmp/pwned-nul']), (e: unknown) => e instanceof UserError && /control character/.test(e.message));
      });
    });

    it(`plan --runbooks rejects ${RUNBOOKS_ON_HOST.length} hostile runbooks on a host before looking at it`, async () => {
      const failures: string[] = [];
      await pool(RUNBOOKS_ON_HOST, 4, async (f) => {
        const file = `/root/hostile/runbooks/${f}`;
        try {
          await onHost({ input: file, kind: 'runbook', exit: 2, message: RUNBOOKS[f] as RegExp, names: { file, yaml: true } }, ['plan', '--offline', '--runbooks', file]);
          // "Before looking at it": with --debug every command the CLI runs is printed as an
          // audit line; refused, it has run none.
          const traced = await runCli(host, ['plan', '--offline', '--debug', '--runbooks', file], { timeoutMs: 60_000, env: { NO_COLOR: '1' } });
          assert.equal(traced.code, 2, `${f} with --debug: exit ${traced.code}`);
          assert.deepEqual(auditLines(traced.stderr), [], `${f}: commands ran before the runbook was refused`);
        } catch (e) {
          failures.push((e as Error).message);
        }
      });
      assert.deepEqual(failures, []);
      // The same trace of a plan that is not refused lists the commands that looked at the host.
      const looked = await runCli(host, ['plan', '--offline', '--debug'], { timeoutMs: 60_000, env: { NO_COLOR: '1' } });
      assert.ok(auditLines(looked.stderr).some((l) => / postconf /.test(l)), looked.stderr.slice(0, 2_000));
    });

    it('the whole host is as it was: config, firewall, listeners, no run recorded', async () => {
      assert.deepEqual(await restorableState(host), snap0);
      assert.equal(await fingerprint(), before0);
      const runs = await host.exec(['sh', '-c', 'ls -A /var/lib/postfix-fix/runs 2>/dev/null | wc -l']);
      assert.equal(runs.stdout.trim(), '0');
    });
  });
});
