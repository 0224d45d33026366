// The front door: dist/postfix-fix.cjs, which bin/postfix-fix and the .deb's /usr/bin/postfix-fix
// run. CommonJS on purpose: `--version` must cost little more than starting node (bench: ≤ 1.3 ×
// `node -e 0`), and loading any ES module first starts node's ESM loader (~7 ms here, measured
// against a one-line .cjs). Everything else is the program beside it, dist/postfix-fix.mjs.

import { isVersionRequest, versionLine } from './version-request.js';

// A variable, so the bundler leaves the import to run time: the program is its own build output.
const PROGRAM = './postfix-fix.mjs';

if (isVersionRequest(process.argv.slice(2))) {
  process.stdout.write(versionLine());
} else {
  import(PROGRAM).catch((e: unknown) => {
    process.stderr.write(`postfix-fix: cannot start: ${(e as Error).message}\nIf you run from a source checkout, build first: npm run build\n`);
    process.exit(1);
  });
}
