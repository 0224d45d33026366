// How an entry point ends: the command's exit code, and never a process kept alive after it.

export function exitWhenDone(run: Promise<number>): void {
  run.then(
    (code) => {
      process.exitCode = code;
      // A stray handle must never keep a finished command alive (unattended runs must never hang).
      setTimeout(() => process.exit(code), 3000).unref();
    },
    (e: unknown) => {
      process.stderr.write(`postfix-fix: internal error: ${String(e)}\n`);
      process.exit(1);
    },
  );
}
