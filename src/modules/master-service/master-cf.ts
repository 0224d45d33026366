// Predict what `postconf -M` / `-P` / `-MX` write into master.cf, so the plan shows the exact
// lines. Postfix 3.x rewrites only the entries it edits, in its own layout: the standard fields at
// fixed columns, each `-o name=value` on a line of its own indented by four spaces, other
// arguments folded before column 80. Comment and blank lines are copied through as they are read:
// editing an entry's parameters (-P) reads the whole logical entry first, so the comments inside
// it, and those between it and the next entry, end up above the rewritten entry; replacing (-M)
// or removing (-MX) an entry leaves them where they were.

/** Columns Postfix aims for: service, type, private, unpriv, chroot, wakeup, maxproc, command. */
const COLUMN_GOAL = [0, 11, 17, 25, 33, 41, 49, 57] as const;
const STANDARD_FIELDS = COLUMN_GOAL.length;
const LINE_LIMIT = 80;
const INDENT = '    ';

/** Daemon options that take a value (`-o name=value`). */
const OPTIONS_WITH_VALUE = new Set(['o']);

const BLANK = /[ \t\r\n]/;

/** Split an entry the way master.cf is read: blanks separate, `{ … }` groups (braces removed). */
export function splitEntry(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && BLANK.test(text[i] as string)) i++;
    if (i >= text.length) break;
    if (text[i] === '{') {
      const close = text.indexOf('}', i);
      const end = close < 0 ? text.length : close;
      out.push(text.slice(i + 1, end).trim());
      i = end + 1;
      continue;
    }
    const start = i;
    while (i < text.length && !BLANK.test(text[i] as string)) i++;
    out.push(text.slice(start, i));
  }
  // `-oname=value` is the same as `-o name=value`, and `-o { name = value }` is `name=value`:
  // Postfix prints both the latter way.
  const args = out.flatMap((a, idx) => (idx >= STANDARD_FIELDS && /^-o./.test(a) ? ['-o', a.slice(2)] : [a]));
  return args.map((a, idx) => (idx > STANDARD_FIELDS && args[idx - 1] === '-o' ? a.replace(/^([^=\s]+)\s*=\s*/, '$1=') : a));
}

/** An entry as `postconf -M`/`-P` write it (with its trailing newline). */
export function formatEntry(argv: readonly string[]): string {
  let out = '';
  let len = 0;
  const add = (s: string): void => {
    out += s;
    len += s.length;
  };
  for (let f = 0; f < STANDARD_FIELDS && f < argv.length; f++) {
    if (len > 0) {
      do add(' ');
      while (len < (COLUMN_GOAL[f] as number));
    }
    add(argv[f] as string);
  }
  let inOptions = true;
  for (let f = STANDARD_FIELDS; f < argv.length; f++) {
    const arg = argv[f] as string;
    let argLen = arg.length;
    let value: string | null = null;
    let braces = false;
    if (inOptions) {
      if (!arg.startsWith('-') || arg === '--') inOptions = false;
      else if (OPTIONS_WITH_VALUE.has(arg[1] ?? '') && argv[f + 1] !== undefined) {
        value = argv[f + 1] as string;
        len = LINE_LIMIT; // an option with a value starts a line of its own
        argLen += value.length + 3;
        braces = BLANK.test(value);
        if (braces) argLen += 2;
      }
    } else braces = BLANK.test(arg);
    if (len > INDENT.length) {
      if (len + 1 + argLen < LINE_LIMIT) add(' ');
      else {
        out += `\n${INDENT}`;
        len = INDENT.length;
      }
    }
    add(!inOptions && braces ? `{${arg}}` : arg);
    if (value !== null) {
      add(' ');
      add(braces ? `{${value}}` : value);
      f += 1;
      len = LINE_LIMIT; // and ends it
    }
  }
  return `${out}\n`;
}

