// The front door: dist/postfix-fix.cjs, which bin/postfix-fix and the .deb's /usr/bin/postfix-fix
// run. CommonJS on purpose: `--version` must cost little more than starting node (bench: ≤ 1.3 ×
// `node -e 0`), and loading any ES module first starts node's ESM loader (~7 ms here, measured
// against a one-line .cjs). Everything else is the program beside it, dist/postfix-fix.mjs.

import { isVersionRequest, versionLine } from './version-request.js';

// Variables, so the bundler leaves the loading to run time: the program is its own build output.
const PROGRAM = './postfix-fix.mjs';
// `probe` alone, as CommonJS too (probe-main.ts): no ESM loader for a client's quick check.
const PROBE = './postfix-fix-probe.cjs';

const argv = process.argv.slice(2);
if (isVersionRequest(argv)) {
  process.stdout.write(versionLine());
} else if (argv[0] === 'probe' && !argv.includes('--help') && !argv.includes('-h')) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- synchronous on purpose: CommonJS loads without the ESM loader
  require(PROBE);
} else {
  import(PROGRAM).catch((e: unknown) => {
    process.stderr.write(`postfix-fix: cannot start: ${(e as Error).message}\nIf you run from a source checkout, build first: npm run build\n`);
    process.exit(1);
  });
}
