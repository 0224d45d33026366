// A byte-exact picture of a file, small enough to journal, so undo can put back exactly what was
// there (content, mode, owner) — or remove what was not there.

import { createHash } from 'node:crypto';
import type { HostFs } from '../core/host-fs.js';
import type { FromSchema } from 'json-schema-to-ts';

/** One schema for every module that journals a file snapshot (postconf's main.cf, file's target). */
export const FILE_SNAPSHOT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['path', 'exists', 'sha256', 'contentBase64', 'mode', 'uid', 'gid'],
  properties: {
    path: { type: 'string', pattern: '^/' },
    exists: { type: 'boolean' },
    sha256: { type: ['string', 'null'], pattern: '^[0-9a-f]{64}$' },
    contentBase64: { type: ['string', 'null'] },
    mode: { type: ['integer', 'null'], minimum: 0 },
    uid: { type: ['integer', 'null'], minimum: 0 },
    gid: { type: ['integer', 'null'], minimum: 0 },
  },
} as const;

export type FileSnapshot = FromSchema<typeof FILE_SNAPSHOT_SCHEMA>;

export const SHA256_SCHEMA = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;

/**
 * What a module that rewrites one Postfix file journals after applying: the digest it wrote (undo
 * refuses to restore over a file edited since) and whether Postfix ran (undo reloads only then).
 */
export const WRITTEN_FILE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['writtenSha256', 'wasRunning'],
  properties: { writtenSha256: { type: ['string', 'null'], pattern: '^[0-9a-f]{64}$' }, wasRunning: { type: 'boolean' } },
} as const;

/** Files larger than this are not journaled whole (main.cf and friends are a few KiB). */
const MAX_SNAPSHOT_BYTES = 4 * 1024 * 1024;

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function snapshotFile(fs: HostFs, path: string): Promise<FileSnapshot> {
  const st = await fs.stat(path);
  if (!st) return { path, exists: false, sha256: null, contentBase64: null, mode: null, uid: null, gid: null };
  if (st.size > MAX_SNAPSHOT_BYTES) throw new Error(`${path} is larger than ${MAX_SNAPSHOT_BYTES} bytes; refusing to change what cannot be restored`);
  const bytes = await fs.readBytes(path);
  return { path, exists: true, sha256: sha256(bytes), contentBase64: bytes.toString('base64'), mode: st.mode, uid: st.uid, gid: st.gid };
}

export function snapshotText(s: FileSnapshot): string {
  return s.contentBase64 === null ? '' : Buffer.from(s.contentBase64, 'base64').toString('utf8');
}

/** Put the file back exactly as snapshotted. */
export async function restoreSnapshot(fs: HostFs, s: FileSnapshot): Promise<void> {
  if (!s.exists) {
    if (await fs.exists(s.path)) await fs.unlink(s.path);
    return;
  }
  await fs.writeAtomic(s.path, Buffer.from(s.contentBase64 ?? '', 'base64'), { mode: s.mode ?? 0o644, ...(s.uid !== null && s.gid !== null ? { uid: s.uid, gid: s.gid } : {}) });
}

export async function currentSha(fs: HostFs, path: string): Promise<string | null> {
  if (!(await fs.exists(path))) return null;
  return sha256(await fs.readBytes(path));
}
