import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as tcpConnect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket, createServer as createTlsServer } from 'node:tls';
import { EventEmitter } from 'node:events';
import { afterTicket, completeReply, describeDial, dialSmtp } from '../../../src/exec/dial.js';
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

// TLS: real handshakes on loopback with a certificate made by openssl for the test.
describe('exec/dial: STARTTLS and TLS from the first byte', function () {
  this.timeout(20_000);
  let dir: string;
  let key: string;
  let cert: string;
  const servers: Server[] = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pf-dial-tls-'));
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '30', '-subj', '/CN=mx.test', '-addext', 'subjectAltName=DNS:mx.test,DNS:mail.mx.test'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    key = readFileSync(join(dir, 'key.pem'), 'utf8');
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  });
  after(() => {
    servers.forEach((s) => s.close());
    rmSync(dir, { recursive: true, force: true });
  });
  const listen = async (srv: Server): Promise<number> => {
    servers.push(srv);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    return (srv.address() as AddressInfo).port;
  };

  /** An SMTP server that offers STARTTLS (or answers it with `starttlsReply`), records what it heard in plain text and inside TLS. */
  const smtpServer = async (o: { offer?: boolean; starttlsReply?: string; maxVersion?: 'TLSv1.2' } = {}): Promise<{ port: number; heard: string[]; done: Promise<void> }> => {
    const heard: string[] = [];
    let ended: () => void = () => undefined;
    const done = new Promise<void>((r) => (ended = r));
    const talk = (s: Socket | TLSSocket, secure: boolean): void => {
      let buf = '';
      const onData = (d: Buffer): void => {
        buf += d.toString();
        for (let i = buf.indexOf('\r\n'); i >= 0; i = buf.indexOf('\r\n')) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 2);
          heard.push(`${secure ? 'tls' : 'plain'}: ${line}`);
          const verb = line.split(/[ :]/)[0] as string;
          if (verb === 'EHLO') s.write(secure ? '250-mx.test\r\n250-AUTH PLAIN LOGIN\r\n250 PIPELINING\r\n' : `250-mx.test\r\n${o.offer === false ? '' : '250-STARTTLS\r\n'}250 PIPELINING\r\n`);
          else if (verb === 'STARTTLS') {
            if (o.starttlsReply) {
              s.write(`${o.starttlsReply}\r\n`);
              continue;
            }
            s.removeListener('data', onData);
            s.write('220 2.0.0 Ready to start TLS\r\n');
            const secured = new TLSSocket(s as Socket, { isServer: true, key, cert, ...(o.maxVersion ? { maxVersion: o.maxVersion } : {}) });
            talk(secured, true);
            return;
          } else if (verb === 'QUIT') {
            s.end('221 2.0.0 Bye\r\n');
            ended();
            return;
          } else if (verb === 'RCPT') s.write('554 5.7.1 <relay-test@example.net>: Relay access denied\r\n');
          else s.write('250 2.0.0 Ok\r\n');
        }
      };
      s.on('data', onData);
      s.on('error', () => undefined);
    };
    const port = await listen(
      createServer((s) => {
        s.write('220 mx.test ESMTP Postfix\r\n');
        talk(s, false);
      }),
    );
    return { port, heard, done };
  };
  const opts = { connectTimeoutMs: 2_000, bannerTimeoutMs: 2_000 };

  it('STARTTLS: the handshake, the certificate served (names, dates, not trusted: self-signed), EHLO again with AUTH', async () => {
    const srv = await smtpServer();
    const r = await dialSmtp('127.0.0.1', srv.port, { ...opts, starttls: true, ehloAfterTls: true, servername: 'mail.mx.test' });
    await srv.done;
    assert.equal(r.outcome, 'banner');
    assert.deepEqual(srv.heard, ['plain: EHLO postfix-fix.invalid', 'plain: STARTTLS', 'tls: EHLO postfix-fix.invalid', 'tls: QUIT']);
    assert.ok(r.tls?.ok, JSON.stringify(r.tls));
    assert.equal(r.tls?.mode, 'starttls');
    assert.match(r.tls?.protocol ?? '', /^TLSv1\.[23]$/);
    assert.equal(r.tls?.certificate?.commonName, 'mx.test');
    assert.deepEqual(r.tls?.certificate?.altNames, ['mx.test', 'mail.mx.test']);
    assert.equal(r.tls?.certificate?.selfSigned, true);
    const days = (Date.parse(r.tls?.certificate?.notAfter ?? '') - Date.now()) / 86_400_000;
    assert.ok(days > 29 && days <= 30, String(days));
    assert.equal(r.tls?.trusted, false);
    assert.match(r.tls?.trustError ?? '', /SELF_SIGNED/);
    assert.equal(r.tls?.nameMatches, true);
    assert.ok(r.ehlo?.includes('STARTTLS'));
    assert.ok(r.ehloTls?.includes('AUTH PLAIN LOGIN'), JSON.stringify(r.ehloTls));
    assert.ok(r.connectMs !== undefined && r.local === '127.0.0.1');
  });

  // Postfix (OpenSSL) sends TLS 1.3 session tickets just after the handshake, and Nagle holds its
  // answer to a command that overtook them until the client's delayed ACK (40 ms). What crosses
  // the wire shows the order: a relay between the two records the client's TCP segments.
  it('STARTTLS (TLS 1.3): EHLO inside TLS leaves only once the session ticket is here, not in the segment of the Finished', async () => {
    const srv = await smtpServer();
    const segments: Buffer[] = [];
    const relay = await listen(
      createServer((c) => {
        const s = tcpConnect(srv.port, '127.0.0.1');
        c.on('data', (d: Buffer) => (segments.push(d), s.write(d)));
        s.pipe(c);
        s.on('error', () => c.destroy());
        c.on('error', () => s.destroy());
      }),
    );
    const r = await dialSmtp('127.0.0.1', relay, { ...opts, starttls: true, ehloAfterTls: true });
    await srv.done;
    assert.equal(r.tls?.protocol, 'TLSv1.3');
    assert.ok(r.ehloTls?.includes('AUTH PLAIN LOGIN'), JSON.stringify(r));
    // TLS record types in the segment that carries the client's Finished (after its change_cipher_spec, 20).
    const finished = segments.find((d) => d[0] === 20);
    assert.ok(finished, `no change_cipher_spec segment in ${segments.length}`);
    const types: number[] = [];
    for (let at = 0; at + 5 <= finished.length; at += 5 + finished.readUInt16BE(at + 3)) types.push(finished[at] as number);
    assert.deepEqual(types, [20, 23], 'the Finished alone: no command in the same segment');
    assert.deepEqual(srv.heard, ['plain: EHLO postfix-fix.invalid', 'plain: STARTTLS', 'tls: EHLO postfix-fix.invalid', 'tls: QUIT']);
  });

  it('STARTTLS (TLS 1.2, tickets inside the handshake): EHLO inside TLS at once', async () => {
    const srv = await smtpServer({ maxVersion: 'TLSv1.2' });
    const r = await dialSmtp('127.0.0.1', srv.port, { ...opts, starttls: true, ehloAfterTls: true });
    await srv.done;
    assert.equal(r.tls?.protocol, 'TLSv1.2');
    assert.ok(r.ehloTls?.includes('AUTH PLAIN LOGIN'), JSON.stringify(r));
  });

  it('STARTTLS: a name the certificate does not carry is reported as such; without ehloAfterTls, QUIT right after the handshake', async () => {
    const srv = await smtpServer();
    const r = await dialSmtp('127.0.0.1', srv.port, { ...opts, starttls: true, servername: 'other.test' });
    await srv.done;
    assert.equal(r.tls?.nameMatches, false);
    assert.deepEqual(srv.heard, ['plain: EHLO postfix-fix.invalid', 'plain: STARTTLS', 'tls: QUIT']);
    assert.equal(r.ehloTls, undefined);
  });

  it('STARTTLS with a relay test: MAIL and RCPT inside TLS, never DATA; the refusal is in the dialogue', async () => {
    const srv = await smtpServer();
    const r = await dialSmtp('127.0.0.1', srv.port, { ...opts, starttls: true, mail: { from: 'a@example.org', to: 'relay-test@example.net' } });
    await srv.done;
    assert.deepEqual(srv.heard, ['plain: EHLO postfix-fix.invalid', 'plain: STARTTLS', 'tls: EHLO postfix-fix.invalid', 'tls: MAIL FROM:<a@example.org>', 'tls: RCPT TO:<relay-test@example.net>', 'tls: QUIT']);
    assert.deepEqual(r.dialogue?.map((d) => [d.command, d.code]), [['EHLO', 250], ['MAIL', 250], ['RCPT', 554]]);
  });

  it('STARTTLS not offered: said so, nothing else tried', async () => {
    const srv = await smtpServer({ offer: false });
    const r = await dialSmtp('127.0.0.1', srv.port, { ...opts, starttls: true });
    await srv.done;
    assert.deepEqual(r.tls, { mode: 'starttls', offered: false, ok: false });
    assert.ok(!srv.heard.some((l) => l.includes('STARTTLS')));
  });

  it('STARTTLS refused (454): reported, and a relay test goes on in plain text as a sender would', async () => {
    const srv = await smtpServer({ starttlsReply: '454 4.7.0 TLS not available due to local problem' });
    const r = await dialSmtp('127.0.0.1', srv.port, { ...opts, starttls: true, mail: { from: '', to: 'x@example.net' } });
    await srv.done;
    assert.deepEqual(r.tls, { mode: 'starttls', offered: true, ok: false, detail: '454 4.7.0 TLS not available due to local problem' });
    assert.deepEqual(r.dialogue?.map((d) => [d.command, d.code]), [['EHLO', 250], ['MAIL', 250], ['RCPT', 554]]);
    assert.ok(srv.heard.includes('plain: MAIL FROM:<>'));
  });

  it('TLS from the first byte (465): the greeting inside TLS, with the certificate', async () => {
    const port = await listen(createTlsServer({ key, cert }, (s) => s.end('220 mx.test ESMTP Postfix\r\n')));
    const r = await dialSmtp('127.0.0.1', port, { ...opts, implicitTls: true });
    assert.deepEqual([r.outcome, r.code, r.tls?.mode, r.tls?.ok, r.tls?.certificate?.commonName], ['banner', 220, 'implicit', true, 'mx.test']);
  });

  it('trusted is the chain alone: a CA this Node trusts (NODE_EXTRA_CA_CERTS) is trusted dialled by address or under another name; the name is nameMatches', async () => {
    const port = await listen(createTlsServer({ key, cert }, (s) => s.end('220 mx.test ESMTP Postfix\r\n')));
    // The extra CA is read when node starts: a process of its own.
    const dial = new URL('../../../src/exec/dial.ts', import.meta.url).href;
    const script = `import { dialSmtp } from ${JSON.stringify(dial)};
      const o = { connectTimeoutMs: 2000, bannerTimeoutMs: 2000, implicitTls: true };
      const t = async (x) => { const r = await dialSmtp('127.0.0.1', ${port}, { ...o, ...x }); return [r.tls?.trusted, r.tls?.trustError ?? null, r.tls?.nameMatches ?? null]; };
      console.log(JSON.stringify([await t({}), await t({ servername: 'other.test' }), await t({ servername: 'mail.mx.test' })]));`;
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') };
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env, timeout: 15_000 });
    assert.deepEqual(JSON.parse(stdout), [
      [true, null, null],
      [true, null, false],
      [true, null, true],
    ]);
    // Without the CA: the same certificate is self-signed, whatever the name.
    const bare = await dialSmtp('127.0.0.1', port, { ...opts, implicitTls: true, servername: 'mail.mx.test' });
    assert.deepEqual([bare.tls?.trusted, bare.tls?.trustError, bare.tls?.nameMatches], [false, 'DEPTH_ZERO_SELF_SIGNED_CERT', true]);
  });

  it('TLS from the first byte against a plain-text greeting: the handshake fails, no banner', async () => {
    const port = await listen(createServer((s) => s.end('220 mx.test ESMTP Postfix\r\n')));
    const r = await dialSmtp('127.0.0.1', port, { ...opts, implicitTls: true });
    assert.equal(r.outcome, 'error');
    assert.match(r.detail ?? '', /TLS handshake/);
    assert.equal(r.tls?.ok, false);
    assert.ok(r.connectMs !== undefined, 'it did connect');
  });

  it('TLS from the first byte against a silent listener: no banner within the time, never past it', async () => {
    const port = await listen(createServer(() => undefined));
    const started = Date.now();
    const r = await dialSmtp('127.0.0.1', port, { connectTimeoutMs: 1_000, bannerTimeoutMs: 300, implicitTls: true });
    assert.equal(r.outcome, 'banner-timeout');
    assert.ok(Date.now() - started < 1_500);
  });
});

describe('exec/dial: afterTicket', function () {
  const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  it('a ticket already here: at once', () => {
    let went = 0;
    afterTicket(new EventEmitter(), true, 60_000, () => went++);
    assert.equal(went, 1);
  });
  it('the ticket arrives: once, after the event (not inside it), and no timer is left', async () => {
    const secure = new EventEmitter();
    let went = 0;
    afterTicket(secure, false, 60_000, () => went++);
    secure.emit('session');
    assert.equal(went, 0, 'not from inside the event');
    await new Promise((r) => setImmediate(r));
    assert.equal(went, 1);
    secure.emit('session');
    await new Promise((r) => setImmediate(r));
    assert.equal(went, 1, 'a second ticket changes nothing');
  });
  it('no ticket comes: after the wait, once', async () => {
    const secure = new EventEmitter();
    let went = 0;
    afterTicket(secure, false, 5, () => went++);
    assert.equal(went, 0);
    while (went === 0) await wait(5);
    secure.emit('session');
    await new Promise((r) => setImmediate(r));
    assert.equal(went, 1, 'a late ticket changes nothing');
  });
});
