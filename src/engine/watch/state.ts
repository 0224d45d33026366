// What one watch tick leaves for the next: the problems it ended with (a notice is sent only when
// they change), and per cause when it was fixed within the last hour (back-off) and what has
// already been announced. One small JSON file under the state directory, replaced atomically,
// 0600 in a 0700 directory like the journals.

import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../exec/host-fs.js';

export const WATCH_STATE_VERSION = 1;

export interface CauseRecord {
  /** When a tick applied a fix for this cause (ISO times), within the last hour. */
  fixes: string[];
  /** The last fix for this cause failed or did not hold: the next failure is not announced again. */
  failing?: boolean;
  /** Back-off was announced; it is announced again only after the cause has gone away. */
  backoffNotified?: boolean;
}

export interface LastTick {
  at: string;
  state: 'healthy' | 'problem';
  runId: string | null;
  runStatus: string | null;
}

export interface WatchState {
  schemaVersion: typeof WATCH_STATE_VERSION;
  updatedAt: string | null;
  /** Problems found at the end of the last tick: cause id → its finding's title. */
  problems: Record<string, string>;
  causes: Record<string, CauseRecord>;
  lastTick: LastTick | null;
}

export function emptyWatchState(): WatchState {
  return { schemaVersion: WATCH_STATE_VERSION, updatedAt: null, problems: {}, causes: {}, lastTick: null };
}

export function watchStateFile(stateDir: string): string {
  return join(stateDir, 'watch', 'state.json');
}

export interface LoadedWatchState {
  state: WatchState;
  /** Why the file was not used (unreadable, damaged): the tick starts afresh and says so. */
  warning: string | null;
}

export async function readWatchState(stateDir: string): Promise<LoadedWatchState> {
  const file = watchStateFile(stateDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { state: emptyWatchState(), warning: null };
    return { state: emptyWatchState(), warning: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}; starting afresh` };
  }
  const state = parseWatchState(text);
  return state ? { state, warning: null } : { state: emptyWatchState(), warning: `${file} is damaged or from another version; starting afresh (back-off counts are lost)` };
}

/** The state in `text`, or null when it is not one (hand-edited, another version). */
export function parseWatchState(text: string): WatchState | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(v) || v.schemaVersion !== WATCH_STATE_VERSION || !isObject(v.problems) || !isObject(v.causes)) return null;
  const problems: Record<string, string> = {};
  for (const [k, t] of Object.entries(v.problems)) if (typeof t === 'string') problems[k] = t;
  const causes: Record<string, CauseRecord> = {};
  for (const [k, r] of Object.entries(v.causes)) {
    if (!isObject(r) || !Array.isArray(r.fixes)) return null;
    const fixes = r.fixes.filter((x): x is string => typeof x === 'string' && !Number.isNaN(Date.parse(x)));
    causes[k] = { fixes, ...(r.failing === true ? { failing: true } : {}), ...(r.backoffNotified === true ? { backoffNotified: true } : {}) };
  }
  const lt = v.lastTick;
  const lastTick: LastTick | null = isObject(lt) && typeof lt.at === 'string' && (lt.state === 'healthy' || lt.state === 'problem') ? { at: lt.at, state: lt.state as LastTick['state'], runId: typeof lt.runId === 'string' ? lt.runId : null, runStatus: typeof lt.runStatus === 'string' ? lt.runStatus : null } : null;
  return { schemaVersion: WATCH_STATE_VERSION, updatedAt: typeof v.updatedAt === 'string' ? v.updatedAt : null, problems, causes, lastTick };
}

export async function writeWatchState(stateDir: string, state: WatchState): Promise<void> {
  const file = watchStateFile(stateDir);
  await mkdir(join(stateDir, 'watch'), { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
