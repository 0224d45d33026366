// A command the shell found but could not execute: exit 126 ("Permission denied", or not
// executable). Seen for real under enforcing SELinux, where a root shell (unconfined_r) may not
// enter postfix_master_t, so `postfix` is refused. Not a verdict of the program's — callers must
// not read it as one (a "failed" `postfix check` would blame the configuration).

import type { CommandResult } from '../core/exec.js';

/**
 * Refused, by its exit status or by the shell's own words (`sh: 1: exec: postfix: Permission
 * denied`), which is all there is when the command ran under `script`. `program` is a bare name;
 * a path that merely ends in it (`/etc/postfix: Permission denied`) is not the program.
 */
export function execRefused(r: Pick<CommandResult, 'exitCode' | 'stdout' | 'stderr'>, program: string): boolean {
  if (r.exitCode === 126) return true;
  const said = `${program}: Permission denied`;
  return `${r.stdout}\n${r.stderr}`.split(/\r?\n/).some((line) => {
    const l = line.trim();
    return l === said || l.endsWith(` ${said}`);
  });
}
