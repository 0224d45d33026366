// Profile YAML → validated Profile. A profile may `extends` another: mappings merge, lists
// replace, so a version-narrowed profile states only what differs from its family.

import { createHash } from 'node:crypto';
import { validRange } from 'semver';
import profileSchema from '../../../schemas/profile.schema.json' with { type: 'json' };
import { UserError, UserErrors } from '../../core/errors.js';
import { snakeToCamel } from '../../facts/paths.js';
import { validateWith } from '../../core/validate.js';
import { schemaErrorsToUserErrors } from './schema-errors.js';
import type { YamlSource } from './yaml-source.js';
import type { Profile } from '../../core/profile.js';

/** A profile as written: possibly partial (when it extends another). Keys still snake_case. */
export interface RawProfile {
  id: string;
  extends?: string;
  doc: Record<string, unknown>;
  src: YamlSource;
  sha256: string;
}

export function parseProfileDoc(src: YamlSource): RawProfile {
  const raw = src.value;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UserError('a profile must be a YAML mapping', { location: src.locate(''), expected: 'fields id, name, match, …' });
  }
  const errors = schemaErrorsToUserErrors(src, validateWith(profileSchema, raw));
  const doc = raw as Record<string, unknown>;
  const versions = (doc.match as { versions?: string } | undefined)?.versions;
  if (versions !== undefined && validRange(versions) === null) {
    errors.push(new UserError(`invalid version range "${versions}"`, { location: src.locate('match.versions', 'value'), field: 'match.versions', expected: 'a semver range such as ">=22.4.0 <24.5.0"' }));
  }
  if (errors.length > 0) throw new UserErrors(errors);
  return {
    id: doc.id as string,
    ...(typeof doc.extends === 'string' ? { extends: doc.extends } : {}),
    doc,
    src,
    sha256: createHash('sha256').update(src.text).digest('hex'),
  };
}

/** Resolve `extends` chains and check the merged result is complete. */
export function resolveProfiles(raws: RawProfile[]): Map<string, Profile> {
  const byId = new Map(raws.map((r) => [r.id, r]));
  const out = new Map<string, Profile>();
  const errors: UserError[] = [];

  const merged = (r: RawProfile, chain: string[]): Record<string, unknown> | null => {
    if (!r.extends) return r.doc;
    if (chain.includes(r.extends)) {
      errors.push(new UserError(`profile inheritance loops: ${[...chain, r.extends].join(' → ')}`, { location: r.src.locate('extends', 'value'), field: 'extends' }));
      return null;
    }
    const parent = byId.get(r.extends);
    if (!parent) {
      errors.push(new UserError(`extends unknown profile "${r.extends}"`, { location: r.src.locate('extends', 'value'), field: 'extends', expected: `one of: ${[...byId.keys()].sort().join(', ')}` }));
      return null;
    }
    const base = merged(parent, [...chain, r.extends]);
    return base ? deepMerge(base, r.doc) : null;
  };

  for (const r of raws) {
    const doc = merged(r, [r.id]);
    if (!doc) continue;
    const { extends: _parentId, $schema: _schema, ...rest } = doc;
    // The merged profile must be complete: check it against the schema as if written in full.
    const problems = validateWith(profileSchema, rest);
    if (problems.length > 0) {
      for (const e of schemaErrorsToUserErrors(r.src, problems)) errors.push(e);
      continue;
    }
    out.set(r.id, {
      ...(toCamel(rest) as Omit<Profile, 'source' | 'extends'>),
      ...(r.extends ? { extends: r.extends } : {}),
      source: { file: r.src.file, sha256: r.sha256 },
    });
  }
  if (errors.length > 0) throw new UserErrors(errors);
  return out;
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? deepMerge(b, v) : v;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function toCamel(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toCamel);
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [snakeToCamel(k), toCamel(x)]));
  return v;
}
