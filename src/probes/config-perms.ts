// main.cf and master.cf ownership and modes. Postfix wants them owned by root and not writable
// by group or others (`postfix check` warns); main.cf must stay world-readable, because sendmail,
// postqueue and postdrop run as ordinary users and read it ("fatal: open /etc/postfix/main.cf:
// Permission denied").

import { factFailed } from '../facts/gather.js';
import { ok, problem, unknown } from './finding.js';
import type { FileStat } from '../facts/types.js';
import type { Finding, Probe } from './types.js';

export const configPermsProbe: Probe = {
  name: 'main_cf',
  description: 'main.cf / master.cf ownership and permissions',
  timeoutMs: 500,
  causes: ['main-cf-permissions', 'postfix-config-invalid'],
  async run(ctx) {
    const { postfix } = ctx.facts;
    if (!postfix.installed) return [];
    const failed = factFailed(ctx.facts, 'postfix', { exact: true });
    if (failed && postfix.mainCf.mode === null) return [unknown('main_cf', 'could not stat main.cf', [failed])];
    return [judgeFile(postfix.mainCf, true), judgeFile(postfix.masterCf, false)];
  },
};

export function describeStat(f: FileStat): string {
  const mode = f.mode === null ? '?' : f.mode.toString(8).padStart(4, '0');
  return `${f.path}: mode ${mode}, owner ${f.owner ?? f.uid}:${f.group ?? f.gid}`;
}

export function judgeFile(f: FileStat, mustBeWorldReadable: boolean): Finding {
  const name = f.path.split('/').pop() ?? f.path;
  if (!f.exists) return problem('fail', 'main_cf', 'postfix-config-invalid', [`${f.path} does not exist`], { title: `${name} is missing` });
  const mode = f.mode ?? 0;
  const evidence = [describeStat(f)];
  if (mustBeWorldReadable && (mode & 0o004) === 0) {
    return problem('fail', 'main_cf', 'main-cf-permissions', [...evidence, 'not readable by others: sendmail/postqueue run by ordinary users fail with "Permission denied"'], { title: `${name} is not world-readable` });
  }
  const issues: string[] = [];
  if (f.uid !== 0) issues.push('not owned by root');
  if ((mode & 0o002) !== 0) issues.push('writable by everyone');
  else if ((mode & 0o020) !== 0) issues.push('writable by its group');
  // Anyone who can write main.cf runs code as root at the next reload (a pipe transport, a
  // content_filter): world-writable or foreign-owned is a failure; group-writable a warning.
  const severe = f.uid !== 0 || (mode & 0o002) !== 0;
  if (issues.length > 0) return problem(severe ? 'fail' : 'warn', 'main_cf', 'main-cf-permissions', [...evidence, ...issues], { title: `${name} is ${issues.join(' and ')}` });
  return ok('main_cf', `${name} ownership and permissions are fine`, evidence);
}
