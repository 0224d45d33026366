// Delivering a notice: one line to the system log, the JSON to a hook's stdin, the JSON POSTed to
// a webhook — side by side, each bounded, none able to fail the tick. Called after the tick's run
// has ended and its lock is released: a hanging endpoint delays nothing but its own delivery. A
// notice that could not be delivered is logged and not queued: the next one goes out on the next
// change (syslog and the run reports keep the record meanwhile).

import type { Executor } from '../../core/exec.js';
import type { PostJson } from '../../exec/http-post.js';
import type { HookTarget, WatchPolicy, WebhookTarget } from './policy.js';
import { webhookOrigin } from './policy.js';

export interface NoticeMessage {
  /** The notice document, already redacted. */
  json: unknown;
  /** The notice in one line, for the system log. */
  line: string;
  priority: 'err' | 'warning' | 'notice';
}

export type DeliveryTarget = 'syslog' | 'hook' | 'webhook';

export interface Delivery {
  target: DeliveryTarget;
  ok: boolean;
  /** What happened, in words (never the webhook's path, query or headers). */
  detail: string;
  attempts: number;
  durationMs: number;
}

export interface NotifyDeps {
  exec: Executor;
  post: PostJson;
  userAgent: string;
  sleep?: (ms: number) => Promise<void>;
}

/** Syslog lines are kept short enough for every syslog transport. */
const MAX_SYSLOG_LINE = 900;
/** A hook's process tree is killed at its timeout; this is how much longer we wait for its pipes. */
const HOOK_GRACE_MS = 2_000;
const RETRY_PAUSE_MS = [1_000, 2_000, 4_000, 5_000, 5_000];

export async function deliverNotice(notice: NoticeMessage, targets: WatchPolicy['notify'], deps: NotifyDeps): Promise<Delivery[]> {
  const body = JSON.stringify(notice.json);
  const jobs: Array<Promise<Delivery>> = [];
  if (targets.syslog) jobs.push(guard('syslog', () => toSyslog(notice, deps)));
  if (targets.hook) jobs.push(guard('hook', () => toHook(targets.hook as HookTarget, body, deps)));
  if (targets.webhook) jobs.push(guard('webhook', () => toWebhook(targets.webhook as WebhookTarget, body, deps)));
  return Promise.all(jobs);
}

async function guard(target: DeliveryTarget, job: () => Promise<Delivery>): Promise<Delivery> {
  const started = Date.now();
  try {
    return await job();
  } catch (e) {
    return { target, ok: false, detail: `internal error: ${(e as Error).message}`, attempts: 1, durationMs: Date.now() - started };
  }
}

async function toSyslog(notice: NoticeMessage, deps: NotifyDeps): Promise<Delivery> {
  const started = Date.now();
  if (!deps.exec.has('logger')) return { target: 'syslog', ok: false, detail: 'logger is not installed', attempts: 0, durationMs: 0 };
  const line = oneLine(`watch: ${notice.line}`, MAX_SYSLOG_LINE);
  // daemon: what a service reports about itself; the changes a fix makes are logged apart
  // (authpriv, one line each: change-log.ts).
  const r = await deps.exec.run(['logger', '-t', 'postfix-fix', '-p', `daemon.${notice.priority}`, '--', line], { timeoutMs: 3_000 });
  const ok = r.exitCode === 0;
  return { target: 'syslog', ok, detail: ok ? 'logged' : `logger ${r.timedOut ? 'timed out' : `exited ${r.exitCode ?? r.signal}`}${firstLine(r.stderr)}`, attempts: 1, durationMs: Date.now() - started };
}

async function toHook(hook: HookTarget, body: string, deps: NotifyDeps): Promise<Delivery> {
  const started = Date.now();
  const program = hook.command[0] as string;
  // The executor kills the hook's process tree at its timeout; a daemon it started in a new
  // session could still hold the pipes open, so we stop waiting shortly after in any case.
  const run = deps.exec.run(hook.command, { input: `${body}\n`, timeoutMs: hook.timeoutMs });
  let stopWaiting: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => (stopWaiting = setTimeout(() => resolve(null), hook.timeoutMs + HOOK_GRACE_MS)));
  const r = await Promise.race([run, late]).finally(() => clearTimeout(stopWaiting));
  const durationMs = Date.now() - started;
  const seconds = `${(hook.timeoutMs / 1000).toFixed(hook.timeoutMs % 1000 ? 1 : 0)} s`;
  if (r === null) return { target: 'hook', ok: false, detail: `${program} still held its output open after ${seconds}: no longer waited for`, attempts: 1, durationMs };
  if (r.timedOut) return { target: 'hook', ok: false, detail: `${program} did not finish within ${seconds}: killed`, attempts: 1, durationMs };
  if (r.notFound) return { target: 'hook', ok: false, detail: `${program}: not found or not executable`, attempts: 1, durationMs };
  if (r.exitCode !== 0) return { target: 'hook', ok: false, detail: `${program} ${r.exitCode === null ? `was killed by ${r.signal}` : `exited ${r.exitCode}`}${firstLine(r.stderr)}`, attempts: 1, durationMs };
  return { target: 'hook', ok: true, detail: `${program} exited 0`, attempts: 1, durationMs };
}

async function toWebhook(hook: WebhookTarget, body: string, deps: NotifyDeps): Promise<Delivery> {
  const started = Date.now();
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const origin = webhookOrigin(hook.url);
  let last = '';
  for (let attempt = 1; attempt <= hook.retries + 1; attempt++) {
    if (attempt > 1) await sleep(RETRY_PAUSE_MS[Math.min(attempt - 2, RETRY_PAUSE_MS.length - 1)] as number);
    const r = await deps.post(hook.url, body, { timeoutMs: hook.timeoutMs, headers: hook.headers, userAgent: deps.userAgent });
    if (r.status !== null && r.status >= 200 && r.status < 300) return { target: 'webhook', ok: true, detail: `${origin} answered ${r.status}`, attempts: attempt, durationMs: Date.now() - started };
    last = r.status !== null ? `answered ${r.status}` : `${r.error ?? 'failed'}`;
    // Another 4xx (or a redirect) will not change by asking again.
    if (r.status !== null && r.status !== 429 && r.status < 500) return { target: 'webhook', ok: false, detail: `${origin} ${last}`, attempts: attempt, durationMs: Date.now() - started };
  }
  return { target: 'webhook', ok: false, detail: `${origin} ${last} (${hook.retries + 1} attempt(s))`, attempts: hook.retries + 1, durationMs: Date.now() - started };
}

function firstLine(text: string): string {
  const l = text.split('\n').map((x) => x.trim()).find(Boolean);
  return l ? `: ${oneLine(l, 200)}` : '';
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/[\r\n\t]+/g, ' ').replace(/[\u0000-\u001f\u007f]/g, '');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
