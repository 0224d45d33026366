import assert from 'node:assert/strict';
import { latestAdmitting, placeAccepts } from '../../../../src/facts/firewall/simulate.js';
import type { RulesetModel } from '../../../../src/facts/firewall/simulate.js';
import type { PacketModel, RuleOwner, Trace } from '../../../../src/facts/firewall/packet.js';

// The simulator's search, on the smallest ruleset model there is: chains of rules that match a
// destination port (or every port) and accept, drop or ask something the "evaluator" cannot
// answer; a chain's policy decides when no rule does; every chain named in `scopes` must let the
// packet through on its own (as nftables' base chains must). The real models (iptables, nftables)
// are proven on captured rulesets in test/unit/modules/firewall/planning.test.ts.
interface ToyRule {
  port: number | null;
  action: 'accept' | 'drop' | 'unknown';
}
interface Toy {
  scopes: string[];
  chains: Record<string, { rules: ToyRule[]; policy: 'accept' | 'drop'; owner?: RuleOwner }>;
}

const walk = (rs: Toy, scope: string, p: PacketModel): Trace => {
  const chain = rs.chains[scope];
  if (!chain) return { verdict: 'unknown', detail: `no chain ${scope}`, at: null, owner: null };
  const owner = chain.owner ?? null;
  for (const [i, r] of chain.rules.entries()) {
    if (r.port !== null && r.port !== p.dport) continue;
    const at = { chain: scope, rule: i };
    if (r.action === 'unknown') return { verdict: 'unknown', detail: `cannot evaluate rule ${i}`, at, owner };
    return { verdict: r.action === 'accept' ? 'allow' : 'drop', detail: `${scope} rule ${i}`, at, owner };
  }
  return { verdict: chain.policy === 'accept' ? 'allow' : 'drop', detail: `policy of ${scope}`, at: { chain: scope, rule: null }, owner };
};

const toy: RulesetModel<Toy, ToyRule> = {
  scopes: (rs) => rs.scopes,
  trace: walk,
  rules: (rs, chain) => rs.chains[chain]?.rules ?? null,
  withAccept(rs, chain, index, port) {
    const c = rs.chains[chain];
    if (!c) throw new Error(`no chain ${chain}`);
    const rules = [...c.rules];
    rules.splice(index, 0, { port, action: 'accept' });
    return { ...rs, chains: { ...rs.chains, [chain]: { ...c, rules } } };
  },
  chainName: (chain) => `toy ${chain}`,
};

const packets = (port: number): PacketModel[] => [{ iface: 'eth0', dport: port, dstAddrs: ['192.0.2.1'] }];
const rule = (port: number | null, action: ToyRule['action']): ToyRule => ({ port, action });

describe('facts/firewall: the ruleset simulator', () => {
  it('latestAdmitting tries from the end: the latest position that works, -1 when none does', () => {
    const tried: number[] = [];
    assert.equal(latestAdmitting(4, (k) => (tried.push(k), k <= 2)), 2);
    assert.deepEqual(tried, [4, 3, 2]);
    assert.equal(latestAdmitting(3, () => false), -1);
    assert.equal(latestAdmitting(0, (k) => k === 0), 0);
  });

  it('places the accept directly before the rule that blocks, keeping what comes before it in force', () => {
    // Rule 0 drops another port (it must stay first), rule 1 drops 25.
    const rs: Toy = { scopes: ['in'], chains: { in: { rules: [rule(9999, 'drop'), rule(25, 'drop'), rule(null, 'accept')], policy: 'drop' } } };
    const r = placeAccepts(toy, rs, 25, { packets: packets(25) });
    assert.deepEqual(r.outcome, { kind: 'open' });
    assert.deepEqual(r.placements, [{ chain: 'in', index: 1, port: 25, before: rule(25, 'drop') }]);
    assert.equal(walk(r.sim, 'in', packets(25)[0] as PacketModel).verdict, 'allow', 'proven by walking the result');
    assert.deepEqual(rs.chains.in?.rules.length, 3, 'the live ruleset is left as it was');
  });

  it('appends when the policy decides, and re-walks: every scope must let it through', () => {
    const rs: Toy = { scopes: ['a', 'b'], chains: { a: { rules: [rule(25, 'drop')], policy: 'accept' }, b: { rules: [rule(22, 'accept')], policy: 'drop' } } };
    const r = placeAccepts(toy, rs, 25, { packets: packets(25) });
    assert.deepEqual(r.outcome, { kind: 'open' });
    assert.deepEqual(
      r.placements.map((p) => [p.chain, p.index, p.before]),
      [
        ['a', 0, rule(25, 'drop')],
        ['b', 1, null],
      ],
    );
    assert.deepEqual(placeAccepts(toy, rs, 22, { packets: packets(22) }).placements, [], '22 passes both: nothing placed');
  });

  it('stops at a rule whose owner keeps it, and says whose it is', () => {
    const rs: Toy = { scopes: ['in'], chains: { in: { rules: [], policy: 'drop', owner: 'ufw' } } };
    const r = placeAccepts(toy, rs, 25, { packets: packets(25), leaveTo: (t) => t.owner === 'ufw' });
    assert.equal(r.outcome.kind, 'theirs');
    assert.equal(r.outcome.kind === 'theirs' ? r.outcome.trace.owner : null, 'ufw');
    assert.deepEqual(r.placements, []);
  });

  it('says unknown instead of guessing: an unreadable rule, or no position that lets it in', () => {
    const unreadable: Toy = { scopes: ['in'], chains: { in: { rules: [rule(25, 'unknown')], policy: 'accept' } } };
    assert.deepEqual(placeAccepts(toy, unreadable, 25, { packets: packets(25) }).outcome, { kind: 'unknown', detail: 'cannot evaluate rule 0' });
    // A model whose inserted accept never helps (as when a rule further on still drops).
    const stubborn: RulesetModel<Toy, ToyRule> = { ...toy, withAccept: (rs) => rs };
    const blocked: Toy = { scopes: ['in'], chains: { in: { rules: [rule(25, 'drop')], policy: 'accept' } } };
    assert.deepEqual(placeAccepts(stubborn, blocked, 25, { packets: packets(25) }).outcome, { kind: 'unknown', detail: 'no place in toy in lets it through (in rule 0)' });
  });
});
