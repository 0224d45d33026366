// Predict what `postconf -e` does to main.cf, so the plan can show the exact lines. Measured on
// Postfix 3.7: every logical line defining the parameter (with its continuation lines) is replaced
// in place by `name = value`; a parameter not yet defined is appended at the end.

export function logicalParamAt(line: string): string | null {
  const m = /^([A-Za-z0-9_]+)\s*=/.exec(line);
  return m ? (m[1] as string) : null;
}

export function applyPostconfEdits(text: string, set: ReadonlyArray<readonly [string, string]>): string {
  const lines = text.split('\n');
  const trailingNewline = text.endsWith('\n');
  if (trailingNewline) lines.pop();
  const wanted = new Map(set);
  const done = new Set<string>();
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const name = logicalParamAt(line);
    if (name !== null && wanted.has(name)) {
      out.push(`${name} = ${wanted.get(name)}`);
      done.add(name);
      // Skip the continuation lines of the replaced logical line.
      while (i + 1 < lines.length && /^[ \t]+\S/.test(lines[i + 1] as string) && !/^[ \t]*#/.test(lines[i + 1] as string)) i++;
      continue;
    }
    out.push(line);
  }
  for (const [name, value] of set) if (!done.has(name)) out.push(`${name} = ${value}`);
  return out.join('\n') + (trailingNewline || out.length > 0 ? '\n' : '');
}

/** Parameters explicitly set in main.cf (`postconf -n` output: `name = value`). */
export function parsePostconfN(out: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of out.split('\n')) {
    const eq = line.indexOf(' = ');
    if (eq > 0) m.set(line.slice(0, eq), line.slice(eq + 3));
    else if (/^[a-z0-9_]+ =$/.test(line)) m.set(line.slice(0, -2), '');
  }
  return m;
}

/** Postfix lists are separated by commas and/or whitespace; compare them as token lists. */
export function sameValue(a: string, b: string): boolean {
  const tokens = (s: string): string[] => s.split(/[\s,]+/).filter(Boolean);
  const ta = tokens(a);
  const tb = tokens(b);
  return ta.length === tb.length && ta.every((t, i) => t === tb[i]);
}
