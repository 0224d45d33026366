import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostKind } from './host-types.js';
import { LAB_SCRATCH_ROOT } from './paths.js';
import { identityOf, isAlive } from './proc.js';
import type { ProcessIdentity } from './proc.js';

export const MARKER_FILE = 'lab.json';

// Written into every host's scratch dir so a later run can tell whose host it was and which
// processes to kill if its owner died without cleaning up.
export interface LabMarker {
  version: 1;
  kind: HostKind;
  name: string;
  owner: ProcessIdentity;
  // The process we spawned (unshare): its death takes the whole host with it.
  launcher?: ProcessIdentity;
  // PID 1 of the host (the namespace init, or the container's systemd).
  init?: ProcessIdentity;
  createdAt: string;
}

const NAME_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;

export function assertHostName(name: string): void {
  // The name ends up as a hostname, a machine name and a path component.
  if (!NAME_PATTERN.test(name)) throw new Error(`invalid lab host name ${JSON.stringify(name)}: want ${NAME_PATTERN}`);
}

let ownerCache: ProcessIdentity | undefined;
export function ownerIdentity(): ProcessIdentity {
  ownerCache ??= identityOf(process.pid);
  if (!ownerCache) throw new Error('cannot read own /proc/self/stat');
  return ownerCache;
}

export function createScratch(name: string, kind: HostKind): { dir: string; marker: LabMarker } {
  assertHostName(name);
  mkdirSync(LAB_SCRATCH_ROOT, { recursive: true, mode: 0o755 });
  const dir = join(LAB_SCRATCH_ROOT, `${name}-${randomBytes(4).toString('hex')}`);
  mkdirSync(dir, { mode: 0o700 });
  const marker: LabMarker = { version: 1, kind, name, owner: ownerIdentity(), createdAt: new Date().toISOString() };
  writeMarker(dir, marker);
  return { dir, marker };
}

export function writeMarker(dir: string, marker: LabMarker): void {
  writeFileSync(join(dir, MARKER_FILE), `${JSON.stringify(marker, null, 2)}\n`);
}

export function readMarker(dir: string): LabMarker | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(join(dir, MARKER_FILE), 'utf8'));
    return isMarker(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function isMarker(value: unknown): value is LabMarker {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<LabMarker>;
  return v.version === 1 && typeof v.name === 'string' && typeof v.owner?.pid === 'number';
}

export function removeScratch(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function scratchEntries(): string[] {
  try {
    return readdirSync(LAB_SCRATCH_ROOT).map((entry) => join(LAB_SCRATCH_ROOT, entry));
  } catch {
    return [];
  }
}

// A scratch dir is stale when the process that made it is gone (or has no readable marker).
export function isStale(dir: string): boolean {
  const marker = readMarker(dir);
  return !marker || !isAlive(marker.owner);
}

// The scratch dir named in a lab process's argv, if any.
export function scratchDirInArgv(argv: readonly string[]): string | undefined {
  const prefix = `${LAB_SCRATCH_ROOT}/`;
  for (const arg of argv) {
    if (arg.startsWith(prefix)) {
      const first = arg.slice(prefix.length).split('/')[0];
      if (first) return join(LAB_SCRATCH_ROOT, first);
    }
  }
  return undefined;
}
