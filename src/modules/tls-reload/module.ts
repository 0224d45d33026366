// tls-reload: `postfix reload` when smtpd serves another certificate than the one on disk (renewed
// by certbot or by hand, Postfix never told). smtpd reads its certificate only when a process
// starts; a reload makes the master replace them. Nothing else changes: no file is written, and
// `postfix check` must pass first. It cannot be undone, and there is nothing to undo: the old
// processes (serving the old certificate) cannot be brought back, nor should they be.

import { notReloaded, servedTlsState } from '../../facts/tls-served.js';
import type { ServedTlsState } from '../../facts/tls-served.js';
import { pollUntil } from '../../exec/command.js';
import { NO_DATA, defineActionModule } from '../define.js';
import { controlPostfix, describePostfixAction, postfixCheck, postfixRunning } from '../postfix-control.js';
import type { ModuleContext } from '../types.js';

const ARGS = {
  type: 'object',
  additionalProperties: false,
  properties: {
    wait_ms: { type: 'integer', minimum: 1000, maximum: 120000, default: 30000, description: 'How long the old smtpd processes may take to finish their sessions and exit after the reload.' },
  },
} as const;

const FINGERPRINT = { type: 'string', pattern: '^[0-9A-F]{2}(:[0-9A-F]{2}){31}$' } as const;

/** Per TLS service: the certificate on disk, and what was served / who predated it when inspected. */
const STATE = {
  type: 'object',
  additionalProperties: false,
  required: ['running', 'services'],
  properties: {
    running: { type: 'boolean' },
    services: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['service', 'certFile', 'disk', 'served', 'staleProcesses'],
        properties: {
          service: { type: 'string' },
          certFile: { type: 'string' },
          disk: { oneOf: [FINGERPRINT, { type: 'null' }] },
          served: { oneOf: [FINGERPRINT, { type: 'null' }] },
          staleProcesses: { type: 'integer', minimum: 0 },
        },
      },
    },
  },
} as const;

const DIAL_MS = 3_000;
const POLL_MS = 300;

function summarize(states: ServedTlsState[]) {
  return states.map((s) => ({ service: s.service, certFile: s.certFile, disk: s.disk?.fingerprint256 ?? null, served: s.served.certificate?.fingerprint256 ?? null, staleProcesses: s.staleProcesses.length }));
}

async function look(ctx: ModuleContext): Promise<ServedTlsState[]> {
  return servedTlsState(ctx, DIAL_MS);
}

export const tlsReloadModule = defineActionModule({
  name: 'tls-reload',
  description: 'Reload Postfix when smtpd serves another TLS certificate than the one on disk (renewed, never reloaded); proven by STARTTLS serving the file. Cannot be undone (nothing to restore).',
  args: ARGS,
  data: NO_DATA,
  restore: STATE,
  irreversible: 'a reload writes no file; the smtpd processes that served the old certificate are gone, and bringing them back would serve it again',

  async inspect(ctx) {
    const running = await postfixRunning(ctx);
    return { running, services: running ? summarize(await look(ctx)) : [] };
  },

  diff(ctx, _args, st) {
    if (!st.running) return null;
    const stale = st.services.filter((s) => s.disk !== null && ((s.served !== null && s.served !== s.disk) || s.staleProcesses > 0));
    if (stale.length === 0) return null;
    return {
      summary: `reload Postfix so smtpd serves the renewed certificate${stale.length > 1 ? 's' : ''} (${[...new Set(stale.map((s) => s.certFile))].join(', ')})`,
      diff: [
        '~ postfix check (must pass before the reload)',
        `~ ${describePostfixAction(ctx, 'reload')}`,
        ...stale.map((s) => `  ${s.service}: serves ${s.served ? `${s.served.slice(0, 11)}…` : '(not seen)'}${s.staleProcesses ? `, ${s.staleProcesses} smtpd process(es) older than the file` : ''}; ${s.certFile} holds ${s.disk?.slice(0, 11)}…`),
        '  no file changes; smtpd processes finish their sessions, then new ones load the file',
      ],
      data: null,
      intent: stale.map((s) => ({ service: s.service, certFile: s.certFile, disk: s.disk })),
      restore: st,
      touchesPostfix: true,
    };
  },

  async apply(ctx) {
    await postfixCheck(ctx);
    await controlPostfix(ctx, 'reload');
    return undefined;
  },

  async verify(ctx, { wait_ms: waitMs }) {
    // Old processes exit once their session ends: wait for them, bounded.
    const states = await pollUntil(() => look(ctx), (s) => !s.some(notReloaded), Date.now() + waitMs, POLL_MS);
    const evidence = states.flatMap((s) => {
      const c = s.served.certificate;
      return [`${s.service} (${s.host}:${s.port}) serves ${c ? `${c.fingerprint256.slice(0, 11)}… valid until ${c.notAfter}` : `nothing: ${s.served.detail}`}; ${s.certFile} holds ${s.disk ? `${s.disk.fingerprint256.slice(0, 11)}…` : '(unreadable)'}${s.staleProcesses.length ? `; ${s.staleProcesses.length} smtpd process(es) still older than the file` : ''}`];
    });
    if (states.length === 0) return { ok: false, evidence: ['no smtpd service speaks TLS any more: nothing to compare'] };
    return { ok: states.every((s) => !notReloaded(s) && s.served.ok), evidence };
  },
});
