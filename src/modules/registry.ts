// Every module postfix-fix knows. A new module (or firewall backend) is one file plus a line here.

import { chrootCopiesModule } from './chroot-copies/module.js';
import { endpointCheck } from './endpoint/module.js';
import { fail2banModule } from './fail2ban/module.js';
import { fileModule } from './file/module.js';
import { firewallAllowsCheck } from './firewall-allows/module.js';
import { firewallModule } from './firewall/module.js';
import { listenerCheck } from './listener/module.js';
import { mailCheck } from './mail/module.js';
import { masterServiceModule } from './master-service/module.js';
import { postconfAddModule } from './postconf/add.js';
import { postconfModule } from './postconf/module.js';
import { postfixRestartModule } from './postfix-restart/module.js';
import { postmapModule } from './postmap/module.js';
import { processModule } from './process/module.js';
import { queueModule } from './queue/module.js';
import type { ModuleRegistry } from './registry-types.js';
import { selinuxModule } from './selinux/module.js';
import { selinuxPermissiveModule } from './selinux/permissive.js';
import { serviceModule } from './service/module.js';
import { smtpCheck } from './smtp/module.js';
import { tlsReloadModule } from './tls-reload/module.js';
import type { ActionModule, CheckModule } from './types.js';

const ACTIONS: readonly ActionModule[] = [
  serviceModule,
  postconfModule,
  postconfAddModule,
  masterServiceModule,
  postmapModule,
  postfixRestartModule,
  tlsReloadModule,
  fileModule,
  chrootCopiesModule,
  processModule,
  queueModule,
  selinuxModule,
  selinuxPermissiveModule,
  firewallModule,
  fail2banModule,
];
const CHECKS: readonly CheckModule[] = [smtpCheck, mailCheck, listenerCheck, firewallAllowsCheck, endpointCheck];

export function createModuleRegistry(actions: readonly ActionModule[] = ACTIONS, checks: readonly CheckModule[] = CHECKS): ModuleRegistry {
  const a = new Map(actions.map((m) => [m.name, m]));
  const c = new Map(checks.map((m) => [m.name, m]));
  return {
    action: (n) => a.get(n),
    check: (n) => c.get(n),
    actionNames: () => [...a.keys()].sort(),
    checkNames: () => [...c.keys()].sort(),
  };
}
