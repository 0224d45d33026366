import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Everything the lab creates on the machine lives under these two roots, so a sweep or a
// leftover check can find it by path alone.
export const LAB_SCRATCH_ROOT = '/tmp/postfix-fix-lab';
export const LAB_CACHE_ROOT = '/var/cache/postfix-fix-lab';

export const LAB_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(LAB_DIR, '..', '..', '..');

export const HOST_INIT_SCRIPT = resolve(LAB_DIR, 'host-init.sh');
export const NSPAWN_WRAPPER_SCRIPT = resolve(LAB_DIR, 'nspawn-wrapper.sh');
export const PROBE_SCRIPT = resolve(LAB_DIR, 'probe.py');
export const EXIM_CONF_TEMPLATE = resolve(LAB_DIR, 'exim4.conf');

// The Debian interpreter, never a PATH lookup: a pyenv shim on PATH costs ~0.2 s per call.
export const PYTHON = '/usr/bin/python3';

// What every command run inside a host sees: a clean, predictable environment instead of the
// test runner's (which carries NODE_OPTIONS, tsx loaders and the developer's PATH).
export const HOST_ENV: Readonly<Record<string, string>> = Object.freeze({
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: '/root',
  LANG: 'C.UTF-8',
  TERM: 'dumb',
});
