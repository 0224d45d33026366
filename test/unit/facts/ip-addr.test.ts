import assert from 'node:assert/strict';
import { compressIpv6, parseIfInet6, parseIpAddrJson } from '../../../src/facts/ip-addr.js';
import { ipv4DefaultRouteIfaces, ipv6DefaultRouteIfaces } from '../../../src/facts/proc-route.js';
import { parseProcNetTcp } from '../../../src/facts/proc-net-tcp.js';
import { fixture } from './fixture.js';

describe('facts/ip-addr, proc-route, proc-net-tcp', () => {
  it('reads `ip -j addr` (lo + a veth with IPv4, ULA and link-local IPv6)', () => {
    const ifs = parseIpAddrJson(fixture('ip-j-addr-veth.json'));
    assert.deepEqual(ifs.map((i) => [i.name, i.up, i.loopback]), [['lo', true, true], ['eth0', true, false]]);
    assert.deepEqual(ifs[1]?.addresses, [
      { family: 4, address: '10.99.0.1', prefixLength: 24 },
      { family: 6, address: 'fd00:99::1', prefixLength: 64 },
      { family: 6, address: 'fe80::5c1d:c1ff:fe5f:645d', prefixLength: 64 },
    ]);
  });

  it('reads /proc/net/if_inet6 and compresses addresses like ip does', () => {
    assert.deepEqual(parseIfInet6(fixture('if_inet6.txt')), [
      { name: 'eth0', address: 'fe80::5c1d:c1ff:fe5f:645d', prefixLength: 64 },
      { name: 'lo', address: '::1', prefixLength: 128 },
      { name: 'eth0', address: 'fd00:99::1', prefixLength: 64 },
    ]);
    assert.equal(compressIpv6('00000000000000000000000000000000'), '::');
    assert.equal(compressIpv6('20010db8000000010000000000000001'), '2001:db8:0:1::1');
  });

  it('finds default routes, ignoring the kernel\'s IPv6 unreachable placeholder on lo', () => {
    assert.deepEqual(ipv4DefaultRouteIfaces(fixture('proc-net-route-default.txt')), ['eth0']);
    assert.deepEqual(ipv6DefaultRouteIfaces(fixture('proc-net-ipv6-route-default.txt')), ['eth0']);
    assert.deepEqual(ipv4DefaultRouteIfaces(fixture('proc-net-route-none.txt')), []);
    assert.deepEqual(ipv6DefaultRouteIfaces(fixture('proc-net-ipv6-route-none.txt')), []);
  });

  it('reads listening sockets from /proc/net/tcp{,6} when ss is missing', () => {
    const v4 = parseProcNetTcp(fixture('proc-net-tcp.txt'), 4);
    assert.deepEqual(v4, [{ family: 4, address: '0.0.0.0', port: 25, pid: null, process: null }]);
    const v6 = parseProcNetTcp(fixture('proc-net-tcp6.txt'), 6);
    assert.deepEqual(v6.map((l) => `${l.address}:${l.port}`), [':::25']);
  });
});
