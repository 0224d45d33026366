// Entries of the lab cache (/var/cache/postfix-fix-lab): each built under NAME.tmp-PID and
// renamed when complete, named after a hash of its recipe, so older recipes can be pruned.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { withFileLock } from './flock.js';
import { LAB_CACHE_ROOT } from './paths.js';

/** Removes complete entries starting with `prefix` other than `current`, under the build lock. */
export function pruneCacheEntries(lockName: string, prefix: string, current: string, lockTimeoutMs: number): Promise<string[]> {
  return withFileLock(join(LAB_CACHE_ROOT, lockName), lockTimeoutMs, async () => {
    const removed: string[] = [];
    for (const entry of readdirSync(LAB_CACHE_ROOT)) {
      if (entry.startsWith(prefix) && entry !== current && !entry.includes('.tmp-')) {
        rmSync(join(LAB_CACHE_ROOT, entry), { recursive: true, force: true });
        removed.push(entry);
      }
    }
    return removed;
  });
}

/** Half-built trees of `final` left by a killed build (called under the build lock). */
export function removeStaleBuilds(final: string): void {
  const prefix = `${final.split('/').pop() ?? ''}.tmp-`;
  for (const entry of readdirSync(LAB_CACHE_ROOT)) {
    if (entry.startsWith(prefix)) rmSync(join(LAB_CACHE_ROOT, entry), { recursive: true, force: true });
  }
}
