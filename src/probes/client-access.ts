// Postfix's own access control, for the client a person named (--from): postscreen's access list
// in front of port 25, the check_client_access tables of the smtpd restrictions that apply on
// each port asked about (main.cf, or that service's -o overrides), looked up with `postmap -q`
// the way smtpd looks them up, and whether the client is in mynetworks. What it finds reads as
// the client would live it: "greeted with 554 instead of a banner", "connects, then is rejected
// with 554 at RCPT". Whether an entry is right is a human's call: it was written on purpose.

import { budgetMs } from '../core/deadline.js';
import { cidrContains, parseCidr } from '../facts/cidr.js';
import { ok, problem } from './finding.js';
import { serviceForPort } from './port-service.js';
import type { Facts, MasterService } from '../facts/types.js';
import type { Finding, Probe, ProbeContext } from './types.js';

/** The smtpd restriction lists, in the order a session meets them, and where each applies. */
const LISTS = [
  { param: 'smtpd_client_restrictions', early: 'as the greeting (instead of a banner)' },
  { param: 'smtpd_helo_restrictions', early: 'at HELO/EHLO' },
  { param: 'smtpd_sender_restrictions', early: 'at MAIL FROM' },
  { param: 'smtpd_relay_restrictions', early: 'at RCPT TO' },
  { param: 'smtpd_recipient_restrictions', early: 'at RCPT TO' },
] as const;

/** Table types `postmap -q` can read without a server behind them. */
const LOCAL_TYPES = new Set(['cidr', 'regexp', 'pcre', 'texthash', 'hash', 'btree', 'lmdb', 'cdb', 'dbm', 'sdbm', 'inline', 'static']);
const WHOLE_KEY_TYPES = new Set(['cidr', 'regexp', 'pcre', 'inline', 'static']);

export const clientAccessProbe: Probe = {
  name: 'client_access',
  description: "Postfix's access control for the client (postscreen, check_client_access, mynetworks)",
  timeoutMs: 1_500,
  causes: ['client-rejected-by-postfix'],
  async run(ctx) {
    const client = ctx.facts.client;
    if (!client || client.address === null || !ctx.facts.postfix.installed) return [];
    const address = client.address;
    const lookup = tableLookup(ctx, address);
    const mine = mynetworksOf(ctx.facts, address);
    const out: Finding[] = [];
    const ports = client.ports.filter((p) => serviceForPort(ctx.facts, p).service !== null);
    for (const port of ports) {
      const found = await judgePort(ctx, port, address, mine.member, lookup);
      if (found) out.push(found);
    }
    if (out.length === 0 && ports.length > 0) out.push(ok('client_access', `no access table or postscreen list of Postfix refuses ${address} on port ${ports.join(', ')}`, lookup.evidence()));
    out.push(ok('client_access', mine.member ? `${address} is in mynetworks (${mine.entry}): Postfix relays its mail` : `${address} is not in mynetworks: it may send mail to this server's own domains; relaying needs SASL authentication`, [`mynetworks = ${ctx.facts.postfix.params.mynetworks ?? '?'}`, ...mine.notes]));
    return out;
  },
};

