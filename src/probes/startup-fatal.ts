// A client connects and gets no banner because every smtpd dies as it starts: the master logs
// "bad command startup -- throttling" and the cause is the `fatal:` line the dying smtpd wrote
// just before (no SASL mechanisms, a missing certificate with TLS enforced, a table it cannot
// open at start). Read only when a dial already showed the symptom, so a fatal line from last
// week never names a healthy host.

import { parseLogTime } from './logs/log-time.js';
import { readLogTails } from './logs/sources.js';
import type { DialResult } from '../core/dial.js';
import type { ProbeContext } from './types.js';

/** How far back a fatal line still explains what a client sees now. */
const RECENT_MS = 15 * 60_000;

/** No greeting at all: a silent connection, or one closed before the banner. */
export function noGreeting(r: DialResult): boolean {
  return r.outcome === 'banner-timeout' || (r.outcome === 'error' && /before any greeting/.test(r.detail ?? ''));
}

export interface StartupFatal {
  /** What killed it: `no SASL authentication mechanisms`. */
  message: string;
  /** The log lines: the fatal, and the master's throttling warning when there is one. */
  lines: string[];
}

export function findStartupFatal(lines: readonly string[], now: number): StartupFatal | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] as string;
    const m = /postfix\/smtpd\[\d+\]: fatal: (.*)$/.exec(line);
    if (!m) continue;
    const at = parseLogTime(line, now);
    if (at !== null && now - at > RECENT_MS) return null;
    const throttle = lines.slice(i + 1, i + 12).find((l) => /smtpd: bad command startup -- throttling/.test(l));
    return { message: (m[1] as string).trim(), lines: throttle ? [line, throttle] : [line] };
  }
  return null;
}

export async function startupFatal(ctx: ProbeContext): Promise<{ fatal: StartupFatal; source: string } | null> {
  const { tails } = await readLogTails(ctx);
  const now = Date.now();
  for (const t of tails) {
    const fatal = findStartupFatal(t.lines, now);
    if (fatal) return { fatal, source: t.source };
  }
  return null;
}
