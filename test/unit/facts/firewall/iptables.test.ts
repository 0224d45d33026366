import assert from 'node:assert/strict';
import { evaluateIptablesInput, portInList, traceIptablesInput } from '../../../../src/facts/firewall/iptables-eval.js';
import { countRules, hasChainPrefix, parseIptablesSave, tokenize } from '../../../../src/facts/firewall/iptables-save.js';
import { fixture } from '../fixture.js';

const packet = (dport: number, iface = 'eth0') => ({ iface, dport, dstAddrs: ['10.99.0.1'] });

// Captured from iptables-nft-save / iptables-legacy-save in namespace hosts: a hand-written ruleset
// (lo accept, conntrack, DROP 25, REJECT 587/465 with tcp-reset, policy DROP), ufw enabled with
// `allow 587/tcp` and `deny from 10.5.0.0/16 to any port 25`, legacy ACCEPT 25, empty tables.
describe('facts/firewall: iptables-save parsing and the INPUT walk', () => {
  it('parses tables, policies, rules and the mixed-backend warning', () => {
    const s = parseIptablesSave('# Warning: iptables-legacy tables present, use iptables-legacy-save to see them\n' + fixture('iptables-nft-save-drop25.txt'));
    const input = s.tables.get('filter')?.chains.get('INPUT');
    assert.equal(input?.policy, 'DROP');
    assert.equal(input?.rules.length, 5);
    assert.match(s.warnings[0] ?? '', /legacy tables present/);
    assert.equal(countRules(s), 6);
  });

  it('judges DROP, REJECT tcp-reset and the policy per port', () => {
    const s = parseIptablesSave(fixture('iptables-nft-save-drop25.txt'));
    assert.deepEqual(evaluateIptablesInput(s, packet(25)), { verdict: 'drop', detail: '-A INPUT -p tcp -m tcp --dport 25 -j DROP' });
    assert.equal(evaluateIptablesInput(s, packet(587)).verdict, 'reject');
    assert.equal(evaluateIptablesInput(s, packet(465)).verdict, 'reject');
    assert.deepEqual(evaluateIptablesInput(s, packet(22)), { verdict: 'drop', detail: 'policy DROP of INPUT' }); // -s 10.1.0.0/16 is not "anyone"
    assert.equal(evaluateIptablesInput(s, packet(25, 'lo')).verdict, 'allow');
  });

  it('follows ufw\'s chains: allowed 587, policy DROP for 25 (a source-limited deny does not decide for strangers)', () => {
    const s = parseIptablesSave(fixture('iptables-nft-save-ufw.txt'));
    assert.deepEqual(evaluateIptablesInput(s, packet(587)), { verdict: 'allow', detail: '-A ufw-user-input -p tcp -m tcp --dport 587 -j ACCEPT' });
    assert.deepEqual(evaluateIptablesInput(s, packet(25)), { verdict: 'drop', detail: 'policy DROP of INPUT' });
    assert.ok(hasChainPrefix(s, 'ufw-'));
    assert.equal(countRules(s, (c) => c.startsWith('ufw')), 0); // all of it is ufw's (its policies too)
    assert.ok(countRules(s) > 50);
  });

  it('empty tables count as no rules and allow everything', () => {
    for (const f of ['iptables-nft-save-empty.txt', 'iptables-legacy-save-empty.txt']) {
      const s = parseIptablesSave(fixture(f));
      assert.equal(countRules(s), 0, f);
      assert.equal(evaluateIptablesInput(s, packet(25)).verdict, 'allow');
    }
    assert.equal(countRules(parseIptablesSave(fixture('iptables-legacy-save.txt'))), 1);
  });

  it('says unknown for matches it cannot model instead of guessing', () => {
    const s = parseIptablesSave('*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp -m recent --name smtp --rcheck --seconds 60 -j DROP\nCOMMIT\n');
    assert.equal(evaluateIptablesInput(s, packet(25)).verdict, 'unknown');
    const logOnly = parseIptablesSave('*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m weird -j LOG\nCOMMIT\n');
    assert.equal(evaluateIptablesInput(logOnly, packet(25)).verdict, 'allow');
  });

  it('handles negation, interface wildcards, goto and RETURN', () => {
    const s = parseIptablesSave(
      [
        '*filter',
        ':INPUT DROP [0:0]',
        ':smtp - [0:0]',
        '-A INPUT ! -i lo -p tcp --dport 25 -g smtp',
        '-A INPUT -i eth+ -p tcp --dport 587 -j ACCEPT',
        '-A smtp -s 203.0.113.0/24 -j RETURN',
        '-A smtp -j ACCEPT',
        'COMMIT',
      ].join('\n'),
    );
    assert.equal(evaluateIptablesInput(s, packet(25)).verdict, 'allow');
    assert.equal(evaluateIptablesInput(s, packet(587)).verdict, 'allow');
    assert.equal(evaluateIptablesInput(s, packet(587, 'wg0')).verdict, 'drop');
  });

  it('tokenizes quoted arguments and reads port lists', () => {
    assert.deepEqual(tokenize('-A x -j LOG --log-prefix "[UFW BLOCK] "'), ['-A', 'x', '-j', 'LOG', '--log-prefix', '[UFW BLOCK] ']);
    assert.ok(portInList('587,465', 465) && portInList('20:30', 25) && portInList('1000:', 2000) && !portInList('26:30', 25));
  });

  it('traces where it decided and whose rule that was; for a given client, its ban decides', () => {
    // fail2ban's iptables-multiport banaction with one banned peer (the shape LAB.md measured).
    const s = parseIptablesSave(
      [
        '*filter',
        ':INPUT ACCEPT [0:0]',
        ':f2b-postfix - [0:0]',
        '-A INPUT -p tcp -m multiport --dports 25,465,587 -j f2b-postfix',
        '-A INPUT -p tcp -m tcp --dport 587 -j DROP',
        '-A f2b-postfix -s 203.0.113.7/32 -j REJECT --reject-with icmp-port-unreachable',
        '-A f2b-postfix -j RETURN',
        'COMMIT',
      ].join('\n'),
    );
    assert.deepEqual(traceIptablesInput(s, packet(587)), { verdict: 'drop', detail: '-A INPUT -p tcp -m tcp --dport 587 -j DROP', at: { chain: 'INPUT', rule: 1 }, owner: null });
    assert.deepEqual(traceIptablesInput(s, packet(25)), { verdict: 'allow', detail: 'policy ACCEPT of INPUT', at: { chain: 'INPUT', rule: null }, owner: null }, 'a stranger is not the banned peer');
    assert.deepEqual(traceIptablesInput(s, { ...packet(25), src: '203.0.113.7' }), {
      verdict: 'reject',
      detail: '-A f2b-postfix -s 203.0.113.7/32 -j REJECT --reject-with icmp-port-unreachable',
      at: { chain: 'f2b-postfix', rule: 0 },
      owner: 'fail2ban',
    });
    assert.equal(traceIptablesInput(s, { ...packet(25), src: '203.0.113.8' }).verdict, 'allow');
    // ufw sets INPUT's policy: a policy verdict there is ufw's.
    assert.equal(traceIptablesInput(parseIptablesSave(fixture('iptables-nft-save-ufw.txt')), packet(25)).owner, 'ufw');
  });
});
