// `postconf -x NAME…` output → effective values. We ask without -h on purpose: with -h an unknown
// parameter just vanishes from the output (a warning on stderr) and every later value shifts up a
// line, while `name = value` lines say which value is which.

export interface PostconfOutput {
  params: Record<string, string>;
  /** Names postconf said it does not know (older Postfix, typo). */
  unknown: string[];
}

export function parsePostconf(stdout: string, stderr = ''): PostconfOutput {
  const params: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const m = /^([A-Za-z0-9_.-]+) =(?: (.*))?$/.exec(line.trimEnd());
    if (m) params[m[1] as string] = (m[2] ?? '').trim();
  }
  const unknown: string[] = [];
  for (const line of stderr.split('\n')) {
    const m = /warning: ([A-Za-z0-9_.-]+): unknown parameter/.exec(line);
    if (m) unknown.push(m[1] as string);
  }
  return { params, unknown };
}
