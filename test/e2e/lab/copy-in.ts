import type { Host } from './host-types.js';
import { runOk } from './run.js';

// Copies a machine directory's contents over a directory inside the host (through tar, so
// ownership and modes survive). Existing directory symlinks (/lib -> usr/lib) and directory
// metadata in the host are kept, as dpkg would.
export async function copyTreeIn(host: Host, machineDir: string, hostDir: string): Promise<void> {
  const archive = await runOk(['tar', '-C', machineDir, '-cf', '-', '.'], { timeoutMs: 60_000 });
  await host.execOk(
    ['tar', '-C', hostDir, '--keep-directory-symlink', '--no-overwrite-dir', '-xf', '-'],
    { input: archive.stdoutBuffer, timeoutMs: 60_000 },
  );
}
