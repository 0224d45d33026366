// POSIX sh quoting, so the executor works on hosts whose /bin/sh is dash or busybox (zx's own
// quote emits bash-only $'…' strings). Every argument becomes one word, whatever it contains.

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function quoteArg(arg: string): string {
  if (arg.includes('\0')) {
    // argv cannot carry NUL; refuse rather than silently truncate.
    throw new TypeError('command argument contains a NUL byte');
  }
  if (arg === '') return "''";
  if (SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** For zx's `quote` hook: it may hand us non-strings (numbers); stringify first. */
export function quoteForZx(arg: unknown): string {
  return quoteArg(String(arg));
}

/** Render an argv for logs and reports, quoted exactly as it was run. */
export function formatArgv(argv: readonly string[]): string {
  return argv.map(quoteArg).join(' ');
}
