// The notice `postfix-fix watch` sends when something changed: one JSON document (the hook's
// stdin, the webhook's body; schemas/watch-notice.schema.json) whose `text` is the whole story in
// one line — what chat webhooks (Slack, Mattermost, …) display and what goes to the system log.

import type { WatchEvent } from '../engine/watch/tick.js';
import type { Problem } from '../engine/watch/tick.js';

export const WATCH_NOTICE_SCHEMA_VERSION = 1;

export interface WatchNotice {
  schemaVersion: typeof WATCH_NOTICE_SCHEMA_VERSION;
  tool: { name: 'postfix-fix'; version: string };
  source: 'watch';
  host: string;
  at: string;
  /** The host after this tick. */
  state: 'healthy' | 'problem';
  text: string;
  events: WatchEvent[];
  /** Problems left after this tick, most likely cause first. */
  problems: Array<{ cause: string; title: string; status: 'fail' | 'warn' }>;
  /** The tick's run (journaled: `postfix-fix rollback RUN_ID` undoes it), if it changed anything. */
  runId: string | null;
  /** What is left for a person (a runbook the policy does not allow, back-off, no runbook). */
  needsHuman: string[];
}

export interface NoticeInput {
  version: string;
  host: string;
  now: number;
  events: WatchEvent[];
  problems: readonly Problem[];
  runId: string | null;
  needsHuman: readonly string[];
}

export function buildNotice(i: NoticeInput): WatchNotice {
  const state = i.problems.length ? 'problem' : 'healthy';
  return {
    schemaVersion: WATCH_NOTICE_SCHEMA_VERSION,
    tool: { name: 'postfix-fix', version: i.version },
    source: 'watch',
    host: i.host,
    at: new Date(i.now).toISOString(),
    state,
    text: noticeText(i.host, i.events, state),
    events: i.events,
    problems: i.problems.map((p) => ({ cause: p.cause, title: p.title, status: p.status })),
    runId: i.runId,
    needsHuman: [...i.needsHuman],
  };
}

export function eventText(e: WatchEvent): string {
  switch (e.kind) {
    case 'problem':
      return `problem: ${e.title} [${e.cause}]${e.fixedBy.length ? '' : ' (no runbook fixes it)'}`;
    case 'fixed':
      return `fixed: ${e.cause} by ${e.runbooks.join(', ')}${e.runId ? ` (run ${e.runId})` : ''}`;
    case 'fix-failed':
      return `fix failed: ${e.cause} by ${e.runbooks.join(', ')} (${e.runStatus}${e.error ? `: ${e.error}` : ''})`;
    case 'backoff':
      return `back-off: ${e.cause} had ${e.fixes} fix(es) within the hour (max ${e.limit}), left alone until ${e.until}`;
    case 'recovered':
      return `gone: ${e.title} [${e.cause}]`;
  }
}

export function noticeText(host: string, events: readonly WatchEvent[], state: 'healthy' | 'problem'): string {
  return `postfix-fix watch on ${host}: ${events.map(eventText).join('; ')} — now ${state}`;
}

/** How loud the system-log line is. */
export function noticePriority(n: WatchNotice): 'err' | 'warning' | 'notice' {
  if (n.events.some((e) => e.kind === 'fix-failed' && e.runStatus === 'rollback-incomplete')) return 'err';
  if (n.state === 'problem' || n.events.some((e) => e.kind === 'fix-failed' || e.kind === 'backoff')) return 'warning';
  return 'notice';
}
