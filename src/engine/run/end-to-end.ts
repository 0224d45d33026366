// The end-to-end proof, once, after every round of a run: what a client sees, not what one
// layer did. Each runbook proved its own layer right after its steps (a listener, a rule, a
// running master); this proves they add up — the greeting on this host's own addresses, the
// firewall letting strangers through, mail to postmaster accepted up to RCPT, relaying for a
// stranger refused. Dialled from the host itself, so the firewall part is read from the rules (a
// connection to one's own address travels over lo, which most rulesets accept first).

import type { DialOptions, DialResult } from '../../core/dial.js';
import { describeDial } from '../../exec/dial.js';
import { isLinkLocal, parseIp } from '../../facts/cidr.js';
import { factFailed } from '../../facts/gather.js';
import { listenersNow } from '../../facts/listeners.js';
import { isWildcardAddress } from '../../facts/ss.js';
import type { Listener } from '../../facts/types.js';
import { firewallAllowsCheck } from '../../modules/firewall-allows/module.js';
import type { ModuleContext } from '../../modules/types.js';
import { PROBE_HELO, describeDialogue, inMynetworks, localDomain } from '../../probes/mail.js';
import { offeredPorts } from '../../probes/smtp-ports.js';
import type { ProofCheck } from './types.js';

const MAX_ADDRESSES = 4;
const DIAL_MS = 3_000;
/** A destination no server of ours receives for (RFC 2606): accepting it would be relaying. */
export const RELAY_PROBE_RECIPIENT = 'relay-test@example.net';

/** The replies, without EHLO's long keyword list once EHLO was answered (it says nothing here). */
function replies(r: DialResult): string[] {
  const d = r.dialogue ?? [];
  return describeDialogue(d.filter((x, i) => x.command !== 'EHLO' || i === d.length - 1));
}

function options(extra: Partial<DialOptions> = {}): DialOptions {
  return { connectTimeoutMs: DIAL_MS, bannerTimeoutMs: DIAL_MS, heloName: PROBE_HELO, deadline: Date.now() + 4 * DIAL_MS, ...extra };
}

/** Does a listener of Postfix's on port 25 cover this address (bound to it, or a wildcard of its family)? */
function servedOn(facts: ModuleContext['facts'], listeners: readonly Listener[], address: string): boolean {
  const family = parseIp(address)?.family;
  const postfix = (pid: number | null, process: string | null): boolean => process === 'master' || (pid !== null && pid === facts.postfix.masterPid);
  return listeners.some((l) => l.port === 25 && postfix(l.pid, l.process) && (l.address === address || l.address === '*' || (isWildcardAddress(l.address) && l.family === family)));
}

/**
 * The listening sockets, read again when the facts could not read them (`ss` timed out on a
 * loaded host): their fallback, no socket or none with its process, would say "Postfix does not
 * listen" of a host where it does. null when they still cannot be read whole, with why in `notes`.
 */
async function listeningSockets(ctx: ModuleContext, notes: string[]): Promise<readonly Listener[] | null> {
  const failed = factFailed(ctx.facts, 'listeners');
  if (failed === null) return ctx.facts.listeners;
  const again = await listenersNow(ctx, notes);
  if (again !== null && notes.length === 0) return again;
  notes.unshift(`the listening sockets could not be read (${failed}), nor again now`);
  return null;
}

/** 465 speaks TLS first: a connection that stays silent there is a working one. */
function greets(r: DialResult): boolean {
  return (r.outcome === 'banner' && r.code === 220) || (r.port === 465 && r.outcome === 'banner-timeout');
}

