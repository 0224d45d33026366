// The client a person names, as the host sees it: the route back to it (`ip -j route get`, as
// iproute2 prints it), this host's own addresses, and the container bridges it may sit on.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHostFs } from '../../../src/exec/host-fs.js';
import { defaultClientPorts, gatherClient } from '../../../src/facts/client.js';
import { debianProfile } from '../helpers/context.js';
import { fakeExec } from '../probes/helpers/fake-exec.js';
import { healthyFacts } from '../probes/helpers/facts.js';
import type { NetworkFacts } from '../../../src/facts/types.js';
import { dialSmtp } from '../../../src/exec/dial.js';

const network: NetworkFacts = {
  interfaces: [
    { name: 'lo', up: true, loopback: true, addresses: [{ family: 4, address: '127.0.0.1', prefixLength: 8 }] },
    { name: 'eth0', up: true, loopback: false, addresses: [{ family: 4, address: '10.231.0.1', prefixLength: 24 }] },
    { name: 'docker0', up: true, loopback: false, addresses: [{ family: 4, address: '172.17.0.1', prefixLength: 16 }] },
    { name: 'lanbr', up: true, loopback: false, addresses: [{ family: 4, address: '192.168.50.1', prefixLength: 24 }] },
  ],
  ipv6Available: false,
  defaultRoutes: [{ family: 4, iface: 'eth0' }],
};

function ctx(route: string | null, sysBridges: string[] = []) {
  const root = mkdtempSync(join(tmpdir(), 'pf-client-fact-'));
  for (const b of sysBridges) mkdirSync(join(root, 'sys/class/net', b, 'bridge'), { recursive: true });
  const exec = fakeExec(route === null ? [] : [{ argv: ['ip', '-j', 'route', 'get'], result: { stdout: route } }], ['ip']);
  return { exec, fs: createHostFs(root), profile: debianProfile(), dialer: dialSmtp, deadline: Date.now() + 5_000 };
}

const q = (address: string | null, ports: number[] | null = null) => ({ address, name: null, ports });

describe('facts/client', () => {
  it('default ports: 25, then every port an smtpd or postscreen inet service in master.cf offers clients (not a loopback reinjection port)', () => {
    const services = healthyFacts().postfix.services;
    services.push({ service: 'submission', type: 'inet', private: false, unprivileged: true, chroot: true, processLimit: '-', command: 'smtpd', port: 587, address: null, params: {} });
    services.push({ service: '127.0.0.1:10025', type: 'inet', private: false, unprivileged: true, chroot: false, processLimit: '-', command: 'smtpd', port: 10025, address: '127.0.0.1', params: {} });
    services.push({ service: '2525', type: 'inet', private: false, unprivileged: true, chroot: true, processLimit: '-', command: 'qmqpd', port: 2525, address: null, params: {} });
    assert.deepEqual(defaultClientPorts(services), [25, 587]);
  });

  it('a client out on the network: the interface the kernel answers it by', async () => {
    const c = await gatherClient(ctx('[{"dst":"203.0.113.7","gateway":"10.231.0.254","dev":"eth0","prefsrc":"10.231.0.1","flags":[],"uid":0,"cache":[]}]'), q('203.0.113.7', [587]), network, []);
    assert.deepEqual(c, { address: '203.0.113.7', name: null, family: 4, ports: [587], portsGiven: true, iface: 'eth0', local: false, bridge: null });
  });

  it('a container on Docker\'s bridge: the bridge, this host\'s address there, its subnet', async () => {
    const c = await gatherClient(ctx('[{"dst":"172.17.0.2","dev":"docker0","prefsrc":"172.17.0.1","flags":[],"uid":0,"cache":[]}]'), q('172.17.0.2'), network, []);
    assert.deepEqual(c.bridge, { name: 'docker0', kind: 'docker', address: '172.17.0.1', prefixLength: 16, subnet: '172.17.0.0/16' });
    assert.deepEqual(c.ports, [25]);
  });

  it('any other Linux bridge says so in sysfs; a plain interface on the same network is not a bridge', async () => {
    const route = '[{"dst":"192.168.50.9","dev":"lanbr","prefsrc":"192.168.50.1","flags":[],"uid":0,"cache":[]}]';
    assert.equal((await gatherClient(ctx(route, ['lanbr']), q('192.168.50.9'), network, [])).bridge?.kind, 'bridge');
    assert.equal((await gatherClient(ctx(route), q('192.168.50.9'), network, [])).bridge, null);
  });

  it('this host itself (its own address, or loopback): local, over lo', async () => {
    const own = await gatherClient(ctx('[{"type":"local","dst":"10.231.0.1","dev":"lo","prefsrc":"10.231.0.1","flags":[],"uid":0,"cache":["local"]}]'), q('10.231.0.1'), network, []);
    assert.deepEqual([own.local, own.iface], [true, 'lo']);
    assert.equal((await gatherClient(ctx(null), q('127.0.0.1'), network, [])).local, true);
  });

  it('without `ip`: the network holding the address, else the default route\'s interface', async () => {
    const c = ctx(null);
    c.exec = fakeExec([], []);
    assert.equal((await gatherClient(c, q('10.231.0.77'), network, [])).iface, 'eth0');
    assert.equal((await gatherClient(c, q('198.51.100.1'), network, [])).iface, 'eth0');
    assert.equal((await gatherClient(c, q('172.17.0.9'), network, [])).bridge?.name, 'docker0');
  });

  it('only --port: no address, the ports asked', async () => {
    assert.deepEqual(await gatherClient(ctx(null), q(null, [2525]), network, []), { address: null, name: null, family: null, ports: [2525], portsGiven: true, iface: null, local: false, bridge: null });
  });
});
