// How to run this very program again (for deadline guards): the node binary and the script.
export function selfArgv(): string[] {
  return [process.execPath, ...process.execArgv.filter((a) => !a.startsWith('--inspect')), process.argv[1] as string];
}
