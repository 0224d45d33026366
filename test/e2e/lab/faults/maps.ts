import type { ExecResult, Host } from '../host-types.js';
import { postconfSet, postfixRestart } from '../postfix-control.js';

// missing: a check_client_access hash: map whose source exists but whose .db was never built
//   (postmap forgotten). smtpd logs "warning: hash:/etc/postfix/client_access is unavailable.
//   open database /etc/postfix/client_access.db: No such file or directory" and answers RCPT
//   with "451 4.3.5 <unknown[ADDR]>: Client host rejected: Server configuration error".
// stale: the .db was built from an older source (the admin lifted a block in the source but
//   never ran postmap): smtpd keeps applying the old entry and logs "warning: database
//   /etc/postfix/client_access.db is older than source file /etc/postfix/client_access"
//   (Postfix says so only once the source is more than 100 s old).
// alias-missing: /etc/aliases.db gone (newaliases never run): local recipients other than
//   postmaster get "451 4.3.0 <user@...>: Temporary lookup failure" at RCPT; mail to postmaster
//   is accepted and then deferred by local(8): "status=deferred (alias database unavailable)".
export type MissingMapVariant = 'missing' | 'stale' | 'alias-missing';

export interface MissingMapOptions {
  variant?: MissingMapVariant;
  // Which restriction list carries check_client_access (default: smtpd_client_restrictions).
  restriction?: 'client' | 'recipient';
  // stale: the client lookup key the old .db still rejects (default 10.231, every lab link
  // subnet: peer.ts), and the reason it gives.
  blocked?: string;
  blockedReason?: string;
}

export interface MissingMapFault {
  kind: 'missing-map-db';
  variant: MissingMapVariant;
  // The map as main.cf names it, and the file Postfix opens for it.
  map: string;
  dbFile: string;
  // The main.cf setting that uses it (absent for alias-missing: alias_maps is the default).
  setting?: string;
  restart: ExecResult;
}

const CLIENT_ACCESS = '/etc/postfix/client_access';

export async function injectMissingMapDb(host: Host, opts: MissingMapOptions = {}): Promise<MissingMapFault> {
  const variant = opts.variant ?? 'missing';
  if (variant === 'alias-missing') {
    await host.execOk(['rm', '-f', '/etc/aliases.db']);
    const restart = await postfixRestart(host);
    return { kind: 'missing-map-db', variant, map: 'hash:/etc/aliases', dbFile: '/etc/aliases.db', restart };
  }
  const map = `hash:${CLIENT_ACCESS}`;
  const dbFile = `${CLIENT_ACCESS}.db`;
  if (variant === 'missing') {
    await host.writeFile(CLIENT_ACCESS, '# clients we refuse outright\n192.0.2.66 REJECT known spam source\n', 0o644);
    await host.execOk(['rm', '-f', dbFile]);
  } else {
    const blocked = opts.blocked ?? '10.231';
    const reason = opts.blockedReason ?? 'blocked office range';
    await host.writeFile(CLIENT_ACCESS, `${blocked} REJECT ${reason}\n`, 0o644);
    await host.execOk(['postmap', map]);
    // The block was lifted in the source some minutes later, without a postmap.
    await host.writeFile(CLIENT_ACCESS, `# ${blocked} unblocked: the office moved\n`, 0o644);
    await host.execOk(['touch', '-d', '-10 min', dbFile]);
    await host.execOk(['touch', '-d', '-5 min', CLIENT_ACCESS]);
  }
  const setting =
    opts.restriction === 'recipient'
      ? `smtpd_recipient_restrictions=permit_mynetworks, reject_unauth_destination, check_client_access ${map}`
      : `smtpd_client_restrictions=check_client_access ${map}`;
  await postconfSet(host, [setting]);
  const restart = await postfixRestart(host);
  return { kind: 'missing-map-db', variant, map, dbFile, setting, restart };
}
