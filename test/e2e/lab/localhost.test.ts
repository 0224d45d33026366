import assert from 'node:assert/strict';
import { injectLocalhostV6First } from './faults.js';
import { LabHost } from './host.js';
import { listeners } from './listeners.js';
import { link } from './peer.js';
import { smtpProbe } from './smtp.js';

// Fixed program run with the host's node; options arrive as argv. Resolves "localhost" the way
// net.connect does and connects to port 25, reporting where it got and what greeted it.
const NODE_CLIENT = `
const net = require('node:net');
const dns = require('node:dns');
const autoSelectFamily = process.argv[1] === 'auto' ? true : process.argv[1] === 'off' ? false : undefined;
dns.lookup('localhost', { all: true }, (err, addrs) => {
  const first = err ? null : addrs[0].address;
  const opts = { host: 'localhost', port: 25 };
  if (autoSelectFamily !== undefined) opts.autoSelectFamily = autoSelectFamily;
  const s = net.connect(opts);
  s.setTimeout(5000, () => { console.log(JSON.stringify({ first, error: 'timeout' })); s.destroy(); });
  s.once('data', (d) => {
    console.log(JSON.stringify({ first, remote: s.remoteAddress, banner: String(d).split('\\r\\n')[0] }));
    s.end('QUIT\\r\\n');
  });
  s.on('error', (e) => console.log(JSON.stringify({ first, error: e.code, message: e.message })));
});
`;

interface ClientResult {
  first: string | null;
  remote?: string;
  banner?: string;
  error?: string;
  message?: string;
}

describe('lab: localhost resolves to ::1 first, Postfix listens on IPv4 only', function () {
  let server: LabHost;
  let peer: LabHost;
  let addr: string;

  before(async function () {
    server = await LabHost.create({ name: 'lhsrv' });
    peer = await LabHost.create({ name: 'lhpeer', postfix: false });
    addr = (await link(server, peer)).aAddr;
  });
  after(async function () {
    await Promise.all([server?.destroy(), peer?.destroy()]);
  });

  const nodeClient = async (mode: 'default' | 'off' | 'auto'): Promise<ClientResult> => {
    const r = await server.execOk([server.nodeBin, '-e', NODE_CLIENT, mode], { timeoutMs: 15_000 });
    return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as ClientResult;
  };

  it('even Debian\'s own /etc/hosts (127.0.0.1 listed first) gives ::1 first: glibc sorts it ahead', async function () {
    assert.match(await server.readFile('/etc/hosts'), /^127\.0\.0\.1\tlocalhost\n/);
    const before = await nodeClient('off');
    assert.equal(before.first, '::1');
    // Postfix listens on both families here (inet_protocols = all), so the client is greeted.
    // Where: net.connect resolves again (with AI_ADDRCONFIG), and once, in CI on a loaded machine,
    // landed on 127.0.0.1 — cause not found yet; either address greets.
    assert.match(before.banner ?? '', /^220 .*Postfix/, JSON.stringify(before));
    assert.ok(before.remote === '::1' || before.remote === '127.0.0.1', JSON.stringify(before));
  });

  it('a Node 17-19 style client (first address only) gets ECONNREFUSED ::1:25; 127.0.0.1 greets', async function () {
    const fault = await injectLocalhostV6First(server);
    assert.equal(fault.restart.code, 0, fault.restart.stdout);
    assert.match(await server.readFile('/etc/hosts'), /^::1\tlocalhost/);
    const bound = (await listeners(server, 25)).map((l) => l.address);
    assert.deepEqual(bound, ['0.0.0.0'], 'IPv4 only');

    const firstOnly = await nodeClient('off');
    assert.equal(firstOnly.first, '::1');
    assert.equal(firstOnly.error, 'ECONNREFUSED', JSON.stringify(firstOnly));
    assert.equal(firstOnly.message, 'connect ECONNREFUSED ::1:25');
    assert.equal((await smtpProbe(server, '127.0.0.1', 25, 1_500)).kind, 'banner');
    assert.equal((await smtpProbe(server, '::1', 25, 1_500)).kind, 'refused');
    // The outside world is not affected.
    assert.equal((await smtpProbe(peer, addr, 25, 1_500)).kind, 'banner');

    // Node 20+ tries the next address (autoSelectFamily, "happy eyeballs") by default.
    const major = Number(process.versions.node.split('.')[0]);
    const dflt = await nodeClient('default');
    if (major >= 20) {
      assert.equal(dflt.remote, '127.0.0.1', JSON.stringify(dflt));
      assert.match(dflt.banner ?? '', /^220 /);
    } else {
      assert.equal(dflt.error, 'ECONNREFUSED', JSON.stringify(dflt));
    }
    console.log(`      node ${process.versions.node}: first-address-only -> ${firstOnly.message}; default -> ${dflt.remote ?? dflt.error}`);
  });
});
