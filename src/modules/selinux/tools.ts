// Reading SELinux state with its own tools (getenforce, semanage, getsebool). Parsers are pure.

import type { ModuleContext } from '../types.js';

type EnforceMode = 'Enforcing' | 'Permissive' | 'Disabled';

/** `getenforce`'s answer as journaled: null when it could not be read. */
export const ENFORCE_MODE_SCHEMA = { enum: ['Enforcing', 'Permissive', 'Disabled', null] } as const;

export async function getEnforce(ctx: ModuleContext): Promise<EnforceMode | null> {
  const r = await ctx.exec.run(['getenforce'], { timeoutMs: 5_000 });
  const m = r.stdout.trim();
  return m === 'Enforcing' || m === 'Permissive' || m === 'Disabled' ? m : null;
}

/** `semanage port -l`: "smtp_port_t   tcp   25, 465, 587" (ranges like 1024-1030 are kept as text). */
export function parsePortList(out: string): Map<string, Set<string>> {
  const m = new Map<string, Set<string>>();
  for (const line of out.split('\n')) {
    const r = /^(\S+_t)\s+(tcp|udp|sctp|dccp)\s+(.+)$/.exec(line.trim());
    if (!r) continue;
    const key = `${r[1]}/${r[2]}`;
    const set = m.get(key) ?? new Set<string>();
    for (const p of (r[3] as string).split(',')) set.add(p.trim());
    m.set(key, set);
  }
  return m;
}

export function portLabelled(list: Map<string, Set<string>>, type: string, port: number): boolean {
  for (const p of list.get(`${type}/tcp`) ?? []) {
    const [lo, hi] = p.split('-').map(Number);
    if (lo !== undefined && (hi === undefined ? lo === port : port >= lo && port <= hi)) return true;
  }
  return false;
}

/** `getsebool NAME` → "NAME --> on" */
export function parseGetsebool(out: string): boolean | null {
  const m = /-->\s*(on|off)\s*$/.exec(out.trim());
  return m ? m[1] === 'on' : null;
}
