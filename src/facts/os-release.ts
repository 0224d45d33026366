// /etc/os-release → OsFacts. The file is written as shell assignments (os-release(5)) but is never
// sourced or evaluated: we lex its quoting ourselves, so a broken or hostile file can run nothing
// and `$(…)`, `$VAR` and backticks stay literal text.

import type { HostFs } from '../core/host-fs.js';
import type { OsFacts } from './types.js';

/** Where os-release(5) says to look, in order: the first file that exists is used exclusively. */
export const OS_RELEASE_PATHS = ['/etc/os-release', '/usr/lib/os-release'] as const;

export interface SkippedLine {
  /** 1-based line number in the file. */
  line: number;
  text: string;
  why: string;
}

export interface OsReleaseFields {
  /** KEY → value, quoting removed; a later assignment of the same key wins, as in a shell. */
  fields: Map<string, string>;
  /** Lines that are not a plain assignment: reported, never acted on. */
  skipped: SkippedLine[];
}

export interface OsRelease extends OsReleaseFields {
  facts: OsFacts;
  /** The file the facts came from; null when neither exists (os-release(5) defaults apply). */
  source: string | null;
}

const KEY = /[A-Za-z_][A-Za-z0-9_]*/y;
// Inside double quotes a backslash escapes only these (POSIX sh); before anything else it is literal.
const DQUOTE_ESCAPABLE = new Set(['$', '`', '"', '\\', '\n']);
// Unquoted, these end or redirect a shell command: a line using them is not a plain assignment.
const SHELL_OPERATORS = new Set([';', '&', '|', '<', '>', '(', ')']);

export function parseOsRelease(text: string): OsReleaseFields {
  const src = text.replace(/\r\n?/g, '\n');
  const fields = new Map<string, string>();
  const skipped: SkippedLine[] = [];
  const lineAt = (offset: number): number => {
    let n = 1;
    for (let i = 0; i < offset; i++) if (src.charCodeAt(i) === 10) n++;
    return n;
  };
  const lineText = (offset: number): string => {
    const start = src.lastIndexOf('\n', offset - 1) + 1;
    const end = src.indexOf('\n', offset);
    return src.slice(start, end === -1 ? src.length : end);
  };
  const endOfLine = (offset: number): number => {
    const end = src.indexOf('\n', offset);
    return end === -1 ? src.length : end + 1;
  };

  let i = 0;
  while (i < src.length) {
    const ch = src[i] as string;
    if (ch === '\n' || ch === ' ' || ch === '\t') {
      i++;
      continue;
    }
    if (ch === '#') {
      i = endOfLine(i);
      continue;
    }
    const start = i;
    const skip = (why: string): void => {
      skipped.push({ line: lineAt(start), text: lineText(start), why });
      i = endOfLine(start);
    };
    // `export KEY=value` is harmless to accept: some tools write it.
    if (src.startsWith('export', i) && /[ \t]/.test(src[i + 6] ?? '')) {
      i += 6;
      while (src[i] === ' ' || src[i] === '\t') i++;
    }
    KEY.lastIndex = i;
    const key = KEY.exec(src)?.[0];
    if (key === undefined || src[i + key.length] !== '=') {
      skip('not a KEY=value assignment');
      continue;
    }
    i += key.length + 1;
    const value = readValue(src, i);
    if ('error' in value) {
      skip(value.error);
      continue;
    }
    i = value.end;
    while (src[i] === ' ' || src[i] === '\t') i++;
    if (src[i] === '#') i = endOfLine(i);
    else if (i < src.length && src[i] !== '\n') {
      // `A=b c` would run `c` in a shell; `A=b; B=c` is a shell feature os-release(5) excludes.
      skip('unexpected text after the value (quote values that contain spaces)');
      continue;
    }
    fields.set(key, value.value);
  }
  return { fields, skipped };
}

/** One shell word starting at `from`: unquoted, '…' and "…" parts, concatenated as sh would. */
function readValue(src: string, from: number): { value: string; end: number } | { error: string } {
  let out = '';
  let i = from;
  while (i < src.length) {
    const ch = src[i] as string;
    if (ch === ' ' || ch === '\t' || ch === '\n') break;
    if (SHELL_OPERATORS.has(ch)) return { error: `unquoted "${ch}": a shell operator, not part of a value (os-release(5) says to quote it)` };
    if (ch === "'") {
      const close = src.indexOf("'", i + 1);
      if (close === -1) return { error: 'unterminated single quote' };
      out += src.slice(i + 1, close);
      i = close + 1;
    } else if (ch === '"') {
      i++;
      let closed = false;
      while (i < src.length) {
        const c = src[i] as string;
        if (c === '"') {
          closed = true;
          i++;
          break;
        }
        if (c === '\\' && i + 1 < src.length && DQUOTE_ESCAPABLE.has(src[i + 1] as string)) {
          if (src[i + 1] !== '\n') out += src[i + 1]; // backslash-newline is a line continuation
          i += 2;
          continue;
        }
        out += c;
        i++;
      }
      if (!closed) return { error: 'unterminated double quote' };
    } else if (ch === '\\') {
      if (i + 1 >= src.length) {
        i++;
        continue;
      }
      if (src[i + 1] !== '\n') out += src[i + 1];
      i += 2;
    } else {
      out += ch;
      i++;
    }
  }
  return { value: out, end: i };
}

/** The fields we reason about, with os-release(5)'s documented defaults when a key is absent. */
export function osFactsFromFields(fields: ReadonlyMap<string, string>): OsFacts {
  const get = (k: string): string => (fields.get(k) ?? '').trim();
  const name = get('NAME') || 'Linux';
  const version = get('VERSION');
  return {
    // ID is lower-case by the spec; normalising keeps a sloppy derivative matchable.
    id: get('ID').toLowerCase() || 'linux',
    idLike: get('ID_LIKE')
      .toLowerCase()
      .split(/\s+/)
      .filter((s) => s !== ''),
    versionId: get('VERSION_ID'),
    prettyName: get('PRETTY_NAME') || (version ? `${name} ${version}` : name),
  };
}

/**
 * Facts from the texts of the two candidate files (null = file absent). /etc/os-release wins
 * whenever it exists, even if /usr/lib/os-release says something else: that is the spec's rule.
 */
export function osReleaseFromTexts(etcText: string | null, usrLibText: string | null): OsRelease {
  const [etcPath, usrLibPath] = OS_RELEASE_PATHS;
  const chosen = etcText !== null ? { text: etcText, source: etcPath } : usrLibText !== null ? { text: usrLibText, source: usrLibPath } : null;
  const parsed = chosen ? parseOsRelease(chosen.text) : { fields: new Map<string, string>(), skipped: [] };
  return { ...parsed, facts: osFactsFromFields(parsed.fields), source: chosen ? chosen.source : null };
}

/** Read through HostFs (so the lab can aim this at a namespace host). Read errors other than ENOENT propagate. */
export async function readOsRelease(fs: HostFs): Promise<OsRelease> {
  const [etcPath, usrLibPath] = OS_RELEASE_PATHS;
  const etcText = await fs.tryReadText(etcPath);
  const usrLibText = etcText === null ? await fs.tryReadText(usrLibPath) : null;
  return osReleaseFromTexts(etcText, usrLibText);
}
