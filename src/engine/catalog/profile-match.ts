// Pick the distro profile for a host from its os-release facts.
//
// Rules, in order:
//  1. `--profile NAME` wins outright (unknown NAME is an error listing the names).
//  2. Candidates are the profiles whose `match.ids` contains ID exactly. Of those, a profile with a
//     `versions` range takes part only if the coerced VERSION_ID satisfies it; a rolling release
//     (no VERSION_ID, or a YYYYMMDD snapshot) or an unreadable one matches only profiles without a
//     range. The most specific candidate wins: having a range beats not having one, then a deeper
//     `extends` chain beats a shallower one. Equal specificity is an error, never a coin toss
//     (`findAmbiguities` finds those statically for `validate`). If profiles list ID but none
//     covers this version, that is an error too: a distro we know, at a version we do not, is
//     better refused than guessed from a cousin.
//  3. Only when no profile lists ID at all: walk ID_LIKE in order (closest relative first, per
//     os-release(5)) and take the most specific profile *without* a version range that lists that
//     relative. Version ranges are skipped because a derivative's VERSION_ID is its own (Linux Mint
//     21.3 is built on Ubuntu 22.04, Pop!_OS happens to share Ubuntu's numbers): comparing it with
//     the parent's ranges would pick by accident. The result says `fallback: true`.

import { intersects, satisfies } from 'semver';
import { InternalError, UserError } from '../../core/errors.js';
import type { OsFacts } from '../../facts/types.js';
import { coerceVersionId, describeVersion } from './os-version.js';
import type { CoercedVersion } from './os-version.js';
import type { Profile } from '../../core/profile.js';
import { byCodePoint } from '../../core/compare.js';

export interface ProfileMatchResult {
  profile: Profile;
  /** Why this profile, one sentence a line, in the order the decision was made. */
  reason: string[];
  /** Chosen through ID_LIKE, not ID. */
  fallback: boolean;
}

export interface Specificity {
  versioned: boolean;
  /** Number of `extends` hops to the family root (0 = a family profile). */
  depth: number;
}

export interface ProfileAmbiguity {
  profiles: [string, string];
  files: [string, string];
  sharedIds: string[];
  specificity: Specificity;
  /** The versions both cover: `any version`, or the two ranges. */
  overlap: string;
  message: string;
}

/** The profile followed by its ancestors, root last. Stops at a missing parent or a loop. */
export function extendsChain(profile: Profile, profiles: ReadonlyMap<string, Profile>): Profile[] {
  const chain = [profile];
  const seen = new Set([profile.id]);
  for (let p = profile; p.extends !== undefined; ) {
    const parent = profiles.get(p.extends);
    if (!parent || seen.has(parent.id)) break;
    chain.push(parent);
    seen.add(parent.id);
    p = parent;
  }
  return chain;
}

export function specificity(profile: Profile, profiles: ReadonlyMap<string, Profile>): Specificity {
  return { versioned: profile.match.versions !== undefined, depth: extendsChain(profile, profiles).length - 1 };
}

/** > 0 when `a` is more specific than `b`, 0 when equal. */
export function compareSpecificity(a: Specificity, b: Specificity): number {
  if (a.versioned !== b.versioned) return a.versioned ? 1 : -1;
  return a.depth - b.depth;
}

