// postfix-fix(8) is generated from the --help texts: it must say the same things. Rendered with
// the machine's man(1)/groff, every command, every flag each command accepts, every exit code
// and every environment variable --help mentions must appear — so a new flag in help.ts that
// the generator cannot read fails here, not in a package.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { debianChangelog } from '../../../scripts/build-deb.js';
import { helpModel, pageFlags } from '../../../scripts/packaging/help-model.js';
import { renderManPage, roffEscape } from '../../../scripts/packaging/man-page.js';
import { COMMANDS, commandFlags } from '../../../src/cli/args.js';
import { HELP } from '../../../src/cli/help.js';

const model = helpModel(HELP);
const roff = renderManPage(model, { version: '9.8.7', date: '2026-01-31' });

function render(source: string): { text: string; warnings: string } {
  const dir = mkdtempSync(join(tmpdir(), 'postfix-fix-man-'));
  try {
    const file = join(dir, 'postfix-fix.8');
    writeFileSync(file, source);
    const man = spawnSync('man', ['-l', file], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', MANWIDTH: '200', LANG: 'C.UTF-8', MAN_DISABLE_SECCOMP: '1' } });
    assert.equal(man.status, 0, man.stderr);
    const groff = spawnSync('groff', ['-man', '-ww', '-z', file], { encoding: 'utf8' });
    return { text: man.stdout, warnings: `${groff.stderr}${man.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The text of one top-level section (NAME, COMMANDS, ...) of the rendered page. */
function section(text: string, name: string): string {
  const m = new RegExp(`^${name}\\n([\\s\\S]*?)(?=^[A-Z][A-Z ]+\\n|(?![\\s\\S]))`, 'm').exec(text);
  assert.ok(m, `section ${name}`);
  return m[1] as string;
}

/** One command's subsection of COMMANDS. */
function subsection(commands: string, cmd: string): string {
  const m = new RegExp(`^ {3}${cmd}\\n([\\s\\S]*?)(?=^ {3}\\S|(?![\\s\\S]))`, 'm').exec(commands);
  assert.ok(m, `subsection ${cmd}`);
  return m[1] as string;
}

describe('packaging: the man page is generated from --help', () => {
  const { text, warnings } = render(roff);

  it('reads every --help page (the commands are those of args.ts)', () => {
    assert.deepEqual(model.commands.map((c) => c.name).sort(), [...COMMANDS].sort());
    for (const c of model.commands) assert.match(c.usage ?? '', new RegExp(`^postfix-fix ${c.name}\\b`));
  });

  it('every flag a command accepts is documented in its --help page (what the page is built from)', () => {
    for (const c of model.commands) {
      const documented = pageFlags(c).map((f) => f.name);
      for (const f of commandFlags(c.name)) assert.ok(documented.includes(`--${f}`), `${c.name}: --${f}`);
    }
  });

  it('is plain ASCII roff that groff reads without a warning', () => {
    assert.doesNotMatch(roff, /[^\x00-\x7f]/);
    assert.equal(warnings, '');
    assert.match(roff, /^\.TH POSTFIX\\-FIX 8 "2026-01-31" "postfix\\-fix 9\.8\.7" "System Administration"$/m);
  });

  it('has NAME, SYNOPSIS and a subsection for every command, with its usage', () => {
    assert.match(section(text, 'NAME'), /^\s+postfix-fix - diagnose and fix why a Postfix mail server refuses connections, and prove the fix worked\s*$/);
    const synopsis = section(text, 'SYNOPSIS');
    const commands = section(text, 'COMMANDS');
    for (const c of model.commands) {
      assert.ok(synopsis.includes(c.usage as string), `SYNOPSIS: ${c.usage}`);
      assert.ok(subsection(commands, c.name).includes(c.usage as string), `COMMANDS ${c.name}: usage`);
    }
  });

  it('every flag of every command is explained, in its subsection or in COMMON OPTIONS', () => {
    const commands = section(text, 'COMMANDS');
    const common = section(text, 'COMMON OPTIONS');
    for (const c of COMMANDS) {
      const own = subsection(commands, c);
      for (const f of commandFlags(c)) {
        const entry = new RegExp(`^ {7}(?:-\\w, )?--${f}\\b`, 'm');
        assert.ok(entry.test(own) || entry.test(common), `${c}: --${f} has an entry`);
      }
    }
    assert.match(section(text, 'DESCRIPTION'), /^ {7}-V, --version$/m);
  });

  it('every sentence of each --help page is in the man page', () => {
    const flat = (s: string): string => s.replace(/\s+/g, ' ');
    const page = flat(text);
    for (const p of [model.main, ...model.commands]) {
      for (const b of p.blocks) {
        const texts = b.kind === 'para' ? [b.text] : b.kind === 'inline' ? b.text.split('\n') : b.kind === 'entries' ? b.entries.map((e) => e.text) : b.lines;
        for (const t of texts) {
          // (the main page's first line is NAME, without its final full stop)
          const expected = flat(t.replace(/`/g, '').replace(/…/g, '...').replace(/^postfix-fix — (.*)\.$/, '$1'));
          assert.ok(page.includes(expected), `${p.name}: ${JSON.stringify(expected)}`);
        }
      }
    }
  });

  it('EXIT STATUS lists every exit code', () => {
    const exit = section(text, 'EXIT STATUS');
    for (const code of [0, 1, 2, 3, 4, 5, 6, 7, 10, 130]) assert.match(exit, new RegExp(`^ {7}${code}\\s`, 'm'), `exit ${code}`);
    // The one exception to the table is said where the table is, not only in DESCRIPTION.
    assert.match(exit.replace(/\s+/g, ' '), /With diagnose --format nagios the exit code is the monitoring-plugins state instead: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN\./);
    assert.doesNotMatch(section(text, 'DESCRIPTION'), /monitoring-plugins state/);
  });

  it('ENVIRONMENT names the variables --help mentions', () => {
    const env = section(text, 'ENVIRONMENT');
    for (const v of new Set(Object.values(HELP).join('\n').match(/\b(?:POSTFIX_FIX_[A-Z_]+|NO_COLOR)\b/g) ?? [])) assert.match(env, new RegExp(`^ {7}${v}$`, 'm'), v);
  });

  it('escapes what roff would read as requests or escapes', () => {
    assert.equal(roffEscape('a\\b --x —'), 'a\\eb \\-\\-x \\(em');
    const tricky = renderManPage(
      { main: { ...model.main }, commands: model.commands.map((c) => ({ ...c, blocks: [{ kind: 'para' as const, text: ".starts with a dot and 'quote" }, ...c.blocks] })) },
      { version: '1', date: '2026-01-01' },
    );
    assert.doesNotMatch(tricky, /^\.starts/m);
    assert.match(render(tricky).text, /\.starts with a dot and 'quote/);
  });
});

