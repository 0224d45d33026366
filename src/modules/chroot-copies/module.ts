// chroot-copies: refresh the copies of /etc files in Postfix's chroot (the queue directory) the
// way Debian's start script does (configure-instance.sh: `cp /etc/F $queue_directory/etc/F`, then
// `chmod a+rX`). A chrooted smtpd resolves names from these copies, and neither `postfix reload`
// nor `systemctl reload` refreshes them: an /etc/hosts or resolv.conf edited since is invisible
// to smtpd until the next full start. Each old copy is journaled byte for byte, so undo puts back
// exactly what was there (or removes a copy that was not).

import { join } from 'node:path';
import { StepFailure } from '../../core/errors.js';
import { CHROOT_FILES } from '../../facts/chroot-copies.js';
import { defineActionModule } from '../define.js';
import { FILE_SNAPSHOT_SCHEMA, restoreSnapshot, sha256, snapshotFile } from '../file-snapshot.js';
import type { FileSnapshot } from '../file-snapshot.js';
import { unifiedDiff } from '../text-diff.js';
import type { ModuleContext } from '../types.js';

const ETC_PATH = { type: 'string', pattern: '^/etc/[A-Za-z0-9._/-]+$', not: { pattern: '(^|/)\\.\\.(/|$)' } } as const;

const ARGS = {
  type: 'object',
  additionalProperties: false,
  properties: {
    files: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: ETC_PATH,
      default: [...CHROOT_FILES],
      description: "The /etc files whose chroot copies are refreshed (default: the ones Debian's start script copies).",
    },
  },
} as const;

/** One file's copy as found, with the source it should equal. */
const COPY = {
  type: 'object',
  additionalProperties: false,
  required: ['source', 'sourceSha256', 'sourceText', 'sourceMode', 'copy'],
  properties: {
    source: ETC_PATH,
    sourceSha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    /** A small text file's content (hosts, resolv.conf), for the plan's line-by-line diff; null otherwise. */
    sourceText: { type: ['string', 'null'] },
    /** The mode the copy gets: the source's, readable by all (what `cp` then `chmod a+rX` leave). */
    sourceMode: { type: 'integer', minimum: 0, maximum: 0o7777 },
    copy: FILE_SNAPSHOT_SCHEMA,
  },
} as const;

const STATE = {
  type: 'object',
  additionalProperties: false,
  required: ['queueDir', 'copies'],
  properties: {
    /** Recorded at plan time: undo acts on the chroot it changed, whatever facts say later. */
    queueDir: { type: 'string', pattern: '^/' },
    copies: { type: 'array', items: COPY },
  },
} as const;

/** What apply writes: the copies to refresh, each with the source bytes it must equal. */
const DATA = {
  type: 'array',
  minItems: 1,
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['source', 'copy', 'sha256', 'mode'],
    properties: { source: ETC_PATH, copy: { type: 'string', pattern: '^/' }, sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' }, mode: { type: 'integer', minimum: 0, maximum: 0o7777 } },
  },
} as const;

/** `chmod a+rX`: read for everyone, and execute for everyone where anyone had it. */
function readableByAll(mode: number): number {
  return mode | 0o444 | (mode & 0o111 ? 0o111 : 0);
}

const isText = (b: Buffer): boolean => b.length < 64 * 1024 && !b.includes(0);

function queueDirOf(ctx: ModuleContext): string {
  const q = ctx.facts.postfix.queueDir;
  if (!q || !q.startsWith('/')) throw new StepFailure('the queue directory is not known: cannot find the chroot');
  return q;
}

