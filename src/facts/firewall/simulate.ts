// The one ruleset simulator behind every firewall backend that keeps a ruleset (iptables in both
// flavours, nftables, and ufw's chains): "where must our ACCEPT go so this packet gets in — and
// prove it by walking the ruleset again with it in place". A backend supplies its ruleset model
// (how to walk it, how many rules a chain holds, the same ruleset with one more rule); the search
// is the same for all of them:
//   walk every packet (one per outside interface) → none blocked: done; one unknown: say so
//   → the rule (or policy) that blocked it, and its chain → the latest position in that chain at
//   which an ACCEPT lets that packet in, found by trying each from the end and re-walking
//   → insert, and walk again (another rule further on may block too).
// The latest position keeps every rule before it (a ban list, a rate limit) in force for mail
// traffic, and nothing after it changes meaning.
//
// Pure: the ruleset in, placements and the simulated ruleset out. Diagnose uses the same walks
// (the evaluators' traces), so what a plan proves is what diagnose will see.

import type { PacketModel, Trace } from './packet.js';

export interface RulesetModel<RS, Rule> {
  /**
   * The places that must each let the packet through on their own: nftables' input-hook base
   * chains (an accept ends only its own chain), iptables' one INPUT chain.
   */
  scopes(rs: RS): string[];
  /** Walk `scope` for `packet`: the verdict, where it was decided and by whose rule. */
  trace(rs: RS, scope: string, packet: PacketModel): Trace;
  /** The rules of `chain` (a Trace's `at.chain`); null when there is no such chain. */
  rules(rs: RS, chain: string): readonly Rule[] | null;
  /** The same ruleset with our ACCEPT for `port` at `index` of `chain`; `rs` is left as it is. */
  withAccept(rs: RS, chain: string, index: number, port: number): RS;
  /** A chain as a person reads it in evidence: `chain INPUT`, `inet edge mail`. */
  chainName(chain: string): string;
}

/** One ACCEPT the simulation placed. `index` counts the placements before it in the same chain. */
export interface Placement<Rule> {
  chain: string;
  index: number;
  port: number;
  /** The rule it goes directly before, as the ruleset was then; null: the chain's end (its policy decided). */
  before: Rule | null;
}

export type PortOutcome =
  /** Every packet gets in (with the placements, if any). */
  | { kind: 'open' }
  /** A verdict the evaluator cannot work out, or no position that lets the packet in. */
  | { kind: 'unknown'; detail: string }
  /** A rule of someone else's decides (`leaveTo` said so): theirs to open, not ours to bypass. */
  | { kind: 'theirs'; trace: Trace };

export interface PortPlan<RS, Rule> {
  /** The ruleset with the placements in. */
  sim: RS;
  placements: Array<Placement<Rule>>;
  outcome: PortOutcome;
}

export interface PlaceOptions {
  /** One packet per way in (outside interface and its addresses). */
  packets: PacketModel[];
  /** Rules whose owner keeps them (a frontend's chains): stop there instead of inserting. */
  leaveTo?: (t: Trace) => boolean;
  /** A ruleset that still blocks after this many insertions in one scope is given up on. */
  maxRounds?: number;
}

const blocks = (t: Trace): boolean => t.verdict === 'drop' || t.verdict === 'reject';

/**
 * The latest of positions `size`…0 for which `admits` holds, or -1. Trying from the end finds the
 * place that leaves the most of the chain in front of our rule.
 */
export function latestAdmitting(size: number, admits: (index: number) => boolean): number {
  for (let k = size; k >= 0; k--) if (admits(k)) return k;
  return -1;
}

/** The ACCEPTs that let `port` in through every scope of the ruleset, each proven by a re-walk. */
export function placeAccepts<RS, Rule>(model: RulesetModel<RS, Rule>, live: RS, port: number, o: PlaceOptions): PortPlan<RS, Rule> {
  let sim = live;
  const placements: Array<Placement<Rule>> = [];
  const done = (outcome: PortOutcome): PortPlan<RS, Rule> => ({ sim, placements, outcome });
  for (const scope of model.scopes(live)) {
    for (let round = 0; round < (o.maxRounds ?? 8); round++) {
      const decided = o.packets.map((packet) => ({ packet, t: model.trace(sim, scope, packet) }));
      const unknown = decided.find((x) => x.t.verdict === 'unknown');
      if (unknown) return done({ kind: 'unknown', detail: unknown.t.detail });
      const blocked = decided.find((x) => blocks(x.t));
      if (!blocked) break;
      if (o.leaveTo?.(blocked.t)) return done({ kind: 'theirs', trace: blocked.t });
      const chain = blocked.t.at?.chain ?? null;
      const rules = chain === null ? null : model.rules(sim, chain);
      if (chain === null || rules === null) return done({ kind: 'unknown', detail: `cannot tell where "${blocked.t.detail}" is` });
      const at = latestAdmitting(rules.length, (k) => model.trace(model.withAccept(sim, chain, k, port), scope, blocked.packet).verdict === 'allow');
      if (at < 0) return done({ kind: 'unknown', detail: `no place in ${model.chainName(chain)} lets it through (${blocked.t.detail})` });
      placements.push({ chain, index: at, port, before: rules[at] ?? null });
      sim = model.withAccept(sim, chain, at, port);
    }
  }
  return done({ kind: 'open' });
}
