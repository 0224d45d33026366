import assert from 'node:assert/strict';
import { evaluateNftInput, traceNftInput } from '../../../../src/facts/firewall/nft-eval.js';
import { countNftRules, parseNftJson, tableOwner } from '../../../../src/facts/firewall/nft-json.js';
import { fixture } from '../fixture.js';

const packet = (dport: number, iface = 'eth0') => ({ iface, dport, dstAddrs: ['10.99.0.1'] });

// `nft -j list ruleset` captured in namespace hosts: a native inet table (policy drop, lo accept,
// a port set, reject icmpx on 25, drop 465, a range, a source-limited rule); firewalld 1.3 with its
// default public zone (eth0 assigned) and with --add-service=smtp --add-port=2525/tcp; iptables-nft.
describe('facts/firewall: nft JSON parsing and the input-hook walk', () => {
  it('tells which backend owns each table', () => {
    assert.equal(tableOwner('ip', 'filter'), 'iptables-nft');
    assert.equal(tableOwner('inet', 'filter'), 'nftables');
    assert.equal(tableOwner('inet', 'firewalld'), 'firewalld');
    const rs = parseNftJson(fixture('nft-j-iptables-nft.json'));
    assert.deepEqual(rs.tables, [{ family: 'ip', name: 'filter', owner: 'iptables-nft' }]);
    assert.equal(countNftRules(rs, 'nftables'), 0);
    assert.equal(countNftRules(parseNftJson(fixture('nft-j-ufw.json')), 'nftables'), 0);
    assert.equal(countNftRules(parseNftJson(fixture('nft-j-native.json')), 'nftables'), 8);
  });

  it('judges a native ruleset port by port', () => {
    const rs = parseNftJson(fixture('nft-j-native.json'));
    assert.deepEqual(evaluateNftInput(rs, 'nftables', packet(25)), { verdict: 'reject', detail: 'inet filter input: tcp dport 25 reject with icmpx admin-prohibited' });
    assert.equal(evaluateNftInput(rs, 'nftables', packet(587)).verdict, 'allow');
    assert.equal(evaluateNftInput(rs, 'nftables', packet(465)).verdict, 'drop');
    assert.equal(evaluateNftInput(rs, 'nftables', packet(2050)).verdict, 'allow');
    assert.deepEqual(evaluateNftInput(rs, 'nftables', packet(110)), { verdict: 'drop', detail: 'policy drop of chain inet filter input' });
    assert.equal(evaluateNftInput(rs, 'nftables', packet(25, 'lo')).verdict, 'allow');
  });

  it('walks firewalld\'s zone chains: the default public zone rejects 25, ssh is allowed', () => {
    const rs = parseNftJson(fixture('nft-j-firewalld-default.json'));
    assert.deepEqual(evaluateNftInput(rs, 'firewalld', packet(25)), { verdict: 'reject', detail: 'inet firewalld filter_IN_public: reject with icmpx admin-prohibited' });
    assert.equal(evaluateNftInput(rs, 'firewalld', packet(22)).verdict, 'allow');
  });

  it('sees firewalld open once smtp is added', () => {
    const rs = parseNftJson(fixture('nft-j-firewalld.json'));
    assert.equal(evaluateNftInput(rs, 'firewalld', packet(25)).verdict, 'allow');
    assert.equal(evaluateNftInput(rs, 'firewalld', packet(2525)).verdict, 'allow');
    assert.equal(evaluateNftInput(rs, 'firewalld', packet(587)).verdict, 'reject');
  });

  it('applies every base chain in priority order, follows vmaps and named sets, and admits what it cannot read', () => {
    const doc = {
      nftables: [
        { table: { family: 'inet', name: 'a', handle: 1 } },
        { chain: { family: 'inet', table: 'a', name: 'early', handle: 1, type: 'filter', hook: 'input', prio: -10, policy: 'accept' } },
        { chain: { family: 'inet', table: 'a', name: 'late', handle: 2, type: 'filter', hook: 'input', prio: 10, policy: 'accept' } },
        { chain: { family: 'inet', table: 'a', name: 'smtp', handle: 3 } },
        { set: { family: 'inet', table: 'a', name: 'blocked', type: 'inet_service', handle: 4, elem: [587] } },
        { rule: { family: 'inet', table: 'a', chain: 'early', expr: [{ match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: 25 } }, { accept: null }] } },
        { rule: { family: 'inet', table: 'a', chain: 'late', expr: [{ vmap: { key: { meta: { key: 'iifname' } }, data: { set: [['eth*', { jump: { target: 'smtp' } }]] } } }] } },
        { rule: { family: 'inet', table: 'a', chain: 'smtp', expr: [{ match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: '@blocked' } }, { drop: null }] } },
        { rule: { family: 'inet', table: 'a', chain: 'smtp', expr: [{ match: { op: '==', left: { osf: { key: 'name' } }, right: 'Linux' } }, { drop: null }] } },
      ],
    };
    const rs = parseNftJson(JSON.stringify(doc));
    // accepted by `early`, but `late` still sees it: the osf match there cannot be judged
    assert.equal(evaluateNftInput(rs, 'nftables', packet(25)).verdict, 'unknown');
    assert.deepEqual(evaluateNftInput(rs, 'nftables', packet(587)), { verdict: 'drop', detail: 'inet a smtp: tcp dport @blocked drop' });
    assert.equal(evaluateNftInput(rs, 'nftables', packet(25, 'wg0')).verdict, 'allow'); // no vmap entry for wg0
  });

  it('traces where it decided and whose table that is; for a given client, a ban set decides', () => {
    // fail2ban's nftables banaction (action.d/nftables.conf: table inet f2b-table, chain f2b-chain
    // at input priority -1, one address set per jail) beside a native table.
    const dport = { payload: { protocol: 'tcp', field: 'dport' } };
    const rs = parseNftJson(
      JSON.stringify({
        nftables: [
          { table: { family: 'inet', name: 'f2b-table' } },
          { chain: { family: 'inet', table: 'f2b-table', name: 'f2b-chain', type: 'filter', hook: 'input', prio: -1, policy: 'accept' } },
          { set: { family: 'inet', table: 'f2b-table', name: 'addr-set-postfix', type: 'ipv4_addr', elem: ['203.0.113.7'] } },
          { rule: { family: 'inet', table: 'f2b-table', chain: 'f2b-chain', expr: [{ match: { op: '==', left: dport, right: { set: [25, 465, 587] } } }, { match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: '@addr-set-postfix' } }, { reject: null }] } },
          { table: { family: 'inet', name: 'filter' } },
          { chain: { family: 'inet', table: 'filter', name: 'input', type: 'filter', hook: 'input', prio: 0, policy: 'accept' } },
          { rule: { family: 'inet', table: 'filter', chain: 'input', expr: [{ match: { op: '==', left: dport, right: 587 } }, { drop: null }] } },
        ],
      }),
    );
    assert.deepEqual(traceNftInput(rs, 'nftables', packet(587)), { verdict: 'drop', detail: 'inet filter input: tcp dport 587 drop', at: { chain: 'inet/filter/input', rule: 0 }, owner: null });
    assert.equal(traceNftInput(rs, 'nftables', packet(25)).verdict, 'allow', 'a stranger is not in the ban set');
    assert.deepEqual(traceNftInput(rs, 'nftables', { ...packet(25), src: '203.0.113.7' }), {
      verdict: 'reject',
      detail: 'inet f2b-table f2b-chain: tcp dport { 25, 465, 587 } ip saddr @addr-set-postfix reject',
      at: { chain: 'inet/f2b-table/f2b-chain', rule: 0 },
      owner: 'fail2ban',
    });
    // One base chain on its own: what the simulator asks of each.
    assert.equal(traceNftInput(rs, 'nftables', packet(587), 'inet/f2b-table/f2b-chain').verdict, 'allow');
    assert.deepEqual(traceNftInput(parseNftJson(fixture('nft-j-firewalld-default.json')), 'firewalld', packet(25)).owner, 'firewalld');
  });
});
