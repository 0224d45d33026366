// SELinux / AppArmor mode, and recent denials of Postfix programs when one is active. Denials are
// read from the audit log, the kernel log, or the journal, whichever exists.

import { auditField } from '../facts/audit-field.js';
import { processStartEpoch } from '../facts/process-start.js';
import { runProbeCommand } from './budget.js';
import { ok, problem } from './finding.js';
import type { Probe, ProbeContext } from './types.js';

// Postfix's programs, as `comm=` in an AVC and `profile=` in an AppArmor line.
const POSTFIX_PROGRAMS = /comm="?(master|smtpd|smtp|qmgr|pickup|cleanup|local|virtual|bounce|trivial-rewrite|tlsmgr|anvil|postdrop|postqueue|postfix|postlog|sendmail|lmtp|pipe|showq|scache|postscreen|dnsblog|proxymap|verify)"?[\s,]|postfix_[a-z_]+_t|profile="[^"]*postfix/;

export const macProbe: Probe = {
  name: 'mac',
  description: 'SELinux / AppArmor mode and recent Postfix denials',
  timeoutMs: 2_500,
  causes: ['selinux-denials', 'apparmor-denials'],
  async run(ctx) {
    const { selinux, apparmor } = ctx.facts.mac;
    const modes = `SELinux: ${selinux}; AppArmor: ${apparmor}`;
    const selinuxOn = selinux === 'enforcing' || selinux === 'permissive';
    const apparmorOn = apparmor === 'enabled';
    if (!selinuxOn && !apparmorOn) return [ok('mac', 'no mandatory access control active', [modes])];
    const lines = await currentAuditLines(ctx);
    const out = [];
    if (selinuxOn) {
      const avcs = lines.filter((l) => /avc:\s+denied/.test(l) && POSTFIX_PROGRAMS.test(l));
      if (avcs.length > 0) {
        // Permissive logs the denial but lets the action through: worth knowing, not the cause.
        out.push(problem(selinux === 'enforcing' ? 'fail' : 'warn', 'mac', 'selinux-denials', [modes, ...avcs.slice(-3)], { title: `SELinux (${selinux}) denied Postfix ${avcs.length} time(s) recently` }));
      } else out.push(ok('mac', `SELinux ${selinux}: no recent Postfix denials`, [modes]));
    }
    if (apparmorOn) {
      const denials = lines.filter((l) => /apparmor="DENIED"/.test(l) && POSTFIX_PROGRAMS.test(l));
      if (denials.length > 0) out.push(problem('fail', 'mac', 'apparmor-denials', [modes, ...denials.slice(-3)], { title: `AppArmor denied Postfix ${denials.length} time(s) recently` }));
      else out.push(ok('mac', 'AppArmor enabled: no recent Postfix denials', [modes]));
    }
    return out;
  },
};

/**
 * Denials that concern the Postfix that runs now: those after its master started, or — when it
 * is not running — from the last hour. An old denial (fixed since, Postfix restarted) is history.
 */
async function currentAuditLines(ctx: ProbeContext): Promise<string[]> {
  const lines = await recentKernelAuditLines(ctx);
  const pid = ctx.facts.postfix.running ? ctx.facts.postfix.masterPid : null;
  const since = pid !== null ? await processStartEpoch(ctx.fs, pid) : Date.now() / 1000 - 3600;
  return lines.filter((l) => {
    // The master's own denials (name_bind) name its pid: exact, where a start time read from
    // /proc is only good to a second. Another master's denial is history, however recent.
    const master = masterDenialPid(l);
    if (pid !== null && master !== null) return master === pid;
    if (since === null) return true;
    const t = auditEpoch(l);
    return t === null || t >= since - 1;
  });
}

/** The pid of an AVC line logged for Postfix's master (`comm="master"` raw, `comm=master` with -i). */
function masterDenialPid(line: string): number | null {
  if (auditField(line, 'comm') !== 'master') return null;
  const pid = Number(auditField(line, 'pid'));
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** `audit(1701120000.123:412)` → 1701120000.123 */
export function auditEpoch(line: string): number | null {
  const m = /audit\((\d+(?:\.\d+)?):\d+\)/.exec(line);
  return m ? Number(m[1]) : null;
}

async function recentKernelAuditLines(ctx: ProbeContext): Promise<string[]> {
  const files = ['/var/log/audit/audit.log', '/var/log/kern.log', '/var/log/syslog', '/var/log/messages'];
  const reads = files.map(async (path) => {
    const st = await ctx.fs.stat(path).catch(() => null);
    if (!st?.isFile) return [];
    const r = await runProbeCommand(ctx, ['tail', '-n', '2000', '--', path], 1_500);
    return r.exitCode === 0 ? r.stdout.split('\n') : [];
  });
  if (ctx.facts.init.manager === 'systemd' && ctx.exec.has('journalctl')) {
    reads.push(runProbeCommand(ctx, ['journalctl', '--no-pager', '-q', '-k', '-n', '2000', '-o', 'cat'], 2_000).then((r) => (r.exitCode === 0 ? r.stdout.split('\n') : [])));
  }
  return (await Promise.all(reads)).flat();
}
