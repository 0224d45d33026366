// Build what users run, with no node_modules needed at run time (plain Node >= 18):
//   dist/postfix-fix.mjs              a small entry that answers --version/--help at once and
//   dist/chunks/*.mjs                 loads each command's code (in these chunks) only when it runs
//   dist/postfix-fix-standalone.mjs   the same program as one file, to copy to a server by itself
//                                     (it pays ~60 ms to compile 1.2 MB on every start)
// Runbooks, profiles and schemas stay beside dist/ as data (or in /usr/share/postfix-fix).
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node18',
  minify: true,
  legalComments: 'none',
  sourcemap: 'linked',
  define: { __POSTFIX_FIX_VERSION__: JSON.stringify(pkg.version) },
  // Some dependencies still call require(); give the ESM output one.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __pfCreateRequire } from 'node:module'; const require = __pfCreateRequire(import.meta.url);" },
  logLevel: 'warning',
};

rmSync('dist', { recursive: true, force: true });
await build({ ...common, entryPoints: { 'postfix-fix': 'src/cli/bin.ts' }, outdir: 'dist', splitting: true, chunkNames: 'chunks/[name]-[hash]', outExtension: { '.js': '.mjs' } });
await build({ ...common, entryPoints: ['src/cli/bin.ts'], outfile: 'dist/postfix-fix-standalone.mjs' });
