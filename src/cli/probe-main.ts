// `postfix-fix probe` as one CommonJS file (dist/postfix-fix-probe.cjs), which the launcher
// (launcher.ts) loads instead of the program: a client's probe, often run by a monitoring system
// every few minutes, starts no ESM loader and reads one file (~10 ms less CPU than through
// dist/postfix-fix.mjs and its chunks, measured). `probe --help` still goes through the program.

import { run } from './commands/probe.js';
import { reportError } from './errors.js';

export async function probeMain(argv: string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (e) {
    return reportError(e, argv.includes('--debug'));
  }
}

probeMain(process.argv.slice(3)).then(
  (code) => {
    process.exitCode = code;
    // As bin.ts: a stray handle never keeps a finished probe alive.
    setTimeout(() => process.exit(code), 3000).unref();
  },
  (e: unknown) => {
    process.stderr.write(`postfix-fix: internal error: ${String(e)}\n`);
    process.exit(1);
  },
);
