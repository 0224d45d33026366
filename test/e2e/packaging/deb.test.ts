// The .deb, installed the way an administrator installs it, on a Debian 12 host booted with
// real systemd (systemd-nspawn): built from the current bundle by scripts/build-deb.ts,
// `dpkg -i` with its real dependency met, run from /usr/bin, its man page and bash completion
// checked, then `dpkg -r` and `dpkg -P`, and nothing of it is left.
//
// The container has no network, and its bookworm rootfs has no nodejs. Rather than a dummy
// "nodejs" package or `dpkg --force-depends`, Debian 12's own nodejs (18.x) and its libraries
// are fetched once on the machine with `apt-get download` (test/e2e/packaging/debs.ts) and
// installed in the container with dpkg: the package's `Depends: nodejs (>= 18.18)` is met for
// real, and /usr/bin/postfix-fix runs on the oldest Node.js the package claims to support.
// (The lab also binds the machine's node at /usr/local/bin/node; the package never uses it:
// its entry says #!/usr/bin/node, the interpreter its Depends provides.)

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDeb } from '../../../scripts/build-deb.js';
import type { DebResult } from '../../../scripts/build-deb.js';
import { COMMANDS } from '../../../src/cli/args.js';
import { NspawnHost } from '../lab/index.js';
import { REPO_ROOT } from '../lab/paths.js';
import { runOk } from '../lab/run.js';
import { DEBIAN_NODEJS, installDebsIn } from './debs.js';

