// What smtpd serves next to what is on disk, against a small SMTP server on loopback that speaks
// STARTTLS (or TLS from the first byte) with a certificate made by openssl: the served one read
// over the wire, the file's read from disk, and the probe's verdict on the difference.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { join } from 'node:path';
import { TLSSocket, createSecureContext } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { dialSmtp } from '../../../src/exec/dial.js';
import { createHostFs } from '../../../src/exec/host-fs.js';
import { notReloaded, servedTlsState, tlsServices } from '../../../src/facts/tls-served.js';
import { tlsServedProbe } from '../../../src/probes/tls-served.js';
import type { Facts } from '../../../src/facts/types.js';
import { scratchDir } from '../helpers/context.js';
import { debianServices, factsWith } from './helpers/facts.js';
import { probeCtx } from './helpers/probe-ctx.js';

interface Fake {
  port: number;
  close(): Promise<void>;
}

/** An SMTP server: greeting, EHLO (STARTTLS offered unless told not to), STARTTLS, then TLS with `cert`. */
function fakeSmtp(cert: { key: string; cert: string }, mode: 'starttls' | 'implicit' | 'no-starttls' | 'refuse-starttls'): Promise<Fake> {
  const context = createSecureContext(cert);
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const secure = (): void => {
      const tls = new TLSSocket(socket, { isServer: true, secureContext: context });
      tls.on('error', () => undefined);
      tls.on('data', (d: Buffer) => {
        if (/^QUIT/i.test(d.toString())) tls.end('221 bye\r\n');
      });
      if (mode === 'implicit') tls.write('220 fake ESMTP\r\n');
    };
    if (mode === 'implicit') return secure();
    socket.write('220 fake ESMTP\r\n');
    socket.on('data', function onData(d: Buffer) {
      const line = d.toString();
      if (/^EHLO/i.test(line)) socket.write(`250-fake\r\n${mode === 'no-starttls' ? '' : '250-STARTTLS\r\n'}250 8BITMIME\r\n`);
      else if (/^STARTTLS/i.test(line)) {
        if (mode === 'refuse-starttls') return void socket.write('454 4.7.0 TLS not available due to local problem\r\n');
        socket.removeListener('data', onData);
        socket.write('220 2.0.0 Ready to start TLS\r\n');
        secure();
      } else if (/^QUIT/i.test(line)) socket.end('221 bye\r\n');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      }),
    ),
  );
}

