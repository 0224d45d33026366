// Every module postfix-fix knows. A new module (or firewall backend) is one file plus a line here.

import { fileModule } from './file/module.js';
import { masterServiceModule } from './master-service/module.js';
import { postfixRestartModule } from './postfix-restart/module.js';
import { postmapModule } from './postmap/module.js';
import { firewallAllowsCheck } from './firewall-allows/module.js';
import { listenerCheck } from './listener/module.js';
import { firewallModule } from './firewall/module.js';
import { processModule } from './process/module.js';
import { queueModule } from './queue/module.js';
import { selinuxModule } from './selinux/module.js';
import { selinuxPermissiveModule } from './selinux/permissive.js';
import { postconfModule } from './postconf/module.js';
import type { ModuleRegistry } from './registry-types.js';
import { serviceModule } from './service/module.js';
import { smtpCheck } from './smtp/module.js';
import type { ActionModule, CheckModule } from './types.js';
import { chrootCopiesModule } from './chroot-copies/module.js';
import { endpointCheck } from './endpoint/module.js';
import { mailCheck } from './mail/module.js';
import { tlsReloadModule } from './tls-reload/module.js';
import { fail2banModule } from './fail2ban/module.js';
import { postconfAddModule } from './postconf/add.js';

const ACTIONS: readonly ActionModule[] = [serviceModule, postconfModule, fileModule, processModule, queueModule, selinuxModule, selinuxPermissiveModule, firewallModule, masterServiceModule, postmapModule, postfixRestartModule];
// From the client's side (issue 18): lifting one client's fail2ban ban; adding a bridge to the lists.
const CLIENT_ACTIONS: readonly ActionModule[] = [fail2banModule, postconfAddModule];
const CHECKS: readonly CheckModule[] = [smtpCheck, listenerCheck, firewallAllowsCheck];

// What smtpd depends on: the chroot's copies of /etc, a reload for a renewed certificate; its
// milters, policy services and SASL backend answering, and mail accepted up to RCPT.
const DEPENDENCY_ACTIONS: readonly ActionModule[] = [chrootCopiesModule, tlsReloadModule];
const DEPENDENCY_CHECKS: readonly CheckModule[] = [endpointCheck, mailCheck];

export function createModuleRegistry(actions: readonly ActionModule[] = [...ACTIONS, ...CLIENT_ACTIONS, ...DEPENDENCY_ACTIONS], checks: readonly CheckModule[] = [...CHECKS, ...DEPENDENCY_CHECKS]): ModuleRegistry {
  const a = new Map(actions.map((m) => [m.name, m]));
  const c = new Map(checks.map((m) => [m.name, m]));
  return {
    action: (n) => a.get(n),
    check: (n) => c.get(n),
    actionNames: () => [...a.keys()].sort(),
    checkNames: () => [...c.keys()].sort(),
  };
}
