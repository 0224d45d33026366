// Build what users run, with no node_modules needed at run time (plain Node >= 18):
//   dist/postfix-fix.mjs              a small entry that answers --version/--help at once and
//   dist/chunks/*.mjs                 loads each command's code (in these chunks) only when it runs
//   dist/postfix-fix-standalone.mjs   the same program as one file, to copy to a server by itself
//                                     (it pays ~60 ms to compile 1.2 MB on every start); it
//                                     carries the runbooks and profiles too (embedded below)
// For the entry + chunks, runbooks, profiles and schemas stay beside dist/ as data (or in
// /usr/share/postfix-fix, from the .deb: scripts/build-deb.ts). See src/cli/data-dir.ts.
import { build } from 'esbuild';
import { readdirSync, readFileSync, rmSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node18',
  minify: process.env.POSTFIX_FIX_NO_MINIFY !== '1',
  legalComments: 'none',
  sourcemap: 'linked',
  define: { __POSTFIX_FIX_VERSION__: JSON.stringify(pkg.version) },
  // Some dependencies still call require(); give the ESM output one.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __pfCreateRequire } from 'node:module'; const require = __pfCreateRequire(import.meta.url);" },
  logLevel: 'warning',
};

rmSync('dist', { recursive: true, force: true });
await build({ ...common, entryPoints: { 'postfix-fix': 'src/cli/bin.ts' }, outdir: 'dist', splitting: true, chunkNames: 'chunks/[name]-[hash]', outExtension: { '.js': '.mjs' } });
// The standalone file is copied to servers alone: it embeds the runbooks and profiles
// (src/engine/catalog/embedded.ts reads them; $POSTFIX_FIX_DATA_DIR still overrides).
const embedded = {};
for (const dir of ['runbooks', 'distro-profiles']) {
  for (const f of readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort()) embedded[`${dir}/${f}`] = readFileSync(`${dir}/${f}`, 'utf8');
}
await build({
  ...common,
  define: { ...common.define, __POSTFIX_FIX_EMBEDDED_DATA__: JSON.stringify(embedded) },
  entryPoints: ['src/cli/bin.ts'],
  outfile: 'dist/postfix-fix-standalone.mjs',
});
