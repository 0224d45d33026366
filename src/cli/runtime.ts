// Everything a command needs from the host, built once: the executor and its audit log, the
// host's files, the validated catalog, the matched profile and the gathered facts.

import { join } from 'node:path';
import { AuditLog, formatAuditLine } from '../exec/audit.js';
import { createExecutor } from '../exec/executor.js';
import { createHostFs } from '../exec/host-fs.js';
import type { HostFs } from '../exec/host-fs.js';
import type { Executor } from '../exec/types.js';
import { loadCatalog } from '../engine/catalog/load.js';
import { matchProfile } from '../engine/catalog/profile-match.js';
import type { ProfileMatchResult } from '../engine/catalog/profile-match.js';
import type { Catalog, Profile } from '../engine/catalog/types.js';
import { startDiagnoseWarmup } from '../engine/diagnose.js';
import { resolveStateDir } from '../engine/state-dir.js';
import type { WarmExecutor } from '../probes/warm-exec.js';
import { gatherFacts } from '../facts/gather.js';
import { readOsRelease } from '../facts/os-release.js';
import type { Facts, OsFacts } from '../facts/types.js';
import { createModuleRegistry } from '../modules/registry.js';
import type { ModuleRegistry } from '../modules/registry-types.js';
import { flag, listOpt, stringOpt } from './args.js';
import type { ParsedArgs } from './args.js';
import { dataDir } from './data-dir.js';

export interface Runtime {
  args: ParsedArgs;
  /** Probe commands started before anything else (diagnose's critical path: `postfix check`). */
  warm: WarmExecutor | null;
  /** When this process started (Date.now() time): --timeout counts from here. */
  startedAt: number;
  debug: boolean;
  audit: AuditLog;
  exec: Executor;
  fs: HostFs;
  modules: ModuleRegistry;
  catalog: Catalog;
  stateDir: string;
  dataDir: string;
}

export interface HostView {
  os: OsFacts;
  match: ProfileMatchResult;
  profile: Profile;
  facts: Facts;
  gatherMs: number;
}

export interface RuntimeOptions {
  /** Start diagnose's slow, fact-independent commands right away, with this budget. */
  warmDiagnoseMs?: number;
}

export function createRuntime(args: ParsedArgs, options: RuntimeOptions = {}): Runtime {
  const startedAt = Date.now() - Math.round(process.uptime() * 1000);
  const debug = flag(args, 'debug');
  const audit = new AuditLog();
  if (debug) audit.subscribe((e) => process.stderr.write(`debug: ${formatAuditLine(e)}\n`));
  const exec = createExecutor({ audit });
  const fs = createHostFs('/');
  // Before the catalog loads: `postfix check`, when it must run, takes longer than all the rest.
  const warm = options.warmDiagnoseMs !== undefined ? startDiagnoseWarmup({ exec, fs, timeoutMs: options.warmDiagnoseMs }) : null;
  const dir = dataDir();
  const modules = createModuleRegistry();
  const catalog = loadCatalog({ runbookDirs: [join(dir, 'runbooks'), ...listOpt(args, 'runbooks')], profileDirs: [join(dir, 'distro-profiles')] }, modules);
  return {
    args,
    warm,
    startedAt,
    debug,
    audit,
    exec,
    fs,
    modules,
    catalog,
    stateDir: resolveStateDir(stringOpt(args, 'state-dir')),
    dataDir: dir,
  };
}

/** os-release → profile → facts, under one deadline. */
export async function viewHost(rt: Runtime, timeoutMs: number): Promise<HostView> {
  const started = Date.now();
  const os = (await readOsRelease(rt.fs)).facts;
  const match = matchProfile(rt.catalog.profiles, os, stringOpt(rt.args, 'profile'));
  const facts = await gatherFacts({ exec: rt.exec, fs: rt.fs, profile: match.profile, deadline: started + timeoutMs });
  return { os, match, profile: match.profile, facts, gatherMs: Date.now() - started };
}
