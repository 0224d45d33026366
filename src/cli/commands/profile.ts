import { ExitCode } from '../../core/exit-codes.js';
import { explainProfile } from '../../engine/catalog/profile-explain.js';
import type { ProfileExplanation } from '../../engine/catalog/profile-explain.js';
import { readOsRelease } from '../../facts/os-release.js';
import { flag, parseCommandArgs, stringOpt } from '../args.js';
import { createRuntime, viewHost } from '../runtime.js';

function render(x: ProfileExplanation, actual: { serviceManager: string; firewalls: string[]; logs: string[] } | null): string {
  const s = x.says;
  const out = [
    `Host:     ${x.host.prettyName || '(no PRETTY_NAME)'} (ID=${x.host.id || '?'}${x.host.idLike.length ? ` ID_LIKE="${x.host.idLike.join(' ')}"` : ''} VERSION_ID=${x.host.versionId || '(none)'})`,
    `Profile:  ${x.matched.id} — ${x.matched.name}${x.matched.override ? ' (chosen with --profile)' : x.matched.fallback ? ' (fallback through ID_LIKE)' : ''}`,
    `File:     ${x.matched.file}`,
    'Why:',
    ...x.matched.reason.map((r) => `  - ${r}`),
    `Chain:    ${x.chain.map((c) => `${c.id}${c.versions ? ` (${c.versions})` : ''}`).join(' → ')}`,
    ...x.chain.filter((c) => c.changes.length).map((c) => `  ${c.id} sets: ${c.changes.join(', ')}`),
    '',
    'The profile says                         | this host has',
    `  service manager: ${s.serviceManager.padEnd(22)}| ${actual?.serviceManager ?? '(not gathered)'}`,
    `  firewalls (preferred): ${s.firewall.preferred.join(', ').padEnd(16)}| active: ${actual ? actual.firewalls.join(', ') || 'none' : '(not gathered)'}`,
    `  mail logs: ${s.mailLogs.join(', ').padEnd(28)}| present: ${actual ? actual.logs.join(', ') || 'none (journald or maillog_file)' : '(not gathered)'}`,
    `  postfix units: ${s.postfixUnits.join(', ')}`,
    `  paths: config ${s.paths.configDir}, queue ${s.paths.queueDir}, data ${s.paths.dataDir}, master.pid ${s.paths.masterPid}`,
    `  nftables config: ${s.paths.nftablesConfig}; iptables rules: ${s.paths.iptablesRulesV4 ?? 'none'} (persistence: ${s.firewall.iptablesPersistence})`,
    `  packages: ${s.packages.manager} (${s.packages.query.join(' ')} NAME)`,
    `  conflicting MTAs: ${s.conflictingMtas.map((m) => `${m.name} [${m.units.join(', ')}]`).join('; ') || 'none'}`,
    `  safe relay restrictions: ${s.relayRestrictions}`,
    `  MAC: ${[s.mac.selinux ? 'SELinux' : null, s.mac.apparmor ? 'AppArmor' : null].filter(Boolean).join(', ') || 'none expected'}`,
  ];
  return out.join('\n') + '\n';
}

export async function run(argv: string[]): Promise<number> {
  const a = parseCommandArgs('profile', argv);
  const rt = createRuntime(a);
  const os = (await readOsRelease(rt.fs)).facts;
  const x = explainProfile(rt.catalog.profiles, os, stringOpt(a, 'profile'));
  const host = await viewHost(rt, 5000);
  const logs: string[] = [];
  for (const l of host.profile.paths.mailLogs) if (await rt.fs.exists(l)) logs.push(l);
  const actual = { serviceManager: host.facts.init.manager, firewalls: host.facts.firewall.active, logs };
  process.stdout.write(flag(a, 'json') ? JSON.stringify({ schemaVersion: 1, ...x, actual }, null, 2) + '\n' : render(x, actual));
  return ExitCode.Ok;
}
