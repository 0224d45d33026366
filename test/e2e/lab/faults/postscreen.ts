import type { Host } from '../host-types.js';
import { backdateConfig, postfixIsRunning, postfixReload } from '../postfix-control.js';

export interface PostscreenOptions {
  // Client addresses (or CIDR blocks) postscreen_access_list rejects.
  deny?: readonly string[];
  // Addresses it permits outright (no pregreet wait).
  allow?: readonly string[];
  // postscreen_denylist_action (default drop: 521 at once; enforce: a normal greeting after
  // the pregreet wait, then 550 for every RCPT; ignore: treated like anyone else).
  denyAction?: 'drop' | 'enforce' | 'ignore';
  // postscreen_greet_wait (Postfix's default ${stress?{2}{6}}s: an unknown client's greeting
  // ends only after it).
  greetWait?: string;
}

export interface PostscreenFault {
  kind: 'postscreen';
  accessFile: string;
  accessList: string;
  deny: string[];
  allow: string[];
  denyAction: 'drop' | 'enforce' | 'ignore';
  // `postconf -M` lines of port 25 and its helpers.
  masterEntries: string[];
}

// Debian master.cf's commented postscreen lines, as services for `postconf -M`.
const POSTSCREEN_SERVICES = [
  'smtp/inet=smtp inet n - y - 1 postscreen',
  'smtpd/pass=smtpd pass - - y - - smtpd',
  'dnsblog/unix=dnsblog unix - - y - 0 dnsblog',
  'tlsproxy/unix=tlsproxy unix - - y - 0 tlsproxy',
];
const ACCESS_FILE = '/etc/postfix/postscreen_access.cidr';
const ADDRESS = /^[0-9a-f.:]+(\/\d{1,3})?$/i;

// Port 25 handed to postscreen (through postconf -M, as an admin following POSTSCREEN_README
// does), with a CIDR access list. A denylisted peer with the default drop action is greeted
// "521 5.3.2 Service currently unavailable" and disconnected (measured in postscreen.test.ts).
export async function injectPostscreen(host: Host, opts: PostscreenOptions = {}): Promise<PostscreenFault> {
  const deny = [...(opts.deny ?? [])];
  const allow = [...(opts.allow ?? [])];
  for (const a of [...deny, ...allow]) if (!ADDRESS.test(a)) throw new Error(`bad address ${JSON.stringify(a)}`);
  const denyAction = opts.denyAction ?? 'drop';
  const lines = ['# postscreen_access_list (postfix-fix lab)', ...allow.map((a) => `${a} permit`), ...deny.map((a) => `${a} reject`), ''];
  await host.writeFile(ACCESS_FILE, lines.join('\n'), 0o644);
  const accessList = `permit_mynetworks cidr:${ACCESS_FILE}`;
  const settings = [`postscreen_access_list=${accessList}`, `postscreen_denylist_action=${denyAction}`];
  if (opts.greetWait !== undefined) settings.push(`postscreen_greet_wait=${opts.greetWait}`);
  await host.execOk(['postconf', '-e', ...settings]);
  // Back to Postfix's default when not asked for (an earlier injection may have set it).
  if (opts.greetWait === undefined) await host.execOk(['postconf', '-X', 'postscreen_greet_wait']);
  await host.execOk(['postconf', '-M', ...POSTSCREEN_SERVICES]);
  await backdateConfig(host);
  if (await postfixIsRunning(host)) await postfixReload(host);
  const masterEntries = (await host.execOk(['postconf', '-M', 'smtp/inet', 'smtpd/pass', 'dnsblog/unix', 'tlsproxy/unix'])).stdout
    .trim()
    .split('\n');
  return { kind: 'postscreen', accessFile: ACCESS_FILE, accessList, deny, allow, denyAction, masterEntries };
}
