// A webhook receiver inside a lab host (Python's http.server, webhook.py): what `postfix-fix
// watch` POSTs its notices to in the e2e tests. Every request is recorded as a JSON line in a
// file inside the host, fsynced before it is answered (or, in `hang` mode, never answered), so a
// test counts what arrived by reading that file — no answer needed.
import { readFileSync } from 'node:fs';
import { startDaemon } from './daemon.js';
import type { Host } from './host-types.js';
import { LAB_DIR, PYTHON } from './paths.js';
import { pollUntil } from './wait.js';

export type WebhookMode = 'ok' | 'fail' | 'hang';

export interface WebhookRequest {
  /** Seconds since the epoch (the machine's clock: lab hosts share it). */
  at: number;
  method: string;
  path: string;
  /** Lower-cased names. */
  headers: Record<string, string>;
  body: string;
}

export interface WebhookListener {
  host: Host;
  /** http://ADDRESS:PORT/PATH to put in a watch policy. */
  url: string;
  pid: number;
  requests(): Promise<WebhookRequest[]>;
  /** The request bodies parsed as JSON. */
  notices(): Promise<unknown[]>;
}

export interface WebhookOptions {
  /** The address to listen on: the host's end of a link (default 0.0.0.0). */
  address?: string;
  port?: number;
  mode?: WebhookMode;
  path?: string;
}

let counter = 0;

export async function startWebhookListener(host: Host, opts: WebhookOptions = {}): Promise<WebhookListener> {
  const port = opts.port ?? 8080;
  const mode = opts.mode ?? 'ok';
  const address = opts.address ?? '0.0.0.0';
  const id = `${process.pid}-${counter++}`;
  const script = `/root/lab-webhook-${id}.py`;
  const log = `/root/lab-webhook-${id}.jsonl`;
  const ready = `/root/lab-webhook-${id}.ready`;
  await host.writeFile(script, readFileSync(`${LAB_DIR}/webhook.py`), 0o755);
  await host.execOk(['touch', log]);
  const pid = await startDaemon(host, [PYTHON, script, address, String(port), log, mode, ready], `/root/lab-webhook-${id}.err`);
  await pollUntil(async () => ((await host.exec(['test', '-s', ready])).code === 0 ? true : undefined), { timeoutMs: 15_000, what: `${host.name}: webhook listener on ${address}:${port}` });
  const requests = async (): Promise<WebhookRequest[]> =>
    (await host.readFile(log))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as WebhookRequest);
  return {
    host,
    url: `http://${address === '0.0.0.0' ? '127.0.0.1' : address}:${port}${opts.path ?? '/hooks/postfix'}`,
    pid,
    requests,
    notices: async () => (await requests()).map((r) => JSON.parse(r.body) as unknown),
  };
}
