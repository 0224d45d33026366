// VERSION_ID → a semver we can test profile ranges against. Done by hand, not with
// `semver.coerce`: that returns null for `22.04` and `2018.03` (leading zeros) and turns a
// Tumbleweed snapshot `20240101` into version 20240101.0.0, which satisfies every `>=N` range.

import { valid } from 'semver';

export type CoercedVersion =
  /** `note` says what was dropped to get here (a suffix, a fourth component). */
  | { kind: 'semver'; raw: string; version: string; note?: string }
  /** No fixed version: matches only profiles without a `versions` range. */
  | { kind: 'rolling'; raw: string; why: string }
  /** Not a version we can read: treated like rolling, but said differently. */
  | { kind: 'unparseable'; raw: string; why: string };

// YYYYMMDD snapshots (Tumbleweed, some rolling derivatives).
const DATE_SNAPSHOT = /^(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$/;
const NUMERIC = /^(\d{1,9})(?:\.(\d{1,9}))?(?:\.(\d{1,9}))?(.*)$/s;

export function coerceVersionId(versionId: string): CoercedVersion {
  const raw = versionId.trim();
  if (raw === '') return { kind: 'rolling', raw, why: 'no VERSION_ID: a rolling or development release (Arch, Debian testing/sid, …)' };
  if (raw.toLowerCase() === 'rolling') return { kind: 'rolling', raw, why: 'VERSION_ID says "rolling"' };
  if (DATE_SNAPSHOT.test(raw)) return { kind: 'rolling', raw, why: `VERSION_ID "${raw}" is a snapshot date, not a release version` };

  const m = NUMERIC.exec(raw);
  if (!m) return { kind: 'unparseable', raw, why: `VERSION_ID "${raw}" does not start with a number` };
  const [major, minor, patch] = [m[1], m[2], m[3]].map((part) => (part === undefined ? 0 : Number(part)));
  const rest = m[4] ?? '';
  const version = `${major}.${minor}.${patch}`;
  // Defensive: the regex bounds every part, so this only trips if the grammar above is edited badly.
  if (valid(version) === null) return { kind: 'unparseable', raw, why: `VERSION_ID "${raw}" does not make a valid version` };
  if (rest === '') return { kind: 'semver', raw, version };
  if (/^\d/.test(rest)) return { kind: 'unparseable', raw, why: `VERSION_ID "${raw}" has a number part too long to be a version` };
  return { kind: 'semver', raw, version, note: `ignored "${rest}" after "${raw.slice(0, raw.length - rest.length)}"` };
}

/** How a coerced version reads in a reason line. */
export function describeVersion(v: CoercedVersion): string {
  if (v.kind === 'semver') return `VERSION_ID "${v.raw}" → ${v.version}${v.note ? ` (${v.note})` : ''}`;
  return v.why;
}
