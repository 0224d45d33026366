// The services master.cf defines, as Postfix itself reads them: `postconf -F` (every field of
// every service, commented lines excluded) and `postconf -P` (each service's `-o` overrides).
// Which port a client may use, whether smtpd there runs chrooted (where its unix sockets are),
// and what a service overrides (milters, restrictions, SASL) all come from here, never from
// reading master.cf's text.

import type { FactContext } from './context.js';
import { FactUnavailable, describeFailure, runTool } from './context.js';
import type { MasterService } from './types.js';

/** Port names master.cf uses for SMTP, as /etc/services defines them (IANA). */
const WELL_KNOWN: Readonly<Record<string, number>> = { smtp: 25, submission: 587, submissions: 465, smtps: 465, urd: 465 };

const BOOL = (v: string | undefined, byDefault: boolean): boolean => (v === undefined || v === '-' ? byDefault : v === 'y');

/**
 * `postconf -F` prints `service/type/field = value`; `postconf -P` prints
 * `service/type/parameter = value`. Postfix ≥ 3.0 defaults: private y, unprivileged y, chroot n.
 */
export function parseMasterServices(fields: string, overrides: string, services: ReadonlyMap<string, number> = new Map()): MasterService[] {
  const byKey = new Map<string, Record<string, string>>();
  const params = new Map<string, Record<string, string>>();
  const into = (target: Map<string, Record<string, string>>, text: string): void => {
    for (const line of text.split('\n')) {
      const m = /^(.+)\/([a-z-]+)\/([A-Za-z0-9_.-]+) = ?(.*)$/.exec(line);
      if (!m) continue;
      const key = `${m[1]}/${m[2]}`;
      const rec = target.get(key) ?? {};
      rec[m[3] as string] = m[4] as string;
      target.set(key, rec);
    }
  };
  into(byKey, fields);
  into(params, overrides);
  const out: MasterService[] = [];
  for (const [key, f] of byKey) {
    const slash = key.lastIndexOf('/');
    const service = key.slice(0, slash);
    const type = key.slice(slash + 1) as MasterService['type'];
    const { port, address } = type === 'inet' ? endpoint(service, services) : { port: null, address: null };
    out.push({
      service,
      type,
      private: BOOL(f.private, true),
      unprivileged: BOOL(f.unprivileged, true),
      chroot: BOOL(f.chroot, false),
      processLimit: f.process_limit ?? '-',
      command: (f.command ?? '').trim().split(/\s+/)[0] ?? '',
      port,
      address,
      params: params.get(key) ?? {},
    });
  }
  return out;
}

function endpoint(service: string, services: ReadonlyMap<string, number>): { port: number | null; address: string | null } {
  const m = /^(?:\[?([^\]]*)\]?:)?([^:]+)$/.exec(service);
  const name = m?.[2] ?? service;
  const address = m?.[1] ? m[1] : null;
  const port = /^\d+$/.test(name) ? Number(name) : (WELL_KNOWN[name] ?? services.get(name) ?? null);
  return { port, address };
}

/** tcp port numbers by name from the host's /etc/services, for inet services named by port name. */
async function portNames(ctx: FactContext): Promise<Map<string, number>> {
  const text = await ctx.fs.tryReadText('/etc/services').catch(() => null);
  const out = new Map<string, number>();
  for (const line of (text ?? '').split('\n')) {
    const m = /^([A-Za-z0-9_-]+)\s+(\d+)\/tcp\b(.*)$/.exec(line.replace(/#.*/, ''));
    if (!m) continue;
    for (const n of [m[1] as string, ...(m[3] ?? '').trim().split(/\s+/).filter(Boolean)]) if (!out.has(n)) out.set(n, Number(m[2]));
  }
  return out;
}

export async function gatherMasterServices(ctx: FactContext, configDir: string): Promise<MasterService[]> {
  const [fields, overrides, names] = await Promise.all([runTool(ctx, ['postconf', '-c', configDir, '-Fx'], 3_000), runTool(ctx, ['postconf', '-c', configDir, '-Px'], 3_000), portNames(ctx)]);
  if (fields.exitCode !== 0) throw new FactUnavailable(describeFailure(fields));
  return parseMasterServices(fields.stdout, overrides.exitCode === 0 ? overrides.stdout : '', names);
}
