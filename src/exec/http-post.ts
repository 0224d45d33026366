// One JSON POST with a hard deadline: connect, TLS, request and the whole answer must fit in
// `timeoutMs`, or the socket is destroyed. No redirects are followed (a 3xx is an answer, not a
// success), no keep-alive (nothing is left open to hold the process), the answer's body is read
// and dropped (at most 64 KiB). node:http/https only: no proxy variables are honoured.

import { request as httpRequest } from 'node:http';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface PostOptions {
  timeoutMs: number;
  headers?: Readonly<Record<string, string>>;
  userAgent?: string;
}

export interface PostResult {
  /** The HTTP status, or null when no answer came (`error` says why). */
  status: number | null;
  error: string | null;
  durationMs: number;
}

export type PostJson = (url: string, body: string, options: PostOptions) => Promise<PostResult>;

const MAX_ANSWER_BYTES = 64 * 1024;

export const postJson: PostJson = (url, body, options) =>
  new Promise((resolve) => {
    const started = Date.now();
    let settled = false;
    const inflight: { req?: ClientRequest } = {};
    const timer = setTimeout(() => {
      finish(null, `no answer within ${options.timeoutMs} ms`);
      inflight.req?.destroy();
    }, options.timeoutMs);
    const finish = (status: number | null, error: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ status, error, durationMs: Date.now() - started });
    };
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      finish(null, 'not a URL');
      return;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      finish(null, `scheme ${u.protocol} not allowed`);
      return;
    }
    const payload = Buffer.from(body, 'utf8');
    const headers: Record<string, string> = {
      ...(options.headers ?? {}),
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(payload.length),
      Connection: 'close',
      ...(options.userAgent ? { 'User-Agent': options.userAgent } : {}),
    };
    const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
    let r: ClientRequest;
    try {
      r = send(u, { method: 'POST', headers, agent: false });
    } catch (e) {
      finish(null, (e as Error).message);
      return;
    }
    inflight.req = r;
    r.on('error', (e: NodeJS.ErrnoException) => finish(null, e.code ?? e.message));
    r.on('response', (res: IncomingMessage) => {
      let seen = 0;
      res.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (seen > MAX_ANSWER_BYTES) res.destroy();
      });
      const done = (): void => {
        finish(res.statusCode ?? null, res.statusCode ? null : 'no status');
        r.destroy();
      };
      res.on('end', done);
      res.on('close', done);
      res.on('error', done);
    });
    r.end(payload);
  });