interface Entry {
  service: string;
  type: string;
  /** Line index of the entry's first line. */
  first: number;
  /** Line indexes of its continuation lines. */
  continuation: number[];
  /** Comment and blank lines from its first line up to the next entry. */
  comments: number[];
  argv: string[];
}

const isComment = (l: string): boolean => /^\s*(#|$)/.test(l);
const isContinuation = (l: string): boolean => /^[ \t]/.test(l) && !isComment(l);

export function parseEntries(lines: readonly string[]): Entry[] {
  const out: Entry[] = [];
  let cur: Entry | null = null;
  lines.forEach((line, i) => {
    if (isComment(line)) {
      cur?.comments.push(i);
      return;
    }
    if (isContinuation(line)) {
      if (cur) {
        cur.continuation.push(i);
        cur.argv.push(...splitEntry(line));
      }
      return;
    }
    const argv = splitEntry(line);
    cur = { service: argv[0] ?? '', type: argv[1] ?? '', first: i, continuation: [], comments: [], argv };
    out.push(cur);
  });
  return out.map((e) => ({ ...e, argv: splitEntry(e.argv.join(' ')) }));
}

/** The `-o` parameters of an entry, in order. */
export function entryParams(argv: readonly string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let f = STANDARD_FIELDS; f < argv.length; f++) {
    const a = argv[f] as string;
    if (!a.startsWith('-') || a === '--') break;
    if (OPTIONS_WITH_VALUE.has(a[1] ?? '') && argv[f + 1] !== undefined) {
      if (a === '-o') {
        const v = argv[f + 1] as string;
        const eq = v.indexOf('=');
        if (eq > 0) out.push([v.slice(0, eq), v.slice(eq + 1)]);
      }
      f += 1;
    }
  }
  return out;
}

/** -P: set each parameter in place, add the new ones after the last daemon option. */
export function withParams(argv: readonly string[], set: ReadonlyArray<readonly [string, string]>): string[] {
  const out = [...argv];
  for (const [name, value] of set) {
    let f = STANDARD_FIELDS;
    let done = false;
    for (; f < out.length; f++) {
      const a = out[f] as string;
      if (!a.startsWith('-') || a === '--') break;
      if (OPTIONS_WITH_VALUE.has(a[1] ?? '') && out[f + 1] !== undefined) {
        if (a === '-o' && (out[f + 1] as string).startsWith(`${name}=`)) {
          out[f + 1] = `${name}=${value}`;
          done = true;
        }
        f += 1;
      }
    }
    if (!done) out.splice(f, 0, '-o', `${name}=${value}`);
  }
  return out;
}

export type MasterEdit =
  | { kind: 'add'; argv: string[] }
  | { kind: 'set-params'; service: string; type: string; params: Array<[string, string]> }
  | { kind: 'remove'; service: string; type: string };

/** master.cf as postconf leaves it after `edit`. */
export function applyMasterEdit(text: string, edit: MasterEdit): string {
  const trailingNewline = text.endsWith('\n');
  const lines = text.split('\n');
  if (trailingNewline) lines.pop();
  const join = (ls: string[]): string => (ls.length === 0 ? '' : `${ls.join('\n')}\n`);
  if (edit.kind === 'add') return `${join(lines)}${formatEntry(edit.argv)}`;
  const entry = parseEntries(lines).find((e) => e.service === edit.service && e.type === edit.type);
  if (!entry) return text;
  const own = new Set([entry.first, ...entry.continuation]);
  const span = new Set([...own, ...entry.comments]);
  const out: string[] = [];
  lines.forEach((line, i) => {
    if (edit.kind === 'remove') {
      if (!own.has(i)) out.push(line);
      return;
    }
    if (!span.has(i)) out.push(line);
    else if (i === entry.first) {
      for (const c of entry.comments) out.push(lines[c] as string);
      out.push(...formatEntry(withParams(entry.argv, edit.params)).replace(/\n$/, '').split('\n'));
    }
  });
  return join(out);
}
