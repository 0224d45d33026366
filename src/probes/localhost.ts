// Applications on this host that send through `localhost:25`: glibc answers ::1 first (even with
// Debian's own /etc/hosts, measured), and a client that tries only the first address (Node.js
// 17–19, many libraries) gets ECONNREFUSED on [::1]:25 when Postfix listens on IPv4 only. The
// server is fine; the clients are refused. Said from the host, with both ways out.

import { lookup } from 'node:dns/promises';
import { probeBudget } from './budget.js';
import { ok, problem, unknown } from './finding.js';
import { isPostfixListener } from '../facts/listeners.js';
import { listenersOn } from './smtp-ports.js';
import type { Probe } from './types.js';

export const localhostProbe: Probe = {
  name: 'localhost',
  description: 'what `localhost` resolves to first, and whether Postfix listens there',
  timeoutMs: 1_000,
  causes: ['localhost-resolves-ipv6'],
  async run(ctx) {
    const { facts } = ctx;
    if (!facts.postfix.installed || !facts.postfix.running) return [];
    let first: string | undefined;
    try {
      const all = await Promise.race([
        lookup('localhost', { all: true, verbatim: true }),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out')), probeBudget(ctx, 500)).unref()),
      ]);
      first = all[0]?.address;
    } catch (e) {
      return [unknown('localhost', 'could not resolve localhost', [(e as Error).message])];
    }
    const postfix25 = listenersOn(facts, 25).filter((l) => isPostfixListener(facts, l));
    const v6 = postfix25.some((l) => l.family === 6 && (l.address === '::' || l.address === '::1' || l.address === '*'));
    const evidence = [`localhost → ${first ?? '(nothing)'} first (the system resolver's order)`, `Postfix listens on ${postfix25.map((l) => (l.family === 6 ? `[${l.address}]` : l.address)).join(', ') || 'nothing'}:25`];
    if (first !== '::1' || v6 || postfix25.length === 0) return [ok('localhost', `localhost:25 reaches Postfix (${first ?? '?'})`, evidence)];
    // Advice, not an alarm: the server is fine, and only applications that send through
    // localhost:25 with a first-address-only client are affected. It never makes a run "need a human".
    return [
      problem('warn', 'localhost', 'localhost-resolves-ipv6', [
        ...evidence,
        'a client that tries only the first address (Node.js 17–19, some libraries) gets ECONNREFUSED on [::1]:25',
        'either: have Postfix listen on ::1 too (inet_protocols = all, needs IPv6 on lo) — postfix-fix run --runbook localhost-ipv6',
        'or: point those applications at 127.0.0.1:25 instead of localhost:25',
      ], { title: 'localhost resolves to ::1 first, but Postfix listens on IPv4 only: local apps using localhost:25 may be refused' }),
    ];
  },
};
