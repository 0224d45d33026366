// The built-in runbooks and profiles, already parsed. `npm run build` parses each file with
// parseYaml (yaml-source.ts) and defines __POSTFIX_FIX_YAML_SNAPSHOT__: every text with the value
// it parsed to. A file whose text is exactly one of those texts gets that value without being
// parsed again — the same characters through the same parser give the same value — and
// validation runs on it as on any other. Any other text (an edited runbook, a user's own
// directory) is parsed as usual. Parsing ~30 KiB of YAML with cold code cost ~60 ms of CPU on
// every start, beside `postfix check` on diagnose's critical path (bench/: healthy diagnose).

import { isDeepStrictEqual } from 'node:util';

declare const __POSTFIX_FIX_YAML_SNAPSHOT__: string | undefined;

/** text → JSON of its value; a fresh copy is made on each hit, as a parse would. */
export type YamlSnapshot = ReadonlyMap<string, string>;

let builtIn: YamlSnapshot | null = null;

/** The snapshot built into this bundle (empty when running from source). */
export function builtInSnapshot(): YamlSnapshot {
  builtIn ??= typeof __POSTFIX_FIX_YAML_SNAPSHOT__ === 'string' ? decodeSnapshot(__POSTFIX_FIX_YAML_SNAPSHOT__) : new Map();
  return builtIn;
}

export function snapshotValue(snapshot: YamlSnapshot, text: string): { value: unknown } | undefined {
  const json = snapshot.get(text);
  return json === undefined ? undefined : { value: JSON.parse(json) as unknown };
}

/**
 * For the build: the snapshot of these parsed files, serialised. A value JSON cannot carry
 * exactly (`.inf`, `.nan`) is left out, so that file is parsed at run time instead.
 */
export function encodeSnapshot(parsed: ReadonlyArray<{ text: string; value: unknown }>): string {
  const entries: Array<[string, string]> = [];
  for (const { text, value } of parsed) {
    const json = JSON.stringify(value);
    if (json !== undefined && isDeepStrictEqual(JSON.parse(json), value)) entries.push([text, json]);
  }
  return JSON.stringify(entries);
}

export function decodeSnapshot(encoded: string): YamlSnapshot {
  return new Map(JSON.parse(encoded) as Array<[string, string]>);
}
