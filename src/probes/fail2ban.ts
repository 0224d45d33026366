// fail2ban, from the client's side. With --from: does a jail ban that client, does its firewall
// rule stand between the client and the ports asked about, and when does the ban end — that is
// the cause, named with the jail. Without --from: how many addresses fail2ban keeps away from the
// SMTP ports now, as information (one of them may be the client a person is asking about).

import { factFailed } from '../facts/gather.js';
import { clientBanJails } from '../facts/paths.js';
import { ok, problem, unknown } from './finding.js';
import type { Facts, Fail2banJail } from '../facts/types.js';
import type { Finding, Probe } from './types.js';

export const fail2banProbe: Probe = {
  name: 'fail2ban',
  description: 'fail2ban jails and the bans they hold against the client',
  timeoutMs: 500,
  causes: ['fail2ban-bans-client'],
  async run(ctx) {
    const f2b = ctx.facts.fail2ban;
    if (!f2b) return [];
    const failed = factFailed(ctx.facts, 'fail2ban');
    const address = ctx.facts.client?.address ?? null;
    if (address === null) return [bansInForce(ctx.facts, failed)];
    if (f2b.clientJails === null) return [unknown('fail2ban', `fail2ban runs; whether it bans ${address} could not be read`, failed ? [failed] : [])];
    if (f2b.clientJails.length === 0) return [ok('fail2ban', `fail2ban runs and bans ${address} in none of its jails`, [`fail2ban-client banned ${address} → no jail`])];
    return clientBans(ctx.facts, address, Date.now());
  },
};

function bansInForce(facts: Facts, failed: string | null): Finding {
  const f2b = facts.fail2ban;
  if (!f2b || f2b.jails.length === 0) return failed ? unknown('fail2ban', 'fail2ban runs; its bans could not be read', [failed]) : ok('fail2ban', 'fail2ban runs and has no jail', []);
  const reach = new Map((facts.firewall.banReach ?? []).map((r) => [r.jail, r.ports]));
  const smtpJails = f2b.jails.filter((j) => (reach.get(j.name) ?? []).length > 0);
  const addrs = new Set(smtpJails.flatMap((j) => j.banned ?? []));
  const evidence = f2b.jails.map((j) => {
    const ports = reach.get(j.name);
    const n = (j.banned ?? []).length;
    return `jail ${j.name}: ${n} banned${n > 0 ? (ports && ports.length > 0 ? `, refused on ${ports.join(', ')}` : ports ? ', not on the mail ports' : ', ports not judged') : ''}`;
  });
  const unjudged = f2b.jails.filter((j) => (j.banned ?? []).length > 0 && !reach.has(j.name));
  if (addrs.size === 0) {
    const note = unjudged.length > 0 ? ` (jails ${unjudged.map((j) => j.name).join(', ')}: which ports their bans guard could not be told from the firewall rules)` : '';
    return ok('fail2ban', `fail2ban runs; no address is banned from the SMTP ports${note}`, evidence);
  }
  return ok('fail2ban', `fail2ban bans ${addrs.size} address${addrs.size === 1 ? '' : 'es'} from SMTP ports; \`diagnose --from ADDRESS\` tells whether your client is one`, evidence);
}

/** "in 59 min", "in 3 h 5 min", "in 2 days" — from the host's local-time stamp fail2ban prints. */
export function describeExpiry(expires: string | null, nowMs: number): string {
  if (expires === null) return 'never (bantime -1: a permanent ban)';
  const at = new Date(expires.replace(' ', 'T')).getTime();
  if (!Number.isFinite(at)) return expires;
  const mins = Math.max(0, Math.round((at - nowMs) / 60_000));
  const left = mins < 60 ? `${mins} min` : mins < 48 * 60 ? `${Math.floor(mins / 60)} h${mins % 60 ? ` ${mins % 60} min` : ''}` : `${Math.round(mins / 1440)} days`;
  return `${expires} (in ${left})`;
}

