// `postfix check`: the probe. How it is started (under a pty, and early) is in
// config-check-warmup.ts.

import { execRefused } from '../exec/refused.js';
import { factFailed } from '../facts/gather.js';
import { POSTFIX_CHECK_TIMEOUT_MS, checkCommand, configUnchangedSince } from './config-check-warmup.js';
import { runProbeCommand } from './budget.js';
import { ok, problem, unknown } from './finding.js';
import type { Finding, Probe, ProbeContext } from './types.js';

/** Fatal messages with a more precise cause than "the configuration is invalid". */
function causeOfFatal(lines: readonly string[]): string {
  const text = lines.join('\n');
  if (/no local interface found for ::1|IPv6 support is disabled/.test(text)) return 'inet-protocols-ipv6-missing';
  if (/no local interface found for/.test(text)) return 'inet-interfaces-unknown-address';
  if (/open \S*main\.cf: Permission denied/.test(text)) return 'main-cf-permissions';
  return 'postfix-config-invalid';
}

function execDeniedHint(selinux: string): string[] {
  if (selinux !== 'enforcing') return [];
  return [
    'SELinux is enforcing: the domain postfix-fix runs in may not run Postfix\'s commands (look for a SELINUX_ERR or an `entrypoint` AVC for /usr/sbin/postfix in the audit log)',
    'run postfix-fix where Postfix\'s commands may run (a systemd oneshot unit, or `runcon -r system_r -t initrc_t`) rather than loosening the policy',
  ];
}

const PERMISSION_WARNING = /group or other writable|not owned by|owner|permission/i;

export const configCheckProbe: Probe = {
  name: 'postfix_check',
  description: '`postfix check` (configuration and file permissions)',
  timeoutMs: POSTFIX_CHECK_TIMEOUT_MS,
  causes: ['postfix-config-invalid', 'main-cf-permissions'],
  async run(ctx) {
    const { facts } = ctx;
    if (!facts.postfix.installed) return [];
    const checkedAtStart = await checkedWhenStarted(ctx);
    if (checkedAtStart) return [ok('postfix_check', '`postfix check` passed when Postfix started, and its configuration has not changed since', checkedAtStart)];
    const postconfError = factFailed(facts, 'postfix.params');
    if (!ctx.isRoot) {
      return postconfError ? [problem('fail', 'postfix_check', 'postfix-config-invalid', [postconfError])] : [unknown('postfix_check', '`postfix check` not run (needs root)')];
    }
    const viaPty = ctx.exec.has('script');
    const { argv, input } = checkCommand(ctx.exec);
    const r = await runProbeCommand(ctx, argv, 3_500, input);
    if (r.timedOut) return [unknown('postfix_check', '`postfix check` did not finish in time', [`killed after ${r.durationMs} ms`])];
    const lines = (r.stdout + '\n' + r.stderr)
      .replace(/\r/g, '')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !/^Script (started|done)/.test(l));
    if (postconfError && !lines.some((l) => l.includes(postconfError))) lines.push(postconfError);
    if (execRefused(r, 'postfix')) {
      // The shell could not even execute `postfix`: that says nothing about the configuration.
      return [unknown('postfix_check', '`postfix check` could not run: executing `postfix` was refused', [...lines, ...execDeniedHint(facts.mac.selinux)])];
    }
    if (r.exitCode !== 0) {
      const why = lines.length > 0 ? lines : [`\`postfix check\` exited ${r.exitCode ?? r.signal} without a message${viaPty ? '' : ' (it only prints on a terminal; install util-linux `script` or read the mail log)'}`];
      return [problem('fail', 'postfix_check', causeOfFatal(lines), why, { title: '`postfix check` fails' })];
    }
    const warnings = lines.filter((l) => /warning:/i.test(l));
    const out: Finding[] = [];
    const perms = warnings.filter((l) => PERMISSION_WARNING.test(l));
    const other = warnings.filter((l) => !PERMISSION_WARNING.test(l));
    if (perms.length > 0) out.push(problem('warn', 'postfix_check', 'main-cf-permissions', perms, { title: '`postfix check` warns about ownership or permissions' }));
    if (other.length > 0) out.push(problem('warn', 'postfix_check', 'postfix-config-invalid', other, { title: '`postfix check` warns about the configuration' }));
    if (out.length === 0) out.push(ok('postfix_check', '`postfix check` passes', lines));
    return out;
  },
};

/**
 * `postfix start` runs `postfix check` itself and refuses to start on a fatal error; the master
 * then writes master.pid. So while that master runs, main.cf and master.cf unchanged (ctime:
 * content, mode and owner) since master.pid was written have already passed the check, for
 * exactly this configuration: running it again (~0.4 s, the slowest check on a healthy host)
 * would prove nothing new. Returns the evidence, or null when the check must run.
 */
async function checkedWhenStarted(ctx: ProbeContext): Promise<string[] | null> {
  const { postfix, masterPid } = ctx.facts;
  if (!postfix.running || !masterPid.exists || !masterPid.pidIsMaster || masterPid.pid !== postfix.masterPid) return null;
  const since = await configUnchangedSince(ctx.fs, postfix.configDir, masterPid.path);
  if (since === null) return null;
  return [`master (pid ${masterPid.pid}) started ${new Date(since).toISOString()} (master.pid); main.cf and master.cf have not changed since`, 'postfix start runs postfix check and stops on a fatal error'];
}
