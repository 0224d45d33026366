import { join } from 'node:path';
import { UserError, UserErrors } from '../../core/errors.js';
import { ExitCode } from '../../core/exit-codes.js';
import { listYamlFiles, loadProfiles, loadRunbooks } from '../../engine/catalog/load.js';
import { findAmbiguities } from '../../engine/catalog/profile-match.js';
import { readYamlFile } from '../../engine/catalog/yaml-source.js';
import { FACT_PATHS, WATCHED_PARAMS } from '../../facts/types.js';
import { createModuleRegistry } from '../../modules/registry.js';
import { flag, listOpt, parseCommandArgs } from '../args.js';
import { dataDir } from '../data-dir.js';

/** A file is a profile if it has `match:`, else a runbook: the two formats share no top-level key. */
function isProfile(file: string): boolean {
  try {
    const v = readYamlFile(file).value;
    return v !== null && typeof v === 'object' && !Array.isArray(v) && 'match' in v;
  } catch {
    return /distro-profiles/.test(file);
  }
}

export async function run(argv: string[]): Promise<number> {
  const a = parseCommandArgs('validate', argv);
  if (flag(a, 'list-facts')) {
    const rows = [...Object.entries(FACT_PATHS), ...WATCHED_PARAMS.map((p) => [`postfix.params.${p}`, 'string'] as const)];
    process.stdout.write(flag(a, 'json') ? JSON.stringify(Object.fromEntries(rows), null, 2) + '\n' : rows.map(([k, t]) => `${k.padEnd(34)} ${t}`).join('\n') + '\n');
    return ExitCode.Ok;
  }
  const dir = dataDir();
  const paths = a.positionals.length ? a.positionals : [join(dir, 'runbooks'), join(dir, 'distro-profiles'), ...listOpt(a, 'runbooks')];
  const errors: UserError[] = [];
  const files: string[] = [];
  for (const p of paths) {
    try {
      files.push(...listYamlFiles(p));
    } catch (e) {
      if (e instanceof UserError) errors.push(e);
      else throw e;
    }
  }
  const profileFiles = files.filter(isProfile);
  const runbookFiles = files.filter((f) => !profileFiles.includes(f));
  const runbooks = loadRunbooks(runbookFiles, createModuleRegistry(), errors);
  const profiles = loadProfiles(profileFiles, errors);
  for (const amb of findAmbiguities(profiles)) errors.push(new UserError(amb.message, { location: { file: amb.files[1], line: 1, column: 1 }, field: 'match' }));

  if (flag(a, 'json')) {
    process.stdout.write(JSON.stringify({ schemaVersion: 1, valid: errors.length === 0, runbooks: runbooks.size, profiles: profiles.size, problems: errors.map((e) => ({ message: e.message, ...e.details })) }, null, 2) + '\n');
  } else if (errors.length === 0) {
    process.stdout.write(`valid: ${runbooks.size} runbook(s), ${profiles.size} profile(s)\n`);
  } else {
    process.stderr.write(new UserErrors(errors).format() + `\n${errors.length} problem(s) in ${new Set(errors.map((e) => e.details.location?.file)).size} file(s)\n`);
  }
  return errors.length === 0 ? ExitCode.Ok : ExitCode.InvalidInput;
}
