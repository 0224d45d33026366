import { readFileSync } from 'node:fs';
import { labProcesses } from './lab-processes.js';
import type { LabProcess } from './lab-processes.js';
import { ownerOf } from './ownership.js';
import { LAB_SCRATCH_ROOT } from './paths.js';
import { liveHosts } from './registry.js';
import { run } from './run.js';
import { isStale, ownerIdentity, readMarker, scratchEntries } from './scratch.js';

export interface Leftovers {
  // Lab processes that belong to no live host of this process (nor of another live process).
  processes: LabProcess[];
  // Lines of the machine's /proc/self/mountinfo mentioning the lab: there should never be any,
  // since every lab mount lives in a host's private mount namespace.
  mounts: string[];
  // veth interfaces in the machine's network namespace.
  veths: string[];
  // Scratch dirs that are this process's but belong to no live host, or whose owner is gone.
  scratchDirs: string[];
}

export function isClean(l: Leftovers, baselineVeths: readonly string[] = []): boolean {
  const extraVeths = l.veths.filter((v) => !baselineVeths.includes(v));
  return l.processes.length === 0 && l.mounts.length === 0 && extraVeths.length === 0 && l.scratchDirs.length === 0;
}

export async function machineVeths(): Promise<string[]> {
  // Read-only query of the machine's own netns.
  const result = await run(['ip', '-o', 'link', 'show', 'type', 'veth'], { timeoutMs: 10_000 });
  return result.stdout
    .split('\n')
    .map((line) => /^\d+:\s+([^:@\s]+)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

export async function findLeftovers(): Promise<Leftovers> {
  const me = ownerIdentity();
  const liveDirs = new Set(liveHosts().map((h) => h.scratchDir));
  const procs = labProcesses();
  const labPids = new Set(procs.map((p) => p.pid));
  const processes = procs.filter((p) => {
    if (p.scratchDir && liveDirs.has(p.scratchDir)) return false;
    const owner = ownerOf(p, labPids);
    return owner.kind === 'orphan' || (owner.owner.pid === me.pid && owner.owner.startTime === me.startTime);
  });
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((line) => line.includes('postfix-fix-lab') || line.includes(LAB_SCRATCH_ROOT));
  const scratchDirs = scratchEntries().filter((dir) => {
    if (liveDirs.has(dir)) return false;
    const marker = readMarker(dir);
    const mine = marker?.owner.pid === me.pid && marker.owner.startTime === me.startTime;
    return mine || isStale(dir);
  });
  return { processes, mounts, veths: await machineVeths(), scratchDirs };
}
