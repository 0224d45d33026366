// firewall-allows (check): would a stranger's new connection to the mail ports get through every
// firewall loaded on this host? Read from the rules themselves (facts.firewall.verdicts: the
// loaded rules walked for a packet arriving on each outside interface), not by connecting — so
// the answer is about the firewall alone, whether or not Postfix listens yet.

import { factFailed } from '../../facts/gather.js';
import { defineCheckModule } from '../define.js';

const ARGS = {
  type: 'object',
  additionalProperties: false,
  required: ['ports'],
  properties: {
    ports: { type: 'array', minItems: 1, items: { type: 'integer', minimum: 1, maximum: 65535 }, description: 'TCP ports that must be let through (25, 587, 465 can be judged).' },
  },
} as const;

const ports = (args: { ports: number[] }): number[] => [...new Set(args.ports)];

export const firewallAllowsCheck = defineCheckModule({
  name: 'firewall-allows',
  description: "Every loaded firewall lets a stranger's new TCP connection reach the given ports (the rules walked, not a connection tried).",
  args: ARGS,
  describe(args) {
    return `every loaded firewall passes a new connection to ${ports(args).map((p) => `${p}/tcp`).join(', ')} from outside (rules walked)`;
  },
  async check(ctx, args) {
    const fw = ctx.facts.firewall;
    const failed = factFailed(ctx.facts, 'firewall');
    // What could not be read cannot be shown to let the port through.
    if (failed) return { ok: false, evidence: [`could not read the firewall: ${failed}`] };
    if (fw.active.length === 0) return { ok: true, evidence: ['no firewall rules are loaded'] };
    const evidence: string[] = [];
    let ok = true;
    for (const port of ports(args)) {
      for (const backend of fw.active) {
        const verdicts = (fw.verdicts ?? []).filter((v) => v.backend === backend && v.port === port);
        if (verdicts.length === 0) {
          ok = false;
          evidence.push(`${backend}: no verdict for ${port}/tcp (only 25, 587 and 465 are judged)`);
        }
        for (const v of verdicts) {
          evidence.push(`${backend}: ${port}/tcp from outside via ${v.iface} → ${v.verdict} (${v.detail})`);
          if (v.verdict !== 'allow') ok = false;
        }
      }
    }
    return { ok, evidence };
  },
});
