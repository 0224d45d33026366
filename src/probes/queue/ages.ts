// How long the oldest message of each queue has waited, from `postqueue -j` (Postfix ≥ 3.1: one
// JSON object per message, with the arrival time from the queue file's own time record). The
// queue files' mtimes cannot say it: Postfix sets a deferred message's mtime to its next retry.

import type { QueueName } from './scan.js';

/** The arrival time (Unix seconds) of the oldest message in each queue that has one. */
export function oldestArrivals(jsonLines: string): Partial<Record<QueueName, number>> {
  const oldest: Partial<Record<QueueName, number>> = {};
  for (const line of jsonLines.split('\n')) {
    if (!line.trim()) continue;
    let m: { queue_name?: unknown; arrival_time?: unknown };
    try {
      m = JSON.parse(line) as typeof m;
    } catch {
      continue; // a message leaving the queue while showq reads it can cut a line
    }
    if (typeof m.queue_name !== 'string' || typeof m.arrival_time !== 'number' || !Number.isFinite(m.arrival_time)) continue;
    const q = m.queue_name as QueueName;
    const seen = oldest[q];
    if (seen === undefined || m.arrival_time < seen) oldest[q] = m.arrival_time;
  }
  return oldest;
}
