import assert from 'node:assert/strict';
import { cidrContains, formatCidr, isLinkLocal, isLoopbackIp, parseCidr, parseIp } from '../../../src/facts/cidr.js';

describe('facts/cidr', () => {
  it('parses IPv4, IPv6 (compressed, mapped, dotted tail) and rejects junk', () => {
    assert.equal(parseIp('10.0.0.1')?.value, 0x0a000001n);
    assert.equal(parseIp('::1')?.value, 1n);
    assert.equal(parseIp('::ffff:127.0.0.1')?.value, 0xffff7f000001n);
    assert.equal(parseIp('1:2:3:4:5:6:1.2.3.4')?.value, 0x00010002000300040005000601020304n);
    for (const bad of ['x', '1.2.3', '256.1.1.1', '1::2::3', '1:2:3:4:5:6:7:8:9']) assert.equal(parseIp(bad), null, bad);
  });

  it('parses Postfix-style networks and tests containment', () => {
    const mapped = parseCidr('[::ffff:127.0.0.0]/104');
    assert.ok(mapped && cidrContains(mapped, parseCidr('::ffff:127.0.0.1') as NonNullable<typeof mapped>));
    const all = parseCidr('0.0.0.0/0');
    assert.equal(all?.prefix, 0);
    assert.ok(cidrContains(parseCidr('10.0.0.0/8')!, parseCidr('10.99.0.0/24')!));
    assert.ok(!cidrContains(parseCidr('10.99.0.0/24')!, parseCidr('10.0.0.0/8')!));
    assert.ok(!cidrContains(parseCidr('10.0.0.0/8')!, parseCidr('::1')!));
    assert.equal(formatCidr(parseCidr('10.99.0.1/24')!), '10.99.0.0/24');
    assert.equal(parseCidr('10.0.0.0/33'), null);
  });

  it('knows loopback and link-local', () => {
    assert.ok(isLoopbackIp('127.0.0.53') && isLoopbackIp('::1') && isLoopbackIp('::ffff:127.0.0.1'));
    assert.ok(!isLoopbackIp('10.0.0.1'));
    assert.ok(isLinkLocal('fe80::1') && isLinkLocal('169.254.1.1') && !isLinkLocal('fd00::1'));
  });
});