const SKIP = process.env['POSTFIX_FIX_LAB_SKIP_NSPAWN'] === '1';
const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const RUNBOOK_IDS = readdirSync(join(REPO_ROOT, 'runbooks'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => /^id:\s*(\S+)/m.exec(readFileSync(join(REPO_ROOT, 'runbooks', f), 'utf8'))?.[1] ?? f)
  .sort();
const DEB_IN_HOST = '/root/postfix-fix.deb';

// For every path the package had (dpkg -L), what is there now: "gone", or why it may stay
// (a directory another package or other files still use).
const LEFTOVER_SCRIPT = `
while IFS= read -r p; do
  if [ ! -e "$p" ] && [ ! -L "$p" ]; then echo "gone $p"
  elif [ -d "$p" ] && [ ! -L "$p" ] && { dpkg -S "$p" >/dev/null 2>&1 || [ -n "$(ls -A "$p")" ]; }; then echo "shared $p"
  else echo "LEFT $p"; fi
done`;

describe('e2e packaging: the .deb on a systemd host (Debian 12, nodejs from Debian)', function () {
  this.timeout(120_000);
  let host: NspawnHost | undefined;
  let deb: DebResult;
  let out: string;
  let installedPaths: string[] = [];

  before(async function () {
    if (SKIP) {
      console.log('      skipped: POSTFIX_FIX_LAB_SKIP_NSPAWN=1 (the .deb was not tested)');
      this.skip();
    }
    this.timeout(10 * 60_000);
    out = mkdtempSync(join(tmpdir(), 'postfix-fix-deb-test-'));
    deb = await buildDeb({ outDir: out });
    host = await NspawnHost.create({ name: 'deb' });
    await installDebsIn(host, DEBIAN_NODEJS);
    await host.writeFile(DEB_IN_HOST, readFileSync(deb.path), 0o644);
  });

  after(async () => {
    await host?.destroy();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  const h = (): NspawnHost => {
    if (!host) throw new Error('no host');
    return host;
  };

  it('dpkg -i installs it, its Depends met by Debian 12\'s own nodejs', async () => {
    assert.match((await h().execOk(['/usr/bin/node', '--version'])).stdout, /^v18\./);
    const r = await h().exec(['dpkg', '-i', DEB_IN_HOST], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    const status = await h().execOk(['dpkg-query', '-W', '-f', '${Status} ${Version} ${Depends}', 'postfix-fix']);
    assert.equal(status.stdout, `install ok installed ${VERSION} nodejs (>= 18.18)`);
    installedPaths = (await h().execOk(['dpkg', '-L', 'postfix-fix'])).stdout.split('\n').filter(Boolean);
    for (const p of ['/usr/bin/postfix-fix', '/usr/lib/postfix-fix/postfix-fix.cjs', '/usr/lib/postfix-fix/postfix-fix.mjs', '/usr/share/man/man8/postfix-fix.8.gz', '/usr/share/bash-completion/completions/postfix-fix', '/usr/share/doc/postfix-fix/copyright', '/usr/share/doc/postfix-fix/examples/nagios-postfix-fix.cfg', '/usr/share/doc/postfix-fix/examples/icinga2-postfix-fix.conf']) {
      assert.ok(installedPaths.includes(p), `${p} in dpkg -L`);
    }
    for (const f of readdirSync(join(REPO_ROOT, 'runbooks')).filter((n) => n.endsWith('.yaml'))) assert.ok(installedPaths.includes(`/usr/share/postfix-fix/runbooks/${f}`), f);
    // The package ships nothing under /var/lib: the program creates its state dir itself.
    assert.ok(!installedPaths.some((p) => p.startsWith('/var/')), installedPaths.join('\n'));
  });

  it('postfix-fix --version runs from /usr/bin, on /usr/bin/node (18)', async () => {
    assert.equal((await h().execOk(['head', '-n', '1', '/usr/lib/postfix-fix/postfix-fix.cjs'])).stdout, '#!/usr/bin/node\n');
    assert.equal((await h().execOk(['readlink', '/usr/bin/postfix-fix'])).stdout.trim(), '../lib/postfix-fix/postfix-fix.cjs');
    const r = await h().exec(['postfix-fix', '--version']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `postfix-fix ${VERSION}\n`);
  });

  it('finds its runbooks and profiles in /usr/share/postfix-fix', async () => {
    const v = await h().exec(['postfix-fix', 'validate']);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, new RegExp(`^valid: ${RUNBOOK_IDS.length} runbook\\(s\\)`));
    const list = JSON.parse((await h().execOk(['postfix-fix', 'list', '--json'])).stdout) as { runbooks: Array<{ id: string; file: string }> };
    assert.deepEqual(list.runbooks.map((r) => r.id).sort(), RUNBOOK_IDS);
    for (const rb of list.runbooks) assert.equal(rb.file, `/usr/share/postfix-fix/runbooks/${rb.id}.yaml`);
  });

  it('postfix-fix diagnose --offline runs on the systemd host and names it', async () => {
    const text = await h().exec(['postfix-fix', 'diagnose', '--offline'], { timeoutMs: 60_000 });
    assert.ok([0, 7].includes(text.code), `exit ${text.code}\n${text.stderr}\n${text.stdout}`);
    assert.match(text.stdout, /^deb · Debian GNU\/Linux 12 \(bookworm\) · profile debian · Postfix/m);
    const json = await h().exec(['postfix-fix', 'diagnose', '--offline', '--json'], { timeoutMs: 60_000 });
    const report = JSON.parse(json.stdout) as { host: { hostname: string; serviceManager: string }; exitCode: number };
    assert.equal(report.host.hostname, 'deb');
    assert.equal(report.host.serviceManager, 'systemd');
    assert.equal(json.code, report.exitCode);
  });

  it('postfix-fix probe runs from /usr/bin on node 18, through its CommonJS file (no ESM loader)', async () => {
    assert.ok(installedPaths.includes('/usr/lib/postfix-fix/postfix-fix-probe.cjs'));
    const active = (await h().exec(['systemctl', 'is-active', 'postfix@-.service'])).stdout.trim() === 'active';
    const r = await h().exec(['postfix-fix', 'probe', '127.0.0.1', '--json', '--timeout', '10'], { timeoutMs: 60_000 });
    assert.equal(r.code, active ? 0 : 4, `${r.stdout}${r.stderr}`);
    const report = JSON.parse(r.stdout) as { results: Array<{ outcome: string }> };
    assert.equal(report.results[0]?.outcome, active ? 'banner' : 'refused');
    // The probe file alone must be what ran: with the program and its chunks unreadable, it still does.
    await h().execOk(['chmod', '000', '/usr/lib/postfix-fix/postfix-fix.mjs']);
    try {
      assert.equal((await h().exec(['postfix-fix', 'probe', '127.0.0.1', '--port', '2', '--timeout', '10'])).code, 4);
    } finally {
      await h().execOk(['chmod', '644', '/usr/lib/postfix-fix/postfix-fix.mjs']);
    }
  });

  it('the Nagios example\'s command, as installed, answers a monitoring system (as root: sudo is the admin\'s part)', async () => {
    const cfg = (await h().execOk(['cat', '/usr/share/doc/postfix-fix/examples/nagios-postfix-fix.cfg'])).stdout;
    const nrpe = /^#\s+command\[check_postfix_fix\]=\/usr\/bin\/sudo -n (\/usr\/bin\/postfix-fix .+)$/m.exec(cfg);
    assert.ok(nrpe, 'the NRPE line');
    const r = await h().exec((nrpe[1] as string).split(' '), { timeoutMs: 60_000 });
    const m = /^POSTFIX-FIX (OK|WARNING|CRITICAL|UNKNOWN) - [^|\n]+ \| duration=\d+\.\d{3}s;;;0 problems=\d+;;;0/.exec(r.stdout);
    assert.ok(m, r.stdout + r.stderr);
    assert.equal(r.code, { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 }[m[1] as string], 'the exit code is the state in the status line');
    assert.notEqual(m[1], 'UNKNOWN', 'as root it reaches a verdict');
  });

  it('the man page has NAME, SYNOPSIS and every command', async () => {
    const roff = (await h().execOk(['sh', '-c', 'zcat /usr/share/man/man8/postfix-fix.8.gz'])).stdout;
    assert.match(roff, /^\.TH POSTFIX\\-FIX 8 /m);
    for (const section of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'COMMANDS', 'EXIT STATUS', 'FILES']) assert.match(roff, new RegExp(`^\\.SH ${section}$`, 'm'));
    for (const cmd of COMMANDS) assert.match(roff, new RegExp(`^\\.SS ${cmd}$`, 'm'), cmd);
    // What a reader sees: man(1) on the machine, from the same .deb (the minimal container has no man-db).
    const x = join(out, 'x');
    await runOk(['dpkg-deb', '-x', deb.path, x]);
    const page = (await runOk(['man', '-l', join(x, 'usr/share/man/man8/postfix-fix.8.gz')], { env: { MANWIDTH: '120', LANG: 'C.UTF-8', MAN_DISABLE_SECCOMP: '1' } })).stdout;
    assert.match(page, /^NAME\n\s+postfix-fix - diagnose and fix why a Postfix mail server refuses connections/m);
    for (const cmd of COMMANDS) assert.match(page, new RegExp(`^ {3}${cmd}$`, 'm'), `man shows the command ${cmd}`);
  });

  it('bash completion sources cleanly and completes commands, flags and installed runbook ids', async () => {
    const file = '/usr/share/bash-completion/completions/postfix-fix';
    const complete = await h().exec(['bash', '-c', `source ${file} && complete -p postfix-fix`]);
    assert.equal(complete.code, 0, complete.stderr);
    assert.equal(complete.stderr, '');
    assert.equal(complete.stdout.trim(), 'complete -F _postfix_fix postfix-fix');
    const ask = async (...words: string[]): Promise<string[]> => {
      const script = `source ${file}; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _postfix_fix; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const r = await h().execOk(['bash', '-c', script, 'bash', ...words]);
      return r.stdout.split('\n').filter(Boolean).sort();
    };
    assert.deepEqual(await ask('postfix-fix', ''), [...COMMANDS, 'help', '--help', '--version', '-V', '-h'].sort());
    assert.deepEqual(await ask('postfix-fix', 'plan', '--runbook', ''), RUNBOOK_IDS);
    assert.deepEqual(await ask('postfix-fix', 'run', '--max-risk', ''), ['high', 'low', 'medium']);
    assert.ok((await ask('postfix-fix', 'run', '--')).includes('--max-risk'));
  });

  it('dpkg -r removes it: nothing it installed is left; dpkg -P also removes the state dir', async () => {
    assert.ok(installedPaths.length > 10);
    // The program makes its state dir (0700) on first use; removal keeps it, purge deletes it.
    const run = await h().exec(['postfix-fix', 'run', '--yes', '--offline', '--json'], { timeoutMs: 90_000 });
    assert.ok([0, 4, 10].includes(run.code), `run: exit ${run.code}\n${run.stderr}`);
    assert.equal((await h().execOk(['stat', '-c', '%a', '/var/lib/postfix-fix'])).stdout.trim(), '700');

    const r = await h().exec(['dpkg', '-r', 'postfix-fix'], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    const after = (await h().execOk(['bash', '-c', LEFTOVER_SCRIPT], { input: `${installedPaths.join('\n')}\n` })).stdout;
    const left = after.split('\n').filter((l) => l.startsWith('LEFT '));
    assert.deepEqual(left, [], after);
    for (const p of ['/usr/bin/postfix-fix', '/usr/lib/postfix-fix', '/usr/share/postfix-fix', '/usr/share/doc/postfix-fix']) assert.ok(after.includes(`gone ${p}\n`), `${p} removed`);
    assert.notEqual((await h().exec(['sh', '-c', 'command -v postfix-fix'])).code, 0, 'postfix-fix is no longer on PATH');
    assert.equal((await h().exec(['test', '-d', '/var/lib/postfix-fix'])).code, 0, 'dpkg -r keeps the journals');

    const purge = await h().exec(['dpkg', '-P', 'postfix-fix'], { timeoutMs: 60_000 });
    assert.equal(purge.code, 0, purge.stderr);
    assert.equal((await h().exec(['test', '-e', '/var/lib/postfix-fix'])).code, 1, 'dpkg -P deletes the state dir');
    assert.equal((await h().exec(['dpkg-query', '-W', 'postfix-fix'])).code, 1, 'dpkg no longer knows the package');
  });
});
