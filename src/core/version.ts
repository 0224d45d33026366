// The version is injected at build time (esbuild `define`); from source it is read once from
// package.json. Kept tiny: `--version` must not pay for anything else.

import { readFileSync } from 'node:fs';

declare const __POSTFIX_FIX_VERSION__: string | undefined;

export function toolVersion(): string {
  if (typeof __POSTFIX_FIX_VERSION__ === 'string') return __POSTFIX_FIX_VERSION__;
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
