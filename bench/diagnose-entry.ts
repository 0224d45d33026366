// What the bench runs inside a namespace host: the same steps as `postfix-fix diagnose --json`
// (load profiles and runbooks, match the profile, gather facts, probe, render), bundled like the
// CLI so the timing includes Node's start-up and module loading. Prints the JSON report.
// Usage: node diagnose-entry.mjs DATA_DIR TIMEOUT_MS OUTBOUND_DOMAIN [offline]

import { AuditLog } from '../src/exec/audit.js';
import { createExecutor } from '../src/exec/executor.js';
import { createHostFs } from '../src/exec/host-fs.js';
import { loadCatalog, loadProfiles, listYamlFiles } from '../src/engine/catalog/load.js';
import { matchProfile } from '../src/engine/catalog/profile-match.js';
import { runDiagnose, startDiagnoseWarmup } from '../src/engine/diagnose.js';
import { readOsRelease } from '../src/facts/os-release.js';
import { createModuleRegistry } from '../src/modules/registry.js';
import { renderDiagnoseJson } from '../src/report/diagnose-json.js';
import type { Catalog } from '../src/engine/catalog/types.js';
import type { UserError } from '../src/engine/errors.js';

async function main(): Promise<void> {
  const [dataDir = '.', timeout = '5000', outboundDomain = 'lab.test', mode = 'online'] = process.argv.slice(2);
  const fs = createHostFs('/');
  const exec = createExecutor({ audit: new AuditLog() });
  // First thing, as the CLI should: `postfix check` runs while the catalog loads.
  const warm = startDiagnoseWarmup({ exec, timeoutMs: Number(timeout) });
  const catalogStarted = performance.now();
  const catalog = loadCatalogLeniently(dataDir);
  // The bench reports how much of the wall time is catalog loading (YAML + schema validation).
  process.stderr.write(`catalog-ms ${Math.round(performance.now() - catalogStarted)}\n`);
  const os = (await readOsRelease(fs)).facts;
  const { profile } = matchProfile(catalog.profiles, os);
  const { report, exitCode } = await runDiagnose({ exec, fs, profile, runbooks: catalog.runbooks, timeoutMs: Number(timeout), deadline: Math.round(performance.timeOrigin) + Number(timeout), offline: mode === 'offline', outboundDomain, warm });
  process.stdout.write(renderDiagnoseJson(report));
  process.exitCode = exitCode;
}

/** The runbook catalog is still growing; a bench must not fail because one runbook does not load. */
function loadCatalogLeniently(dataDir: string): Catalog {
  try {
    return loadCatalog({ runbookDirs: [`${dataDir}/runbooks`], profileDirs: [`${dataDir}/distro-profiles`] }, createModuleRegistry());
  } catch {
    const errors: UserError[] = [];
    return { runbooks: new Map(), profiles: loadProfiles(listYamlFiles(`${dataDir}/distro-profiles`), errors) };
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
