// Other MTAs running here (the profile's conflicting MTAs, by process name), with the ports they
// hold and, under systemd, the unit that starts them. Postfix's own children are left out:
// OpenSMTPD's daemon and Postfix's are both called `smtpd`.

import { readPpid, unitFromCgroup } from './processes.js';
import type { FactContext } from './context.js';
import type { ProcessInfo } from './processes.js';
import type { Listener, OtherMta } from './types.js';
import type { ServiceManager } from '../core/profile.js';

export async function gatherOtherMtas(ctx: FactContext, processes: ProcessInfo[], listeners: Listener[], manager: ServiceManager, masterPid: number | null): Promise<OtherMta[]> {
  const nameOf = new Map<string, string>();
  for (const mta of ctx.profile.conflictingMtas) for (const proc of mta.processes) nameOf.set(proc, mta.name);
  const candidates = processes.filter((p) => nameOf.has(p.comm) && p.pid !== masterPid);
  const found = await Promise.all(
    candidates.map(async (p): Promise<OtherMta | null> => {
      const ppid = await readPpid(ctx.fs, p.pid);
      if (masterPid !== null && ppid === masterPid) return null;
      if (ppid !== null && processes.find((q) => q.pid === ppid)?.comm === 'master') return null;
      const ports = [...new Set(listeners.filter((l) => l.pid === p.pid).map((l) => l.port))].sort((a, b) => a - b);
      let unit: string | null = null;
      if (manager === 'systemd') {
        const cgroup = await ctx.fs.tryReadText(`/proc/${p.pid}/cgroup`).catch(() => null);
        unit = cgroup ? unitFromCgroup(cgroup) : null;
      }
      return { name: nameOf.get(p.comm) as string, pid: p.pid, process: p.comm, ports, unit };
    }),
  );
  const all = found.filter((m): m is OtherMta => m !== null);
  // Exim and sendmail fork a child per connection: keep the listening daemons, or else the
  // oldest process of each MTA, so a busy server does not list a hundred copies.
  const listening = all.filter((m) => m.ports.length > 0);
  const quiet = all.filter((m) => m.ports.length === 0 && !listening.some((l) => l.name === m.name));
  const firstPerName = new Map<string, OtherMta>(); // processes come sorted by pid: first = oldest
  for (const m of quiet) if (!firstPerName.has(m.name)) firstPerName.set(m.name, m);
  return [...listening, ...firstPerName.values()];
}
