// Connect to the host's own outside addresses on the SMTP ports and classify what happens:
// banner / refused (RST) / unreachable (ICMP) / timeout (DROP). The traffic never leaves the
// host (the kernel routes it over lo), so a firewall that accepts everything on lo first — ufw
// does — lets these through even when strangers are blocked: the firewall probe judges that.

import { isLinkLocal } from '../facts/cidr.js';
import { LOCAL_CONNECT_MS, dial } from './budget.js';
import { meaningOf } from './classify.js';
import { causeRank, ok, problem, unknown } from './finding.js';
import { describeDial } from '../exec/dial.js';
import { inMynetworks, judgeMail, mailOptions } from './mail.js';
import { servedPorts } from './smtp-ports.js';
import type { DialResult } from '../core/dial.js';
import type { Finding, Probe } from './types.js';

const MAX_ADDRESSES = 4;

export const reachabilityProbe: Probe = {
  name: 'reachability',
  description: "connects to the host's own non-loopback addresses",
  timeoutMs: 3_000,
  causes: ['firewall-blocks-smtp', 'loopback-only', 'postfix-stopped', 'smtp-service-disabled', 'smtp-no-banner', 'smtp-banner-rejects', 'mail-refused'],
  async run(ctx) {
    const addresses = ctx.facts.network.interfaces
      .filter((i) => i.up && !i.loopback)
      .flatMap((i) => i.addresses.map((a) => a.address))
      .filter((a) => !isLinkLocal(a))
      .slice(0, MAX_ADDRESSES);
    if (addresses.length === 0) return [unknown('reachability', 'this host has no address besides loopback to connect to')];
    const ports = servedPorts(ctx.facts);
    // From its own outside address the host is (on most configurations) a stranger to itself:
    // not in mynetworks, so a mail there meets the restrictions outside senders meet.
    const mail = mailOptions(ctx.facts);
    const first = addresses[0] as string;
    const results = await Promise.all(
      addresses.flatMap((addr) => ports.map((port) => dial(ctx, addr, port, { connectMs: LOCAL_CONNECT_MS, bannerMs: 2_500, ...(mail && port === 25 && addr === first ? { mail } : {}) }))),
    );
    const out = ports.map((port) => judgePort(ctx.facts, port, results.filter((r) => r.port === port)));
    const dialogue = results.find((r) => r.dialogue !== undefined);
    if (mail && dialogue && meaningOf(ctx.facts, dialogue).status === 'ok') {
      const judged = await judgeMail(ctx, 'smtp_mail', dialogue, `from ${first} (this host's own address${inMynetworks(ctx.facts, first) ? ', in mynetworks' : ', as outside senders are treated'})`, mail.to);
      if (judged) out.push(judged);
    }
    return out;
  },
};

function judgePort(facts: Parameters<typeof meaningOf>[0], port: number, results: DialResult[]): Finding {
  // 465 speaks TLS first: a silent connection there is a working one.
  const meanings = results.map((r) => (port === 465 && r.outcome === 'banner-timeout' ? { status: 'ok' as const, why: 'accepts (implicit TLS)', short: 'accepts' } : meaningOf(facts, r)));
  const evidence = results.map((r, i) => `${describeDial(r)}: ${meanings[i]?.why ?? ''}`);
  const bad = meanings.filter((m) => m.status === 'fail' || m.status === 'warn').sort((a, b) => causeRank(a.cause) - causeRank(b.cause));
  const worst = bad[0];
  if (worst?.cause) {
    const where = results.filter((_, i) => meanings[i] === worst).map((r) => r.host);
    return problem(worst.status as 'warn' | 'fail', 'reachability', worst.cause, evidence, { title: `port ${port} on ${where.join(', ')} ${worst.short}` });
  }
  if (meanings.some((m) => m.status === 'unknown')) return unknown('reachability', `could not judge port ${port} on every address`, evidence);
  const answering = results.filter((r) => r.outcome === 'banner' || (port === 465 && r.outcome === 'banner-timeout')).map((r) => r.host);
  const title = answering.length > 0 ? `port ${port} answers on ${answering.join(', ')} (from this host)` : `port ${port} is not served on ${results.map((r) => r.host).join(', ')}`;
  return ok('reachability', title, [...evidence, 'dialled from the host itself: what outside peers see also depends on the firewall (see the firewall check)']);
}
