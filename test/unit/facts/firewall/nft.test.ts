import assert from 'node:assert/strict';
import { evaluateNftInput } from '../../../../src/facts/firewall/nft-eval.js';
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
});
