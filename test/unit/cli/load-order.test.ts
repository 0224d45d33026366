// What each start-up path loads before it does its first thing, read from the bundler's own
// module graph: a static import added in the wrong place would quietly undo the fast paths that
// `npm run bench` measures (bench/startup.ts, bench/diagnose.ts).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';
import type { Metafile } from 'esbuild';

const REPO = new URL('../../../', import.meta.url).pathname;

/** Every source file the entry's output loads before running a line (static imports only). */
async function loadedBeforeRunning(entry: string, format: 'esm' | 'cjs'): Promise<string[]> {
  const r = await build({ absWorkingDir: REPO, entryPoints: [entry], bundle: true, platform: 'node', format, splitting: format === 'esm', outdir: '/nonexistent-out', write: false, metafile: true, logLevel: 'silent', define: { __POSTFIX_FIX_VERSION__: '"test"' } });
  const outputs: Metafile['outputs'] = r.metafile.outputs;
  const start = Object.keys(outputs).find((o) => outputs[o]?.entryPoint === entry) as string;
  const seen = new Set<string>();
  const visit = (o: string): void => {
    if (seen.has(o)) return;
    seen.add(o);
    for (const i of outputs[o]?.imports ?? []) if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  visit(start);
  return [...seen].flatMap((o) => Object.keys(outputs[o]?.inputs ?? {})).sort();
}

describe('cli: what start-up loads', function () {
  this.timeout(30_000);

  it('the launcher (`--version`) loads nothing but the version', async () => {
    assert.deepEqual(await loadedBeforeRunning('src/cli/launcher.ts', 'cjs'), ['src/cli/launcher.ts', 'src/cli/version-request.ts', 'src/core/version.ts']);
  });

  it('diagnose starts `postfix check` before loading the catalog, YAML, schemas, facts or reports', async () => {
    const early = await loadedBeforeRunning('src/cli/commands/diagnose.ts', 'esm');
    assert.ok(early.includes('src/probes/config-check-warmup.ts') && early.includes('src/exec/executor.ts'), early.join('\n'));
    const heavy = early.filter((f) => /node_modules\/(js-yaml|ajv|semver|diff|listr2)\/|src\/engine\/catalog\/|src\/modules\/|src\/facts\/|src\/report\/diagnose|src\/probes\/registry/.test(f));
    assert.deepEqual(heavy, []);
  });

  it('probe (on a client machine) loads the dialer, the resolver and its report: no catalog, facts, modules, engine or zx', async () => {
    const early = await loadedBeforeRunning('src/cli/commands/probe.ts', 'esm');
    assert.ok(early.includes('src/exec/dial.ts') && early.includes('src/exec/client/resolve.ts'), early.join('\n'));
    const heavy = early.filter((f) => /node_modules\/|src\/engine\/|src\/modules\/|src\/facts\/|src\/exec\/executor|src\/cli\/runtime/.test(f));
    assert.deepEqual(heavy, []);
  });

  it('probe as one CommonJS file (what the launcher loads for it): nothing heavy, and no import() that would start the ESM loader', async () => {
    const inputs = await loadedBeforeRunning('src/cli/probe-main.ts', 'cjs');
    assert.ok(inputs.includes('src/cli/commands/probe.ts'));
    const heavy = inputs.filter((f) => /node_modules\/|src\/engine\/|src\/modules\/|src\/facts\/|src\/exec\/executor|src\/cli\/runtime|src\/cli\/main/.test(f));
    assert.deepEqual(heavy, []);
    const built = readFileSync(new URL('dist/postfix-fix-probe.cjs', `file://${REPO}`), 'utf8');
    assert.deepEqual(built.match(/\bimport\(/g) ?? [], [], 'npm run build: dynamic imports compiled to require()');
  });
});
