// The probe's report: the resolution, one verdict per address and port, the context gathered on
// failure, and what to run on the server next. Exit 0 only when every port greets.

import { ExitCode } from '../../core/exit-codes.js';
import { classifyDials, outcomeOf, portSummary } from './classify.js';
import type { DialAll } from '../../exec/client/dial-all.js';
import type { Resolution, Unresolved } from '../../exec/client/resolve.js';
import type { PortVerdict, ProbeReport, ResolutionView } from './types.js';

export interface ProbeReportInput {
  target: string;
  ports: number[];
  startedAt: number;
  timeoutMs: number;
  resolution: Resolution;
  unresolved: Unresolved[];
  dialled: DialAll;
  now?: number;
}

export function buildProbeReport(i: ProbeReportInput): ProbeReport {
  const now = i.now ?? Date.now();
  const results = classifyDials({ dials: i.dialled.dials, context: i.dialled.context, now });
  const relayed = results.some((r) => r.relay?.verdict === 'accepted');
  const ok = results.length > 0 && i.unresolved.length === 0 && results.every((r) => r.greets) && !relayed;
  const sources = [...new Set(Object.values(i.dialled.routes).map((r) => r.source).filter((s): s is string => s !== null))];
  const source = results.map((r) => i.dialled.routes[r.address]?.source).find((s) => s) ?? sources[0] ?? null;
  return {
    schemaVersion: 1,
    target: i.target,
    ports: i.ports,
    startedAt: new Date(i.startedAt).toISOString(),
    durationMs: Math.max(0, now - i.startedAt),
    timeoutMs: i.timeoutMs,
    ok,
    exitCode: ok ? ExitCode.Ok : ExitCode.NeedsHuman,
    summary: summaryOf(i, results, relayed),
    resolution: resolutionView(i.resolution, i.unresolved, results.length),
    source,
    results,
    context: i.dialled.context.map((d) => ({ address: d.address, port: d.port, outcome: outcomeOf(d.result, d.refusal), summary: portSummary(d) })),
    skipped: i.dialled.skipped,
    unresolved: i.unresolved,
    next: nextSteps(results, source),
  };
}

function summaryOf(i: ProbeReportInput, results: PortVerdict[], relayed: boolean): string {
  if (results.length === 0) return i.unresolved[0]?.reason ?? `nothing to dial for ${i.target}`;
  const greeting = results.filter((r) => r.greets);
  const failing = results.filter((r) => !r.greets);
  const unresolved = i.unresolved.length > 0 ? `; nothing to dial on ${i.unresolved.map((u) => `port ${u.port}`).join(', ')}: ${i.unresolved[0]?.reason ?? ''}` : '';
  if (failing.length === 0) {
    const base = `every port greets (${greeting.length} address${greeting.length === 1 ? '' : 'es'} and port${greeting.length === 1 ? '' : 's'})`;
    return relayed ? `${base}, but one relays mail for this client (an open relay?)${unresolved}` : `${base}${unresolved}`;
  }
  const byOutcome = new Map<string, PortVerdict[]>();
  for (const f of failing) byOutcome.set(f.outcome, [...(byOutcome.get(f.outcome) ?? []), f]);
  const parts = [...byOutcome].map(([outcome, vs]) => `${vs.map((v) => `${v.address.includes(':') ? `[${v.address}]` : v.address}:${v.port}`).join(', ')} ${OUTCOME_WORDS[outcome as keyof typeof OUTCOME_WORDS]}`);
  return `${greeting.length} of ${results.length} greet; ${parts.join('; ')}${unresolved}`;
}

export const OUTCOME_WORDS = {
  banner: 'greets',
  rejected: 'greets with a refusal',
  refused: 'refused (TCP reset)',
  unreachable: 'unreachable (a firewall rejecting)',
  timeout: 'no answer (dropped)',
  'no-banner': 'connects but never greets',
} as const;

function resolutionView(res: Resolution, unresolved: Unresolved[], dialled: number): ResolutionView {
  const hosts: ResolutionView['hosts'] = [
    ...(res.kind === 'name' ? [{ name: res.self.name, role: 'target' as const, addresses: res.self.addresses, source: res.self.source, status: res.self.status, detail: res.self.detail }] : []),
    ...res.mxHosts.map((h) => ({ name: h.name, role: 'mx' as const, ...(h.preference !== undefined ? { preference: h.preference } : {}), addresses: h.addresses, source: h.source, status: h.status, detail: h.detail })),
  ];
  return {
    kind: res.kind,
    status: dialled === 0 ? 'failed' : unresolved.length > 0 ? 'partial' : 'ok',
    mx: res.mx,
    hosts,
    ms: res.ms,
  };
}

function nextSteps(results: PortVerdict[], source: string | null): string[] {
  const failing = results.filter((r) => !r.greets);
  if (failing.length === 0) return [];
  const clientSide = failing.every((r) => r.outcome === 'unreachable' && (/^(ENETUNREACH|ENETDOWN|EPERM|EAFNOSUPPORT|EADDRNOTAVAIL)$/.test(r.detail ?? '') || (r.detail === 'EACCES' && !r.address.includes(':'))));
  if (clientSide) return ["the connection never left this machine: check this machine's own network and firewall first"];
  const ports = [...new Set(failing.map((r) => r.port))].sort((a, b) => a - b);
  const from = source ? ` --from ${source}` : '';
  return [
    `on the server: postfix-fix diagnose${from}${ports.map((p) => ` --port ${p}`).join('')}`,
    ...(source ? [`(${source} is this machine's address towards it; behind NAT the server sees your public address instead)`] : []),
  ];
}
