// A firewall config file the boot sequence loads (/etc/nftables.conf, /etc/iptables/rules.v4,
// /etc/sysconfig/iptables), changed only by adding our lines: the exact new bytes are computed
// at plan time, a byte-exact snapshot goes into the journal, and undo puts the snapshot back —
// or, when someone edited the file after us, takes out only our lines.

import type { FromSchema } from 'json-schema-to-ts';
import { StepFailure } from '../../core/errors.js';
import { FILE_SNAPSHOT_SCHEMA, currentSha, restoreSnapshot, sha256 } from '../file-snapshot.js';
import type { FileSnapshot } from '../file-snapshot.js';
import type { ModuleContext } from '../types.js';

export const persistedFileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['path', 'before', 'after', 'afterSha256', 'added'],
  properties: {
    path: { type: 'string', minLength: 1 },
    before: FILE_SNAPSHOT_SCHEMA,
    after: { type: 'string', description: 'The whole file as apply writes it.' },
    afterSha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    added: { type: 'array', items: { type: 'string' }, description: 'The lines we add, each exactly as written (to take out by hand if the file was edited since).' },
  },
} as const;

export type PersistedFile = FromSchema<typeof persistedFileSchema>;

/** What undo restores for a backend that keeps a boot-time file: that file as it was. */
export const PERSIST_RESTORE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['persist'],
  properties: { persist: { type: 'array', items: persistedFileSchema } },
} as const;

export function persistedFile(before: FileSnapshot, after: string, added: string[]): PersistedFile {
  return { path: before.path, before, after, afterSha256: sha256(after), added };
}

/** Write the planned bytes; `check` validates them first (nft -c, iptables-restore --test). */
export async function writePersisted(ctx: ModuleContext, p: PersistedFile, check: (content: string) => Promise<void>): Promise<void> {
  const now = await currentSha(ctx.fs, p.path);
  if (now === p.afterSha256) return; // a re-run after a partial apply
  if (now !== p.before.sha256) throw new StepFailure(`${p.path} changed since the plan was made; not overwriting it`, [`sha256 now ${now ?? '(absent)'}, planned from ${p.before.sha256 ?? '(absent)'}`]);
  await check(p.after);
  await ctx.fs.writeAtomic(p.path, p.after, { mode: p.before.mode ?? 0o644, ...(p.before.uid !== null && p.before.gid !== null ? { uid: p.before.uid, gid: p.before.gid } : {}) });
}

/** Undo of writePersisted; idempotent. Returns one line of evidence. */
export async function restorePersisted(ctx: ModuleContext, p: PersistedFile): Promise<string> {
  const now = await currentSha(ctx.fs, p.path);
  if (now === p.before.sha256) return `${p.path}: as before`;
  if (now === p.afterSha256) {
    await restoreSnapshot(ctx.fs, p.before);
    return `${p.path}: restored byte for byte (sha256 ${p.before.sha256?.slice(0, 12) ?? 'absent'})`;
  }
  if (now === null) return `${p.path}: removed by someone else since; left absent`;
  // Someone else edited the file after us: keep their edit, take out only our lines.
  const lines = (await ctx.fs.readText(p.path)).split('\n');
  let removed = 0;
  for (const ours of p.added) {
    const i = lines.indexOf(ours);
    if (i >= 0) {
      lines.splice(i, 1);
      removed++;
    }
  }
  if (removed === 0) return `${p.path}: changed by someone else since, and none of our lines are in it; left as is`;
  await ctx.fs.writeAtomic(p.path, lines.join('\n'));
  return `${p.path}: changed by someone else since; removed only our ${removed} line(s)`;
}

/** Are the planned bytes in place? */
export async function persistedInPlace(ctx: ModuleContext, p: PersistedFile): Promise<boolean> {
  return (await currentSha(ctx.fs, p.path)) === p.afterSha256;
}

/** verify's part for the boot-time files: how many hold what we planned, and a line each. */
export async function verifyPersisted(ctx: ModuleContext, files: readonly PersistedFile[], holds: string): Promise<{ present: number; total: number; evidence: string[] }> {
  const inPlace = await Promise.all(files.map((f) => persistedInPlace(ctx, f)));
  return {
    present: inPlace.filter(Boolean).length,
    total: files.length,
    evidence: files.map((f, i) => `${f.path}: ${inPlace[i] ? holds : 'does NOT hold the planned content'}`),
  };
}
