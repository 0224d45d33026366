// Postfix as a whole: installed, version, where its files are and who owns them, running (a live
// master behind master.pid), and what the service manager says.

import { statFile } from './file-stat.js';
import type { Accounts } from './accounts.js';
import type { FactContext } from './context.js';
import type { MasterService } from './types.js';
import type { PostfixParams } from './postfix-params.js';
import type { ServiceState } from './service-state.js';
import type { MasterPidFacts, PostfixFacts } from './types.js';

export interface PostfixInputs {
  params: PostfixParams;
  services: MasterService[];
  accounts: Accounts;
  masterPid: MasterPidFacts;
  service: ServiceState;
}

export async function assemblePostfix(ctx: FactContext, inputs: PostfixInputs): Promise<PostfixFacts> {
  const { params, services, accounts, masterPid, service } = inputs;
  const p = params.params;
  const paths = ctx.profile.paths;
  const configDir = p.config_directory || paths.postfixConfigDir;
  const [mainCf, masterCf] = await Promise.all([statFile(ctx.fs, `${configDir}/main.cf`, accounts), statFile(ctx.fs, `${configDir}/master.cf`, accounts)]);
  const running = masterPid.pidAlive && masterPid.pidIsMaster;
  return {
    installed: params.installed,
    version: p.mail_version || null,
    configDir,
    queueDir: p.queue_directory || paths.postfixQueueDir,
    dataDir: p.data_directory || paths.postfixDataDir,
    mainCf,
    masterCf,
    params: p,
    services,
    running,
    masterPid: running ? masterPid.pid : null,
    enabled: service.enabled,
    unit: service.unit,
    unitState: service.unitState,
  };
}
