// Where the built-in runbooks, profiles and schemas live: beside the bundle in a checkout or
// tarball (`dist/../runbooks`), or /usr/share/postfix-fix when installed from the .deb.

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.POSTFIX_FIX_DATA_DIR) return resolve(env.POSTFIX_FIX_DATA_DIR);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'runbooks')) && existsSync(join(dir, 'distro-profiles'))) return dir;
    dir = dirname(dir);
  }
  return '/usr/share/postfix-fix';
}
