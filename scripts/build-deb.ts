// Builds dist/postfix-fix_<version>_all.deb from the bundle (`npm run build` first; `npm run deb`
// does both). Run: node --import tsx scripts/build-deb.ts [--out DIR] [--dist DIR]
//
//   /usr/bin/postfix-fix                          symlink to ../lib/postfix-fix/postfix-fix.cjs
//   /usr/lib/postfix-fix/postfix-fix.cjs          the entry (#!/usr/bin/node: the Depends' node)
//   /usr/lib/postfix-fix/postfix-fix.mjs          the program it loads
//   /usr/lib/postfix-fix/chunks/*.mjs             each command's code, loaded when it runs
//   /usr/lib/postfix-fix/postfix-fix-probe.cjs    `probe` alone, loaded by the entry for it
//   /usr/share/postfix-fix/{runbooks,distro-profiles,schemas}
//                                                 the data: node resolves the symlink, so the
//                                                 program sees /usr/lib/postfix-fix, finds no
//                                                 runbooks beside it and reads /usr/share/postfix-fix
//                                                 (src/cli/data-dir.ts)
//   /usr/share/man/man8/postfix-fix.8.gz          generated from src/cli/help.ts
//   /usr/share/bash-completion/completions/postfix-fix   generated from src/cli/help.ts
//   /usr/share/doc/postfix-fix/{copyright,changelog.gz}
//   /usr/share/doc/postfix-fix/examples/          contrib/monitoring: Nagios and Icinga 2
//                                                 definitions for `diagnose --format nagios`;
//                                                 contrib/watch/watch.yaml: a watch policy
//   /usr/lib/systemd/system/postfix-fix-watch.{service,timer}
//                                                 contrib/systemd: `watch --once` from a timer,
//                                                 shipped disabled: no maintainer script enables
//                                                 or starts them (postinst only reloads systemd
//                                                 so it sees them; removal stops and disables)
//
// State: postfix-fix creates /var/lib/postfix-fix (0700) itself on first use; the package ships
// nothing there, so `dpkg -r` leaves the journals (a reinstall can still roll a run back) and
// `dpkg -P` (purge) deletes them (postrm). A native package: its version is package.json's,
// its changelog is changelog.gz (Debian format, from CHANGELOG.md).
//
// Reproducible: file times are SOURCE_DATE_EPOCH (default: the last commit's time), gzip
// members carry no name or time, and dpkg-deb builds with --root-owner-group.

import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, lutimesSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { HELP } from '../src/cli/help.js';
import { renderBashCompletion } from './packaging/completion.js';
import { helpModel } from './packaging/help-model.js';
import { renderManPage } from './packaging/man-page.js';

export const PACKAGE = 'postfix-fix';
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface DebOptions {
  /** Where the .deb goes (default REPO/dist). */
  outDir?: string;
  /** The built bundle (default REPO/dist). */
  distDir?: string;
  /** Seconds since the epoch for every timestamp (default $SOURCE_DATE_EPOCH, else the last commit, else now). */
  sourceDateEpoch?: number;
}

export interface DebResult {
  path: string;
  version: string;
  /** Every path the package installs (as `dpkg -L` lists them, directories included). */
  paths: string[];
}

