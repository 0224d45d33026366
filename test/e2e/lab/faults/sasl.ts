import { dovecotOf, stopDovecot } from '../dovecot.js';
import type { Host } from '../host-types.js';
import { postconfGet, postfixReload } from '../postfix-control.js';

export type SaslSocketHow =
  // Dovecot is down; the listener's socket file stays behind (Dovecot never unlinks it), so
  // smtpd's connect gets ECONNREFUSED.
  | 'dovecot-stopped'
  // Dovecot runs, but the socket file is gone (a cleaned or recreated spool directory): ENOENT.
  | 'socket-removed';

export interface SaslSocketMissingFault {
  kind: 'sasl-socket-missing';
  how: SaslSocketHow;
  socket: string;
  // smtpd_sasl_path as smtpd resolves it, relative to its chroot (the queue directory).
  saslPath: string;
  socketFileExists: boolean;
}

// Postfix's SASL backend is unreachable on a host set up with startDovecotSasl. Postfix is
// reloaded afterwards (as after a reboot where Dovecot did not come up): a running smtpd keeps
// the auth connection it has, so without it the symptom would depend on which process answers.
// What a peer then sees on 587/465 (measured in dovecot.test.ts): smtpd dies with "fatal: no
// SASL authentication mechanisms" when the session reaches SASL, and the master throttles that
// service, so for a while later clients connect but get no banner. Port 25 (no AUTH) is fine.
export async function injectSaslSocketMissing(host: Host, how: SaslSocketHow = 'dovecot-stopped'): Promise<SaslSocketMissingFault> {
  const dovecot = dovecotOf(host);
  if (!dovecot) throw new Error(`${host.name}: start Dovecot with startDovecotSasl first`);
  const socket = dovecot.socket;
  if (how === 'dovecot-stopped') await stopDovecot(host);
  else await host.execOk(['rm', '-f', socket]);
  await postfixReload(host);
  const socketFileExists = (await host.exec(['test', '-e', socket])).code === 0;
  return { kind: 'sasl-socket-missing', how, socket, saslPath: await postconfGet(host, 'smtpd_sasl_path'), socketFileExists };
}
