import { resolve } from 'node:path';
import { REPO_ROOT } from './paths.js';

// What `npm run build` produces: a single-file esbuild bundle.
export const DEFAULT_CLI_BUNDLE = resolve(REPO_ROOT, 'dist', 'postfix-fix.mjs');

export function cliBundlePath(): string {
  const fromEnv = process.env['POSTFIX_FIX_BIN'];
  return fromEnv ? resolve(fromEnv) : DEFAULT_CLI_BUNDLE;
}