export function matchProfile(profiles: ReadonlyMap<string, Profile>, os: OsFacts, override?: string): ProfileMatchResult {
  const host = describeHost(os);
  if (override !== undefined) return matchOverride(profiles, os, override, host);

  const id = os.id.toLowerCase();
  const version = coerceVersionId(os.versionId);
  const reason = [`host: ${host}`, describeVersion(version)];
  if (version.kind !== 'semver') reason.push('only profiles without a version range can match this release');

  const listing = byId(profiles, id);
  if (listing.length > 0) {
    reason.push(`profiles listing ID "${id}": ${listing.map((p) => `${p.id} (${rangeText(p)})`).join(', ')}`);
    const usable: Profile[] = [];
    for (const p of listing) {
      const why = versionMismatch(p, version);
      if (why === null) usable.push(p);
      else reason.push(`${p.id} skipped: ${why}`);
    }
    if (usable.length === 0) {
      throw new UserError(`no distro profile for ID "${id}" covers this version (${describeVersion(version)})`, {
        hints: [
          `host: ${host}`,
          ...listing.map((p) => `${p.id}: ${rangeText(p)}`),
          'choose one with --profile NAME if it fits, or add a profile for this version',
        ],
      });
    }
    const best = mostSpecific(usable, profiles, `ID=${id} ${describeVersion(version)}`);
    reason.push(best.why);
    return { profile: best.profile, reason, fallback: false };
  }

  reason.push(`no profile lists ID "${id}"`);
  const idLike = os.idLike.map((s) => s.toLowerCase());
  for (const like of idLike) {
    const listingLike = byId(profiles, like);
    const unversioned = listingLike.filter((p) => p.match.versions === undefined);
    if (unversioned.length === 0) {
      reason.push(
        listingLike.length === 0
          ? `ID_LIKE "${like}": no profile lists it`
          : `ID_LIKE "${like}": only version-specific profiles list it (${listingLike.map((p) => p.id).join(', ')}); skipped, since VERSION_ID is ${id}'s, not ${like}'s`,
      );
      continue;
    }
    const best = mostSpecific(unversioned, profiles, `ID_LIKE "${like}"`);
    reason.push(
      `fallback through ID_LIKE="${idLike.join(' ')}": "${like}" is listed by ${unversioned.map((p) => p.id).join(', ')}`,
      `version-specific ${like} profiles are not considered: a VERSION_ID is ${id}'s own numbering, not ${like}'s`,
      best.why,
    );
    return { profile: best.profile, reason, fallback: true };
  }

  throw new UserError(`no distro profile matches this host (${host})`, {
    hints: [
      ...(idLike.length > 0 ? [`also tried ID_LIKE: ${idLike.join(', ')}`] : ['os-release has no ID_LIKE to fall back on']),
      'known profiles:',
      ...listProfiles(profiles),
      'choose one with --profile NAME, or add a profile under distro-profiles/',
    ],
  });
}

function matchOverride(profiles: ReadonlyMap<string, Profile>, os: OsFacts, name: string, host: string): ProfileMatchResult {
  const profile = profiles.get(name);
  if (!profile) {
    throw new UserError(`unknown profile "${name}"`, {
      field: '--profile',
      expected: `one of: ${[...profiles.keys()].sort().join(', ')}`,
      hints: listProfiles(profiles),
    });
  }
  const reason = [`host: ${host}`, `--profile ${name} given: automatic matching skipped`];
  const id = os.id.toLowerCase();
  if (!profile.match.ids.includes(id)) reason.push(`note: ${name} is written for ID ${profile.match.ids.join('|')}, this host is ID ${id}`);
  const mismatch = versionMismatch(profile, coerceVersionId(os.versionId));
  if (mismatch !== null) reason.push(`note: ${mismatch}`);
  return { profile, reason, fallback: false };
}

/** Pairs of profiles that could both match one host at equal specificity: a runtime tie. */
export function findAmbiguities(profiles: ReadonlyMap<string, Profile>): ProfileAmbiguity[] {
  const list = [...profiles.values()].sort((a, b) => byCodePoint(a.id, b.id));
  const out: ProfileAmbiguity[] = [];
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const a = list[i] as Profile;
      const b = list[j] as Profile;
      const sharedIds = a.match.ids.filter((x) => b.match.ids.includes(x));
      if (sharedIds.length === 0) continue;
      const sa = specificity(a, profiles);
      if (compareSpecificity(sa, specificity(b, profiles)) !== 0) continue;
      const overlap = rangesOverlap(a.match.versions, b.match.versions);
      if (overlap === null) continue;
      out.push({
        profiles: [a.id, b.id],
        files: [a.source.file, b.source.file],
        sharedIds,
        specificity: sa,
        overlap,
        message:
          `profiles "${a.id}" (${a.source.file}) and "${b.id}" (${b.source.file}) both match ID ${sharedIds.join('|')} ` +
          `for ${overlap} at the same specificity (${describeSpecificity(sa)}): matching a host there would fail as a tie; ` +
          'narrow a version range, make one extend the other, or drop the shared ID',
      });
    }
  }
  return out;
}

