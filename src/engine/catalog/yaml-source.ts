// Parse a YAML file once into a plain value plus an index from field paths (`steps[0].args`)
// to source positions, so every later validation error can name file:line:column.

import { readFileSync, statSync } from 'node:fs';
import { CORE_SCHEMA, EVENT_ID, constructFromEvents, getScalarValue, parseEvents } from 'js-yaml';
import type { Event } from 'js-yaml';
import { UserError } from '../../core/errors.js';
import { embeddedText } from './embedded.js';
import { builtInSnapshot, snapshotValue } from './yaml-snapshot.js';
import type { YamlSnapshot } from './yaml-snapshot.js';
import type { SourceLocation } from '../../core/errors.js';

export interface Position {
  /** Where the key of this field starts (absent for sequence items and the root). */
  key?: number;
  /** Where the value starts. */
  value: number;
}

export interface YamlSource {
  file: string;
  text: string;
  value: unknown;
  positions: Map<string, Position>;
  /** The location of a field (its key if it has one, else its value); falls back to the closest parent. */
  locate(path: string, prefer?: 'key' | 'value'): SourceLocation;
}

/** `a.b[2].c` — keys that are not plain identifiers are written `["odd key"]`. */
export function joinPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

export function parentPath(path: string): string | null {
  if (path === '') return null;
  const m = /^(.*?)(\.[A-Za-z_][A-Za-z0-9_-]*|\[[^\]]*\])$/.exec(path);
  if (m) return m[1] as string;
  return '';
}

/** Runbooks, profiles and policies are a few KiB: anything this big is not one (or is an attack). */
export const MAX_YAML_BYTES = 1024 * 1024;
/**
 * Nodes a document may expand to once aliases are followed. Without this cap a "billion laughs"
 * file of a few dozen aliases (each doubling the last) passes `maxAliases` and then hangs every
 * walk over the value (templates, schema checks, JSON.stringify).
 */
export const MAX_YAML_NODES = 100_000;

export function readYamlFile(file: string): YamlSource {
  const builtIn = embeddedText(file);
  if (builtIn !== undefined) return parseYaml(file, Buffer.from(builtIn, 'utf8'));
  let bytes: Buffer;
  try {
    const size = statSync(file).size;
    if (size > MAX_YAML_BYTES) {
      throw new UserError(`file is too large (${size} bytes)`, { location: { file, line: 1, column: 1 }, expected: `a YAML file of at most ${MAX_YAML_BYTES} bytes` });
    }
    bytes = readFileSync(file);
  } catch (e) {
    if (e instanceof UserError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`cannot read file: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : String(code)}`, {
      location: { file, line: 1, column: 1 },
    });
  }
  return parseYaml(file, bytes);
}

/** `snapshot`: texts already parsed at build time (yaml-snapshot.ts); tests pass their own. */
export function parseYaml(file: string, bytes: Buffer | string, snapshot: YamlSnapshot = builtInSnapshot()): YamlSource {
  if (bytes.length > MAX_YAML_BYTES) {
    throw new UserError(`file is too large (${bytes.length} ${typeof bytes === 'string' ? 'characters' : 'bytes'})`, { location: { file, line: 1, column: 1 }, expected: `a YAML file of at most ${MAX_YAML_BYTES} bytes` });
  }
  const text = typeof bytes === 'string' ? bytes : decodeText(file, bytes);
  const known = snapshotValue(snapshot, text);
  if (known) {
    // Positions are only needed to point at an error: found by a real parse if one is.
    let full: YamlSource | null = null;
    const parsed = (): YamlSource => (full ??= parseText(file, text));
    return {
      file,
      text,
      value: known.value,
      get positions() {
        return parsed().positions;
      },
      locate: (path, prefer) => parsed().locate(path, prefer),
    };
  }
  return parseText(file, text);
}

function parseText(file: string, text: string): YamlSource {
  const lines = lineStarts(text);
  const toLocation = (offset: number): SourceLocation => offsetToLocation(file, lines, offset);

  if (text.trim() === '' || stripComments(text).trim() === '') {
    throw new UserError('file is empty', { location: { file, line: 1, column: 1 }, expected: 'a YAML mapping' });
  }
  if (text.includes('\0')) {
    throw new UserError('not a text file (contains NUL bytes)', { location: toLocation(text.indexOf('\0')) });
  }

  let events: Event[];
  let documents: unknown[];
  try {
    events = parseEvents(text, { filename: file });
    checkExpansion(text, events, file);
    documents = constructFromEvents(events, { source: text, filename: file, schema: CORE_SCHEMA, maxAliases: 100 });
  } catch (e) {
    if (e instanceof UserError) throw e;
    const err = e as { reason?: string; message?: string; mark?: { line: number; column: number } };
    const reason = err.reason ?? String(err.message ?? e);
    const location = err.mark ? { file, line: err.mark.line + 1, column: err.mark.column + 1 } : { file, line: 1, column: 1 };
    throw new UserError(`YAML syntax error: ${reason}`, { location });
  }
  if (documents.length !== 1) {
    throw new UserError(`expected exactly one YAML document, found ${documents.length}`, { location: { file, line: 1, column: 1 } });
  }

  const positions = indexPositions(text, events);
  const locate = (path: string, prefer: 'key' | 'value' = 'key'): SourceLocation => {
    for (let p: string | null = path; p !== null; p = parentPath(p)) {
      const pos = positions.get(p);
      if (pos) return toLocation(prefer === 'key' && pos.key !== undefined ? pos.key : pos.value);
    }
    return { file, line: 1, column: 1 };
  };
  return { file, text, value: documents[0], positions, locate };
}

