// The README promises exactly two set-up commands, and CI runs the second one verbatim: keep
// the promise and the CI script from drifting apart.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const ci = readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8');

function setupCommands(): string[] {
  const section = readme.split(/^## /m).find((s) => s.startsWith('Set up'));
  assert.ok(section, 'README has a "Set up" section');
  const intro = section.split(/^### /m)[0] ?? '';
  return [...intro.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => (m[1] as string).trim());
}

describe('README set-up commands', () => {
  it('there are exactly two, one line each', () => {
    const cmds = setupCommands();
    assert.equal(cmds.length, 2, cmds.join('\n---\n'));
    for (const c of cmds) assert.equal(c.split('\n').length, 1);
  });

  it('the first installs and runs diagnose against this host', () => {
    assert.match(setupCommands()[0] as string, /scripts\/setup\.sh .*postfix-fix diagnose$/);
  });

  it('.ci/run runs the second one, verbatim', () => {
    const test = setupCommands()[1] as string;
    assert.match(test, /npm test$/);
    const runs = ci.split('\n').filter((l) => l.trim() && !l.startsWith('#') && !/^(set|cd) /.test(l));
    assert.deepEqual(runs, [test]);
  });
});

describe('README tables generated from the code', () => {
  it('every generated section is current (`npm run gen` rewrites them)', async () => {
    const { regenerate, README_SECTIONS } = await import('../../scripts/gen-readme.js');
    for (const name of Object.keys(README_SECTIONS)) assert.match(readme, new RegExp(`<!-- ${name}:start`), `README has the ${name} markers`);
    assert.equal(regenerate(readme), readme, 'README.md is stale: run `npm run gen`');
  });

  it('the exit codes in --help (and so the man page) are the same table', async () => {
    const { EXIT_CODE_DOCS } = await import('../../src/core/exit-codes.js');
    const { HELP } = await import('../../src/cli/help.js');
    const main = HELP.main ?? '';
    for (const [code, text] of EXIT_CODE_DOCS) assert.ok(main.includes(`${String(code).padEnd(3)} ${text.replace(/`/g, '')}`), `--help lists exit code ${code} as the table says`);
  });
});

describe('README runbook table', () => {
  const section = readme.split(/^## /m).find((x) => x.startsWith('Runbooks')) ?? '';
  const table = section.slice(section.indexOf('| runbook |')).split('\n\n')[0] ?? '';
  const rows = [...table.matchAll(/^\| `([a-z0-9-]+)` \| (.*) \| (.*) \|$/gm)].map((m) => ({ id: m[1] as string, fixes: m[2] as string, risk: m[3] as string }));

  it('lists exactly the runbooks in runbooks/, each once', async () => {
    const { runbookSymptoms } = await import('../../scripts/gen-readme.js');
    const ids = runbookSymptoms().map((r) => r.id).sort();
    assert.deepEqual(rows.map((r) => r.id).sort(), ids);
    assert.equal(new Set(rows.map((r) => r.id)).size, rows.length);
  });

  it('each row names the highest risk of its runbook\'s steps', async () => {
    const { load } = await import('js-yaml');
    const { readdirSync } = await import('node:fs');
    const dir = new URL('../../runbooks/', import.meta.url);
    const rank = { low: 0, medium: 1, high: 2 } as const;
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.yaml'))) {
      const rb = load(readFileSync(new URL(f, dir), 'utf8')) as { id: string; steps: Array<{ risk: keyof typeof rank }> };
      const max = rb.steps.map((x) => x.risk).reduce((m, r) => (rank[r] > rank[m] ? r : m), 'low');
      const row = rows.find((r) => r.id === rb.id);
      assert.ok(row && new RegExp(`\\b${max}\\b`).test(row.risk), `${rb.id}: the README says "${row?.risk}", its steps go up to ${max}`);
    }
  });
});
