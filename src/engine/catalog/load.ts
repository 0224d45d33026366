// Load every runbook and profile once, validate them all, and report every problem in one go
// (a reviewer fixing a runbook directory wants the whole list, not one error per run).

import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError, UserErrors } from '../../core/errors.js';
import type { ModuleRegistry } from '../../modules/registry-types.js';
import { parseProfileDoc, resolveProfiles } from './profile.js';
import type { RawProfile } from './profile.js';
import { embeddedYamlFiles } from './embedded.js';
import { parseRunbook } from './runbook.js';
import { readYamlFile } from './yaml-source.js';
import type { Catalog, Runbook } from './types.js';
import type { Profile } from '../../core/profile.js';

export interface CatalogSources {
  runbookDirs: string[];
  profileDirs: string[];
}

export function listYamlFiles(dirOrFile: string): string[] {
  const builtIn = embeddedYamlFiles(dirOrFile);
  if (builtIn) return builtIn;
  let st;
  try {
    st = statSync(dirOrFile);
  } catch {
    throw new UserError(`no such file or directory: ${dirOrFile}`);
  }
  if (st.isFile()) return [resolve(dirOrFile)];
  return readdirSync(dirOrFile)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => resolve(join(dirOrFile, f)));
}

function collect<T>(files: string[], parse: (file: string) => T, errors: UserError[]): T[] {
  const out: T[] = [];
  for (const file of files) {
    try {
      out.push(parse(file));
    } catch (e) {
      if (e instanceof UserErrors) errors.push(...e.errors);
      else if (e instanceof UserError) errors.push(e);
      else throw e;
    }
  }
  return out;
}

export function loadRunbooks(files: string[], modules: ModuleRegistry, errors: UserError[]): Map<string, Runbook> {
  const runbooks = new Map<string, Runbook>();
  for (const rb of collect(files, (f) => parseRunbook(readYamlFile(f), modules), errors)) {
    const prior = runbooks.get(rb.id);
    if (prior) {
      errors.push(new UserError(`duplicate runbook id "${rb.id}" (also defined in ${prior.source.file})`, { location: { file: rb.source.file, line: 1, column: 1 }, field: 'id' }));
      continue;
    }
    runbooks.set(rb.id, rb);
  }
  for (const rb of runbooks.values()) {
    for (const dep of rb.after) {
      if (!runbooks.has(dep)) errors.push(new UserError(`"after" names unknown runbook "${dep}"`, { location: { file: rb.source.file, line: 1, column: 1 }, field: 'after', expected: `one of: ${[...runbooks.keys()].join(', ')}` }));
    }
  }
  return runbooks;
}

export function loadProfiles(files: string[], errors: UserError[]): Map<string, Profile> {
  const raws: RawProfile[] = [];
  const seen = new Map<string, string>();
  for (const raw of collect(files, (f) => parseProfileDoc(readYamlFile(f)), errors)) {
    const prior = seen.get(raw.id);
    if (prior) {
      errors.push(new UserError(`duplicate profile id "${raw.id}" (also defined in ${prior})`, { location: raw.src.locate('id'), field: 'id' }));
      continue;
    }
    seen.set(raw.id, raw.src.file);
    raws.push(raw);
  }
  try {
    return resolveProfiles(raws);
  } catch (e) {
    if (e instanceof UserErrors) errors.push(...e.errors);
    else throw e;
    return new Map();
  }
}

export interface CatalogOptions {
  /**
   * Parse the runbooks when first asked for, not now: a command that gathers facts first parses
   * them while the commands it started run (their problems are thrown, all at once, on first use).
   */
  deferRunbooks?: boolean;
}

export function loadCatalog(sources: CatalogSources, modules: ModuleRegistry, options: CatalogOptions = {}): Catalog {
  const errors: UserError[] = [];
  const loadAll = (): Map<string, Runbook> => loadRunbooks(sources.runbookDirs.flatMap(listYamlFiles), modules, errors);
  const eager = options.deferRunbooks ? null : loadAll();
  const profiles = loadProfiles(sources.profileDirs.flatMap(listYamlFiles), errors);
  if (errors.length > 0) throw new UserErrors(errors);
  if (eager) return { runbooks: eager, profiles };
  let runbooks: Map<string, Runbook> | undefined;
  return {
    profiles,
    get runbooks(): Map<string, Runbook> {
      if (runbooks) return runbooks;
      const loaded = loadAll();
      if (errors.length > 0) throw new UserErrors(errors.splice(0));
      return (runbooks = loaded);
    },
  };
}
