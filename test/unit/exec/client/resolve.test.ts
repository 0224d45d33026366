// Where a client's connection goes: real DNS questions (node:dns, c-ares) to a tiny responder on
// loopback (helpers/tiny-dns.ts), a hosts file of the test's own, and the deadline kept when the
// resolver never answers.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addressLiteral, dialTargets, isHostName, resolveTarget } from '../../../../src/exec/client/resolve.js';
import { hostsFileAddresses } from '../../../../src/exec/client/hosts-file.js';
import { serveTinyDns } from '../../probes/helpers/tiny-dns.js';
import type { Socket } from 'node:dgram';

describe('exec/client/resolve: MX for port 25, the name for the others, /etc/hosts first', function () {
  let dns: Socket;
  let silent: Socket;
  let dir: string;
  let hostsFile: string;
  const server = (s: Socket): string => `127.0.0.1:${s.address().port}`;
  before(async () => {
    dns = await serveTinyDns('127.0.0.1', 0, '192.0.2.25');
    silent = createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', r));
    dir = mkdtempSync(join(tmpdir(), 'pf-resolve-'));
    hostsFile = join(dir, 'hosts');
    writeFileSync(hostsFile, '127.0.0.1 localhost\n# a staging MX only this network knows\n198.51.100.7  mx.pinned.test pinned-alias   # comment\n2001:db8::7 mx.pinned.test\n');
  });
  after(() => {
    dns.close();
    silent.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const opts = (servers: Socket = dns, ms = 3_000) => ({ deadline: Date.now() + ms, servers: [server(servers)], hostsFile });

  it('an address is dialled as is, on every port (brackets allowed for IPv6)', async () => {
    const r = await resolveTarget('[2001:db8::1]', opts());
    assert.equal(r.kind, 'address');
    assert.deepEqual(dialTargets(r, [25, 587]).targets.map((t) => [t.address, t.port, t.host, t.via]), [['2001:db8::1', 25, null, 'address'], ['2001:db8::1', 587, null, 'address']]);
    assert.equal(addressLiteral('192.0.2.1'), '192.0.2.1');
    assert.equal(addressLiteral('example.org'), null);
  });

  it('a domain: port 25 goes to its MX host (with SNI = the MX name), port 587 to the name itself, which has no address, so to the MX host', async () => {
    const r = await resolveTarget('example.test', opts());
    assert.equal(r.mx?.status, 'ok');
    assert.deepEqual(r.mx?.records, [{ preference: 10, host: 'mx.example.test' }]);
    assert.deepEqual(r.mxHosts.map((h) => [h.name, h.addresses, h.source]), [['mx.example.test', ['192.0.2.25'], 'dns']]);
    assert.deepEqual(r.self.addresses, []);
    const { targets, unresolved } = dialTargets(r, [25, 587]);
    assert.deepEqual(unresolved, []);
    assert.deepEqual(targets.map((t) => [t.address, t.port, t.host, t.via, t.servername]), [['192.0.2.25', 25, 'mx.example.test', 'mx', 'mx.example.test'], ['192.0.2.25', 587, 'mx.example.test', 'mx', 'mx.example.test']]);
  });

  it('a host name with its own address: 587 goes there, 25 still to its MX', async () => {
    const r = await resolveTarget('mx.example.test', opts());
    const { targets } = dialTargets(r, [25, 587]);
    // tiny-dns gives every name an MX (mx.mx.example.test), which has an address too.
    assert.deepEqual(targets.map((t) => [t.port, t.host, t.via]), [[25, 'mx.mx.example.test', 'mx'], [587, 'mx.example.test', 'name']]);
  });

  it('/etc/hosts counts before DNS, for the name and for MX hosts', async () => {
    const r = await resolveTarget('pinned.test', opts());
    assert.deepEqual(r.mxHosts.map((h) => [h.name, h.addresses, h.source]), [['mx.pinned.test', ['198.51.100.7', '2001:db8::7'], 'hosts-file']]);
    assert.deepEqual(hostsFileAddresses('10.0.0.1 a.test b\n#10.0.0.2 b\n10.0.0.3 B.\n', 'b'), ['10.0.0.1', '10.0.0.3']);
  });

  it('a name that does not exist: an outcome with its reason, nothing to dial', async () => {
    const r = await resolveTarget('nx.example.test', opts());
    const { targets, unresolved } = dialTargets(r, [25]);
    assert.deepEqual(targets, []);
    assert.deepEqual(unresolved, [{ port: 25, reason: 'nx.example.test does not exist in DNS (NXDOMAIN)' }]);
  });

  it('no MX and no A: said so', async () => {
    const r = await resolveTarget('none.example.test', opts());
    const { unresolved } = dialTargets(r, [25]);
    assert.match(unresolved[0]?.reason ?? '', /^none\.example\.test has no MX and no A\/AAAA record/);
  });

  it('a null MX: the domain accepts no mail', async () => {
    const r = await resolveTarget('nullmx.example.test', opts());
    assert.equal(r.mx?.nullMx, true);
    assert.match(dialTargets(r, [25]).unresolved[0]?.reason ?? '', /null MX/);
  });

  it('a resolver that never answers costs no more than the deadline, and says so', async () => {
    const started = Date.now();
    const r = await resolveTarget('example.test', opts(silent, 400));
    assert.ok(Date.now() - started < 900, `${Date.now() - started} ms`);
    assert.equal(r.mx?.status, 'timeout');
    assert.match(dialTargets(r, [25]).unresolved[0]?.reason ?? '', /did not answer/);
  });

  it('host-name syntax', () => {
    for (const ok of ['example.org', 'mx-1.example.org.', 'localhost', 'a_b.example']) assert.ok(isHostName(ok), ok);
    for (const bad of ['', 'exa mple.org', '-x.org', 'http://x.org', 'user@example.org', '1.2.3', 'a..b']) assert.ok(!isHostName(bad), bad);
  });
});
