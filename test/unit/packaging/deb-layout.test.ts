// What `npm run deb` puts in the package, read back with dpkg-deb (no install: that is
// test/e2e/packaging/deb.test.ts, on a systemd host).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDeb } from '../../../scripts/build-deb.js';
import type { DebResult } from '../../../scripts/build-deb.js';

const REPO = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

describe('packaging: the .deb', function () {
  this.timeout(60_000);
  let dir: string;
  let deb: DebResult;
  let listing: Array<{ mode: string; owner: string; path: string; target?: string }>;

  before(async function () {
    if (!existsSync(join(REPO, 'dist', 'postfix-fix.cjs'))) {
      console.log('      skipped: no dist/ (npm run build first; npm test does)');
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'postfix-fix-deb-layout-'));
    deb = await buildDeb({ outDir: dir, sourceDateEpoch: 1_790_000_000 });
    listing = execFileSync('dpkg-deb', ['-c', deb.path], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [mode = '', owner = '', , , , ...rest] = l.split(/\s+/);
        const [path = '', target] = rest.join(' ').replace(/^\./, '').split(' -> ');
        return { mode, owner, path: path.replace(/\/$/, '') || '/', ...(target ? { target } : {}) };
      });
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`is postfix-fix_${VERSION}_all.deb: Depends nodejs (>= 18.18), Recommends postfix`, () => {
    assert.equal(deb.path, join(dir, `postfix-fix_${VERSION}_all.deb`));
    const field = (f: string): string => execFileSync('dpkg-deb', ['-f', deb.path, f], { encoding: 'utf8' }).trim();
    assert.equal(field('Package'), 'postfix-fix');
    assert.equal(field('Version'), VERSION);
    assert.equal(field('Architecture'), 'all');
    assert.equal(field('Depends'), 'nodejs (>= 18.18)');
    assert.equal(field('Recommends'), 'postfix');
    assert.equal(field('Section'), 'admin');
  });

  it('puts the program in /usr/lib/postfix-fix, linked from /usr/bin, the data in /usr/share/postfix-fix', () => {
    const at = (p: string) => listing.find((e) => e.path === p);
    assert.deepEqual(at('/usr/bin/postfix-fix'), { mode: 'lrwxrwxrwx', owner: 'root/root', path: '/usr/bin/postfix-fix', target: '../lib/postfix-fix/postfix-fix.cjs' });
    assert.equal(at('/usr/lib/postfix-fix/postfix-fix.cjs')?.mode, '-rwxr-xr-x');
    assert.equal(at('/usr/lib/postfix-fix/postfix-fix.mjs')?.mode, '-rw-r--r--', 'the program is loaded by the entry, not run');
    assert.equal(at('/usr/lib/postfix-fix/postfix-fix-probe.cjs')?.mode, '-rw-r--r--', 'probe alone, loaded by the entry');
    for (const p of ['/usr/share/man/man8/postfix-fix.8.gz', '/usr/share/bash-completion/completions/postfix-fix', '/usr/share/doc/postfix-fix/copyright', '/usr/share/doc/postfix-fix/changelog.gz']) {
      assert.equal(at(p)?.mode, '-rw-r--r--', p);
    }
    for (const p of ['/usr/share/doc/postfix-fix/examples/icinga2-postfix-fix.conf', '/usr/share/doc/postfix-fix/examples/nagios-postfix-fix.cfg']) {
      assert.equal(at(p)?.mode, '-rw-r--r--', p);
    }
    for (const sub of ['runbooks', 'distro-profiles', 'schemas']) assert.ok(listing.some((e) => e.path.startsWith(`/usr/share/postfix-fix/${sub}/`)), sub);
    assert.ok(listing.filter((e) => e.path.startsWith('/usr/lib/postfix-fix/chunks/')).every((e) => e.mode === '-rw-r--r--' && e.path.endsWith('.mjs')));
    assert.ok(listing.every((e) => e.owner === 'root/root'));
    assert.deepEqual(listing.filter((e) => /\.map$/.test(e.path) || e.path.startsWith('/var') || e.path.startsWith('/etc')), []);
    assert.deepEqual(listing.map((e) => e.path).sort(), [...deb.paths].sort());
  });

  it('is reproducible: the same sources and SOURCE_DATE_EPOCH give the same bytes', async () => {
    const again = await buildDeb({ outDir: join(dir, 'again'), sourceDateEpoch: 1_790_000_000 });
    assert.ok(readFileSync(again.path).equals(readFileSync(deb.path)));
  });

  it('ships the monitoring examples byte for byte from contrib/monitoring', () => {
    const x = join(dir, 'examples');
    execFileSync('dpkg-deb', ['-x', deb.path, x]);
    for (const f of ['icinga2-postfix-fix.conf', 'nagios-postfix-fix.cfg']) {
      assert.ok(readFileSync(join(x, 'usr/share/doc/postfix-fix/examples', f)).equals(readFileSync(join(REPO, 'contrib/monitoring', f))), f);
    }
  });

  it('ships the watch timer and service (from contrib/systemd) and an example watch policy, byte for byte', () => {
    const at = (p: string) => listing.find((e) => e.path === p);
    const x = join(dir, 'watch');
    execFileSync('dpkg-deb', ['-x', deb.path, x]);
    for (const [installed, source] of [
      ['/usr/lib/systemd/system/postfix-fix-watch.service', 'contrib/systemd/postfix-fix-watch.service'],
      ['/usr/lib/systemd/system/postfix-fix-watch.timer', 'contrib/systemd/postfix-fix-watch.timer'],
      ['/usr/share/doc/postfix-fix/examples/watch.yaml', 'contrib/watch/watch.yaml'],
    ] as const) {
      assert.equal(at(installed)?.mode, '-rw-r--r--', installed);
      assert.ok(readFileSync(join(x, installed)).equals(readFileSync(join(REPO, source))), installed);
    }
    const service = readFileSync(join(REPO, 'contrib/systemd/postfix-fix-watch.service'), 'utf8');
    assert.match(service, /^Type=oneshot$/m);
    assert.match(service, /^ExecStart=\/usr\/bin\/postfix-fix watch --once --offline$/m);
    assert.doesNotMatch(service, /^\[Install\]/m, 'the service is started by the timer only');
    const timer = readFileSync(join(REPO, 'contrib/systemd/postfix-fix-watch.timer'), 'utf8');
    assert.match(timer, /^OnUnitActiveSec=5min$/m);
    assert.match(timer, /^\[Install\]\nWantedBy=timers\.target$/m);
  });

  it('no maintainer script enables or starts anything: the timer stays off until an administrator turns it on', () => {
    const control = join(dir, 'control');
    execFileSync('dpkg-deb', ['-e', deb.path, control]);
    const scripts = ['postinst', 'prerm', 'postrm'].map((n) => [n, readFileSync(join(control, n), 'utf8')] as const);
    for (const [name, text] of scripts) {
      const commands = text.split('\n').filter((l) => !/^\s*#/.test(l)).join('\n');
      assert.doesNotMatch(commands, /\benable\b|\bstart\b|\brestart\b|deb-systemd-invoke|deb-systemd-helper/, name);
      assert.doesNotMatch(commands, /postfix-fix (watch|run|apply)/, `${name} runs no fix`);
    }
    assert.match(scripts[0]?.[1] ?? '', /daemon-reload/);
    assert.match(scripts[1]?.[1] ?? '', /if \[ "\$1" = remove \]; then[\s\S]*systemctl stop postfix-fix-watch\.timer postfix-fix-watch\.service[\s\S]*systemctl disable postfix-fix-watch\.timer/);
  });

  it('its entry runs on the packaged node; the program and chunks are modules, not scripts', () => {
    const x = join(dir, 'x');
    execFileSync('dpkg-deb', ['-x', deb.path, x]);
    assert.match(readFileSync(join(x, 'usr/lib/postfix-fix/postfix-fix.cjs'), 'utf8'), /^#!\/usr\/bin\/node\n/);
    const scripts = execFileSync('sh', ['-c', 'head -q -c 2 "$1"/usr/lib/postfix-fix/postfix-fix.mjs "$1"/usr/lib/postfix-fix/chunks/*.mjs | grep -c "#!" || true', 'sh', x], { encoding: 'utf8' });
    assert.equal(scripts.trim(), '0');
    for (const f of ['postfix-fix.cjs', 'postfix-fix.mjs', 'postfix-fix-probe.cjs']) assert.doesNotMatch(readFileSync(join(x, 'usr/lib/postfix-fix', f), 'utf8'), /sourceMappingURL/, f);
  });
});
