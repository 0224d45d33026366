// What a rebuild changes in a lookup table, by key: the entries of the text source (as postmap
// and postalias read it) against those in the built file (`postmap -s`). Values are compared but
// never shown — sasl_passwd is a lookup table too.

/** Source entries by key: `key value` (postmap) or `key: value` (postalias); keys lowercased as both do by default. */
export function sourceEntries(text: string, aliases: boolean): Map<string, string> {
  const out = new Map<string, string>();
  let last: string | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (/^\s*(#|$)/.test(line)) continue;
    if (/^[ \t]/.test(line)) {
      // A continuation line: part of the value above.
      if (last !== null) out.set(last, `${out.get(last) ?? ''} ${line.trim()}`.trim());
      continue;
    }
    const m = aliases ? /^("[^"]*"|[^:\s]+)\s*:\s*(.*)$/.exec(line) : /^(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    last = (m[1] as string).replace(/^"|"$/g, '').toLowerCase();
    out.set(last, (m[2] as string).trim());
  }
  return normalise(out);
}

/** `postmap -s` / `postalias -s` output; postalias's own bookkeeping keys left out. */
export function builtEntries(text: string, aliases: boolean): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const m = /^(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const k = m[1] as string;
    if (aliases && (k === '@' || k.startsWith('YP_'))) continue;
    out.set(k.toLowerCase(), (m[2] as string).trim());
  }
  return normalise(out);
}

function normalise(m: Map<string, string>): Map<string, string> {
  return new Map([...m].map(([k, v]) => [k, v.replace(/\s+/g, ' ')]));
}

export interface EntryChanges {
  added: string[];
  removed: string[];
  changed: string[];
  total: number;
}

export function compareEntries(built: ReadonlyMap<string, string> | null, source: ReadonlyMap<string, string>): EntryChanges {
  const before = built ?? new Map<string, string>();
  return {
    added: [...source.keys()].filter((k) => !before.has(k)).sort(),
    removed: [...before.keys()].filter((k) => !source.has(k)).sort(),
    changed: [...source.keys()].filter((k) => before.has(k) && before.get(k) !== source.get(k)).sort(),
    total: source.size,
  };
}

/** Plan lines: `+ key`, `- key`, `~ key (value changed)`, at most `limit` of them. */
export function describeChanges(c: EntryChanges, limit = 12): string[] {
  const lines = [...c.added.map((k) => `    + ${k}`), ...c.removed.map((k) => `    - ${k}`), ...c.changed.map((k) => `    ~ ${k} (value changed)`)];
  return lines.length > limit ? [...lines.slice(0, limit), `    … ${lines.length - limit} more`] : lines;
}
