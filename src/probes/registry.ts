// Every diagnose check, in the order their findings read best when ranks tie.

import { chrootProbe } from './chroot.js';
import { configCheckProbe } from './config-check.js';
import { configPermsProbe } from './config-perms.js';
import { contentFilterProbe } from './content-filter.js';
import { dependenciesProbe } from './dependencies.js';
import { dnsProbe } from './dns.js';
import { firewallProbe } from './firewall.js';
import { inetConfigProbe } from './inet-config.js';
import { listenersProbe } from './listeners.js';
import { localhostProbe } from './localhost.js';
import { logsProbe } from './logs.js';
import { lookupTablesProbe } from './lookup-tables.js';
import { macProbe } from './mac.js';
import { masterPidProbe } from './master-pid.js';
import { outboundProbe } from './outbound.js';
import { queueProbe } from './queue.js';
import { queueSpaceProbe } from './queue-space.js';
import { reachabilityProbe } from './reachability.js';
import { relayProbe } from './relay.js';
import { serviceProbe } from './service.js';
import { tlsProbe } from './tls.js';
import { tlsServedProbe } from './tls-served.js';
import { smtpLocalProbe } from './smtp-local.js';
import { clientPortsProbe } from './client-ports.js';
import { clientFirewallProbe } from './client-firewall.js';
import { fail2banProbe } from './fail2ban.js';
import { clientAccessProbe } from './client-access.js';
import { containerProbe } from './container.js';
import type { Probe } from './types.js';

export const PROBES: readonly Probe[] = [
  serviceProbe,
  listenersProbe,
  masterPidProbe,
  inetConfigProbe,
  configCheckProbe,
  configPermsProbe,
  lookupTablesProbe,
  dependenciesProbe,
  tlsProbe,
  tlsServedProbe,
  queueSpaceProbe,
  chrootProbe,
  localhostProbe,
  smtpLocalProbe,
  reachabilityProbe,
  firewallProbe,
  macProbe,
  logsProbe,
  relayProbe,
  queueProbe,
  contentFilterProbe,
  dnsProbe,
  outboundProbe,
  // From the client's side (--from, --port): each says nothing when no symptom was given,
  // except fail2ban, which lists the bans in force.
  clientPortsProbe,
  containerProbe,
  fail2banProbe,
  clientFirewallProbe,
  clientAccessProbe,
];

/** The probes that can report `cause` (for a runbook's `gone` check). */
export function probesFor(cause: string, probes: readonly Probe[] = PROBES): Probe[] {
  return probes.filter((p) => p.causes?.includes(cause));
}
