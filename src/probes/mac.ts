// SELinux / AppArmor mode, and recent denials of Postfix programs when one is active. Denials are
// read from the audit log, the kernel log, or the journal, whichever exists.

import { auditField } from '../facts/audit-field.js';
import { processStartEpoch } from '../facts/process-start.js';
import { runProbeCommand } from './budget.js';
import { ok, problem, unknown } from './finding.js';
import type { Finding, Probe, ProbeContext } from './types.js';

// Postfix's programs, as `comm=` in an AVC and `profile=` in an AppArmor line. The daemons'
// profiles live under a postfix directory; the commands' (/usr/sbin/postconf, postmap, …) do
// not, so they are named.
const POSTFIX_PROGRAMS = /comm="?(master|smtpd|smtp|qmgr|pickup|cleanup|local|virtual|bounce|trivial-rewrite|tlsmgr|anvil|postdrop|postqueue|postfix|postlog|sendmail|mailq|newaliases|postconf|postmap|postalias|postsuper|postcat|postkick|postlock|postmulti|lmtp|pipe|showq|scache|postscreen|dnsblog|proxymap|verify)"?[\s,]|postfix_[a-z_]+_t|profile="[^"]*postfix/;

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
    const { lines, unread } = await currentAuditLines(ctx);
    const out = [];
    // No denial found in logs we could not read is not "no denials".
    const none = (what: string, aside: string[]): Finding => (unread.length > 0 ? unknown('mac', `${what}: could not read every log that would show a denial`, [modes, ...unread, ...aside]) : ok('mac', `${what}: no recent Postfix denials`, [modes, ...aside]));
    if (selinuxOn) {
      const aside: string[] = [];
      const avcs = leaveAside(lines.filter((l) => /avc:\s+denied/.test(l) && POSTFIX_PROGRAMS.test(l)), aside);
      if (avcs.length > 0) {
        // Permissive logs the denial but lets the action through: worth knowing, not the cause.
        out.push(problem(selinux === 'enforcing' ? 'fail' : 'warn', 'mac', 'selinux-denials', [modes, ...avcs.slice(-3), ...aside], { title: `SELinux (${selinux}) denied Postfix ${avcs.length} time(s) recently` }));
      } else out.push(none(`SELinux ${selinux}`, aside));
    }
    if (apparmorOn) {
      const aside: string[] = [];
      const denials = leaveAside(lines.filter((l) => /apparmor="DENIED"/.test(l) && POSTFIX_PROGRAMS.test(l)), aside);
      if (denials.length > 0) out.push(problem('fail', 'mac', 'apparmor-denials', [modes, ...denials.slice(-3), ...aside], { title: `AppArmor denied Postfix ${denials.length} time(s) recently` }));
      else out.push(none('AppArmor enabled', aside));
    }
    return out;
  },
};

/**
 * Denials that concern the Postfix that runs now: those after its master started, or — when it
 * is not running — from the last hour. An old denial (fixed since, Postfix restarted) is history.
 */
async function currentAuditLines(ctx: ProbeContext): Promise<{ lines: string[]; unread: string[] }> {
  const { lines, unread } = await recentKernelAuditLines(ctx);
  const pid = ctx.facts.postfix.running ? ctx.facts.postfix.masterPid : null;
  const since = pid !== null ? await processStartEpoch(ctx.fs, pid) : Date.now() / 1000 - 3600;
  const current = lines.filter((l) => {
    // The master's own denials (name_bind) name its pid: exact, where a start time read from
    // /proc is only good to a second. Another master's denial is history, however recent.
    const master = masterDenialPid(l);
    if (pid !== null && master !== null) return master === pid;
    if (since === null) return true;
    const t = auditEpoch(l);
    return t === null || t >= since - 1;
  });
  return { lines: current, unread };
}

// Postfix's administration commands: run by a person or a tool (postfix-fix's own `postfix
// status`), they enter a Postfix domain or profile and inherit their caller's stdin/stdout —
// pipes, sockets, a terminal — which the policy may deny them. The daemons that serve mail are
// started by the master or the service manager and inherit no such thing. Not sendmail (nor
// mailq, newaliases: the same program): an application's message arrives on its stdin, so a
// denial there is mail lost.
const ADMIN_COMMANDS = new Set(['postfix', 'postconf', 'postqueue', 'postsuper', 'postmap', 'postalias', 'postcat', 'postlog']);

/**
 * The denials that count; those of an administration command on what it inherited from its
 * caller (SELinux: an anonymous pipe or socket, `path="pipe:[…]"`; AppArmor: `file_inherit`) are
 * left aside and said to be in `aside`.
 */
function leaveAside(denials: string[], aside: string[]): string[] {
  const counted = denials.filter((l) => !inheritedByCommand(l));
  const left = denials.length - counted.length;
  if (left > 0) aside.push(`${left} denial(s) of a Postfix command on what it inherited from its caller (its stdin/stdout: not why mail is refused) left aside`);
  return counted;
}

function inheritedByCommand(line: string): boolean {
  if (!ADMIN_COMMANDS.has(auditField(line, 'comm') ?? '')) return false;
  if (/apparmor="DENIED"/.test(line)) return auditField(line, 'operation') === 'file_inherit';
  return /\bpath="?(pipe|socket):\[\d+\]/.test(line) && /\btclass=(fifo_file|unix_stream_socket)\b/.test(line);
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

/** The lines read, and the logs that exist but could not be read (a timeout on a loaded host). */
async function recentKernelAuditLines(ctx: ProbeContext): Promise<{ lines: string[]; unread: string[] }> {
  const files = ['/var/log/audit/audit.log', '/var/log/kern.log', '/var/log/syslog', '/var/log/messages'];
  const unread: string[] = [];
  const read = async (what: string, argv: string[], timeoutMs: number): Promise<string[]> => {
    const r = await runProbeCommand(ctx, argv, timeoutMs);
    if (r.exitCode === 0) return r.stdout.split('\n');
    unread.push(`${what}: ${r.timedOut ? `no answer within ${r.durationMs} ms` : (r.stderr.trim().split('\n')[0] || `exit ${r.exitCode}`)}`);
    return [];
  };
  const reads = files.map(async (path) => {
    const st = await ctx.fs.stat(path).catch(() => null);
    return st?.isFile ? read(path, ['tail', '-n', '2000', '--', path], 1_500) : [];
  });
  if (ctx.facts.init.manager === 'systemd' && ctx.exec.has('journalctl')) reads.push(read('the kernel journal', ['journalctl', '--no-pager', '-q', '-k', '-n', '2000', '-o', 'cat'], 2_000));
  const lines = (await Promise.all(reads)).flat();
  return { lines, unread };
}