async function judgePort(ctx: ProbeContext, port: number, address: string, inMynetworks: boolean, lookup: Lookup): Promise<Finding | null> {
  const facts = ctx.facts;
  const ps = serviceForPort(facts, port);
  const front = ps.service as MasterService;
  if (front.command === 'postscreen') {
    const ps2 = await postscreenVerdict(facts, address, inMynetworks, lookup);
    if (ps2) return ps2(port);
  }
  // Behind postscreen, smtpd is the `smtpd pass` service: its -o overrides apply.
  const smtpd = front.command === 'postscreen' ? (facts.postfix.services.find((s) => s.type === 'pass' && s.command === 'smtpd') ?? front) : front;
  const delay = !/^no$/i.test(smtpd.params.smtpd_delay_reject ?? facts.postfix.params.smtpd_delay_reject ?? 'yes');
  // Where clients may log in (submission), what follows permit_sasl_authenticated is for those
  // that do not: the port's own requirement, not a refusal of this client.
  const sasl = /^yes$/i.test(smtpd.params.smtpd_sasl_auth_enable ?? facts.postfix.params.smtpd_sasl_auth_enable ?? 'no');
  for (const list of LISTS) {
    const value = smtpd.params[list.param] ?? facts.postfix.params[list.param] ?? '';
    const where = smtpd.params[list.param] !== undefined ? `${smtpd.service}/${smtpd.type}: -o ${list.param}` : list.param;
    const verdict = await walkList(value, address, inMynetworks, lookup, sasl);
    if (verdict.kind !== 'reject') continue;
    const when = delay ? 'at RCPT TO' : list.early;
    const code = replyCode(verdict.action, facts);
    const greeting = when.startsWith('as the greeting');
    const title = greeting ? `${address} is greeted with ${code} instead of a banner on port ${port} (${where})` : `${address} connects to port ${port}, then is rejected with ${code} ${when} (${where})`;
    return problem('fail', 'client_access', 'client-rejected-by-postfix', [`${where} = ${value}`, verdict.why, ...(list.param === 'smtpd_client_restrictions' ? [`smtpd_delay_reject = ${delay ? 'yes: client restrictions apply at RCPT TO' : 'no: client restrictions apply at once'}`] : [])], {
      title,
      human: {
        reason: 'an access entry refuses this client on purpose, most likely; whether it still should is a human decision',
        steps: verdict.table ? [`See the entry: postmap -q ${address} ${verdict.table}`, `If it should go: edit the table's source, then ${/^(cidr|regexp|pcre|texthash|inline|static):/.test(verdict.table) ? 'postfix reload' : `postmap ${verdict.table} && postfix reload`}`] : [`${where} = ${value}: change it with postconf, then postfix reload`],
      },
    });
  }
  return null;
}

type Verdict = { kind: 'permit' | 'continue' } | { kind: 'reject'; action: string; why: string; table: string | null };

/** The restriction list, as far as it depends on the client only; the first decision wins. */
async function walkList(value: string, address: string, inMynetworks: boolean, lookup: Lookup, sasl: boolean): Promise<Verdict> {
  const tokens = value.split(/[\s,]+/).filter(Boolean);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as string;
    if (t === 'permit_mynetworks' && inMynetworks) return { kind: 'permit' };
    if (t === 'permit_sasl_authenticated' && sasl) return { kind: 'permit' };
    if (t === 'permit') return { kind: 'permit' };
    if (t === 'reject') return { kind: 'reject', action: 'REJECT', why: '`reject` in the list refuses every client', table: null };
    if (t === 'check_client_access') {
      const table = tokens[++i];
      if (!table) continue;
      const hit = await lookup.find(table);
      if (!hit) continue;
      const action = hit.value.trim();
      const word = action.split(/\s+/)[0]?.toUpperCase() ?? '';
      // access(5): an all-numerical result is OK; "4NN text" / "5NN text" reject with that code.
      if (word === 'OK' || word === 'PERMIT' || /^\d+$/.test(action)) return { kind: 'permit' };
      if (word === 'REJECT' || word.startsWith('DEFER') || /^[45]\d\d$/.test(word)) return { kind: 'reject', action, why: `check_client_access ${table}: ${hit.key} → ${action}`, table };
    }
  }
  return { kind: 'continue' };
}

function replyCode(action: string, facts: Facts): string {
  const word = action.split(/\s+/)[0]?.toUpperCase() ?? '';
  const text = action.slice(word.length).trim();
  if (/^[45]\d\d$/.test(word)) return `${word}${text ? ` ${text}` : ''}`;
  if (word.startsWith('DEFER')) return `${facts.postfix.params.access_map_defer_code || '450'} (temporary)`;
  return `${facts.postfix.params.access_map_reject_code || '554'} 5.7.1 … Client host rejected: ${text || 'Access denied'}`;
}

