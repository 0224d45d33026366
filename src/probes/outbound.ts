// Can this host reach port 25 out there? A connect to the MX of a well-known domain (resolved
// now, never hard-coded). When DNS works and the host has a route but the connect times out, the
// block is upstream: most clouds and ISPs close outbound 25 by default, and only the provider
// can open it — a finding for a human, with the provider's steps.

import { dial, settingsOf } from './budget.js';
import { queryDns } from './dns/query.js';
import { sortMx } from './dns/dig.js';
import { ok, problem, unknown } from './finding.js';
import { describeDial } from '../exec/dial.js';
import type { Probe } from './types.js';

export const PROVIDER_STEPS = [
  'Rule out this host first: no OUTPUT rule drops tcp/25 (iptables -S OUTPUT; nft list ruleset | grep -i "dport 25")',
  'AWS EC2: port 25 is throttled/blocked by default — submit "Request to remove email sending limitations" (AWS console, Support), or relay through Amazon SES on 587',
  'Google Cloud: outbound 25 is always blocked — relay through a provider on 587/2525 (relayhost = [smtp.example.com]:587 with SASL)',
  'Azure: outbound 25 is blocked on most subscription types — use an authenticated relay on 587 (Enterprise Agreement subscriptions may be allowed)',
  'DigitalOcean: blocked on new accounts — open a support ticket, or use a relay on 587',
  'Hetzner Cloud: blocked for new accounts — request unblocking in the Cloud Console after the first paid invoice',
  'Home/business ISPs: use the ISP\'s smarthost as relayhost, or ask for port 25 to be opened',
];

export const outboundProbe: Probe = {
  name: 'outbound_smtp',
  description: 'outbound port 25 reachability (cloud/ISP block)',
  timeoutMs: 4_500,
  causes: ['outbound-smtp-blocked'],
  async run(ctx) {
    const settings = settingsOf(ctx);
    if (settings.offline) return [unknown('outbound_smtp', 'outbound port 25 check skipped (offline)')];
    const domain = settings.outboundDomain;
    const mx = await queryDns(ctx, domain, 'MX', 1_500);
    const target = sortMx(mx.records)[0];
    if (!target) return [unknown('outbound_smtp', `cannot test outbound port 25: no MX for ${domain} (${mx.detail})`)];
    const a = await queryDns(ctx, target.host, 'A', 1_000);
    const addr = a.records.find((r) => /^\d+\.\d+\.\d+\.\d+$/.test(r));
    if (!addr) return [unknown('outbound_smtp', `cannot test outbound port 25: ${target.host} has no address (${a.detail})`)];
    const r = await dial(ctx, addr, 25, { connectMs: 3_000, bannerMs: 1_500 });
    const evidence = [`${domain} MX ${target.host} = ${addr}`, describeDial(r)];
    if (r.outcome === 'banner' || r.outcome === 'banner-timeout') return [ok('outbound_smtp', `outbound port 25 works (${target.host} answers)`, evidence)];
    const routes = ctx.facts.network.defaultRoutes ?? [];
    if (routes.length === 0) return [unknown('outbound_smtp', 'outbound port 25 fails, but this host has no default route at all', evidence)];
    if (r.outcome === 'refused') return [unknown('outbound_smtp', `${target.host} refused port 25 (the remote side, not a block on the way)`, evidence)];
    return [
      problem('fail', 'outbound_smtp', 'outbound-smtp-blocked', [...evidence, 'DNS answers and the host has a route, so the block is on the way out: typically the cloud provider or ISP'], {
        human: { reason: 'outbound port 25 is closed by the network provider; only they can open it (or mail must go through a relay on 587)', steps: PROVIDER_STEPS },
      }),
    ];
  },
};