interface PackageJson {
  version: string;
  description?: string;
  homepage?: string;
  license?: string;
  author?: string | { name?: string; email?: string };
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

function defaultEpoch(): number {
  const env = process.env['SOURCE_DATE_EPOCH'];
  if (env && /^\d+$/.test(env)) return Number(env);
  try {
    return Number(execFileSync('git', ['-C', REPO_ROOT, 'log', '-1', '--format=%ct'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    return Math.floor(Date.now() / 1000);
  }
}

/** `Name <email>`: $DEBFULLNAME/$DEBEMAIL (the Debian convention), else package.json's author. */
function maintainer(pkg: PackageJson): string {
  const name = process.env['DEBFULLNAME'];
  const email = process.env['DEBEMAIL'];
  if (name && email) return `${name} <${email}>`;
  if (typeof pkg.author === 'string' && /<[^>]+@[^>]+>/.test(pkg.author)) return pkg.author;
  if (typeof pkg.author === 'object' && pkg.author.name && pkg.author.email) return `${pkg.author.name} <${pkg.author.email}>`;
  return 'postfix-fix developers <postfix-fix@users.noreply.github.com>';
}

function rfc2822(epoch: number): string {
  // e.g. "Thu, 27 Nov 2026 21:00:00 +0000"
  return new Date(epoch * 1000).toUTCString().replace('GMT', '+0000');
}

function gzip(text: string): Buffer {
  // Node's gzip header has no file name and a zero mtime: reproducible.
  return gzipSync(Buffer.from(text, 'utf8'), { level: 9 });
}

function wrap(text: string, width: number, indent: string): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width) {
      lines.push(line);
      line = indent + w;
    } else {
      line = line ? `${line} ${w}` : w;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * A Debian-format changelog from CHANGELOG.md (Keep a Changelog): one entry per `## [1.2.3] -
 * 2026-01-31` section, newest first; `## [Unreleased]` describes the version being built when
 * it has no section of its own. `### Added` and the like become groups of `-` items.
 */
export function debianChangelog(markdown: string | null, version: string, maint: string, epoch: number): string {
  interface Group {
    title: string | null;
    items: string[];
  }
  interface Section {
    version: string;
    date: number | null;
    groups: Group[];
  }
  const sections: Section[] = [];
  let cur: Section | null = null;
  for (const line of (markdown ?? '').split('\n')) {
    const h = /^##\s+\[?v?(\d+\.\d+\.\d+[^\]\s]*|Unreleased)\]?(?:\s*[-–—]\s*(\d{4}-\d{2}-\d{2}))?/i.exec(line);
    if (h) {
      cur = { version: h[1] as string, date: h[2] ? Date.parse(`${h[2]}T00:00:00Z`) / 1000 : null, groups: [{ title: null, items: [] }] };
      sections.push(cur);
      continue;
    }
    const sub = /^###\s+(.+?)\s*$/.exec(line);
    if (sub && cur) {
      cur.groups.push({ title: sub[1] as string, items: [] });
      continue;
    }
    if (/^#/.test(line)) {
      cur = null;
      continue;
    }
    const group = cur?.groups[cur.groups.length - 1];
    const item = /^\s*[-*]\s+(.*)$/.exec(line);
    if (group && item) group.items.push((item[1] as string).trim());
    else if (group && /^\s{2,}\S/.test(line) && group.items.length) group.items[group.items.length - 1] += ` ${line.trim()}`;
  }
  const unreleased = sections.find((x) => /^unreleased$/i.test(x.version));
  const released = sections.filter((x) => x !== unreleased);
  if (!released.some((x) => x.version === version)) {
    released.unshift({ version, date: epoch, groups: unreleased?.groups ?? [] });
  }
  const out: string[] = [];
  const bullet = (text: string, first: string, rest: string): string[] => wrap(text.replace(/`/g, ''), 79 - first.length, '').map((l, i) => `${i === 0 ? first : rest}${l}`);
  for (const sec of released) {
    out.push(`${PACKAGE} (${sec.version}) unstable; urgency=medium`, '');
    const groups = sec.groups.filter((g) => g.items.length > 0);
    if (groups.length === 0) out.push(`  * Release ${sec.version}.`);
    for (const g of groups) {
      if (g.title) {
        out.push(`  * ${g.title}:`);
        for (const it of g.items) out.push(...bullet(it, '    - ', '      '));
      } else {
        for (const it of g.items) out.push(...bullet(it, '  * ', '    '));
      }
    }
    out.push('', ` -- ${maint}  ${rfc2822(sec.version === version ? epoch : (sec.date ?? epoch))}`, '');
  }
  return out.join('\n');
}

function continuation(text: string): string {
  return text
    .replace(/\r/g, '')
    .trimEnd()
    .split('\n')
    .map((l) => (l.trim() === '' ? ' .' : ` ${l.trimEnd()}`))
    .join('\n');
}

const MIT_TEXT = `Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT
OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.`;

/**
 * debian/copyright (DEP-5): postfix-fix itself, then every production dependency the bundle may
 * contain (package-lock.json's non-dev packages), each with its own license text.
 */
export function copyrightFile(pkg: PackageJson): string {
  const out = [
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
    'Upstream-Name: postfix-fix',
    ...(pkg.homepage ? [`Source: ${pkg.homepage}`] : []),
    'Comment: The program in /usr/lib/postfix-fix is an esbuild bundle: it contains the npm',
    ' packages listed below (node_modules/*), each under its own license.',
    '',
    'Files: *',
    'Copyright: postfix-fix contributors',
    `License: ${pkg.license ?? 'MIT'}`,
    '',
  ];
  const lock = readJson<{ packages: Record<string, { version?: string; license?: string; dev?: boolean; devOptional?: boolean }> }>(join(REPO_ROOT, 'package-lock.json'));
  const seen = new Set<string>();
  for (const [path, info] of Object.entries(lock.packages).sort(([a], [b]) => a.localeCompare(b))) {
    if (!path || info.dev || info.devOptional) continue;
    const name = path.replace(/^.*node_modules\//, '');
    const key = `${name}@${info.version ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const dir = join(REPO_ROOT, path);
    const licenseFile = existsSync(dir) ? readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(f)) : undefined;
    const text = licenseFile ? readFileSync(join(dir, licenseFile), 'utf8') : '';
    const holders = [...new Set(text.split('\n').map((l) => l.trim()).filter((l) => /^(copyright\b|\(c\)|©)/i.test(l) && !/copyright (notice|owner|holder|license)/i.test(l)))];
    const license = info.license ?? 'UNKNOWN';
    out.push(`Files: node_modules/${name}/*`, `Copyright: ${holders.length ? holders.join('\n ') : `the ${name} authors`}`);
    if (license === 'Apache-2.0') {
      out.push('License: Apache-2.0', ' On Debian systems, the full text of the Apache License 2.0 is in', ' /usr/share/common-licenses/Apache-2.0.');
    } else {
      out.push(`License: ${license}`, continuation(text || `${name} ${info.version ?? ''} is licensed under ${license}; its package ships no license text.`));
    }
    out.push('');
  }
  if ((pkg.license ?? 'MIT') === 'MIT') out.push('License: MIT', continuation(MIT_TEXT), '');
  return out.join('\n');
}

/** The systemd units of `postfix-fix watch`, from contrib/systemd. */
export const WATCH_UNITS = ['postfix-fix-watch.service', 'postfix-fix-watch.timer'] as const;

const POSTRM = `#!/bin/sh
# postfix-fix keeps its lock, its run journals (which \`postfix-fix rollback\` reads) and the
# watch state in /var/lib/postfix-fix, created (mode 0700) by the program on first use, not by
# this package.
# remove: keep them, so a reinstalled postfix-fix can still roll a run back.
# purge: delete them. /etc/postfix-fix (the watch policy) is the administrator's: left alone.
set -e
if [ "$1" = purge ]; then
    rm -rf /var/lib/postfix-fix
fi
if [ -d /run/systemd/system ] && { [ "$1" = remove ] || [ "$1" = purge ]; }; then
    systemctl --system daemon-reload >/dev/null 2>&1 || true
fi
exit 0
`;

// The watch timer ships disabled and stays so: postinst only lets a running systemd see the
// units (or their new version after an upgrade); it never turns them on.
const POSTINST = `#!/bin/sh
set -e
if [ "$1" = configure ] && [ -d /run/systemd/system ]; then
    systemctl --system daemon-reload >/dev/null 2>&1 || true
fi
exit 0
`;

// On removal the timer (if the administrator turned it on) is stopped and turned off, so no
// link in timers.target.wants is left pointing at a unit that is gone; an upgrade leaves it be.
const PRERM = `#!/bin/sh
set -e
if [ "$1" = remove ]; then
    if [ -d /run/systemd/system ]; then
        systemctl stop postfix-fix-watch.timer postfix-fix-watch.service >/dev/null 2>&1 || true
    fi
    if command -v systemctl >/dev/null 2>&1; then
        systemctl disable postfix-fix-watch.timer >/dev/null 2>&1 || true
    fi
fi
exit 0
`;

function description(pkg: PackageJson): string {
  return [
    'Description: diagnose and fix why Postfix refuses connections',
    ...wrap(
      'postfix-fix finds why a Postfix mail server refuses connections: the service stopped or ' +
        'disabled, Postfix listening on loopback only, a firewall (iptables, nftables, ufw, ' +
        'firewalld), another MTA holding port 25, a stale master.pid, broken main.cf permissions, ' +
        'SELinux, a dead content filter. It shows the fix as a plan with diffs, applies it with a ' +
        'journal and automatic rollback, and proves the fix worked (banner, listener, port).',
      79,
      ' ',
    ).map((l, i) => (i === 0 ? ` ${l}` : l)),
    ' .',
    ...wrap(`${pkg.description ?? ''} Unattended runs (--yes) never prompt and report in JSON, with documented exit codes.`, 79, ' ').map((l, i) => (i === 0 ? ` ${l}` : l)),
  ].join('\n');
}

/**
 * Strip the source map reference (the maps are not shipped); the entry's interpreter is the one
 * the package depends on, and the chunks (modules, not scripts) lose the banner's #! line.
 */
function installScript(src: string, dest: string, entry: boolean): void {
  let text = readFileSync(src, 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
  text = text.replace(/^#!\/usr\/bin\/env node\n/, entry ? '#!/usr/bin/node\n' : '');
  writeFileSync(dest, text, { mode: entry ? 0o755 : 0o644 });
}

function walk(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, rel)).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    out.push(r);
    const st = lstatSync(join(root, r));
    if (st.isDirectory()) out.push(...walk(root, r));
  }
  return out;
}

export async function buildDeb(opts: DebOptions = {}): Promise<DebResult> {
  const pkg = readJson<PackageJson>(join(REPO_ROOT, 'package.json'));
  const version = pkg.version;
  const distDir = resolve(opts.distDir ?? join(REPO_ROOT, 'dist'));
  const outDir = resolve(opts.outDir ?? join(REPO_ROOT, 'dist'));
  const epoch = opts.sourceDateEpoch ?? defaultEpoch();
  const entry = join(distDir, 'postfix-fix.cjs');
  const program = join(distDir, 'postfix-fix.mjs');
  const probe = join(distDir, 'postfix-fix-probe.cjs');
  if (!existsSync(entry) || !existsSync(program) || !existsSync(probe) || !existsSync(join(distDir, 'chunks'))) throw new Error(`${entry}, ${program}, ${probe} or chunks/ missing: run \`npm run build\` first`);

  const staging = mkdtempSync(join(tmpdir(), 'postfix-fix-deb-'));
  try {
    const root = join(staging, 'root');
    const dir = (p: string): string => {
      mkdirSync(join(root, p), { recursive: true, mode: 0o755 });
      return join(root, p);
    };

    // The program.
    const lib = dir('usr/lib/postfix-fix');
    installScript(entry, join(lib, 'postfix-fix.cjs'), true);
    installScript(program, join(lib, 'postfix-fix.mjs'), false);
    installScript(probe, join(lib, 'postfix-fix-probe.cjs'), false);
    const chunks = dir('usr/lib/postfix-fix/chunks');
    for (const f of readdirSync(join(distDir, 'chunks')).filter((n) => n.endsWith('.mjs')).sort()) installScript(join(distDir, 'chunks', f), join(chunks, f), false);
    dir('usr/bin');
    symlinkSync('../lib/postfix-fix/postfix-fix.cjs', join(root, 'usr/bin/postfix-fix'));

    // The data.
    for (const [sub, pattern] of [['runbooks', /\.ya?ml$/], ['distro-profiles', /\.ya?ml$/], ['schemas', /\.json$/]] as const) {
      const to = dir(`usr/share/postfix-fix/${sub}`);
      for (const f of readdirSync(join(REPO_ROOT, sub)).filter((n) => pattern.test(n)).sort()) copyFileSync(join(REPO_ROOT, sub, f), join(to, f));
    }

    // Documentation generated from --help.
    const model = helpModel(HELP);
    const date = new Date(epoch * 1000).toISOString().slice(0, 10);
    writeFileSync(join(dir('usr/share/man/man8'), 'postfix-fix.8.gz'), gzip(renderManPage(model, { version, date })));
    writeFileSync(join(dir('usr/share/bash-completion/completions'), 'postfix-fix'), renderBashCompletion(model));

    const doc = dir('usr/share/doc/postfix-fix');
    const maint = maintainer(pkg);
    const changelogMd = existsSync(join(REPO_ROOT, 'CHANGELOG.md')) ? readFileSync(join(REPO_ROOT, 'CHANGELOG.md'), 'utf8') : null;
    writeFileSync(join(doc, 'changelog.gz'), gzip(debianChangelog(changelogMd, version, maint, epoch)));
    writeFileSync(join(doc, 'copyright'), copyrightFile(pkg));
    const examples = dir('usr/share/doc/postfix-fix/examples');
    for (const f of readdirSync(join(REPO_ROOT, 'contrib', 'monitoring')).filter((n) => /\.(cfg|conf)$/.test(n)).sort()) copyFileSync(join(REPO_ROOT, 'contrib', 'monitoring', f), join(examples, f));
    copyFileSync(join(REPO_ROOT, 'contrib', 'watch', 'watch.yaml'), join(examples, 'watch.yaml'));

    // The watch timer and its service (not enabled: see PRERM/POSTINST).
    const units = dir('usr/lib/systemd/system');
    for (const u of WATCH_UNITS) copyFileSync(join(REPO_ROOT, 'contrib', 'systemd', u), join(units, u));

    // Modes: directories 0755, files 0644 unless set above (the entry is 0755).
    const paths = walk(root);
    for (const p of paths) {
      const full = join(root, p);
      const st = lstatSync(full);
      if (st.isDirectory()) chmodSync(full, 0o755);
      else if (st.isFile() && p !== 'usr/lib/postfix-fix/postfix-fix.cjs') chmodSync(full, 0o644);
    }

    // Control area.
    let installedKb = 0;
    const md5: string[] = [];
    for (const p of paths) {
      const st = lstatSync(join(root, p));
      if (st.isFile()) {
        installedKb += Math.ceil(st.size / 1024);
        md5.push(`${createHash('md5').update(readFileSync(join(root, p))).digest('hex')}  ${p}`);
      } else {
        installedKb += 1;
      }
    }
    const control = dir('DEBIAN');
    writeFileSync(
      join(control, 'control'),
      [
        `Package: ${PACKAGE}`,
        `Version: ${version}`,
        'Architecture: all',
        `Maintainer: ${maint}`,
        `Installed-Size: ${installedKb}`,
        'Depends: nodejs (>= 18.18)',
        'Recommends: postfix',
        'Section: admin',
        'Priority: optional',
        ...(pkg.homepage ? [`Homepage: ${pkg.homepage}`] : []),
        description(pkg),
        '',
      ].join('\n'),
    );
    writeFileSync(join(control, 'md5sums'), `${md5.join('\n')}\n`);
    for (const [name, text] of [['postinst', POSTINST], ['prerm', PRERM], ['postrm', POSTRM]] as const) writeFileSync(join(control, name), text, { mode: 0o755 });
    chmodSync(control, 0o755);
    chmodSync(join(control, 'control'), 0o644);
    chmodSync(join(control, 'md5sums'), 0o644);
    for (const name of ['postinst', 'prerm', 'postrm']) chmodSync(join(control, name), 0o755);

    for (const p of [...walk(root)].reverse()) {
      const full = join(root, p);
      if (lstatSync(full).isSymbolicLink()) lutimesSync(full, epoch, epoch);
      else utimesSync(full, epoch, epoch);
    }
    utimesSync(root, epoch, epoch);

    mkdirSync(outDir, { recursive: true });
    const out = join(outDir, `${PACKAGE}_${version}_all.deb`);
    execFileSync('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', root, out], {
      env: { ...process.env, SOURCE_DATE_EPOCH: String(epoch) },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const installed = paths.map((p) => `/${p}`);
    return { path: out, version, paths: ['/', ...installed.filter((p) => !p.startsWith('/DEBIAN'))] };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function parseCli(argv: string[]): DebOptions {
  const opts: DebOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if ((a === '--out' || a === '--dist') && v) {
      if (a === '--out') opts.outDir = v;
      else opts.distDir = v;
      i++;
    } else {
      throw new Error(`usage: node --import tsx scripts/build-deb.ts [--out DIR] [--dist DIR]`);
    }
  }
  return opts;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const result = await buildDeb(parseCli(process.argv.slice(2)));
  const size = statSync(result.path).size;
  process.stdout.write(`${relative(process.cwd(), result.path) || result.path} (${Math.round(size / 1024)} KiB)\n`);
}
