// The watch policy (/etc/postfix-fix/watch.yaml): what `postfix-fix watch` may fix without a
// person, how often per cause, and where its notices go. Validated like every other input
// (schema errors at file:line:column, all at once); defaults live in the schema, filled in by
// the validator. Loaded before anything is diagnosed, so a bad policy changes nothing.

import { statSync } from 'node:fs';
import watchPolicySchema from '../../../schemas/watch-policy.schema.json' with { type: 'json' };
import { UserError, UserErrors } from '../../core/errors.js';
import type { Risk } from '../../core/risk.js';
import { validateWith } from '../../core/validate.js';
import { schemaErrorsToUserErrors } from '../catalog/schema-errors.js';
import { readYamlFile } from '../catalog/yaml-source.js';
import type { YamlSource } from '../catalog/yaml-source.js';
import type { Policy } from '../policy.js';

export const DEFAULT_WATCH_POLICY_FILE = '/etc/postfix-fix/watch.yaml';
export const EXAMPLE_WATCH_POLICY_FILE = '/usr/share/doc/postfix-fix/examples/watch.yaml';

export interface HookTarget {
  /** argv: an absolute program path, then its arguments. */
  command: string[];
  timeoutMs: number;
}

export interface WebhookTarget {
  url: string;
  timeoutMs: number;
  retries: number;
  /** Sent with every attempt; never logged. */
  headers: Record<string, string>;
}

export interface WatchPolicy {
  file: string;
  maxRisk: Risk;
  allow?: string[];
  forbid?: string[];
  maxFixesPerCausePerHour: number;
  notify: {
    syslog: boolean;
    hook: HookTarget | null;
    webhook: WebhookTarget | null;
  };
}

interface WatchPolicyDoc {
  max_risk: Risk;
  allow?: string[];
  forbid?: string[];
  max_fixes_per_cause_per_hour: number;
  notify: {
    syslog: boolean;
    hook?: { command: string[]; timeout: number };
    webhook?: { url: string; timeout: number; retries: number; headers?: Record<string, string> };
  };
}

export function loadWatchPolicy(file: string, knownRunbooks?: ReadonlySet<string>): WatchPolicy {
  let src: YamlSource;
  try {
    src = readYamlFile(file);
  } catch (e) {
    if (file === DEFAULT_WATCH_POLICY_FILE && e instanceof UserError && /no such file/.test(e.message)) {
      throw new UserError(`no watch policy: ${file} does not exist`, {
        hints: [`start from the example: install -m 0600 ${EXAMPLE_WATCH_POLICY_FILE} ${file}`, 'or name another file with --policy FILE'],
      });
    }
    throw e;
  }
  const unsafe = unsafeOwnership(file);
  if (unsafe) throw new UserError(unsafe, { location: { file, line: 1, column: 1 }, hints: [`chown root:root ${file} && chmod 0600 ${file}`] });
  const v = src.value;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new UserError('a watch policy must be a YAML mapping', { location: src.locate(''), expected: 'max_risk, allow, forbid, max_fixes_per_cause_per_hour, notify' });
  }
  const errors = schemaErrorsToUserErrors(src, validateWith(watchPolicySchema, v));
  const doc = v as WatchPolicyDoc;
  if (knownRunbooks) {
    for (const key of ['allow', 'forbid'] as const) {
      const ids: unknown = doc[key];
      if (Array.isArray(ids)) ids.forEach((id, i) => {
        if (typeof id === 'string' && !knownRunbooks.has(id)) errors.push(new UserError(`unknown runbook "${id}"`, { location: src.locate(`${key}[${i}]`, 'value'), field: `${key}[${i}]`, expected: `one of: ${[...knownRunbooks].sort().join(', ')}` }));
      });
    }
  }
  const url: unknown = (doc.notify as { webhook?: { url?: unknown } } | undefined)?.webhook?.url;
  if (typeof url === 'string' && url !== '') {
    const problem = webhookUrlProblem(url);
    if (problem) errors.push(new UserError(problem, { location: src.locate('notify.webhook.url', 'value'), field: 'notify.webhook.url', expected: 'an http:// or https:// URL' }));
  }
  if (errors.length) throw new UserErrors(errors);

  const n = doc.notify;
  return {
    file,
    maxRisk: doc.max_risk,
    ...(doc.allow ? { allow: doc.allow } : {}),
    ...(doc.forbid ? { forbid: doc.forbid } : {}),
    maxFixesPerCausePerHour: doc.max_fixes_per_cause_per_hour,
    notify: {
      syslog: n.syslog,
      hook: n.hook ? { command: n.hook.command, timeoutMs: Math.round(n.hook.timeout * 1000) } : null,
      webhook: n.webhook ? { url: n.webhook.url, timeoutMs: Math.round(n.webhook.timeout * 1000), retries: n.webhook.retries, headers: n.webhook.headers ?? {} } : null,
    },
  };
}

/**
 * Run as root, the policy decides what root does unattended (its hook is a program run as root;
 * max_risk and allow open runbooks): like sshd and sudo with their files, refuse one that someone
 * other than root could have written.
 */
export function unsafeOwnership(file: string, uid: number | undefined = process.getuid?.()): string | null {
  if (uid !== 0) return null;
  let st;
  try {
    st = statSync(file);
  } catch {
    return null; // reading it already failed with a better message
  }
  if (st.uid !== 0) return `the watch policy is owned by uid ${st.uid}, not root: it decides what root runs unattended`;
  if (st.mode & 0o022) return `the watch policy is writable by ${st.mode & 0o002 ? 'everyone' : 'its group'} (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}): it decides what root runs unattended`;
  return null;
}

/** Why a webhook URL cannot be used, or null. The URL itself is never repeated (it may hold a token). */
export function webhookUrlProblem(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `the scheme "${u.protocol.replace(/:$/, '')}" is not allowed`;
  if (u.hostname === '') return 'the URL names no host';
  return null;
}

/** The runbook part, as `run --policy` applies it to a plan (forbidden runbooks stay in the plan, blocked). */
export function asRunPolicy(p: WatchPolicy): Policy {
  return { file: p.file, maxRisk: p.maxRisk, ...(p.allow ? { allow: p.allow } : {}), ...(p.forbid ? { forbid: p.forbid } : {}) };
}

/** Where notices go, for a log line: the webhook's scheme and host only (its path may carry a token). */
export function describeTargets(p: WatchPolicy): string[] {
  const out: string[] = [];
  if (p.notify.syslog) out.push('syslog');
  if (p.notify.hook) out.push(`hook ${p.notify.hook.command[0]}`);
  if (p.notify.webhook) out.push(`webhook ${webhookOrigin(p.notify.webhook.url)}`);
  return out;
}

export function webhookOrigin(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(invalid URL)';
  }
}
