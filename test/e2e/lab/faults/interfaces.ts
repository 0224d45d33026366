import type { ExecResult, Host } from '../host-types.js';
import { postconfSet, postfixStart, postfixStop } from '../postfix-control.js';

// How the relay policy is made unsafe on top of a loopback-only Postfix. Opening
// inet_interfaces on such a host exposes the problem, which is what a careful fix must notice.
export type UnsafeRelay =
  // A true open relay: everyone is "my network" and permit_mynetworks lets them relay.
  | 'mynetworks-any'
  // A true open relay: a client access map that says OK to every address.
  | 'client-access-any'
  // Postfix's own safety net fires: smtpd exits fatally on each connection ("specify at least
  // one working instance of: reject_unauth_destination ..."), so clients get no banner.
  | 'relay-restrictions-permit'
  | 'relay-restrictions-empty';

export interface LoopbackOnlyOptions {
  value?: 'loopback-only' | '127.0.0.1' | 'localhost';
  unsafeRelay?: UnsafeRelay;
}

export interface LoopbackOnlyFault {
  kind: 'inet-interfaces-loopback';
  value: string;
  unsafeRelay?: UnsafeRelay;
  start: ExecResult;
}

const CLIENT_ACCESS_MAP = '/etc/postfix/client_access.cidr';

function relaySettings(unsafe: UnsafeRelay | undefined): string[] {
  switch (unsafe) {
    case undefined:
      return [];
    case 'mynetworks-any':
      return ['mynetworks=0.0.0.0/0 [::]/0'];
    case 'client-access-any':
      return [
        `smtpd_relay_restrictions=permit_mynetworks check_client_access cidr:${CLIENT_ACCESS_MAP} defer_unauth_destination`,
      ];
    case 'relay-restrictions-permit':
      return ['smtpd_relay_restrictions=permit'];
    case 'relay-restrictions-empty':
      return ['smtpd_relay_restrictions=', 'smtpd_recipient_restrictions='];
  }
}

// Postfix listening on loopback only. Applied with stop + start, because `postfix reload`
// ignores inet_interfaces changes.
export async function injectLoopbackOnly(host: Host, opts: LoopbackOnlyOptions = {}): Promise<LoopbackOnlyFault> {
  const value = opts.value ?? 'loopback-only';
  if (opts.unsafeRelay === 'client-access-any') {
    await host.writeFile(CLIENT_ACCESS_MAP, '# let trusted offices relay\n0.0.0.0/0 OK\n::/0 OK\n', 0o644);
  }
  await postfixStop(host);
  await postconfSet(host, [`inet_interfaces=${value}`, ...relaySettings(opts.unsafeRelay)]);
  const start = await postfixStart(host);
  const fault: LoopbackOnlyFault = { kind: 'inet-interfaces-loopback', value, start };
  if (opts.unsafeRelay) fault.unsafeRelay = opts.unsafeRelay;
  return fault;
}
