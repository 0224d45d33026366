// The --help texts of src/cli/help.ts, read back as structure: the man page and the bash
// completion are generated from it (scripts/build-deb.ts), so neither can drift from --help.
//
// help.ts is written for a terminal; its shape is regular enough to read back:
//   Heading:                      an unindented line ending in ':' ("Options:", "Example:")
//   Exit codes: 0 healthy · …     an unindented "Heading: text" line (indented lines continue it)
//     --flag ARG           text   an entry: term at column 2, text at column 23
//                          more   its continuation (text at column 23)
//     postfix-fix plan …          under Example(s)/Start here: verbatim lines
//   anything else                 paragraph text (consecutive lines form one paragraph)

export interface HelpEntry {
  /** `--timeout SECONDS`, `-h, --help`, `diagnose`, `0`. */
  term: string;
  text: string;
}

export type HelpBlock =
  | { kind: 'para'; text: string }
  | { kind: 'entries'; title: string | null; entries: HelpEntry[] }
  | { kind: 'verbatim'; title: string | null; lines: string[] }
  /** `text` keeps the help's line breaks (`\n`). */
  | { kind: 'inline'; title: string; text: string };

export interface HelpPage {
  name: string;
  /** The "Usage:" line without the word Usage (`postfix-fix diagnose [options]`). */
  usage: string | null;
  blocks: HelpBlock[];
}

export interface HelpFlag {
  /** `--timeout` */
  name: string;
  /** `-h` for `-h, --help` */
  short: string | null;
  /** `SECONDS` when the flag takes a value, else null. */
  value: string | null;
  text: string;
}

const TEXT_COLUMN = 23;
const VERBATIM_TITLES = /^(examples?|start here)$/i;

function isEntryLine(line: string): boolean {
  return (
    line.length > TEXT_COLUMN &&
    line.startsWith('  ') &&
    line[2] !== ' ' &&
    line[TEXT_COLUMN - 1] === ' ' &&
    line[TEXT_COLUMN] !== ' '
  );
}

function isContinuation(line: string): boolean {
  return line.length > TEXT_COLUMN && line.slice(0, TEXT_COLUMN).trim() === '' && line[TEXT_COLUMN] !== ' ';
}

/** `  0   OK: healthy …` under "Exit codes:" — the term is the first word. */
function exitCodeEntry(line: string): HelpEntry | null {
  const m = /^ {2}(\d+)\s+(\S.*)$/.exec(line);
  return m ? { term: m[1] as string, text: m[2] as string } : null;
}

export function parseHelpPage(name: string, text: string): HelpPage {
  const lines = text.split('\n');
  const blocks: HelpBlock[] = [];
  let usage: string | null = null;
  let title: string | null = null;
  let current: HelpBlock | null = null;
  const close = (): void => {
    current = null;
  };

  for (const line of lines) {
    if (line.trim() === '') {
      close();
      title = null;
      continue;
    }
    if (line.startsWith('Usage: ')) {
      usage = line.slice('Usage: '.length).trim();
      close();
      continue;
    }
    const heading = /^([A-Z][A-Za-z ()]*):$/.exec(line);
    if (heading) {
      close();
      title = heading[1] as string;
      continue;
    }
    const inline = /^(Exit codes): (\S.*)$/.exec(line);
    if (inline) {
      close();
      const block: HelpBlock = { kind: 'inline', title: inline[1] as string, text: inline[2] as string };
      blocks.push(block);
      current = block;
      continue;
    }
    // "Exit codes: 0 healthy · …" wrapped onto an indented next line.
    if (current?.kind === 'inline' && /^\s+\S/.test(line)) {
      current.text += `\n${line.trim()}`;
      continue;
    }
    const indented = line.startsWith('  ');
    if (indented && title !== null && VERBATIM_TITLES.test(title)) {
      const block: HelpBlock = current ?? { kind: 'verbatim', title, lines: [] };
      if (current === null) blocks.push(block);
      current = block;
      if (block.kind === 'verbatim') block.lines.push(line.slice(2));
      continue;
    }
    if (indented && title === 'Exit codes') {
      const entry = exitCodeEntry(line);
      if (entry) {
        const block: HelpBlock = current?.kind === 'entries' ? current : { kind: 'entries', title, entries: [] };
        if (current !== block) blocks.push(block);
        current = block;
        block.entries.push(entry);
        continue;
      }
    }
    if (indented && isEntryLine(line)) {
      const block: HelpBlock = current?.kind === 'entries' ? current : { kind: 'entries', title, entries: [] };
      if (current !== block) blocks.push(block);
      current = block;
      block.entries.push({ term: line.slice(2, TEXT_COLUMN).trim(), text: line.slice(TEXT_COLUMN).trim() });
      continue;
    }
    if (current?.kind === 'entries' && isContinuation(line)) {
      const last = current.entries[current.entries.length - 1];
      if (last) last.text += ` ${line.trim()}`;
      continue;
    }
    if (indented) throw new Error(`help "${name}": cannot read line ${JSON.stringify(line)} (not an entry, not under a heading)`);
    // Unindented text: a paragraph (a new one after a heading or an entry list).
    if (current?.kind === 'para') {
      current.text += ` ${line.trim()}`;
    } else {
      const para: HelpBlock = { kind: 'para', text: line.trim() };
      blocks.push(para);
      current = para;
      title = null;
    }
  }
  return { name, usage, blocks };
}

export interface HelpModel {
  main: HelpPage;
  /** In the order of the main page's "Commands:" list. */
  commands: HelpPage[];
}

export function helpModel(help: Readonly<Record<string, string>>): HelpModel {
  const mainText = help['main'];
  if (mainText === undefined) throw new Error('help.ts has no "main" page');
  const main = parseHelpPage('main', mainText);
  const names = commandNames(main);
  const commands = names.map((n) => {
    const text = help[n];
    if (text === undefined) throw new Error(`help.ts: command "${n}" is listed but has no help page`);
    return parseHelpPage(n, text);
  });
  for (const key of Object.keys(help)) {
    if (key !== 'main' && !names.includes(key)) throw new Error(`help.ts: page "${key}" is not in the main page's Commands list`);
  }
  return { main, commands };
}

/** The command names of the main page's "Commands:" list (`apply FILE` → `apply`). */
export function commandNames(main: HelpPage): string[] {
  const list = main.blocks.find((b): b is Extract<HelpBlock, { kind: 'entries' }> => b.kind === 'entries' && b.title === 'Commands');
  if (!list) throw new Error('help.ts main page: no "Commands:" list');
  return list.entries.map((e) => e.term.split(/\s+/)[0] as string);
}

/** Every flag documented on a page (entries whose term starts with `-`). */
export function pageFlags(page: HelpPage): HelpFlag[] {
  const flags: HelpFlag[] = [];
  for (const b of page.blocks) {
    if (b.kind !== 'entries') continue;
    for (const e of b.entries) {
      if (!e.term.startsWith('-')) continue;
      // `-h, --help`, `--timeout SECONDS`, `--var NAME=VALUE`
      const m = /^(?:(-[A-Za-z]), )?(--[a-z][a-z0-9-]*)(?: (\S+))?$/.exec(e.term);
      if (!m) throw new Error(`help "${page.name}": cannot read the flag ${JSON.stringify(e.term)}`);
      flags.push({ name: m[2] as string, short: m[1] ?? null, value: m[3] ?? null, text: e.text });
    }
  }
  return flags;
}
