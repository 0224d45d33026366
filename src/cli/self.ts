// How to run this very program again (for deadline guards): the node binary, its flags and the
// script. `--jitless` given through NODE_OPTIONS is carried over as a flag: a systemd timer does
// not inherit our environment, and under an SELinux policy that denies execmem (Debian's
// reference policy) node without it aborts before running a line (seen in the real-SELinux VM).
export function selfArgv(): string[] {
  const flags = process.execArgv.filter((a) => !a.startsWith('--inspect'));
  const fromEnv = (process.env['NODE_OPTIONS'] ?? '').split(/\s+/);
  if (fromEnv.includes('--jitless') && !flags.includes('--jitless')) flags.push('--jitless');
  return [process.execPath, ...flags, process.argv[1] as string];
}