describe('packaging: changelog.gz from CHANGELOG.md', () => {
  const md = `# Changelog\n\n## [Unreleased]\n\n### Added\n- a new \`thing\`,\n  over two lines\n\n## [0.1.0] - 2026-01-02\n\n### Fixed\n- a bug\n`;

  it('is in Debian format, newest first; [Unreleased] describes the version being built', () => {
    const out = debianChangelog(md, '0.2.0', 'A Person <a@example.org>', Date.parse('2026-03-04T05:06:07Z') / 1000);
    assert.equal(
      out,
      [
        'postfix-fix (0.2.0) unstable; urgency=medium',
        '',
        '  * Added:',
        '    - a new thing, over two lines',
        '',
        ' -- A Person <a@example.org>  Wed, 04 Mar 2026 05:06:07 +0000',
        '',
        'postfix-fix (0.1.0) unstable; urgency=medium',
        '',
        '  * Fixed:',
        '    - a bug',
        '',
        ' -- A Person <a@example.org>  Fri, 02 Jan 2026 00:00:00 +0000',
        '',
      ].join('\n'),
    );
  });

  it('without a CHANGELOG.md, one entry for this version', () => {
    assert.match(debianChangelog(null, '1.0.0', 'A <a@b.c>', 0), /^postfix-fix \(1\.0\.0\) unstable; urgency=medium\n\n {2}\* Release 1\.0\.0\.\n\n -- A <a@b\.c> {2}Thu, 01 Jan 1970 00:00:00 \+0000\n$/);
  });
});
