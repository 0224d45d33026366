import assert from 'node:assert/strict';
import { relayProbe } from '../../../src/probes/relay.js';
import { factsWith, healthyFacts } from './helpers/facts.js';
import { probeCtx } from './helpers/probe-ctx.js';

const unsafe = (ii: string) =>
  factsWith((f) => {
    f.postfix.params.inet_interfaces = ii;
    f.postfix.params.mynetworks = '0.0.0.0/0';
    f.relay = { mynetworksTooWide: true, restrictionsSafe: false, safe: false, reasons: ['mynetworks entry 0.0.0.0/0 is wider than this host\'s own networks'] };
  });

describe('probes/relay', () => {
  it('safe defaults: ok with the settings as evidence', async () => {
    const [f] = await relayProbe.run(probeCtx(healthyFacts()));
    assert.equal(f?.status, 'ok');
    assert.ok(f?.evidence.some((e) => e.startsWith('smtpd_relay_restrictions = permit_mynetworks')));
  });
  it('exposed and unsafe: fail (an open relay now)', async () => {
    const [f] = await relayProbe.run(probeCtx(unsafe('all')));
    assert.deepEqual([f?.status, f?.cause, f?.title], ['fail', 'open-relay-risk', 'this server may relay mail for strangers (open relay)']);
  });
  it('loopback-only and unsafe: warn (opening it would be the mistake)', async () => {
    const [f] = await relayProbe.run(probeCtx(unsafe('loopback-only')));
    assert.deepEqual([f?.status, f?.cause], ['warn', 'open-relay-risk']);
  });
});
