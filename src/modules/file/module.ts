// file: make a file absent (its bytes kept in the journal for undo), or fix its mode and owner.
// Content writes are not offered on purpose: main.cf goes through the postconf module.

import { NotApplicable, StepFailure } from '../../core/errors.js';
import { defineActionModule } from '../define.js';
import { FILE_SNAPSHOT_SCHEMA, restoreSnapshot, snapshotFile } from '../file-snapshot.js';
import { lookupGid, lookupUid, nameOfGid, nameOfUid } from '../host-users.js';

const ARGS = {
  type: 'object',
  additionalProperties: false,
  required: ['path', 'state'],
  properties: {
    path: { type: 'string', pattern: '^/' },
    state: { enum: ['present', 'absent'] },
    mode: { type: 'string', pattern: '^0?[0-7]{3,4}$', description: 'Octal permission bits, e.g. "0644".' },
    owner: { type: 'string', minLength: 1 },
    group: { type: 'string', minLength: 1 },
  },
} as const;

const ID = { type: ['integer', 'null'], minimum: 0 } as const;

const STATE = {
  type: 'object',
  additionalProperties: false,
  required: ['snapshot', 'ownerName', 'groupName', 'wantUid', 'wantGid'],
  properties: {
    snapshot: FILE_SNAPSHOT_SCHEMA,
    ownerName: { type: ['string', 'null'] },
    groupName: { type: ['string', 'null'] },
    /** The ids the args ask for, resolved in the host's user table. */
    wantUid: ID,
    wantGid: ID,
  },
} as const;

/** Remove the file, or set what is not null. */
const DATA = {
  type: 'object',
  additionalProperties: false,
  required: ['remove', 'mode', 'uid', 'gid'],
  properties: { remove: { type: 'boolean' }, mode: { type: ['integer', 'null'], minimum: 0, maximum: 0o7777 }, uid: ID, gid: ID },
} as const;

const octal = (n: number | null): string => (n === null ? '?' : '0' + n.toString(8).padStart(3, '0'));

export const fileModule = defineActionModule({
  name: 'file',
  description: 'Remove a file (its bytes kept in the journal for undo) or set its mode and owner.',
  args: ARGS,
  data: DATA,
  restore: STATE,

  async inspect(ctx, args) {
    const snapshot = await snapshotFile(ctx.fs, args.path);
    const wantUid = args.owner === undefined ? null : await lookupUid(ctx.fs, args.owner);
    const wantGid = args.group === undefined ? null : await lookupGid(ctx.fs, args.group);
    if (args.owner !== undefined && wantUid === null) throw new NotApplicable(`no user "${args.owner}" on this host`);
    if (args.group !== undefined && wantGid === null) throw new NotApplicable(`no group "${args.group}" on this host`);
    return {
      snapshot,
      ownerName: snapshot.uid === null ? null : await nameOfUid(ctx.fs, snapshot.uid),
      groupName: snapshot.gid === null ? null : await nameOfGid(ctx.fs, snapshot.gid),
      wantUid,
      wantGid,
    };
  },

  diff(_ctx, args, st) {
    const s = st.snapshot;
    const path = args.path;
    if (args.state === 'absent') {
      if (!s.exists) return null;
      const bytes = Buffer.from(s.contentBase64 ?? '', 'base64');
      const preview = bytes.toString('utf8').trim().slice(0, 60);
      const data = { remove: true, mode: null, uid: null, gid: null };
      return {
        summary: `remove ${path}`,
        diff: [`- ${path}   (${octal(s.mode)} ${st.ownerName}:${st.groupName}, ${bytes.length} bytes${preview ? `: ${JSON.stringify(preview)}` : ''}; kept in the journal for undo)`],
        data,
        intent: { path, ...data },
        restore: st,
      };
    }
    if (!s.exists) throw new NotApplicable(`${path} does not exist; this module does not create files`);
    const mode = args.mode === undefined ? null : parseInt(args.mode, 8);
    const data = {
      remove: false,
      mode: mode !== null && mode !== s.mode ? mode : null,
      uid: st.wantUid !== null && st.wantUid !== s.uid ? st.wantUid : null,
      gid: st.wantGid !== null && st.wantGid !== s.gid ? st.wantGid : null,
    };
    if (data.mode === null && data.uid === null && data.gid === null) return null;
    const diff: string[] = [];
    if (data.uid !== null || data.gid !== null) diff.push(`~ chown ${args.owner ?? st.ownerName}:${args.group ?? st.groupName} ${path}   (now ${st.ownerName}:${st.groupName})`);
    if (data.mode !== null) diff.push(`~ chmod ${octal(data.mode)} ${path}   (now ${octal(s.mode)})`);
    return { summary: `fix ownership/mode of ${path}`, diff, data, intent: { path, ...data, from: { mode: s.mode, uid: s.uid, gid: s.gid } }, restore: st };
  },

  async apply(ctx, _args, { data, restore }) {
    const path = restore.snapshot.path;
    if (data.remove) {
      if (await ctx.fs.exists(path)) await ctx.fs.unlink(path);
      return undefined;
    }
    if (data.uid !== null || data.gid !== null) {
      const st = await ctx.fs.stat(path);
      if (!st) throw new StepFailure(`${path} disappeared`);
      await ctx.fs.chown(path, data.uid ?? st.uid, data.gid ?? st.gid);
    }
    if (data.mode !== null) await ctx.fs.chmod(path, data.mode);
    return undefined;
  },

  async verify(ctx, { path }, { data }) {
    const st = await ctx.fs.stat(path);
    if (data.remove) return { ok: st === null, evidence: [st === null ? `${path}: absent` : `${path}: still present`] };
    if (!st) return { ok: false, evidence: [`${path}: missing`] };
    const ok = (data.mode === null || st.mode === data.mode) && (data.uid === null || st.uid === data.uid) && (data.gid === null || st.gid === data.gid);
    return { ok, evidence: [`${path}: ${octal(st.mode)} ${await nameOfUid(ctx.fs, st.uid)}:${await nameOfGid(ctx.fs, st.gid)}`] };
  },

  async undo(ctx, { change: { data, restore } }) {
    const before = restore.snapshot;
    if (data.remove) {
      // Put back exactly what was there, even if something has since created a file at that path
      // (Postfix writes its own master.pid; rollback stops Postfix before it gets here).
      const now = await snapshotFile(ctx.fs, before.path);
      if (now.sha256 !== before.sha256 || now.mode !== before.mode || now.uid !== before.uid || now.gid !== before.gid) await restoreSnapshot(ctx.fs, before);
    } else {
      if (before.uid !== null && before.gid !== null) await ctx.fs.chown(before.path, before.uid, before.gid);
      if (before.mode !== null) await ctx.fs.chmod(before.path, before.mode);
    }
    const now = await snapshotFile(ctx.fs, before.path);
    const same = now.exists === before.exists && now.mode === before.mode && now.uid === before.uid && now.gid === before.gid && (!data.remove || now.sha256 === before.sha256);
    const evidence = [`${before.path}: ${now.exists ? `${octal(now.mode)} uid ${now.uid} gid ${now.gid}` : 'absent'}`];
    if (!same) throw new StepFailure(`${before.path} could not be restored exactly`, evidence);
    return [`restored ${before.path}`, ...evidence];
  },
});
