// The per-run second disk of the SELinux VM: what the guest runs, taken from this checkout and
// machine at the moment of the run. Mounted read-only on /opt/postfix-fix by the image's launcher
// (with the bin_t label, like programs in /usr/local/bin).
//   node                          this machine's node binary (Debian 12, like the guest; the guest
//                                 checks `ldd` itself)
//   postfix-fix-standalone.mjs    the built CLI (`npm run build`)
//   runbooks/ distro-profiles/ schemas/   its data (POSTFIX_FIX_DATA_DIR=/opt/postfix-fix)
//   selinux-test.sh               the in-guest test (guest/selinux-test.sh)
import { copyFileSync, cpSync, existsSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runOk } from '../../test/e2e/lab/run.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(HERE, '..', '..');
export const GUEST_TEST_SCRIPT = join(HERE, 'guest', 'selinux-test.sh');
export const STANDALONE_BUNDLE = join(REPO_ROOT, 'dist', 'postfix-fix-standalone.mjs');
const DATA_DIRS = ['runbooks', 'distro-profiles', 'schemas'] as const;

export interface PayloadOptions {
  // Where to stage and write the image (a scratch dir of this run).
  dir: string;
  nodeBinary?: string;
  // Another guest script instead of guest/selinux-test.sh (for exploring the guest by hand).
  testScript?: string;
  // Another build of the standalone CLI (default: this checkout's dist/).
  bundle?: string;
}

// Returns the path of payload.img.
export async function buildPayload(opts: PayloadOptions): Promise<string> {
  const bundle = opts.bundle ?? STANDALONE_BUNDLE;
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run \`npm run build\` first`);
  const node = realpathSync(opts.nodeBinary ?? process.execPath);
  const stage = join(opts.dir, 'payload');
  mkdirSync(stage, { recursive: true });
  copyFileSync(node, join(stage, 'node'));
  copyFileSync(bundle, join(stage, 'postfix-fix-standalone.mjs'));
  for (const d of DATA_DIRS) cpSync(join(REPO_ROOT, d), join(stage, d), { recursive: true });
  copyFileSync(opts.testScript ?? GUEST_TEST_SCRIPT, join(stage, 'selinux-test.sh'));
  // Room for the files plus ext4's own overhead.
  let bytes = 0;
  for (const f of ['node', 'postfix-fix-standalone.mjs']) bytes += statSync(join(stage, f)).size;
  const sizeMiB = Math.ceil(bytes / 2 ** 20) + 64;
  const img = join(opts.dir, 'payload.img');
  await runOk(['mkfs.ext4', '-q', '-F', '-L', 'pffpayload', '-d', stage, img, `${sizeMiB}M`], { timeoutMs: 120_000 });
  return img;
}
