import type { Host } from '../host-types.js';
import { postfixIsRunning, postfixStop } from '../postfix-control.js';
import { pollUntil } from '../wait.js';

export interface StoppedFault {
  kind: 'postfix-stopped';
}

// Postfix simply not running (an admin stopped it, or it never came back).
export async function injectPostfixStopped(host: Host): Promise<StoppedFault> {
  await postfixStop(host);
  return { kind: 'postfix-stopped' };
}

export interface DisabledFault {
  kind: 'postfix-stopped-disabled';
  isEnabled: string;
}

// systemd hosts only: stopped now *and* not started at the next boot.
export async function injectPostfixDisabled(host: Host): Promise<DisabledFault> {
  if (host.kind !== 'nspawn') throw new Error(`${host.name}: disabling a unit needs a systemd host`);
  await host.execOk(['systemctl', 'disable', '--now', 'postfix.service'], { timeoutMs: 60_000 });
  await postfixStop(host);
  await pollUntil(async () => ((await postfixIsRunning(host)) ? undefined : true), {
    timeoutMs: 10_000,
    what: `${host.name}: postfix stopped`,
  });
  const enabled = await host.exec(['systemctl', 'is-enabled', 'postfix.service']);
  return { kind: 'postfix-stopped-disabled', isEnabled: enabled.stdout.trim() };
}
