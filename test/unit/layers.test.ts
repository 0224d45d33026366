// The layering check that `npm test` runs (npm run lint → depcruise), proven able to fail: the
// real configuration is run over this repository (no violation) and over small trees that break
// each rule once (each violation named).

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise } from 'dependency-cruiser';
import type { ICruiseOptions, IViolation } from 'dependency-cruiser';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const config = createRequire(import.meta.url)(join(REPO, '.dependency-cruiser.cjs')) as { forbidden: unknown[]; options: ICruiseOptions };

async function violations(baseDir: string): Promise<IViolation[]> {
  const result = await cruise(['src'], {
    ...config.options,
    tsConfig: { fileName: join(REPO, 'tsconfig.json') },
    baseDir,
    ruleSet: { forbidden: config.forbidden },
    validate: true,
  } as unknown as ICruiseOptions);
  if (typeof result.output === 'string') throw new Error(result.output);
  return result.output.summary.violations;
}

function tree(files: Record<string, string>): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'pf-layers-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('layering (dependency-cruiser, as npm test runs it)', function () {
  this.timeout(120_000);

  it('this repository: no upward import, no cycle, every file in a layer', async () => {
    const found = await violations(REPO);
    assert.deepEqual(found.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`), []);
  });

  const cases: Array<{ title: string; files: Record<string, string>; rule: string; from: string }> = [
    {
      title: 'core reaching up to engine (a type import counts)',
      files: { 'src/core/a.ts': "import type { P } from '../engine/p.js';\nexport type A = P;\n", 'src/engine/p.ts': 'export type P = 1;\n' },
      rule: 'layer-core',
      from: 'src/core/a.ts',
    },
    {
      title: 'probes and modules are siblings: neither imports the other',
      files: { 'src/probes/a.ts': "import { m } from '../modules/m.js';\nexport const a = m;\n", 'src/modules/m.ts': 'export const m = 1;\n' },
      rule: 'layer-probes',
      from: 'src/probes/a.ts',
    },
    {
      title: 'report reaching into cli',
      files: { 'src/report/r.ts': "import { c } from '../cli/c.js';\nexport const r = c;\n", 'src/cli/c.ts': 'export const c = 1;\n' },
      rule: 'layer-report',
      from: 'src/report/r.ts',
    },
    {
      title: 'a cycle inside one layer',
      files: { 'src/engine/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n", 'src/engine/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n" },
      rule: 'no-circular',
      from: 'src/engine/a.ts',
    },
    {
      title: 'a file outside every layer',
      files: { 'src/util.ts': "import { x } from './core/x.js';\nexport const u = x;\n", 'src/core/x.ts': 'export const x = 1;\n' },
      rule: 'in-a-layer',
      from: 'src/util.ts',
    },
  ];
  for (const c of cases) {
    it(`fails on ${c.title}`, async () => {
      const t = tree(c.files);
      try {
        const found = await violations(t.dir);
        assert.ok(
          found.some((v) => v.rule.name === c.rule && v.from === c.from),
          `expected ${c.rule} from ${c.from}, got ${JSON.stringify(found.map((v) => [v.rule.name, v.from, v.to]))}`,
        );
      } finally {
        t.cleanup();
      }
    });
  }
});
