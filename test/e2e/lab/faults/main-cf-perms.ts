import type { ExecResult, Host } from '../host-types.js';
import { backdateConfig, postfixRestart } from '../postfix-control.js';

// insecure: owned by nobody:nogroup, mode 0666. `postfix check`/start log "not owned by root"
//   and "group or other writable" warnings; Postfix itself keeps running (root reads anyway).
// unreadable: root, mode 0600. Postfix's daemons (started as root) keep working, but every
//   non-root caller of the Postfix tools fails: sendmail, mailq, postqueue -p ->
//   "fatal: open /etc/postfix/main.cf: Permission denied" -- local mail submission breaks.
export type MainCfPermsVariant = 'insecure' | 'unreadable';

export interface MainCfPermsFault {
  kind: 'main-cf-permissions';
  variant: MainCfPermsVariant;
  owner: string;
  mode: number;
  restart: ExecResult;
}

const MAIN_CF = '/etc/postfix/main.cf';

export async function injectMainCfPermissions(host: Host, variant: MainCfPermsVariant): Promise<MainCfPermsFault> {
  const owner = variant === 'insecure' ? 'nobody:nogroup' : 'root:root';
  const mode = variant === 'insecure' ? 0o666 : 0o600;
  await host.execOk(['chown', owner, MAIN_CF]);
  await host.execOk(['chmod', mode.toString(8), MAIN_CF]);
  await backdateConfig(host);
  // Restarted so the warnings land in the log the way they do on a real server.
  const restart = await postfixRestart(host);
  return { kind: 'main-cf-permissions', variant, owner, mode, restart };
}
