// Where the built-in runbooks, profiles and schemas live, first match wins:
//   $POSTFIX_FIX_DATA_DIR                      an explicit choice always wins
//   <built-in>                                 the single-file bundle carries its own (see
//                                              engine/catalog/embedded.ts, scripts/build.mjs)
//   beside the bundle (`dist/../runbooks`)     a checkout or tarball
//   /usr/share/postfix-fix                     installed from the .deb: the program is in
//                                              /usr/lib/postfix-fix, /usr/bin/postfix-fix links to it

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EMBEDDED_ROOT, hasEmbeddedData } from '../engine/catalog/embedded.js';

export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.POSTFIX_FIX_DATA_DIR) return resolve(env.POSTFIX_FIX_DATA_DIR);
  if (hasEmbeddedData()) return EMBEDDED_ROOT;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'runbooks')) && existsSync(join(dir, 'distro-profiles'))) return dir;
    dir = dirname(dir);
  }
  return '/usr/share/postfix-fix';
}
