// master.pid: a lock, not a pid check. Held by Postfix master: fine. Unlocked, naming a dead or
// unrelated pid: stale, and harmless — `postfix start` takes the lock and carries on. Locked by
// anything else: `postfix start` refuses ("already running") and `postfix status` lies.

import { factFailed } from '../facts/gather.js';
import { ok, problem, unknown } from './finding.js';
import type { Probe } from './types.js';

export const masterPidProbe: Probe = {
  name: 'master_pid',
  description: 'master.pid lock holder (stale or foreign)',
  timeoutMs: 500,
  causes: ['master-pid-locked'],
  async run(ctx) {
    const { masterPid: m, postfix } = ctx.facts;
    if (!postfix.installed) return [];
    const failed = factFailed(ctx.facts, 'master_pid');
    if (failed) return [unknown('master_pid', 'could not inspect master.pid', [failed])];
    if (!m.exists) return [ok('master_pid', `no ${m.path}`, ['nothing holds the Postfix lock'])];
    const names = m.pid === null ? 'holds no pid' : `names pid ${m.pid}${m.pidIsMaster ? ' (Postfix master)' : m.pidAlive ? ' (alive, not Postfix master)' : ' (not running)'}`;
    const evidence = [`${m.path} ${names}`];
    const holder = m.lockHolder;
    if (holder === null) {
      if (m.pidIsMaster) return [ok('master_pid', `${m.path} belongs to the running master`, evidence)];
      return [
        ok('master_pid', 'stale master.pid, unlocked: harmless', [
          ...evidence,
          'no process holds its lock; Postfix treats the file as a lock, not a pid check, so `postfix start` works and rewrites it',
          'nothing to remove',
        ]),
      ];
    }
    if (holder.pid === 0) return [unknown('master_pid', 'master.pid is locked by a process outside this pid namespace', evidence)];
    if (holder.process === 'master') return [ok('master_pid', `master.pid is locked by Postfix master (pid ${holder.pid})`, evidence)];
    return [
      problem('fail', 'master_pid', 'master-pid-locked', [
        ...evidence,
        `its lock is held by pid ${holder.pid} (${holder.process}), not by Postfix master`,
        '`postfix start` refuses ("the Postfix mail system is already running") and `postfix status` wrongly says running',
      ], {
        title: `master.pid is locked by ${holder.process} (pid ${holder.pid})`,
      }),
    ];
  },
};
