// Count the messages in each Postfix queue straight from the spool (it works whether or not
// Postfix runs, unlike `postqueue`), and read a sample of defer logs for the reasons. Queue ids
// are long; hash subdirectories are one hex digit, so no stat per entry is needed.

import type { HostFs } from '../../core/host-fs.js';
import { parseDeferLog } from './reasons.js';

export const QUEUES = ['maildrop', 'incoming', 'active', 'deferred', 'hold'] as const;
export type QueueName = (typeof QUEUES)[number];

export interface QueueCounts {
  counts: Record<QueueName, number>;
  /** Stopped counting at the cap (a huge queue): counts are lower bounds. */
  truncated: boolean;
}

const CAP = 50_000;

export async function countQueues(fs: HostFs, queueDir: string): Promise<QueueCounts> {
  let seen = 0;
  const walk = async (dir: string, depth: number): Promise<number> => {
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw e;
    }
    let n = 0;
    for (const name of names) {
      if (seen >= CAP) break;
      if (depth < 3 && /^[0-9A-F]$/.test(name)) n += await walk(`${dir}/${name}`, depth + 1);
      else {
        n++;
        seen++;
      }
    }
    return n;
  };
  const counts = {} as Record<QueueName, number>;
  for (const q of QUEUES) counts[q] = await walk(`${queueDir}/${q}`, 0);
  return { counts, truncated: seen >= CAP };
}

/** Reasons from up to `limit` defer logs (newest directory order; good enough for a sample). */
export async function sampleDeferReasons(fs: HostFs, queueDir: string, limit: number): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (files.length >= limit) return;
      if (depth < 3 && /^[0-9A-F]$/.test(name)) await walk(`${dir}/${name}`, depth + 1);
      else files.push(`${dir}/${name}`);
    }
  };
  await walk(`${queueDir}/defer`, 0);
  const texts = await Promise.all(files.map((f) => fs.tryReadText(f).catch(() => null)));
  return texts.flatMap((t) => (t ? parseDeferLog(t) : []));
}
