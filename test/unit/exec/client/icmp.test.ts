// The kernel's ICMP counters as /proc/net/snmp and snmp6 print them, and a real refusal on
// loopback that moves nothing (a TCP reset).
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { dialSmtp } from '../../../../src/exec/dial.js';
import { parseSnmp, parseSnmp6, procIcmpCounter } from '../../../../src/exec/client/icmp.js';
import type { AddressInfo } from 'node:net';

const SNMP = `Ip: Forwarding DefaultTTL InReceives
Ip: 1 64 120
Icmp: InMsgs InErrors InCsumErrors InDestUnreachs InTimeExcds
Icmp: 3 0 0 2 1
IcmpMsg: InType3
IcmpMsg: 2
Tcp: RtoAlgorithm RtoMin
Tcp: 1 200
`;

describe('exec/client/icmp: destination-unreachable counters', () => {
  it('reads InDestUnreachs from /proc/net/snmp and Icmp6InDestUnreachs from snmp6', () => {
    assert.equal(parseSnmp(SNMP), 2);
    assert.equal(parseSnmp('Tcp: a\nTcp: 1\n'), null);
    assert.equal(parseSnmp6('Icmp6InMsgs                     \t5\nIcmp6InDestUnreachs             \t4\n'), 4);
    assert.equal(parseSnmp6(''), null);
  });

  it('this machine: countable; a refusal on loopback (a TCP reset) moves nothing', async () => {
    const counter = procIcmpCounter();
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    await new Promise((r) => srv.close(r));
    // The machine's own network namespace is shared with whatever else runs here (a test asking a
    // closed UDP port on loopback is answered by ICMP): one quiet try out of three is enough.
    const moved: number[] = [];
    for (let i = 0; i < 3 && !moved.includes(0); i++) {
      const before = counter.read(4);
      assert.equal(typeof before, 'number');
      const r = await dialSmtp('127.0.0.1', port, { connectTimeoutMs: 1_000, bannerTimeoutMs: 1_000 });
      assert.equal(r.outcome, 'refused');
      moved.push((counter.read(4) as number) - (before as number));
    }
    assert.ok(moved.includes(0), `the counter moved on every try: ${moved.join(', ')}`);
    assert.equal(procIcmpCounter('/nonexistent').read(4), null);
  });
});