export async function proveEndToEnd(ctx: ModuleContext): Promise<ProofCheck[]> {
  const { facts } = ctx;
  const own = facts.network.interfaces
    .filter((i) => i.up && !i.loopback)
    .flatMap((i) => i.addresses.map((a) => a.address))
    .filter((a) => !isLinkLocal(a))
    .slice(0, MAX_ADDRESSES);
  // The addresses Postfix serves (inet_interfaces may name some of them on purpose); when it
  // serves none of them, all of them, so the proof shows the refusal. A host whose only interface
  // is loopback (some containers) is reached through a port mapping or a proxy on loopback: that
  // is the address its clients arrive on.
  const notes: string[] = [];
  const listeners = await listeningSockets(ctx, notes);
  const served = own.filter((a) => listeners !== null && servedOn(facts, listeners, a));
  const targets = served.length > 0 ? served : own.length > 0 ? own : ['127.0.0.1'];
  // Another MTA's 220 is not Postfix greeting: who answers is read from the listening sockets
  // (unread, it is not proven).
  const postfixAnswers = listeners !== null && (own.length > 0 ? served.length > 0 : servedOn(facts, listeners, '127.0.0.1'));
  const first = targets[0] as string;
  const ports = offeredPorts(facts);
  const domain = localDomain(facts);
  const postmaster = domain ? `postmaster@${domain}` : null;

  const dials = await Promise.all(targets.flatMap((host) => ports.map((port) => ctx.dialer(host, port, options(port === 25 && host === first && postmaster ? { mail: { from: '', to: postmaster } } : {})))));
  const checks: ProofCheck[] = [];
  checks.push({
    name: `Postfix greets on ${own.length > 0 ? "this host's own addresses" : '127.0.0.1 (this host has no other address)'} (${ports.join(', ')})`,
    ok: postfixAnswers && dials.every(greets),
    evidence: [...dials.map(describeDial), ...(listeners === null ? [`who answers is not proven: ${notes.join('; ')}`] : postfixAnswers ? [] : [`Postfix does not listen there on port 25 (${listeners.filter((l) => l.port === 25).map((l) => `${l.address}: ${l.process ?? '?'}`).join(', ') || 'nothing does'})`])],
  });

  const fw = await firewallAllowsCheck.check(ctx, { ports });
  checks.push({ name: 'every loaded firewall lets strangers reach those ports (rules walked)', ok: fw.ok, evidence: fw.evidence });

  const withMail = dials.find((r) => r.dialogue !== undefined);
  if (!postmaster) checks.push({ name: 'mail to postmaster is accepted up to RCPT', ok: null, evidence: ['not checked: this host receives mail for no domain (mydestination and the virtual domains name none)'] });
  else {
    const last = withMail?.dialogue?.at(-1);
    checks.push({
      name: `mail to ${postmaster} is accepted up to RCPT`,
      ok: last?.command === 'RCPT' && last.code >= 200 && last.code < 300,
      evidence: withMail ? [`${first}:25: EHLO ${PROBE_HELO}, MAIL FROM:<>, RCPT TO:<${postmaster}> (then RSET; nothing is sent)`, ...replies(withMail)] : [`${first}:25: no greeting, so no mail could be tried`],
    });
  }
  checks.push(await relayRefused(ctx, first, own.length === 0));
  return checks;
}

/**
 * From this host's own address, which (unless mynetworks lists it) is a stranger to Postfix: a
 * mail for a domain it does not receive for must be refused at RCPT. Where this host is trusted
 * (in mynetworks, or only loopback to dial from), a relay from here proves nothing: the relay
 * settings are judged instead.
 */
async function relayRefused(ctx: ModuleContext, from: string, loopbackOnly: boolean): Promise<ProofCheck> {
  const name = 'relaying for a stranger is refused';
  const { relay } = ctx.facts;
  if (loopbackOnly || inMynetworks(ctx.facts, from)) {
    return { name, ok: relay.safe, evidence: [`${from} is in mynetworks (trusted to relay): judged from the settings instead`, relay.safe ? 'the relay restrictions refuse unauthenticated relaying for strangers' : `relay settings are unsafe: ${relay.reasons.join('; ')}`] };
  }
  const r = await ctx.dialer(from, 25, options({ mail: { from: '', to: RELAY_PROBE_RECIPIENT } }));
  const last = r.dialogue?.at(-1);
  const head = `${from}:25: MAIL FROM:<>, RCPT TO:<${RELAY_PROBE_RECIPIENT}> (then RSET; nothing is sent)`;
  if (!last) return { name, ok: null, evidence: [head, `${describeDial(r)}: no dialogue, so relaying could not be tried`] };
  if (last.command !== 'RCPT') return { name, ok: null, evidence: [head, ...replies(r), 'refused before RCPT: relaying could not be tried'] };
  if (last.code === 0) return { name, ok: null, evidence: [head, ...replies(r), 'RCPT was never answered'] };
  return { name, ok: last.code >= 400, evidence: [head, ...replies(r)] };
}
