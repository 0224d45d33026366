// Delivering a notice, with real parts: hooks are real programs run by the real executor (sh
// scripts in a scratch dir), the webhook a real HTTP server on this machine's loopback (an
// ephemeral port, like the dial tests). The system log is the one stand-in: a recording
// executor, so these tests never write to this machine's log (the real `logger` line is proven
// on the systemd lab host: test/e2e/packaging/watch-timer.test.ts).
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { CommandResult, Executor, RunOptions } from '../../../../src/core/exec.js';
import { AuditLog } from '../../../../src/exec/audit.js';
import { createExecutor } from '../../../../src/exec/executor.js';
import { postJson } from '../../../../src/exec/http-post.js';
import { deliverNotice } from '../../../../src/engine/watch/notify.js';
import type { NoticeMessage } from '../../../../src/engine/watch/notify.js';
import type { WatchPolicy } from '../../../../src/engine/watch/policy.js';
import { scratchDir } from '../../helpers/context.js';
import type { Scratch } from '../../helpers/context.js';

const NOTICE: NoticeMessage = { json: { schemaVersion: 1, text: 'postfix-fix watch on mx1: problem: Postfix is not running [postfix-stopped] — now problem' }, line: 'postfix-fix watch on mx1: problem: Postfix is not running [postfix-stopped] — now problem', priority: 'warning' };
const NONE: WatchPolicy['notify'] = { syslog: false, hook: null, webhook: null };
const realExec = (): Executor => createExecutor({ audit: new AuditLog() });
const noPost = async (): Promise<never> => assert.fail('no webhook configured');

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\S+ \(.*\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

describe('engine/watch: delivering a notice', function () {
  this.timeout(30_000);
  let s: Scratch;
  const servers: Server[] = [];
  const leftovers: number[] = [];
  beforeEach(() => (s = scratchDir('pf-watch-notify-')));
  afterEach(() => {
    s.cleanup();
    for (const pid of leftovers.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
  after(() => servers.forEach((srv) => srv.close()));

  const script = (name: string, body: string): string => {
    const f = join(s.dir, name);
    writeFileSync(f, `#!/bin/sh\n${body}\n`);
    chmodSync(f, 0o755);
    return f;
  };
  const serve = async (answer: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<{ url: string; seen: Array<{ headers: IncomingMessage['headers']; body: string; at: number }> }> => {
    const seen: Array<{ headers: IncomingMessage['headers']; body: string; at: number }> = [];
    const srv = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        seen.push({ headers: req.headers, body, at: Date.now() });
        answer(req, body, res);
      });
    });
    servers.push(srv);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/hooks/T0/secret-path?token=abc`, seen };
  };

  it('the hook gets the notice as JSON on stdin, argv as given, no shell', async () => {
    const out = join(s.dir, 'got.json');
    const hook = script('hook.sh', 'cat > "$1"; printf "%s|" "$@" > "$1.argv"');
    const [d] = await deliverNotice(NOTICE, { ...NONE, hook: { command: [hook, out, 'a b', '$(touch pwned)'], timeoutMs: 5_000 } }, { exec: realExec(), post: noPost, userAgent: 'pf' });
    assert.deepEqual(d && { ...d, durationMs: 0 }, { target: 'hook', ok: true, detail: `${hook} exited 0`, attempts: 1, durationMs: 0 });
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), NOTICE.json);
    assert.equal(readFileSync(`${out}.argv`, 'utf8'), `${out}|a b|$(touch pwned)|`);
    assert.equal(existsSync(join(s.dir, 'pwned')), false);
  });

  it('a hook that fails: logged with its exit status and first stderr line, never thrown', async () => {
    const hook = script('fail.sh', 'cat >/dev/null; echo "smtp relay refused" >&2; echo second >&2; exit 3');
    const [d] = await deliverNotice(NOTICE, { ...NONE, hook: { command: [hook], timeoutMs: 5_000 } }, { exec: realExec(), post: noPost, userAgent: 'pf' });
    assert.equal(d?.ok, false);
    assert.equal(d?.detail, `${hook} exited 3: smtp relay refused`);
    const [missing] = await deliverNotice(NOTICE, { ...NONE, hook: { command: [join(s.dir, 'no-such-hook')], timeoutMs: 5_000 } }, { exec: realExec(), post: noPost, userAgent: 'pf' });
    assert.equal(missing?.detail, `${join(s.dir, 'no-such-hook')}: not found or not executable`);
  });

  it('a hook that hangs is killed at its timeout, with its children', async () => {
    const pidFile = join(s.dir, 'child.pid');
    // The child's pid first: on a loaded machine the timeout may come before the notice is read.
    const hook = script('hang.sh', `sleep 600 & echo $! > ${pidFile}; cat >/dev/null; wait`);
    const started = Date.now();
    // 2.5 s: the tree is killed as ps lists it, so the hook must have started its child by then
    // (a loaded machine can take a while just to start sh).
    const [d] = await deliverNotice(NOTICE, { ...NONE, hook: { command: [hook], timeoutMs: 2_500 } }, { exec: realExec(), post: noPost, userAgent: 'pf' });
    const took = Date.now() - started;
    assert.equal(d?.ok, false);
    assert.equal(d?.detail, `${hook} did not finish within 2.5 s: killed`);
    assert.ok(took < 2_500 + 2_000 + 1_000, `bounded: ${took} ms`);
    const child = Number(readFileSync(pidFile, 'utf8'));
    leftovers.push(child);
    // The tree is killed as the timeout fires; the kill of each member is not awaited by us.
    for (const until = Date.now() + 5_000; alive(child) && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
    assert.equal(alive(child), false, 'the hook\'s child was killed too');
  });

  it('a hook that leaves a daemon holding its output: no longer waited for, shortly after its timeout', async () => {
    const pidFile = join(s.dir, 'daemon.pid');
    const hook = script('daemon.sh', `setsid sleep 600 & echo $! > ${pidFile}; cat >/dev/null; exit 0`);
    const started = Date.now();
    const [d] = await deliverNotice(NOTICE, { ...NONE, hook: { command: [hook], timeoutMs: 500 } }, { exec: realExec(), post: noPost, userAgent: 'pf' });
    leftovers.push(Number(readFileSync(pidFile, 'utf8')));
    const took = Date.now() - started;
    assert.equal(d?.detail, `${hook} still held its output open after 0.5 s: no longer waited for`);
    assert.ok(took < 500 + 2_000 + 1_000, `bounded: ${took} ms`);
  });

  it('the webhook: one POST of the JSON with its headers and our user agent; the log line names only scheme and host', async () => {
    const hook = await serve((_req, _body, res) => res.writeHead(204).end());
    const [d] = await deliverNotice(NOTICE, { ...NONE, webhook: { url: hook.url, timeoutMs: 2_000, retries: 2, headers: { Authorization: 'Bearer sekrit' } } }, { exec: realExec(), post: postJson, userAgent: 'postfix-fix/9.9.9' });
    assert.equal(d?.ok, true);
    assert.equal(d?.attempts, 1);
    assert.match(d?.detail ?? '', /^http:\/\/127\.0\.0\.1:\d+ answered 204$/);
    assert.equal(hook.seen.length, 1);
    assert.deepEqual(JSON.parse(hook.seen[0]?.body ?? ''), NOTICE.json);
    assert.equal(hook.seen[0]?.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(hook.seen[0]?.headers['authorization'], 'Bearer sekrit');
    assert.equal(hook.seen[0]?.headers['user-agent'], 'postfix-fix/9.9.9');
  });

  it('5xx and 429 are retried (bounded, with pauses); another 4xx or a redirect is not', async () => {
    const pauses: number[] = [];
    const sleep = async (ms: number): Promise<void> => void pauses.push(ms);
    const down = await serve((_req, _body, res) => res.writeHead(503).end());
    const [a] = await deliverNotice(NOTICE, { ...NONE, webhook: { url: down.url, timeoutMs: 2_000, retries: 2, headers: {} } }, { exec: realExec(), post: postJson, userAgent: 'pf', sleep });
    assert.deepEqual([a?.ok, a?.attempts, down.seen.length, pauses], [false, 3, 3, [1_000, 2_000]]);
    assert.match(a?.detail ?? '', /answered 503 \(3 attempt\(s\)\)$/);
    let n = 0;
    const busy = await serve((_req, _body, res) => res.writeHead(n++ === 0 ? 429 : 200).end());
    const [b] = await deliverNotice(NOTICE, { ...NONE, webhook: { url: busy.url, timeoutMs: 2_000, retries: 2, headers: {} } }, { exec: realExec(), post: postJson, userAgent: 'pf', sleep });
    assert.deepEqual([b?.ok, b?.attempts], [true, 2]);
    for (const code of [404, 302]) {
      const wrong = await serve((_req, _body, res) => res.writeHead(code, { Location: 'http://127.0.0.1:1/' }).end());
      const [c] = await deliverNotice(NOTICE, { ...NONE, webhook: { url: wrong.url, timeoutMs: 2_000, retries: 2, headers: {} } }, { exec: realExec(), post: postJson, userAgent: 'pf', sleep });
      assert.deepEqual([c?.ok, c?.attempts, wrong.seen.length], [false, 1, 1], String(code));
      assert.match(c?.detail ?? '', new RegExp(`answered ${code}$`));
    }
  });

  it('a webhook that never answers: each attempt ends at its timeout; the whole delivery is bounded', async () => {
    const hang = await serve(() => undefined);
    const started = Date.now();
    const [d] = await deliverNotice(NOTICE, { ...NONE, webhook: { url: hang.url, timeoutMs: 400, retries: 1, headers: {} } }, { exec: realExec(), post: postJson, userAgent: 'pf', sleep: async () => undefined });
    const took = Date.now() - started;
    assert.deepEqual([d?.ok, d?.attempts, hang.seen.length], [false, 2, 2]);
    assert.match(d?.detail ?? '', /no answer within 400 ms \(2 attempt\(s\)\)$/);
    assert.ok(took >= 800 && took < 800 + 1_500, `two attempts of 0.4 s: ${took} ms`);
  });

  it('nothing listening: the network error, retried', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const [d] = await deliverNotice(NOTICE, { ...NONE, webhook: { url: `http://127.0.0.1:${port}/x`, timeoutMs: 1_000, retries: 1, headers: {} } }, { exec: realExec(), post: postJson, userAgent: 'pf', sleep: async () => undefined });
    assert.deepEqual([d?.ok, d?.attempts, d?.detail], [false, 2, `http://127.0.0.1:${port} ECONNREFUSED (2 attempt(s))`]);
  });

  it('targets are delivered side by side: a slow hook and a hanging webhook cost the longer of the two, not the sum', async () => {
    const hook = script('slow.sh', 'cat >/dev/null; sleep 600');
    const hang = await serve(() => undefined);
    const started = Date.now();
    const got = await deliverNotice(NOTICE, { syslog: false, hook: { command: [hook], timeoutMs: 1_000 }, webhook: { url: hang.url, timeoutMs: 1_000, retries: 0, headers: {} } }, { exec: realExec(), post: postJson, userAgent: 'pf' });
    const took = Date.now() - started;
    assert.deepEqual(got.map((d) => [d.target, d.ok]), [['hook', false], ['webhook', false]]);
    assert.ok(took < 1_900, `side by side: ${took} ms`);
  });

  it('syslog: one line through logger, tagged postfix-fix, facility daemon at the notice\'s priority, control characters flattened', async () => {
    const calls: Array<{ argv: readonly string[]; opts?: RunOptions }> = [];
    const recording: Executor = {
      has: (p) => p === 'logger',
      run: async (argv, opts) => {
        calls.push({ argv, ...(opts ? { opts } : {}) });
        return { argv, exitCode: 0, signal: null, stdout: '', stderr: '', durationMs: 1, timedOut: false, notFound: false } satisfies CommandResult;
      },
    };
    const [d] = await deliverNotice({ ...NOTICE, line: 'a\nb\tc', priority: 'err' }, { ...NONE, syslog: true }, { exec: recording, post: noPost, userAgent: 'pf' });
    assert.equal(d?.ok, true);
    assert.deepEqual(calls.map((c) => [c.argv, c.opts?.timeoutMs]), [[['logger', '-t', 'postfix-fix', '-p', 'daemon.err', '--', 'watch: a b c'], 3_000]]);
    const none: Executor = { has: () => false, run: async () => assert.fail('logger is not there') };
    const [e] = await deliverNotice(NOTICE, { ...NONE, syslog: true }, { exec: none, post: noPost, userAgent: 'pf' });
    assert.deepEqual([e?.ok, e?.detail], [false, 'logger is not installed']);
  });
});
