// `postfix-fix probe` as one CommonJS file (dist/postfix-fix-probe.cjs), which the launcher
// (launcher.ts) loads instead of the program: a client's probe, often run by a monitoring system
// every few minutes, starts no ESM loader and reads one file (~10 ms less CPU than through
// dist/postfix-fix.mjs and its chunks, measured). `probe --help` still goes through the program.

import { run } from './commands/probe.js';
import { reportError } from './errors.js';
import { exitWhenDone } from './exit.js';

export async function probeMain(argv: string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (e) {
    return reportError(e, argv.includes('--debug'));
  }
}

exitWhenDone(probeMain(process.argv.slice(3)));
