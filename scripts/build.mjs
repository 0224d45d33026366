// Build what users run, with no node_modules needed at run time (plain Node >= 18):
//   dist/postfix-fix.cjs              the front door: answers --version without loading anything
//                                     (CommonJS: no ESM loader to start), else loads the program:
//   dist/postfix-fix.mjs              a small entry that answers --help at once and
//   dist/chunks/*.mjs                 loads each command's code (in these chunks) only when it runs
//   dist/postfix-fix-probe.cjs        `probe` alone, as CommonJS: what the front door loads for it
//   dist/postfix-fix-standalone.mjs   the same program as one file, to copy to a server by itself
//                                     (it pays ~60 ms to compile 1.2 MB on every start); it
//                                     carries the runbooks and profiles too (embedded below)
// For the entry + chunks, runbooks, profiles and schemas stay beside dist/ as data (or in
// /usr/share/postfix-fix, from the .deb: scripts/build-deb.ts). See src/cli/data-dir.ts.
import { build } from 'esbuild';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const banner = { js: "#!/usr/bin/env node\nimport { createRequire as __pfCreateRequire } from 'node:module'; const require = __pfCreateRequire(import.meta.url);" };

const dataFiles = {};
for (const dir of ['runbooks', 'distro-profiles']) {
  for (const f of readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort()) dataFiles[`${dir}/${f}`] = readFileSync(`${dir}/${f}`);
}

/** The built-in YAML, parsed now by the program's own parser (src/engine/catalog/yaml-snapshot.ts). */
async function yamlSnapshot() {
  const tool = await build({
    stdin: { contents: "export { parseYaml } from './src/engine/catalog/yaml-source.ts'; export { encodeSnapshot } from './src/engine/catalog/yaml-snapshot.ts';", resolveDir: '.', loader: 'ts' },
    bundle: true, platform: 'node', format: 'esm', target: 'node18', write: false, banner, logLevel: 'warning',
  });
  const dir = mkdtempSync(join(tmpdir(), 'postfix-fix-build-'));
  try {
    const file = join(dir, 'yaml-tool.mjs');
    writeFileSync(file, tool.outputFiles[0].text);
    const { parseYaml, encodeSnapshot } = await import(pathToFileURL(file).href);
    const parsed = [];
    for (const [name, bytes] of Object.entries(dataFiles)) {
      try {
        parsed.push(parseYaml(name, bytes, new Map()));
      } catch {
        // Not snapshotted: the program parses it, and reports what is wrong with it, at run time.
      }
    }
    return encodeSnapshot(parsed);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node18',
  minify: process.env.POSTFIX_FIX_NO_MINIFY !== '1',
  legalComments: 'none',
  sourcemap: 'linked',
  define: { __POSTFIX_FIX_VERSION__: JSON.stringify(pkg.version), __POSTFIX_FIX_YAML_SNAPSHOT__: JSON.stringify(await yamlSnapshot()) },
  // Some dependencies still call require(); give the ESM output one.
  banner,
  logLevel: 'warning',
};

rmSync('dist', { recursive: true, force: true });
await build({ ...common, entryPoints: { 'postfix-fix': 'src/cli/bin.ts' }, outdir: 'dist', splitting: true, chunkNames: 'chunks/[name]-[hash]', outExtension: { '.js': '.mjs' } });
await build({
  ...common,
  format: 'cjs',
  banner: { js: '#!/usr/bin/env node' },
  // version.ts reads package.json through import.meta.url only when run from source; here the
  // version is defined, and that branch is not in the output.
  logOverride: { 'empty-import-meta': 'silent' },
  entryPoints: { 'postfix-fix': 'src/cli/launcher.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
});
chmodSync('dist/postfix-fix.cjs', 0o755);
// `probe` by itself, for the launcher to require without starting the ESM loader (probe-main.ts).
await build({
  ...common,
  format: 'cjs',
  banner: {},
  logOverride: { 'empty-import-meta': 'silent' },
  // Its lazy imports of node:tls, node:dns and node:dgram become require(): an import() would
  // start the ESM loader after all.
  supported: { 'dynamic-import': false },
  entryPoints: { 'postfix-fix-probe': 'src/cli/probe-main.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
});
// The standalone file is copied to servers alone: it embeds the runbooks and profiles
// (src/engine/catalog/embedded.ts reads them; $POSTFIX_FIX_DATA_DIR still overrides).
const embedded = Object.fromEntries(Object.entries(dataFiles).map(([name, bytes]) => [name, bytes.toString('utf8')]));
await build({
  ...common,
  define: { ...common.define, __POSTFIX_FIX_EMBEDDED_DATA__: JSON.stringify(embedded) },
  entryPoints: ['src/cli/bin.ts'],
  outfile: 'dist/postfix-fix-standalone.mjs',
});
