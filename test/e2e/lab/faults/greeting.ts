import type { Host } from '../host-types.js';
import { postconfSet, postfixIsRunning, postfixReload } from '../postfix-control.js';

export interface GreetingRefusalOptions {
  // Refuse only these addresses/CIDR blocks (a check_client_access map); default: everyone,
  // loopback included (smtpd_client_restrictions = reject).
  clients?: readonly string[];
  // Text after "Client host rejected: " for mapped clients (default Postfix's "Access denied").
  message?: string;
}

export interface GreetingRefusalFault {
  kind: 'greeting-refusal';
  clients: string[] | 'all';
  restrictions: string;
  mapFile?: string;
}

const MAP_FILE = '/etc/postfix/client_refuse.cidr';
const ADDRESS = /^[0-9a-f.:]+(\/\d{1,3})?$/i;

// smtpd greets the client with a refusal instead of 220: client restrictions evaluated at
// connect time (smtpd_delay_reject = no) that reject it. Measured (greeting.test.ts): the peer
// reads "554 5.7.1 <unknown[ADDR]>: Client host rejected: Access denied" as its greeting.
export async function injectGreetingRefusal(host: Host, opts: GreetingRefusalOptions = {}): Promise<GreetingRefusalFault> {
  let restrictions = 'reject';
  let clients: string[] | 'all' = 'all';
  if (opts.clients) {
    clients = [...opts.clients];
    for (const c of clients) if (!ADDRESS.test(c)) throw new Error(`bad address ${JSON.stringify(c)}`);
    if (opts.message !== undefined && /[\n\r]/.test(opts.message)) throw new Error('message must be one line');
    const action = opts.message === undefined ? 'REJECT' : `REJECT ${opts.message}`;
    await host.writeFile(MAP_FILE, clients.map((c) => `${c} ${action}\n`).join(''), 0o644);
    restrictions = `check_client_access cidr:${MAP_FILE}`;
  }
  await postconfSet(host, ['smtpd_delay_reject=no', `smtpd_client_restrictions=${restrictions}`]);
  if (await postfixIsRunning(host)) await postfixReload(host);
  const fault: GreetingRefusalFault = { kind: 'greeting-refusal', clients, restrictions };
  if (opts.clients) fault.mapFile = MAP_FILE;
  return fault;
}
