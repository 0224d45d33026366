import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { REPO_ROOT } from './paths.js';

// What `npm run build` produces and users run: the launcher, which loads the bundle beside it.
export const DEFAULT_CLI_BUNDLE = resolve(REPO_ROOT, 'dist', 'postfix-fix.cjs');

export function cliBundlePath(): string {
  const fromEnv = process.env['POSTFIX_FIX_BIN'];
  return fromEnv ? resolve(fromEnv) : DEFAULT_CLI_BUNDLE;
}

/**
 * The directories a host must see for runCli (this checkout, and the package holding the bundle
 * when POSTFIX_FIX_BIN points elsewhere): bound in read-only at their own paths, because a host's
 * own /tmp and /run would hide a checkout that lives there (CI clones into /tmp).
 */
export function packageRoots(): string[] {
  return [...new Set([REPO_ROOT, dirname(dirname(cliBundlePath()))])].filter((dir) => existsSync(dir));
}
