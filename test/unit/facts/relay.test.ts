import assert from 'node:assert/strict';
import { deriveRelay, wideNetworks } from '../../../src/facts/relay.js';
import type { NetworkFacts } from '../../../src/facts/types.js';

const network: NetworkFacts = {
  interfaces: [
    { name: 'lo', up: true, loopback: true, addresses: [{ family: 4, address: '127.0.0.1', prefixLength: 8 }] },
    { name: 'eth0', up: true, loopback: false, addresses: [{ family: 4, address: '192.0.2.10', prefixLength: 24 }] },
  ],
  ipv6Available: false,
};
const DEBIAN = { mynetworks: '127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128', smtpd_relay_restrictions: 'permit_mynetworks permit_sasl_authenticated defer_unauth_destination', smtpd_recipient_restrictions: '' };

describe('facts/relay: would inet_interfaces = all make an open relay?', () => {
  it('Debian\'s defaults are safe', () => {
    assert.deepEqual(deriveRelay(DEBIAN, network), { mynetworksTooWide: false, restrictionsSafe: true, safe: true, reasons: [] });
  });

  it('mynetworks = 0.0.0.0/0 with permit_mynetworks first is an open relay', () => {
    const r = deriveRelay({ ...DEBIAN, mynetworks: '0.0.0.0/0' }, network);
    assert.equal(r.mynetworksTooWide, true);
    assert.equal(r.restrictionsSafe, false);
    assert.equal(r.safe, false);
    assert.match(r.reasons.join('\n'), /0\.0\.0\.0\/0/);
  });

  it('flags networks wider than the host\'s own, but not its own subnet or tables', () => {
    assert.deepEqual(wideNetworks('192.0.2.0/24 127.0.0.1 hash:/etc/postfix/network_table', network), []);
    assert.deepEqual(wideNetworks('10.0.0.0/8 ::/0', network), ['10.0.0.0/8', '::/0']);
  });

  it('`permit` before reject_unauth_destination is unsafe; empty relay list falls back to recipient restrictions', () => {
    assert.equal(deriveRelay({ ...DEBIAN, smtpd_relay_restrictions: 'permit, reject_unauth_destination' }, network).restrictionsSafe, false);
    assert.equal(deriveRelay({ ...DEBIAN, smtpd_relay_restrictions: '', smtpd_recipient_restrictions: 'permit_mynetworks, reject_unauth_destination' }, network).restrictionsSafe, true);
    const neither = deriveRelay({ ...DEBIAN, smtpd_relay_restrictions: '', smtpd_recipient_restrictions: 'permit_mynetworks' }, network);
    assert.equal(neither.restrictionsSafe, false);
    assert.match(neither.reasons[0] ?? '', /neither/);
  });
});

describe('facts/relay: access tables that let strangers through', () => {
  const withMap = (restrictions: string, table: string, text: string) =>
    deriveRelay({ ...DEBIAN, smtpd_relay_restrictions: restrictions }, network, new Map([[table, text]]));

  it('a cidr client map with 0.0.0.0/0 OK before defer_unauth_destination is an open relay (the lab\'s "trusted offices" fault)', () => {
    const r = withMap('permit_mynetworks check_client_access cidr:/etc/postfix/client_access.cidr defer_unauth_destination', 'cidr:/etc/postfix/client_access.cidr', '# let trusted offices relay\n0.0.0.0/0 OK\n::/0 OK\n');
    assert.equal(r.restrictionsSafe, false);
    assert.match(r.reasons[0] ?? '', /says OK to 0\.0\.0\.0\/0, which is everyone/);
  });

  it('a client map naming real offices is fine; a sender map saying OK to anything is not', () => {
    assert.equal(withMap('check_client_access cidr:/t defer_unauth_destination', 'cidr:/t', '192.0.2.0/24 OK\n0.0.0.0/0 REJECT\n').restrictionsSafe, true);
    assert.equal(withMap('check_sender_access hash:/etc/postfix/senders defer_unauth_destination', 'hash:/etc/postfix/senders', 'boss@example.com OK\n').restrictionsSafe, false);
    assert.equal(withMap('check_client_access regexp:/r defer_unauth_destination', 'regexp:/r', '/./ OK\n').restrictionsSafe, false);
  });

  it('finds the tables named in the restrictions', async () => {
    const { accessTablesIn } = await import('../../../src/facts/access-tables.js');
    assert.deepEqual(accessTablesIn({ smtpd_relay_restrictions: 'permit_mynetworks, check_client_access cidr:/a, defer_unauth_destination', smtpd_recipient_restrictions: 'check_sender_access hash:/b' }), ['cidr:/a', 'hash:/b']);
  });
});
