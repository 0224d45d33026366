import { statSync } from 'node:fs';
import { labProcesses } from './lab-processes.js';
import type { LabProcess } from './lab-processes.js';
import { ownerOf } from './ownership.js';
import { killIdentity, waitGone } from './proc.js';
import { isStale, readMarker, removeScratch, scratchEntries } from './scratch.js';

export interface SweepReport {
  killed: LabProcess[];
  removedDirs: string[];
}

// A dir without a marker may be one a live process is creating right now.
const UNMARKED_GRACE_MS = 30_000;

// Kills and removes what earlier, interrupted runs left behind: hosts whose owning process is
// gone. Hosts of other live test processes are left alone, so concurrent runs are safe.
export async function sweepStaleLabs(): Promise<SweepReport> {
  const procs = labProcesses();
  const labPids = new Set(procs.map((p) => p.pid));
  const killed = procs.filter((p) => ownerOf(p, labPids).kind === 'orphan');
  for (const dir of scratchEntries()) {
    const marker = readMarker(dir);
    if (marker && isStale(dir)) {
      // Recorded processes too, in case their argv was rewritten.
      for (const id of [marker.init, marker.launcher]) if (id) killIdentity(id);
    }
  }
  for (const proc of killed) killIdentity(proc);
  await Promise.all(killed.map((p) => waitGone(p, 5_000)));

  const removedDirs: string[] = [];
  for (const dir of scratchEntries()) {
    const marker = readMarker(dir);
    const unmarkedAndOld = !marker && Date.now() - mtimeMs(dir) > UNMARKED_GRACE_MS;
    if ((marker && isStale(dir)) || unmarkedAndOld) {
      removeScratch(dir);
      removedDirs.push(dir);
    }
  }
  return { killed, removedDirs };
}

function mtimeMs(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}
