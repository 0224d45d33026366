// fail2ban's jails and bans, read through fail2ban-client — only when fail2ban-server runs: the
// client is Python and costs ≈ 0.1–0.4 s a call, so a host without fail2ban pays nothing, and a
// host with it pays one call (`banned`: every jail with its bans), or with --from one call for
// the jails that ban the client plus two per such jail (when the ban ends; ignoreip), run together.

import { describeFailure, runTool } from './context.js';
import type { FactContext, NoteError } from './context.js';
import type { ProcessInfo } from './processes.js';
import type { Fail2banFacts, Fail2banJail } from './types.js';

/** fail2ban-server's command name (a Python script: comm is its file name, 15 characters). */
export function fail2banRuns(processes: readonly ProcessInfo[]): boolean {
  return processes.some((p) => p.comm === 'fail2ban-server' || p.comm === 'fail2ban-serve');
}

export async function gatherFail2ban(ctx: FactContext, note: NoteError, processes: readonly ProcessInfo[], client: string | null): Promise<Fail2banFacts | null> {
  if (!fail2banRuns(processes) || !ctx.exec.has('fail2ban-client')) return null;
  if (client === null) {
    const r = await runTool(ctx, ['fail2ban-client', 'banned'], 3_000);
    if (r.exitCode !== 0) return unreadable(note, describeFailure(r));
    const banned = parseBannedAll(r.stdout);
    if (banned === null) return unreadable(note, `\`fail2ban-client banned\` answered something not understood: ${r.stdout.trim().slice(0, 120)}`);
    return { running: true, jails: [...banned].map(([name, addrs]) => ({ name, banned: addrs, bantime: null, ignoreip: null, clientBan: null })), clientJails: null };
  }
  const r = await runTool(ctx, ['fail2ban-client', 'banned', client], 3_000);
  if (r.exitCode !== 0) return unreadable(note, describeFailure(r));
  const jailsOf = parseBannedFor(r.stdout);
  if (jailsOf === null) return unreadable(note, `\`fail2ban-client banned ${client}\` answered something not understood: ${r.stdout.trim().slice(0, 120)}`);
  const jails = await Promise.all(jailsOf.map((jail) => jailDetails(ctx, note, jail, client)));
  return { running: true, jails, clientJails: jailsOf };
}

function unreadable(note: NoteError, why: string): Fail2banFacts {
  note('fail2ban', why);
  return { running: true, jails: [], clientJails: null };
}

async function jailDetails(ctx: FactContext, note: NoteError, jail: string, client: string): Promise<Fail2banJail> {
  const [bans, ignore] = await Promise.all([runTool(ctx, ['fail2ban-client', 'get', jail, 'banip', '--with-time'], 3_000), runTool(ctx, ['fail2ban-client', 'get', jail, 'ignoreip'], 3_000)]);
  if (bans.exitCode !== 0) note(`fail2ban.${jail}`, describeFailure(bans));
  if (ignore.exitCode !== 0) note(`fail2ban.${jail}`, describeFailure(ignore));
  const ban = bans.exitCode === 0 ? parseBanWithTime(bans.stdout, client) : null;
  return {
    name: jail,
    banned: null,
    bantime: ban?.bantime ?? null,
    ignoreip: ignore.exitCode === 0 ? parseIgnoreip(ignore.stdout) : null,
    clientBan: ban ?? { since: null, expires: null, bantime: null },
  };
}

/**
 * Python's repr of lists, dicts and plain strings (what fail2ban-client prints for `banned`) as
 * JSON: jail names and addresses carry no quotes or backslashes, so each '…' is one string.
 */
function pythonRepr(text: string): unknown {
  const json = text.trim().replace(/'([^'\\]*)'/g, (_, s: string) => JSON.stringify(s));
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

/** `[{'postfix': ['10.0.0.2']}, {'sshd': []}]` → postfix → [10.0.0.2], sshd → []. */
export function parseBannedAll(text: string): Map<string, string[]> | null {
  const v = pythonRepr(text);
  if (!Array.isArray(v)) return null;
  const out = new Map<string, string[]>();
  for (const item of v) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return null;
    for (const [jail, addrs] of Object.entries(item as Record<string, unknown>)) {
      if (!Array.isArray(addrs)) return null;
      out.set(jail, addrs.filter((a): a is string => typeof a === 'string'));
    }
  }
  return out;
}

/** `[['postfix', 'postfix-sasl']]` (one list per address asked) → the jails banning it. */
export function parseBannedFor(text: string): string[] | null {
  const v = pythonRepr(text);
  if (!Array.isArray(v) || !Array.isArray(v[0])) return null;
  return (v[0] as unknown[]).filter((j): j is string => typeof j === 'string');
}

/**
 * `get JAIL banip --with-time`: one ban a line, `ADDR \t2026-12-06 07:50:56 + 3600 = 2026-12-06
 * 08:50:56` (the host's local time). The client's line, or null when it is not there.
 */
export function parseBanWithTime(text: string, address: string): { since: string; bantime: number; expires: string | null } | null {
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \+ (-?\d+) = (\S+ \S+)\s*$/.exec(line.trim());
    if (!m || m[1] !== address) continue;
    const bantime = Number(m[3]);
    return { since: m[2] as string, bantime, expires: bantime < 0 ? null : (m[4] as string) };
  }
  return null;
}

/** `No IP address/network is ignored`, or `These … are ignored:` then `|- A` … `` `- Z``. */
export function parseIgnoreip(text: string): string[] {
  return text
    .split('\n')
    .map((l) => /^\s*[|`]- (.+?)\s*$/.exec(l)?.[1])
    .filter((a): a is string => a !== undefined);
}
