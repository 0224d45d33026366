// Data for `postfix-fix profile`: which profile matched, why, what it says, and which profile in
// its `extends` chain changed what. Plain data only; the CLI renders it.

import type { OsFacts } from '../../facts/types.js';
import { coerceVersionId } from './os-version.js';
import type { CoercedVersion } from './os-version.js';
import { extendsChain, matchProfile } from './profile-match.js';
import type { ConflictingMta, Profile } from '../../core/profile.js';

export interface ProfileChainLink {
  id: string;
  name: string;
  file: string;
  versions: string | null;
  /**
   * Fields (snake_case, as written in the YAML) whose value differs from the parent's; empty for the
   * family root, which defines everything. A field restated with the parent's value is not listed.
   */
  changes: string[];
}

export interface ProfileExplanation {
  host: OsFacts & { version: CoercedVersion };
  matched: {
    id: string;
    name: string;
    family: string;
    file: string;
    fallback: boolean;
    /** Chosen by `--profile`, not matched. */
    override: boolean;
    reason: string[];
  };
  /** The matched profile first, its family root last. */
  chain: ProfileChainLink[];
  says: {
    serviceManager: Profile['serviceManager'];
    postfixUnits: string[];
    paths: {
      configDir: string;
      queueDir: string;
      dataDir: string;
      masterPid: string;
      nftablesConfig: string;
      iptablesRulesV4: string | null;
      iptablesRulesV6: string | null;
    };
    mailLogs: string[];
    firewall: Profile['firewall'];
    packages: Profile['packages'];
    conflictingMtas: ConflictingMta[];
    relayRestrictions: string;
    mac: Profile['mac'];
  };
}

export function explainProfile(profiles: ReadonlyMap<string, Profile>, os: OsFacts, override?: string): ProfileExplanation {
  const { profile: p, reason, fallback } = matchProfile(profiles, os, override);
  const chain = extendsChain(p, profiles);
  return {
    host: { ...os, idLike: [...os.idLike], version: coerceVersionId(os.versionId) },
    matched: { id: p.id, name: p.name, family: p.family, file: p.source.file, fallback, override: override !== undefined, reason },
    chain: chain.map((link, i) => {
      const parent = chain[i + 1];
      return {
        id: link.id,
        name: link.name,
        file: link.source.file,
        versions: link.match.versions ?? null,
        changes: parent ? changedFields(parent, link) : [],
      };
    }),
    says: {
      serviceManager: p.serviceManager,
      postfixUnits: [...p.services.postfix],
      paths: {
        configDir: p.paths.postfixConfigDir,
        queueDir: p.paths.postfixQueueDir,
        dataDir: p.paths.postfixDataDir,
        masterPid: p.paths.masterPid,
        nftablesConfig: p.paths.nftablesConfig,
        iptablesRulesV4: p.paths.iptablesRulesV4,
        iptablesRulesV6: p.paths.iptablesRulesV6,
      },
      mailLogs: [...p.paths.mailLogs],
      firewall: { preferred: [...p.firewall.preferred], iptablesPersistence: p.firewall.iptablesPersistence },
      packages: { manager: p.packages.manager, query: [...p.packages.query] },
      conflictingMtas: p.conflictingMtas.map((m) => ({ ...m, packages: [...m.packages], units: [...m.units], processes: [...m.processes] })),
      relayRestrictions: p.relayRestrictions,
      mac: { ...p.mac },
    },
  };
}

// Identity and bookkeeping differ on every link by construction; listing them says nothing.
const NOT_CONTENT = new Set(['id', 'name', 'extends', 'source']);

/** Leaf paths (lists are leaves: `extends` replaces them whole) whose values differ. */
function changedFields(parent: Profile, child: Profile): string[] {
  const out: string[] = [];
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (isRecord(a) && isRecord(b)) {
      for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
        if (path === '' && NOT_CONTENT.has(key)) continue;
        walk(a[key], b[key], path === '' ? camelToSnake(key) : `${path}.${camelToSnake(key)}`);
      }
    } else if (JSON.stringify(a) !== JSON.stringify(b)) out.push(path);
  };
  walk(parent, child, '');
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function camelToSnake(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
