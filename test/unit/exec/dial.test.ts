import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { completeReply, describeDial, dialSmtp } from '../../../src/exec/dial.js';
import type { AddressInfo, Server, Socket } from 'node:net';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

// Real sockets on 127.0.0.1 with tiny SMTP-ish servers: the greeting, EHLO, QUIT, silence.
// (DROP and ICMP rejects need a firewall: see netns-classify.test.ts.)
describe('exec/dial: in-process SMTP dial on loopback', function () {
  const servers: Server[] = [];
  const serve = async (onConn: (s: Socket) => void): Promise<number> => {
    const srv = createServer(onConn);
    servers.push(srv);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    return (srv.address() as AddressInfo).port;
  };
  after(() => servers.forEach((s) => s.close()));
  const opts = { connectTimeoutMs: 1_000, bannerTimeoutMs: 400 };

  it('banner, EHLO keywords, and a proper QUIT (no "lost connection after CONNECT")', async () => {
    let sawQuit: () => void = () => undefined;
    const quit = new Promise<void>((r) => (sawQuit = r));
    const port = await serve((s) => {
      s.write('220-mx.test ESMTP\r\n220 ready\r\n');
      s.on('data', (d) => {
        const t = d.toString();
        if (t.startsWith('EHLO')) s.write('250-mx.test\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 STARTTLS\r\n');
        if (t.includes('QUIT')) {
          sawQuit();
          s.end('221 bye\r\n');
        }
      });
    });
    const r = await dialSmtp('127.0.0.1', port, { ...opts, ehlo: true });
    assert.equal(r.outcome, 'banner');
    assert.equal(r.code, 220);
    assert.equal(r.banner, '220-mx.test ESMTP');
    assert.deepEqual(r.ehlo, ['PIPELINING', 'SIZE 1000', 'STARTTLS']);
    await quit;
    assert.match(describeDial(r), /^127\.0\.0\.1:\d+ → banner/);
  });

  it('a refusal greeting is still a banner, with its code', async () => {
    const port = await serve((s) => s.end('554 5.7.1 go away\r\n'));
    const r = await dialSmtp('127.0.0.1', port, opts);
    assert.deepEqual([r.outcome, r.code], ['banner', 554]);
  });

  it('connected but silent: banner-timeout', async () => {
    const port = await serve(() => undefined);
    const started = Date.now();
    const r = await dialSmtp('127.0.0.1', port, opts);
    assert.equal(r.outcome, 'banner-timeout');
    assert.ok(Date.now() - started < 1_000);
  });

  it('nothing listening: refused; closed without a word: error', async () => {
    const port = await serve((s) => s.destroy());
    const closed = await dialSmtp('127.0.0.1', port, opts);
    assert.equal(closed.outcome, 'error');
    const srv = servers.pop() as Server;
    await new Promise((r) => srv.close(r));
    assert.equal((await dialSmtp('127.0.0.1', port, opts)).outcome, 'refused');
  });

  it('never runs past its deadline', async () => {
    const port = await serve(() => undefined);
    const started = Date.now();
    const r = await dialSmtp('127.0.0.1', port, { connectTimeoutMs: 5_000, bannerTimeoutMs: 5_000, deadline: started + 150 });
    assert.equal(r.outcome, 'banner-timeout');
    assert.ok(Date.now() - started < 600);
  });

  // A scripted server: replies by command; records everything the client sent.
  const scripted = async (replies: Record<string, string | null>): Promise<{ port: number; heard: string[]; done: Promise<void> }> => {
    const heard: string[] = [];
    let ended: () => void = () => undefined;
    const done = new Promise<void>((r) => (ended = r));
    const port = await serve((s) => {
      s.write('220 mx.test ESMTP Postfix\r\n');
      let buf = '';
      s.on('data', (d) => {
        buf += d.toString();
        for (let i = buf.indexOf('\r\n'); i >= 0; i = buf.indexOf('\r\n')) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 2);
          heard.push(line);
          const verb = line.split(/[ :]/)[0] as string;
          if (verb === 'QUIT') {
            s.end('221 2.0.0 Bye\r\n');
            ended();
            return;
          }
          const reply = replies[verb];
          if (reply !== null) s.write(`${reply ?? '250 2.0.0 Ok'}\r\n`);
        }
      });
    });
    return { port, heard, done };
  };

  it('mail: EHLO, MAIL, RCPT, then RSET and QUIT — never DATA', async () => {
    const srv = await scripted({ EHLO: '250-mx.test\r\n250 PIPELINING' });
    const r = await dialSmtp('127.0.0.1', srv.port, { ...opts, mail: { from: '', to: 'postmaster@mx.test' } });
    await srv.done;
    assert.deepEqual(srv.heard, ['EHLO postfix-fix.invalid', 'MAIL FROM:<>', 'RCPT TO:<postmaster@mx.test>', 'RSET', 'QUIT']);
    assert.deepEqual(r.dialogue?.map((d) => [d.command, d.code]), [['EHLO', 250], ['MAIL', 250], ['RCPT', 250]]);
    assert.deepEqual(r.ehlo, ['PIPELINING']);
  });

  it('mail: a refusal at RCPT is reported with its text, and the dialogue stops there', async () => {
    const srv = await scripted({ RCPT: '451 4.3.5 Server configuration error' });
    const r = await dialSmtp('127.0.0.1', srv.port, { ...opts, mail: { from: '', to: 'postmaster@mx.test' } });
    await srv.done;
    assert.deepEqual(r.dialogue?.at(-1), { command: 'RCPT', code: 451, text: '451 4.3.5 Server configuration error' });
    assert.ok(!srv.heard.includes('RSET') && !srv.heard.some((l) => l.startsWith('DATA')), srv.heard.join(' | '));
    assert.equal(r.outcome, 'banner');
  });

  it('mail: once settled, the answer to QUIT is not taken for the next step (no RSET, no timer keeping the process alive)', async function () {
    this.timeout(30_000);
    const srv = await scripted({ RCPT: '454 4.7.1 <x@example.net>: Relay access denied' });
    // In a process of its own: it must exit as soon as the dial is done, not a reply timeout later.
    const script = `import { dialSmtp } from ${JSON.stringify(new URL('../../../src/exec/dial.ts', import.meta.url).pathname)};
const r = await dialSmtp('127.0.0.1', ${srv.port}, { connectTimeoutMs: 1000, bannerTimeoutMs: 20000, mail: { from: '', to: 'x@example.net' } });
console.log(JSON.stringify(r.dialogue?.at(-1)));`;
    const started = Date.now();
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 25_000 });
    const took = Date.now() - started;
    await srv.done;
    assert.deepEqual(JSON.parse(stdout), { command: 'RCPT', code: 454, text: '454 4.7.1 <x@example.net>: Relay access denied' });
    assert.ok(!srv.heard.includes('RSET'), srv.heard.join(' | '));
    assert.ok(took < 15_000, `the process lived ${took} ms: something kept it alive after the dial`);
  });

  it('mail: a server that never answers RCPT costs one reply timeout, and says so', async () => {
    const srv = await scripted({ RCPT: null });
    const started = Date.now();
    const r = await dialSmtp('127.0.0.1', srv.port, { ...opts, mail: { from: '', to: 'postmaster@mx.test' } });
    assert.deepEqual(r.dialogue?.at(-1), { command: 'RCPT', code: 0, text: `no reply within ${opts.bannerTimeoutMs} ms` });
    assert.ok(Date.now() - started < 3 * opts.bannerTimeoutMs + 1_000);
    await srv.done;
  });

  it('completeReply waits for the last line of a multi-line reply', () => {
    assert.equal(completeReply('250-a\r\n250-b\r\n'), null);
    assert.deepEqual(completeReply('250-a\r\n250 b\r\n'), { code: 250, lines: ['250-a', '250 b'] });
    assert.deepEqual(completeReply('220 bare lf\n'), { code: 220, lines: ['220 bare lf'] });
    assert.equal(completeReply('220 partial'), null);
  });
});

describe('exec/dial: postscreen', function () {
  let srv: Server;
  after(() => srv?.close());
  it('a multi-line greeting held back by a pregreet pause still counts as a banner (and no EHLO is sent early)', async () => {
    let early = '';
    srv = createServer((s) => {
      s.write('220-mx.test ESMTP\r\n');
      s.on('data', (d) => (early += d.toString()));
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const r = await dialSmtp('127.0.0.1', (srv.address() as AddressInfo).port, { connectTimeoutMs: 1_000, bannerTimeoutMs: 300, ehlo: true });
    assert.deepEqual([r.outcome, r.code, r.banner], ['banner', 220, '220-mx.test ESMTP']);
    assert.ok(!early.includes('EHLO'), 'talking before the greeting ends gets a client flagged by postscreen');
  });
});
