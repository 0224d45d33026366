// Relay safety: is this (or would `inet_interfaces = all` make it) an open relay? mynetworks
// wider than the host's own networks, or restrictions that permit before they reject
// unauthorised destinations (facts.relay works it out).

import { factFailed } from '../facts/gather.js';
import { ok, problem, unknown } from './finding.js';
import type { Probe } from './types.js';

export const relayProbe: Probe = {
  name: 'relay',
  description: 'relay restrictions and mynetworks (open relay risk)',
  timeoutMs: 500,
  causes: ['open-relay-risk'],
  async run(ctx) {
    const { postfix, relay } = ctx.facts;
    if (!postfix.installed) return [];
    const failed = factFailed(ctx.facts, 'postfix.params');
    if (failed) return [unknown('relay', 'could not read the relay settings', [failed])];
    const p = postfix.params;
    const settings = [
      `mynetworks = ${p.mynetworks ?? '?'}`,
      `smtpd_relay_restrictions = ${p.smtpd_relay_restrictions || '(empty)'}`,
      ...(p.smtpd_recipient_restrictions ? [`smtpd_recipient_restrictions = ${p.smtpd_recipient_restrictions}`] : []),
    ];
    if (relay.safe) return [ok('relay', 'relay restrictions refuse strangers', settings)];
    const exposed = !/^\s*(loopback-only|localhost|127\.0\.0\.1)\s*$/.test(p.inet_interfaces ?? 'all');
    return [
      problem(exposed ? 'fail' : 'warn', 'relay', 'open-relay-risk', [...relay.reasons, ...settings], {
        title: exposed ? 'this server may relay mail for strangers (open relay)' : 'opening inet_interfaces would make this an open relay',
      }),
    ];
  },
};