describe('served certificate vs the one on disk (facts/tls-served over the dialer, probe tls-served)', function () {
  this.timeout(30_000);
  const s = scratchDir();
  const make = (name: string, days: number): { key: string; cert: string; fp: string } => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${name}.example.test`, '-days', String(days), '-keyout', join(s.dir, `${name}.key`), '-out', join(s.dir, `${name}.pem`)], { stdio: 'ignore' });
    const cert = readFileSync(join(s.dir, `${name}.pem`), 'utf8');
    return { key: readFileSync(join(s.dir, `${name}.key`), 'utf8'), cert, fp: new X509Certificate(cert).fingerprint256 };
  };
  /** Ended yesterday: self-signed with past dates through `openssl ca -selfsign` (req has no start/end dates in OpenSSL 3.0). */
  const makeExpired = (): { key: string; cert: string; fp: string } => {
    const d = join(s.dir, 'ca');
    mkdirSync(join(d, 'new'), { recursive: true });
    writeFileSync(join(d, 'index.txt'), '');
    writeFileSync(join(d, 'serial'), '1000\n');
    const conf = join(d, 'ca.cnf');
    writeFileSync(conf, ['[ca]', 'default_ca = c', '[c]', `dir = ${d}`, 'database = $dir/index.txt', 'serial = $dir/serial', 'new_certs_dir = $dir/new', 'default_md = sha256', 'policy = p', '[p]', 'commonName = supplied', ''].join('\n'));
    execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=expired.example.test', '-keyout', join(d, 'e.key'), '-out', join(d, 'e.csr')], { stdio: 'ignore' });
    const day = (n: number): string => `${new Date(Date.now() + n * 86_400_000).toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
    execFileSync('openssl', ['ca', '-batch', '-notext', '-selfsign', '-config', conf, '-keyfile', join(d, 'e.key'), '-startdate', day(-30), '-enddate', day(-1), '-in', join(d, 'e.csr'), '-out', join(d, 'e.pem')], { stdio: 'ignore' });
    const cert = readFileSync(join(d, 'e.pem'), 'utf8');
    return { key: readFileSync(join(d, 'e.key'), 'utf8'), cert, fp: new X509Certificate(cert).fingerprint256 };
  };
  let old: ReturnType<typeof make>;
  let renewed: ReturnType<typeof make>;
  const servers: Fake[] = [];
  const serve = async (cert: { key: string; cert: string }, mode: Parameters<typeof fakeSmtp>[1]): Promise<number> => {
    const f = await fakeSmtp(cert, mode);
    servers.push(f);
    return f.port;
  };
  before(() => {
    old = make('old', 30);
    renewed = make('renewed', 90);
  });
  after(async () => {
    await Promise.all(servers.map((f) => f.close()));
    s.cleanup();
  });

  const factsFor = (port: number, certFile: string, extra: (f: Facts) => void = () => undefined): Facts =>
    factsWith((f) => {
      f.postfix.services = debianServices().map((x) => (x.service === 'smtp' && x.type === 'inet' ? { ...x, port } : x));
      Object.assign(f.postfix.params, { smtpd_tls_security_level: 'may', smtpd_tls_cert_file: certFile });
      f.listeners = [{ address: '127.0.0.1', port, family: 4, process: 'master', pid: 1 } as Facts['listeners'][number]];
      extra(f);
    });

  /** What a client of `port` gets, through the real dialer, as servedTlsState reports it. */
  const servedAt = async (port: number, mode: 'starttls' | 'implicit' = 'starttls') => {
    const facts = factsFor(port, '/renewed.pem', (f) => {
      if (mode === 'implicit') f.postfix.services = f.postfix.services.map((x) => (x.port === port ? { ...x, params: { smtpd_tls_wrappermode: 'yes' } } : x));
    });
    const [state] = await servedTlsState({ fs: createHostFs(s.dir), facts, dialer: dialSmtp }, 3_000);
    assert.ok(state);
    return state.served;
  };

  it('through the dialer: STARTTLS after EHLO, and TLS from the first byte, report the certificate served', async () => {
    const a = await servedAt(await serve(old, 'starttls'));
    assert.equal(a.ok, true, a.detail);
    assert.equal(a.certificate?.fingerprint256, old.fp);
    assert.match(a.certificate?.subject ?? '', /CN=old\.example\.test/);
    const b = await servedAt(await serve(renewed, 'implicit'), 'implicit');
    assert.equal(b.certificate?.fingerprint256, renewed.fp);
  });

  it('no STARTTLS offered, or refused with 454, or nothing listening — said, never a certificate', async () => {
    assert.deepEqual(await servedAt(await serve(old, 'no-starttls')).then((r) => [r.ok, r.detail]), [false, 'no STARTTLS offered']);
    assert.deepEqual(await servedAt(await serve(old, 'refuse-starttls')).then((r) => [r.ok, r.detail]), [false, '454 4.7.0 TLS not available due to local problem']);
    assert.deepEqual(await servedAt(1).then((r) => [r.ok, r.detail]), [false, 'ECONNREFUSED']);
  });

  it('tlsServices: STARTTLS where the level is may/encrypt, TLS-first for wrappermode, the smtpd behind postscreen; none without a certificate', () => {
    const f = factsFor(25, '/etc/ssl/mail.pem', (x) => {
      x.postfix.services.push({ service: 'submissions', type: 'inet', private: false, unprivileged: true, chroot: true, processLimit: '-', command: 'smtpd', port: 465, address: null, params: { smtpd_tls_wrappermode: 'yes', smtpd_tls_cert_file: '/etc/ssl/465.pem' } });
    });
    assert.deepEqual(tlsServices(f).map((x) => [x.name, x.port, x.mode, x.certFile]), [['smtp/inet', 25, 'starttls', '/etc/ssl/mail.pem'], ['submissions/inet', 465, 'implicit', '/etc/ssl/465.pem']]);
    const screened = factsFor(25, '/etc/ssl/mail.pem', (x) => {
      x.postfix.services = x.postfix.services.map((v) => (v.service === 'smtp' && v.type === 'inet' ? { ...v, command: 'postscreen' } : v));
      x.postfix.services.push({ service: 'smtpd', type: 'pass', private: true, unprivileged: true, chroot: true, processLimit: '-', command: 'smtpd', port: null, address: null, params: {} });
    });
    assert.deepEqual(tlsServices(screened).map((x) => [x.name, x.port]), [['smtpd/pass', 25]]);
    assert.deepEqual(tlsServices(factsFor(25, '')), []);
    assert.deepEqual(tlsServices(factsFor(25, '/etc/ssl/mail.pem', (x) => (x.postfix.params.smtpd_tls_security_level = 'none'))), []);
  });

  it('the file renewed, the old certificate still served: a warning naming both; an expired one served: a failure', async () => {
    const fs = createHostFs(s.dir);
    const port = await serve(old, 'starttls');
    const states = await servedTlsState({ fs, facts: factsFor(port, '/renewed.pem'), dialer: dialSmtp }, 3_000);
    assert.equal(states.length, 1);
    assert.equal(notReloaded(states[0] as (typeof states)[number]), true);
    const [f] = await tlsServedProbe.run(probeCtx(factsFor(port, '/renewed.pem'), { fs, dialer: dialSmtp }));
    assert.deepEqual([f?.status, f?.cause], ['warn', 'tls-certificate-not-reloaded']);
    assert.match(f?.title ?? '', /smtp\/inet serves an older certificate than \/renewed\.pem \(valid until .*\): it was renewed on disk, and Postfix not reloaded/);
    assert.ok(f?.evidence.some((e) => e.startsWith(`on disk: sha256 ${renewed.fp.slice(0, 11)}`)), f?.evidence.join('\n'));
    assert.ok(f?.evidence.some((e) => e.startsWith(`served now: sha256 ${old.fp.slice(0, 11)}`)), f?.evidence.join('\n'));

    const expired = makeExpired();
    const [g] = await tlsServedProbe.run(probeCtx(factsFor(await serve(expired, 'starttls'), '/renewed.pem'), { fs, dialer: dialSmtp }));
    assert.deepEqual([g?.status, g?.cause], ['fail', 'tls-certificate-not-reloaded']);
    assert.match(g?.title ?? '', /expired /);
  });

  it('the file served is the file on disk: ok; no TLS on the wire (454): not this probe\'s problem', async () => {
    const fs = createHostFs(s.dir);
    const [f] = await tlsServedProbe.run(probeCtx(factsFor(await serve(renewed, 'starttls'), '/renewed.pem'), { fs, dialer: dialSmtp }));
    assert.deepEqual([f?.status, f?.cause], ['ok', undefined]);
    assert.match(f?.title ?? '', /smtpd serves the certificate on disk/);
    const none = await tlsServedProbe.run(probeCtx(factsFor(await serve(renewed, 'refuse-starttls'), '/renewed.pem'), { fs, dialer: dialSmtp }));
    assert.deepEqual(none, []);
  });
});