/** How many nodes the document expands to with every alias followed, counted without expanding. */
function checkExpansion(text: string, events: Event[], file: string): void {
  const sizes = new Map<string, number>();
  const stack: Array<{ anchor: string | null; size: number }> = [{ anchor: null, size: 0 }];
  const anchorOf = (ev: { anchorStart: number; anchorEnd: number }): string | null => (ev.anchorStart >= 0 ? text.slice(ev.anchorStart, ev.anchorEnd) : null);
  let total = 0;
  const add = (n: number, at: number): void => {
    (stack[stack.length - 1] as { size: number }).size += n;
    total += n;
    if (total > MAX_YAML_NODES) {
      throw new UserError(`YAML aliases expand to more than ${MAX_YAML_NODES} nodes (a "billion laughs" document?)`, { location: offsetToLocation(file, lineStarts(text), at), expected: 'a document without alias expansion bombs' });
    }
  };
  for (const ev of events) {
    switch (ev.type) {
      case EVENT_ID.DOCUMENT:
        stack.push({ anchor: null, size: 0 });
        break;
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE:
        add(1, ev.start);
        stack.push({ anchor: anchorOf(ev), size: 0 });
        break;
      case EVENT_ID.SCALAR: {
        const a = anchorOf(ev);
        if (a !== null) sizes.set(a, 1);
        add(1, ev.valueStart);
        break;
      }
      case EVENT_ID.ALIAS:
        add(sizes.get(text.slice(ev.anchorStart, ev.anchorEnd)) ?? 1, ev.anchorStart);
        break;
      case EVENT_ID.POP: {
        // The collection's own node went to its parent when it opened; now its children do too.
        const done = stack.pop();
        if (done?.anchor) sizes.set(done.anchor, done.size + 1);
        const parent = stack[stack.length - 1];
        if (done && parent) parent.size += done.size;
        if (stack.length === 0) stack.push({ anchor: null, size: 0 });
        break;
      }
      default:
        break;
    }
  }
}

function decodeText(file: string, bytes: Buffer): string {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch {
    throw new UserError('not a text file (invalid UTF-8)', { location: { file, line: 1, column: 1 }, expected: 'UTF-8 YAML' });
  }
}

function stripComments(text: string): string {
  return text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l) && l.trim() !== '---' && l.trim() !== '...')
    .join('\n');
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function offsetToLocation(file: string, starts: number[], offset: number): SourceLocation {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] as number) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { file, line: lo + 1, column: offset - (starts[lo] as number) + 1 };
}

interface Frame {
  kind: 'map' | 'seq';
  path: string;
  index: number; // next sequence index, or event count within a mapping (even = key)
  pendingKey?: { name: string; offset: number };
}

/** Walk the event stream once, recording where every mapping key and value starts. */
function indexPositions(text: string, events: Event[]): Map<string, Position> {
  const positions = new Map<string, Position>();
  const stack: Frame[] = [];

  // Returns the path the next node occupies, or null when the node is a mapping key.
  const slot = (): { path: string; key?: number } | null => {
    const top = stack[stack.length - 1];
    if (!top) return { path: '' };
    if (top.kind === 'seq') return { path: joinPath(top.path, top.index++) };
    const isKey = top.index % 2 === 0;
    top.index++;
    if (isKey) return null;
    const k = top.pendingKey;
    top.pendingKey = undefined;
    return k ? { path: joinPath(top.path, k.name), key: k.offset } : { path: joinPath(top.path, '?') };
  };

  for (const ev of events) {
    switch (ev.type) {
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE: {
        const s = slot();
        if (s === null) {
          // A complex (collection) key: legal YAML, never valid for us; the schema rejects it.
          const top = stack[stack.length - 1] as Frame;
          top.pendingKey = { name: '<complex key>', offset: ev.start };
          stack.push({ kind: ev.type === EVENT_ID.MAPPING ? 'map' : 'seq', path: '<complex key>', index: 0 });
          break;
        }
        positions.set(s.path, { value: ev.start, ...(s.key !== undefined ? { key: s.key } : {}) });
        stack.push({ kind: ev.type === EVENT_ID.MAPPING ? 'map' : 'seq', path: s.path, index: 0 });
        break;
      }
      case EVENT_ID.SCALAR: {
        const s = slot();
        if (s === null) {
          const top = stack[stack.length - 1] as Frame;
          top.pendingKey = { name: getScalarValue(text, ev), offset: ev.valueStart };
          break;
        }
        positions.set(s.path, { value: ev.valueStart, ...(s.key !== undefined ? { key: s.key } : {}) });
        break;
      }
      case EVENT_ID.ALIAS: {
        const s = slot();
        if (s === null) {
          const top = stack[stack.length - 1] as Frame;
          top.pendingKey = { name: '<alias>', offset: ev.anchorStart };
        } else positions.set(s.path, { value: ev.anchorStart, ...(s.key !== undefined ? { key: s.key } : {}) });
        break;
      }
      case EVENT_ID.POP:
        stack.pop();
        break;
      default:
        break; // document start
    }
  }
  return positions;
}

/**
 * Where `path` is, worked out only when read: a built-in file's value comes from the build's
 * snapshot, and its first position costs a full parse (~30 ms for the runbooks) that diagnose,
 * which never points at a step, should not pay.
 */
export function lazyLocation(src: YamlSource, path: string, prefer?: 'key' | 'value'): SourceLocation {
  let found: SourceLocation | undefined;
  const at = (): SourceLocation => (found ??= src.locate(path, prefer));
  return {
    file: src.file,
    get line() {
      return at().line;
    },
    get column() {
      return at().column;
    },
  };
}
