import assert from 'node:assert/strict';
import { inetConfigProbe } from '../../../src/probes/inet-config.js';
import { factsWith, healthyFacts } from './helpers/facts.js';
import { probeCtx } from './helpers/probe-ctx.js';

const run = async (edit: Parameters<typeof factsWith>[0]) => inetConfigProbe.run(probeCtx(factsWith(edit)));

describe('probes/inet-config', () => {
  it('all + all with IPv6 present: two ok findings', async () => {
    const fs = await inetConfigProbe.run(probeCtx(healthyFacts()));
    assert.deepEqual(fs.map((f) => f.status), ['ok', 'ok']);
  });

  it('loopback-only and localhost are loopback-only', async () => {
    for (const v of ['loopback-only', 'localhost', '127.0.0.1, [::1]']) {
      const fs = await run((f) => (f.postfix.params.inet_interfaces = v));
      assert.equal(fs[0]?.cause, 'loopback-only', v);
    }
  });

  it('an address the host does not have: inet-interfaces-unknown-address', async () => {
    const fs = await run((f) => (f.postfix.params.inet_interfaces = '127.0.0.1, 192.0.2.99'));
    assert.equal(fs[0]?.cause, 'inet-interfaces-unknown-address');
    assert.ok(fs[0]?.evidence.some((e) => e.includes('192.0.2.99')));
    const own = await run((f) => (f.postfix.params.inet_interfaces = '10.0.0.5'));
    assert.equal(own[0]?.status, 'ok');
  });

  it('inet_protocols = all without any IPv6 address: warn (Postfix 3.x falls back, with a warning)', async () => {
    const fs = await run((f) => (f.network.ipv6Available = false));
    assert.deepEqual(fs.map((f) => [f.status, f.cause ?? null]), [['ok', null], ['warn', 'inet-protocols-ipv6-missing']]);
    const v4 = await run((f) => {
      f.network.ipv6Available = false;
      f.postfix.params.inet_protocols = 'ipv4';
    });
    assert.equal(v4[1]?.status, 'ok');
  });

  it('unknown when postconf failed', async () => {
    const fs = await run((f) => f.errors.push({ fact: 'postfix.params', message: 'postconf: fatal: main.cf line 3' }));
    assert.deepEqual(fs.map((f) => f.status), ['unknown']);
  });
});

describe('probes/inet-config: IPv6 off while Postfix is told to use it', () => {
  it('inet_interfaces = localhost (::1 too) with inet_protocols = all and no IPv6: fail, Postfix cannot start', async () => {
    const fs = await run((f) => {
      f.network.ipv6Available = false;
      f.postfix.params.inet_interfaces = 'localhost';
    });
    const v6 = fs.find((f) => f.cause === 'inet-protocols-ipv6-missing');
    assert.equal(v6?.status, 'fail');
    assert.ok(v6?.evidence.some((e) => e.includes('no local interface found for ::1')));
  });
});