/** One line per profile, for error hints and listings. */
export function listProfiles(profiles: ReadonlyMap<string, Profile>): string[] {
  const list = [...profiles.values()].sort((a, b) => byCodePoint(a.id, b.id));
  const width = Math.max(0, ...list.map((p) => p.id.length));
  return list.map((p) => `${p.id.padEnd(width)}  ${p.name} [ID ${p.match.ids.join('|')}; ${rangeText(p)}]`);
}

export function describeHost(os: OsFacts): string {
  const like = os.idLike.length > 0 ? ` ID_LIKE="${os.idLike.join(' ')}"` : '';
  const version = os.versionId !== '' ? ` VERSION_ID="${os.versionId}"` : ' (no VERSION_ID)';
  return `${os.prettyName} — ID=${os.id}${like}${version}`;
}

function byId(profiles: ReadonlyMap<string, Profile>, id: string): Profile[] {
  return [...profiles.values()].filter((p) => p.match.ids.some((x) => x.toLowerCase() === id)).sort((a, b) => byCodePoint(a.id, b.id));
}

function rangeText(p: Profile): string {
  return p.match.versions === undefined ? 'any version' : `versions ${p.match.versions}`;
}

/** null when the profile accepts this version; else why not. */
function versionMismatch(p: Profile, v: CoercedVersion): string | null {
  const range = p.match.versions;
  if (range === undefined) return null;
  if (v.kind !== 'semver') return `it needs a version in ${range}, and this release has none`;
  return satisfies(v.version, range) ? null : `${v.version} is outside ${range}`;
}

function mostSpecific(candidates: Profile[], profiles: ReadonlyMap<string, Profile>, what: string): { profile: Profile; why: string } {
  const ranked = candidates
    .map((profile) => ({ profile, spec: specificity(profile, profiles) }))
    .sort((a, b) => compareSpecificity(b.spec, a.spec) || byCodePoint(a.profile.id, b.profile.id));
  const [first, second] = ranked;
  if (!first) throw new InternalError('mostSpecific called with no candidates');
  if (!second) return { profile: first.profile, why: `chose ${first.profile.id}: the only candidate` };
  if (compareSpecificity(first.spec, second.spec) === 0) {
    const tied = ranked.filter((r) => compareSpecificity(r.spec, first.spec) === 0).map((r) => r.profile);
    throw new UserError(`ambiguous distro profiles for ${what}: ${tied.map((p) => p.id).join(', ')} match equally (${describeSpecificity(first.spec)})`, {
      hints: [
        ...tied.map((p) => `${p.id}: ${p.source.file}`),
        'make one more specific (a version range, or extends the other) — `postfix-fix validate` reports this too',
        'or choose one now with --profile NAME',
      ],
    });
  }
  const runnerUp = second.profile.id;
  const because =
    first.spec.versioned !== second.spec.versioned
      ? `its version range ${first.profile.match.versions ?? ''} is more specific than ${runnerUp} (${rangeText(second.profile)})`
      : `its extends chain is deeper than ${runnerUp}'s (${first.spec.depth} vs ${second.spec.depth})`;
  return { profile: first.profile, why: `chose ${first.profile.id}: ${because}` };
}

function rangesOverlap(a: string | undefined, b: string | undefined): string | null {
  if (a === undefined && b === undefined) return 'any version';
  if (a === undefined || b === undefined) return null; // different specificity; the caller never asks
  try {
    return intersects(a, b) ? `versions in both ${a} and ${b}` : null;
  } catch {
    return null; // the loader rejects invalid ranges; nothing to compare here
  }
}

function describeSpecificity(s: Specificity): string {
  return `${s.versioned ? 'with' : 'without'} a version range, extends depth ${s.depth}`;
}
