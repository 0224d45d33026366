// Everything a command needs from the host, built once: the executor and its audit log, the
// host's files, the validated catalog, the matched profile and the gathered facts.

import { join } from 'node:path';
import { loadCatalog } from '../engine/catalog/load.js';
import { matchProfile } from '../engine/catalog/profile-match.js';
import type { ProfileMatchResult } from '../engine/catalog/profile-match.js';
import type { Catalog } from '../engine/catalog/types.js';
import type { Profile } from '../core/profile.js';
import { resolveStateDir } from '../engine/state-dir.js';
import { dialSmtp } from '../exec/dial.js';
import { gatherFacts } from '../facts/gather.js';
import { readOsRelease } from '../facts/os-release.js';
import type { Facts, OsFacts } from '../facts/types.js';
import { createModuleRegistry } from '../modules/registry.js';
import { timeScaleFor } from '../probes/warmup.js';
import type { ModuleRegistry } from '../modules/registry-types.js';
import type { ModuleContext } from '../modules/types.js';
import { listOpt, stringOpt } from './args.js';
import type { ParsedArgs } from './args.js';
import { dataDir } from './data-dir.js';
import { openHostAccess } from './host-access.js';
import type { HostAccess, HostAccessOptions } from './host-access.js';
import type { ClientQuery } from '../core/client.js';

export interface Runtime extends HostAccess {
  args: ParsedArgs;
  modules: ModuleRegistry;
  catalog: Catalog;
  stateDir: string;
  dataDir: string;
  /** The symptom's client and ports (--from, --port), validated; null when none was named. */
  client: ClientQuery | null;
}

export interface HostView {
  os: OsFacts;
  match: ProfileMatchResult;
  profile: Profile;
  facts: Facts;
  gatherMs: number;
}

export interface RuntimeOptions extends HostAccessOptions {
  /** Access opened earlier (diagnose opens it before loading this module); opened here otherwise. */
  access?: HostAccess;
  /** --from/--port, already validated (src/cli/client-args.ts). */
  client?: ClientQuery | null;
}

export function createRuntime(args: ParsedArgs, options: RuntimeOptions = {}): Runtime {
  // Before the catalog loads: `postfix check`, when it must run, takes longer than all the rest.
  const access = options.access ?? openHostAccess(args, options);
  const dir = dataDir();
  const modules = createModuleRegistry();
  const own = listOpt(args, 'runbooks');
  // Only the built-in runbooks (checked when built) are parsed late; a person's own are checked
  // before anything on the host is looked at.
  const catalog = loadCatalog({ runbookDirs: [join(dir, 'runbooks'), ...own], profileDirs: [join(dir, 'distro-profiles')] }, modules, { deferRunbooks: own.length === 0 });
  return {
    ...access,
    args,
    modules,
    catalog,
    stateDir: resolveStateDir(stringOpt(args, 'state-dir')),
    dataDir: dir,
    client: options.client ?? null,
  };
}

/**
 * os-release → profile → facts, under one deadline. `timeScale` stretches each fact's own limit
 * when a person granted more than the default --timeout (default: in proportion to timeoutMs).
 */
export async function viewHost(rt: Runtime, timeoutMs: number, timeScale = timeScaleFor(timeoutMs)): Promise<HostView> {
  const started = Date.now();
  const os = (await readOsRelease(rt.fs)).facts;
  const match = matchProfile(rt.catalog.profiles, os, stringOpt(rt.args, 'profile'));
  const gathering = gatherFacts({ exec: rt.exec, fs: rt.fs, profile: match.profile, dialer: dialSmtp, deadline: started + timeoutMs, timeScale }, { client: rt.client });
  // Once the gatherers have started their commands (~30 ms of parsing, done while they run).
  await new Promise((r) => setImmediate(r));
  void rt.catalog.runbooks;
  const facts = await gathering;
  return { os, match, profile: match.profile, facts, gatherMs: Date.now() - started };
}

/**
 * What modules are handed: read-only (runDir null) for plan, drift checks and diagnose, a run's
 * directory when they may change the host. Runs set no overall deadline: every command has its own.
 */
export function moduleContext(rt: Runtime, host: HostView, runDir: string | null): ModuleContext {
  return { exec: rt.exec, fs: rt.fs, facts: host.facts, profile: host.profile, dialer: dialSmtp, deadline: Number.POSITIVE_INFINITY, runDir };
}
