// MX for mydomain, one try with a bounded wait. A resolver that never answers is itself a cause:
// smtpd looks up every client before it greets, so a dead resolver delays banners too.

import { queryDns } from './dns/query.js';
import { sortMx } from './dns/dig.js';
import { settingsOf } from './budget.js';
import { ok, problem, unknown } from './finding.js';
import type { Finding, Probe } from './types.js';

export const dnsProbe: Probe = {
  name: 'dns',
  description: 'MX record for mydomain (bounded, one try)',
  timeoutMs: 2_500,
  causes: ['mx-missing', 'dns-resolver-down'],
  async run(ctx) {
    if (!ctx.facts.postfix.installed) return [];
    if (settingsOf(ctx).offline) return [unknown('dns', 'MX lookup skipped (offline)')];
    const domain = (ctx.facts.postfix.params.mydomain ?? '').trim();
    if (!isPublicName(domain)) return [ok('dns', `mydomain = ${domain || '(empty)'}: not a public domain, no MX expected`)];
    const answer = await queryDns(ctx, domain, 'MX', 2_200);
    return [judge(domain, answer.status, answer.records, answer.detail)];
  },
};

export function isPublicName(domain: string): boolean {
  return domain.includes('.') && !/(^|\.)(localdomain|localhost|local|invalid)$/i.test(domain);
}

function judge(domain: string, status: string, records: string[], detail: string): Finding {
  switch (status) {
    case 'ok': {
      const mx = sortMx(records);
      return ok('dns', `MX for ${domain}: ${mx.map((m) => `${m.host} (${m.preference})`).join(', ')}`);
    }
    case 'nxdomain':
    case 'nodata':
      return problem('warn', 'dns', 'mx-missing', [`MX ${domain}: ${detail}`, 'other servers fall back to the A record, or cannot deliver to this domain at all'], {
        title: `no MX record for ${domain}`,
        human: {
          reason: 'DNS records are published at your DNS provider, outside this host',
          steps: [`Add at your DNS provider: ${domain}. MX 10 <this server's hostname>.`, 'Make sure that hostname has an A/AAAA record pointing here', `Check: dig +short MX ${domain}`],
        },
      });
    case 'timeout':
      return problem('fail', 'dns', 'dns-resolver-down', [`MX ${domain}: ${detail}`, 'smtpd looks up each client before greeting: a silent resolver delays or kills banners'], {
        human: {
          reason: 'the resolver is configured outside Postfix (resolv.conf, systemd-resolved, the network)',
          steps: ['See which nameservers are used: cat /etc/resolv.conf (resolvectl status under systemd-resolved)', 'Test one directly: dig +time=2 +tries=1 @NAMESERVER example.com', 'Fix or replace the nameserver; check that the firewall allows outgoing UDP/TCP 53'],
        },
      });
    default:
      return unknown('dns', `MX lookup for ${domain} failed`, [detail]);
  }
}