async function postscreenVerdict(facts: Facts, address: string, inMynetworks: boolean, lookup: Lookup): Promise<((port: number) => Finding) | null> {
  const list = facts.postfix.params.postscreen_access_list ?? '';
  const action = (facts.postfix.params.postscreen_denylist_action || facts.postfix.params.postscreen_blacklist_action || 'ignore').toLowerCase();
  for (const t of list.split(/[\s,]+/).filter(Boolean)) {
    if (t === 'permit_mynetworks') {
      if (inMynetworks) return null;
      continue;
    }
    const hit = await lookup.find(t);
    if (!hit) continue;
    const v = hit.value.trim().toLowerCase();
    if (v === 'permit') return null;
    if (v !== 'reject') continue;
    if (action === 'ignore') return null;
    const evidence = [`postscreen_access_list = ${list}`, `${t}: ${hit.key} → ${hit.value.trim()}`, `postscreen_denylist_action = ${action}`];
    const what = action === 'drop' ? 'is greeted with 521 5.3.2 and disconnected' : 'is greeted after the pregreet wait, then rejected with 550 5.3.2 at RCPT TO';
    return (port) =>
      problem('fail', 'client_access', 'client-rejected-by-postfix', evidence, {
        title: `${address} ${what} on port ${port} (postscreen_access_list: ${t})`,
        human: { reason: "postscreen's access list names this client on purpose, most likely", steps: [`If it should go: remove ${hit.key} from ${t.replace(/^[a-z]+:/, '')}${/^(cidr|regexp|pcre|texthash):/.test(t) ? '' : ` and postmap ${t}`}, then postfix reload`] },
      });
  }
  return null;
}

interface Lookup {
  /** The first key of the client smtpd would find in `table`, with its value; null: no entry. */
  find(table: string): Promise<{ key: string; value: string } | null>;
  evidence(): string[];
}

/** `postmap -q - TABLE` with every key smtpd would try for the address, once per table. */
function tableLookup(ctx: ProbeContext, address: string): Lookup {
  const cache = new Map<string, Promise<{ key: string; value: string } | null>>();
  const notes: string[] = [];
  const keys = (type: string): string[] => {
    if (WHOLE_KEY_TYPES.has(type)) return [address];
    // Indexed tables: the address, then the networks smtpd gets by stripping the least
    // significant octets (1.2.3.4, 1.2.3, 1.2, 1).
    const parts = address.split('.');
    if (parts.length !== 4) return [address];
    return [4, 3, 2, 1].map((n) => parts.slice(0, n).join('.'));
  };
  const find = async (raw: string): Promise<{ key: string; value: string } | null> => {
    const table = raw.replace(/^proxy:/, '');
    const type = /^([a-z0-9]+):/.exec(table)?.[1] ?? null;
    if (type === null || !LOCAL_TYPES.has(type)) {
      notes.push(`${raw}: not looked up (${type === null ? 'not a TYPE:NAME table' : `a ${type} table needs its server`})`);
      return null;
    }
    if (!ctx.exec.has('postmap')) {
      notes.push(`${raw}: not looked up (postmap is not installed)`);
      return null;
    }
    const ks = keys(type);
    const r = await ctx.exec.run(['postmap', '-q', '-', table], { input: ks.join('\n') + '\n', timeoutMs: budgetMs(ctx.deadline, 1_000, { floorMs: 50 }) });
    if (r.exitCode !== 0 && r.stdout.trim() === '') {
      const why = (r.stderr.trim().split('\n')[0] ?? '').replace(/^postmap: /, '');
      notes.push(`${raw}: postmap -q failed${why ? `: ${why}` : ''}`);
      return null;
    }
    const found = new Map<string, string>();
    for (const line of r.stdout.split('\n')) {
      const tab = line.indexOf('\t');
      if (tab > 0) found.set(line.slice(0, tab), line.slice(tab + 1));
    }
    const key = ks.find((k) => found.has(k));
    notes.push(`postmap -q ${address} ${table}: ${key ? `${key} → ${found.get(key)}` : 'no entry'}`);
    return key ? { key, value: found.get(key) as string } : null;
  };
  return {
    find: (table) => {
      let p = cache.get(table);
      if (!p) cache.set(table, (p = find(table)));
      return p;
    },
    evidence: () => [...new Set(notes)],
  };
}

/** Is the address in mynetworks? Literal networks and files of them; a lookup table is named, not read. */
function mynetworksOf(facts: Facts, address: string): { member: boolean; entry: string | null; notes: string[] } {
  const ip = parseCidr(address);
  const notes: string[] = [];
  for (const e of (facts.postfix.params.mynetworks ?? '').split(/[\s,]+/).filter(Boolean)) {
    const net = parseCidr(e);
    if (net && ip && cidrContains(net, ip)) return { member: true, entry: e, notes };
    if (!net) notes.push(`mynetworks entry ${e}: not read (a file or table): the answer above counts only literal networks`);
  }
  return { member: false, entry: null, notes };
}