export const chrootCopiesModule = defineActionModule({
  name: 'chroot-copies',
  description: "Refresh the copies of /etc files in Postfix's chroot (queue directory) that differ from /etc, as Debian's start script does; undo restores the old copies byte for byte.",
  args: ARGS,
  data: DATA,
  restore: STATE,

  async inspect(ctx, { files }) {
    const queueDir = queueDirOf(ctx);
    const copies = [];
    for (const source of files) {
      // Only what exists in /etc is copied (the script's `[ -f /F ]`); a symlink (localtime) is followed, as `cp` does.
      const st = await ctx.fs.stat(source);
      if (!st?.isFile) continue;
      const bytes = await ctx.fs.readBytes(source);
      copies.push({ source, sourceSha256: sha256(bytes), sourceText: isText(bytes) ? bytes.toString('utf8') : null, sourceMode: readableByAll(st.mode), copy: await snapshotFile(ctx.fs, join(queueDir, source)) });
    }
    return { queueDir, copies };
  },

  diff(_ctx, _args, st) {
    const stale = st.copies.filter((c) => c.copy.sha256 !== c.sourceSha256);
    if (stale.length === 0) return null;
    const lines: string[] = [];
    for (const c of stale) {
      const old = c.copy.contentBase64 === null ? null : Buffer.from(c.copy.contentBase64, 'base64');
      lines.push(`~ cp ${c.source} ${c.copy.path}; chmod a+rX ${c.copy.path}   (${old === null ? 'no copy yet' : `the copy differs: sha256 ${c.copy.sha256?.slice(0, 12)} → ${c.sourceSha256.slice(0, 12)}`})`);
      // Text files (hosts, resolv.conf) are shown line by line, as the reviewer reads them; the
      // source is re-read at apply time and must still hash to what the plan shows.
      if (old !== null && isText(old) && c.sourceText !== null) lines.push(...unifiedDiff(c.copy.path, old.toString('utf8'), c.sourceText).slice(2).map((l) => `  ${l}`));
    }
    lines.push('  (no reload needed: smtpd reads these files at each lookup; the old copies are kept in the journal for undo)');
    return {
      summary: `refresh ${stale.length} stale chroot cop${stale.length === 1 ? 'y' : 'ies'}: ${stale.map((c) => c.source.replace('/etc/', '')).join(', ')}`,
      diff: lines,
      data: stale.map((c) => ({ source: c.source, copy: c.copy.path, sha256: c.sourceSha256, mode: c.sourceMode })),
      intent: stale.map((c) => ({ copy: c.copy.path, from: c.copy.sha256, to: c.sourceSha256 })),
      restore: st,
    };
  },

  async apply(ctx, _args, { data }) {
    for (const c of data) {
      const bytes = await ctx.fs.readBytes(c.source);
      // The plan promised these bytes: an /etc file edited since is a different change.
      if (sha256(bytes) !== c.sha256) throw new StepFailure(`${c.source} changed since the plan was made: not copying it`, [`planned sha256 ${c.sha256.slice(0, 12)}, now ${sha256(bytes).slice(0, 12)}`]);
      const dir = c.copy.slice(0, c.copy.lastIndexOf('/'));
      if (!(await ctx.fs.exists(dir))) await ctx.fs.mkdirp(dir, 0o755);
      await ctx.fs.writeAtomic(c.copy, bytes, { mode: c.mode, uid: 0, gid: 0 });
    }
    return undefined;
  },

  async verify(ctx, _args, { data }) {
    const evidence: string[] = [];
    let ok = true;
    for (const c of data) {
      const [src, copy] = await Promise.all([ctx.fs.readBytes(c.source).catch(() => null), ctx.fs.readBytes(c.copy).catch(() => null)]);
      const same = src !== null && copy !== null && src.equals(copy);
      ok &&= same;
      evidence.push(`${c.copy}: ${same ? `same as ${c.source}` : copy === null ? 'missing' : `still differs from ${c.source}`}`);
    }
    return { ok, evidence };
  },

  async undo(ctx, { change: { data, restore } }) {
    const evidence: string[] = [];
    const failed: string[] = [];
    for (const c of data) {
      const before = restore.copies.find((x) => x.copy.path === c.copy)?.copy;
      if (!before) {
        failed.push(`${c.copy}: no record of it before the change`);
        continue;
      }
      await restoreSnapshot(ctx.fs, before as FileSnapshot);
      const now = await snapshotFile(ctx.fs, c.copy);
      if (now.sha256 === before.sha256) evidence.push(before.exists ? `${c.copy}: old copy restored byte for byte (sha256 ${before.sha256?.slice(0, 12)})` : `${c.copy}: removed (there was no copy before)`);
      else failed.push(`${c.copy}: is ${now.sha256?.slice(0, 12) ?? 'absent'}, expected ${before.sha256?.slice(0, 12) ?? 'absent'}`);
    }
    if (failed.length > 0) throw new StepFailure('the old chroot copies could not all be restored', [...failed, ...evidence]);
    return evidence;
  },
});
