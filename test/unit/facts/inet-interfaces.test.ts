import assert from 'node:assert/strict';
import { bindingDrift, expectedBindAddresses, interfacesOf, protocolFamilies, splitInetInterfaces } from '../../../src/facts/inet-interfaces.js';
import { readFact } from '../../../src/facts/paths.js';
import { factsWith } from '../probes/helpers/facts.js';

describe('facts/inet-interfaces: what inet_interfaces asks for, against the host and the running master', () => {
  const own = new Set(['127.0.0.1', '::1', '10.0.0.5']);

  it('splits the addresses the host lost from those it has, keeping words, names and loopback as written', () => {
    assert.deepEqual(splitInetInterfaces('127.0.0.1, 192.0.2.77', own), { kept: ['127.0.0.1'], missing: ['192.0.2.77'], keptBeyondLoopback: false });
    assert.deepEqual(splitInetInterfaces('127.0.0.1 10.0.0.5 192.0.2.77', own), { kept: ['127.0.0.1', '10.0.0.5'], missing: ['192.0.2.77'], keptBeyondLoopback: true });
    assert.deepEqual(splitInetInterfaces('[::1], [2001:db8::7]', own), { kept: ['[::1]'], missing: ['[2001:db8::7]'], keptBeyondLoopback: false });
    assert.deepEqual(splitInetInterfaces('loopback-only', own), { kept: ['loopback-only'], missing: [], keptBeyondLoopback: false });
    // A host name is not ours to resolve: kept, and it may well reach beyond loopback.
    assert.deepEqual(splitInetInterfaces('localhost, mail.example.com', own), { kept: ['localhost', 'mail.example.com'], missing: [], keptBeyondLoopback: true });
    assert.equal(splitInetInterfaces('all', own).keptBeyondLoopback, true);
  });

  it('unread interfaces are not "the host has no addresses": nothing counts as missing', () => {
    const f = factsWith((x) => {
      x.postfix.params.inet_interfaces = '127.0.0.1, 192.0.2.77';
      x.network.interfaces = [];
    });
    assert.deepEqual(interfacesOf(f), { kept: ['127.0.0.1', '192.0.2.77'], missing: [], keptBeyondLoopback: true });
  });

  it('the derived facts runbooks read', () => {
    const f = factsWith((x) => (x.postfix.params.inet_interfaces = '127.0.0.1, 192.0.2.77'));
    assert.deepEqual(readFact(f, 'inet_interfaces.kept'), ['127.0.0.1']);
    assert.deepEqual(readFact(f, 'inet_interfaces.missing'), ['192.0.2.77']);
    assert.equal(readFact(f, 'inet_interfaces.kept_beyond_loopback'), false);
  });

  it('what a master started now would bind, per inet_protocols and the host having IPv6', () => {
    assert.deepEqual(protocolFamilies('all', true), [4, 6]);
    assert.deepEqual(protocolFamilies('all', false), [4]);
    assert.deepEqual(protocolFamilies('ipv6', true), [6]);
    assert.deepEqual(expectedBindAddresses('all', 'all', true), ['0.0.0.0', '::']);
    assert.deepEqual(expectedBindAddresses('', 'ipv4', true), ['0.0.0.0']);
    assert.deepEqual(expectedBindAddresses('loopback-only', 'all', true), ['127.0.0.1', '::1']);
    assert.deepEqual(expectedBindAddresses('127.0.0.1, [::1], 10.0.0.5', 'ipv4', true), ['10.0.0.5', '127.0.0.1']);
    assert.equal(expectedBindAddresses('mail.example.com', 'all', true), null);
  });

  it('drift: stale sockets and missing ones (`*` is both wildcards)', () => {
    assert.deepEqual(bindingDrift(['0.0.0.0', '::'], ['127.0.0.1', '::1']), { stale: ['127.0.0.1', '::1'], missing: ['0.0.0.0', '::'] });
    assert.deepEqual(bindingDrift(['0.0.0.0', '::'], ['*']), { stale: [], missing: [] });
    assert.deepEqual(bindingDrift(['0.0.0.0', '::'], ['0.0.0.0', '::']), { stale: [], missing: [] });
    assert.deepEqual(bindingDrift(['10.0.0.5', '127.0.0.1'], ['127.0.0.1']), { stale: [], missing: ['10.0.0.5'] });
  });
});
