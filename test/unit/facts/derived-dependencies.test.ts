// Facts runbooks read to decide about the services smtpd depends on and about ::1 on loopback.
import assert from 'node:assert/strict';
import { factType, readFact } from '../../../src/facts/paths.js';
import type { Dependency } from '../../../src/facts/types.js';
import { baseFacts } from '../helpers/context.js';

const dep = (kind: Dependency['kind'], spec: string, over: Partial<Dependency>): Dependency => ({ kind, spec, usedBy: ['x'], endpoint: { transport: 'inet', host: '127.0.0.1', port: 1 }, chrooted: false, answers: false, detail: 'ECONNREFUSED', owner: null, candidates: [], misplaced: null, ...over });

describe('facts: derived paths for dependencies and loopback IPv6', () => {
  it('down_unserved: down with no unit here, or with its socket out of reach; down_milters: milters that do not answer', () => {
    const f = baseFacts();
    f.dependencies = {
      endpoints: [
        dep('milter', 'inet:localhost:8891', { candidates: ['opendkim.service'] }),
        dep('milter', 'unix:/opendkim/opendkim.sock', { candidates: ['opendkim.service'], misplaced: '/opendkim/opendkim.sock' }),
        dep('policy', 'inet:127.0.0.1:10023', {}),
        dep('sasl', 'private/auth', { answers: true, detail: 'connected' }),
        dep('milter', 'inet:localhost:8893', { candidates: ['opendmarc.service'], ownerRunning: true }),
      ],
      downUnits: ['opendkim.service'],
    };
    assert.deepEqual(readFact(f, 'dependencies.down_unserved'), ['unix:/opendkim/opendkim.sock', 'inet:127.0.0.1:10023', 'inet:localhost:8893'], 'no unit, out of reach, or its daemon already running');
    assert.deepEqual(readFact(f, 'dependencies.down_milters'), ['inet:localhost:8891', 'unix:/opendkim/opendkim.sock', 'inet:localhost:8893']);
    for (const p of ['dependencies.down_unserved', 'dependencies.down_milters', 'network.loopback_ipv6']) assert.ok(factType(p) !== null, p);
  });

  it('loopback_ipv6: lo up with ::1, and IPv6 usable', () => {
    const f = baseFacts();
    assert.equal(readFact(f, 'network.loopback_ipv6'), false);
    f.network.ipv6Available = true;
    f.network.interfaces[0]?.addresses.push({ family: 6, address: '::1', prefixLength: 128 });
    assert.equal(readFact(f, 'network.loopback_ipv6'), true);
    f.network.ipv6Available = false;
    assert.equal(readFact(f, 'network.loopback_ipv6'), false);
  });
});