function clientBans(facts: Facts, address: string, nowMs: number): Finding[] {
  const f2b = facts.fail2ban;
  const jails = (f2b?.jails ?? []).filter((j) => f2b?.clientJails?.includes(j.name));
  const onPorts = new Set(clientBanJails(facts) ?? []);
  const verdicts = facts.firewall.clientVerdicts ?? [];
  const out: Finding[] = [];
  const guarding = jails.filter((j) => onPorts.has(j.name));
  const elsewhere = jails.filter((j) => !onPorts.has(j.name));
  if (guarding.length > 0) {
    const ports = [...new Set(verdicts.filter((v) => v.toolRules.some((r) => r.jail !== null && onPorts.has(r.jail))).map((v) => v.port))];
    const first = guarding[0] as Fail2banJail;
    const evidence = [
      `fail2ban-client banned ${address} → ${f2b?.clientJails?.join(', ')}`,
      ...guarding.flatMap((j) => banLines(j, address, nowMs)),
      ...byRule(verdicts.flatMap((v) => v.toolRules.filter((r) => r.jail !== null && onPorts.has(r.jail)).map((r) => ({ rule: `${v.backend}: ${r.detail} (fail2ban's chain ${r.chain})`, port: v.port }))), address),
      ...afterLifting(facts, ports),
    ];
    const until = describeExpiry(first.clientBan?.expires ?? null, nowMs);
    out.push(
      problem('fail', 'fail2ban', 'fail2ban-bans-client', evidence, {
        title: `fail2ban (jail ${guarding.map((j) => j.name).join(', ')}) bans ${address} from port${ports.length === 1 ? '' : 's'} ${ports.join(', ')}, until ${until}`,
      }),
    );
  }
  if (elsewhere.length > 0) {
    const asked = facts.client?.ports ?? [];
    // "Not from these ports" needs the jail's rule in the rules read, and every walk decided: a
    // ban action that leaves no rule there (route, ipset) or a rule we cannot read proves nothing.
    const inRules = new Set(facts.firewall.fail2banChains ?? []);
    const unseen = elsewhere.filter((j) => !inRules.has(j.name));
    const undecided = verdicts.length === 0 || verdicts.some((v) => v.verdict === 'unknown' || v.without.verdict === 'unknown');
    const lines = elsewhere.flatMap((j) => banLines(j, address, nowMs));
    if (unseen.length === 0 && !undecided) out.push(ok('fail2ban', `fail2ban bans ${address} in jail ${elsewhere.map((j) => j.name).join(', ')}, but not from port${asked.length === 1 ? '' : 's'} ${asked.join(', ')}`, lines));
    else {
      const why = unseen.length > 0 ? `jail ${unseen.map((j) => j.name).join(', ')} leaves no chain f2b-JAIL or set addr-set-JAIL in the rules read (a route or ipset ban action?)` : 'the firewall walk for it was not decided';
      out.push(unknown('fail2ban', `fail2ban bans ${address} in jail ${elsewhere.map((j) => j.name).join(', ')}; whether that ban refuses port ${asked.join(', ')} cannot be told`, [...lines, why]));
    }
  }
  return out;
}

function banLines(j: Fail2banJail, address: string, nowMs: number): string[] {
  const ban = j.clientBan;
  const lines = [`jail ${j.name}: ${address} banned${ban?.since ? ` since ${ban.since}` : ''}${ban?.bantime !== null && ban?.bantime !== undefined ? `, bantime ${ban.bantime} s` : ''}, ends ${describeExpiry(ban?.expires ?? null, nowMs)}`];
  if (j.ignoreip !== null) lines.push(`jail ${j.name}: ignoreip ${j.ignoreip.length > 0 ? j.ignoreip.join(' ') : '(empty)'}`);
  return lines;
}

/** What the client would meet with fail2ban's rules set aside: the next refusal, or nothing. */
function afterLifting(facts: Facts, ports: number[]): string[] {
  const vs = (facts.firewall.clientVerdicts ?? []).filter((v) => ports.includes(v.port));
  const still = vs.filter((v) => v.without.verdict !== 'allow');
  if (vs.length > 0 && still.length === 0) return ['with the ban lifted, the firewall lets it through'];
  return still.map((v) => `with the ban lifted, ${v.backend} would still ${v.without.verdict} port ${v.port}: ${v.without.detail}${v.without.owner ? ` (${v.without.owner}'s rule)` : ''}`);
}

/** One line per rule, with every port it refuses the client on: `RULE refuses A on ports 25, 587`. */
export function byRule(hits: ReadonlyArray<{ rule: string; port: number }>, address: string): string[] {
  const ports = new Map<string, number[]>();
  for (const h of hits) {
    const list = ports.get(h.rule) ?? [];
    if (!list.includes(h.port)) list.push(h.port);
    ports.set(h.rule, list);
  }
  return [...ports].map(([rule, ps]) => `${rule} refuses ${address} on port${ps.length === 1 ? '' : 's'} ${ps.join(', ')}`);
}
