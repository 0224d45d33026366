// The profile fields a runbook may reference as `{{ profile.PATH }}` (snake_case, as in the YAML).

import { snakeToCamel } from '../../facts/paths.js';
import type { Profile } from '../../core/profile.js';

export const PROFILE_PATHS: Readonly<Record<string, 'string' | 'string[]' | 'object[]'>> = {
  id: 'string',
  name: 'string',
  family: 'string',
  service_manager: 'string',
  'services.postfix': 'string[]',
  'paths.postfix_config_dir': 'string',
  'paths.postfix_queue_dir': 'string',
  'paths.postfix_data_dir': 'string',
  'paths.master_pid': 'string',
  'paths.mail_logs': 'string[]',
  'paths.nftables_config': 'string',
  'paths.iptables_rules_v4': 'string',
  'paths.iptables_rules_v6': 'string',
  'firewall.preferred': 'string[]',
  'firewall.iptables_persistence': 'string',
  'packages.manager': 'string',
  conflicting_mtas: 'object[]',
  /** Derived: every process name of every conflicting MTA (for the process module's allow list). */
  conflicting_mta_processes: 'string[]',
  relay_restrictions: 'string',
};

export function readProfile(profile: Profile, path: string): unknown {
  if (path === 'conflicting_mta_processes') return [...new Set(profile.conflictingMtas.flatMap((m) => m.processes))];
  let cur: unknown = profile;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[snakeToCamel(part)];
  }
  return cur;
}
