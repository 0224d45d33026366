import type { LabProcess } from './lab-processes.js';
import { isAlive, readStat } from './proc.js';
import type { ProcessIdentity } from './proc.js';
import { readMarker } from './scratch.js';

export type Owner = { kind: 'process'; owner: ProcessIdentity } | { kind: 'orphan' };

// Who a lab process belongs to: the owner recorded in its host's scratch marker, or else the
// nearest ancestor outside the lab (e.g. the test runner that spawned a probe).
export function ownerOf(proc: LabProcess, labPids: ReadonlySet<number>): Owner {
  if (proc.scratchDir) {
    const marker = readMarker(proc.scratchDir);
    return marker && isAlive(marker.owner) ? { kind: 'process', owner: marker.owner } : { kind: 'orphan' };
  }
  let pid = readStat(proc.pid)?.ppid;
  for (let depth = 0; pid !== undefined && pid > 1 && depth < 64; depth++) {
    const stat = readStat(pid);
    if (!stat) break;
    if (!labPids.has(pid) && stat.comm !== 'nsenter' && stat.comm !== 'setpriv') {
      return { kind: 'process', owner: { pid, startTime: stat.startTime } };
    }
    pid = stat.ppid;
  }
  return { kind: 'orphan' };
}
