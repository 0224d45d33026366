// postmap: build the indexed lookup tables Postfix reads whose compiled file is missing or older
// than its text source — `postmap` for maps, `postalias` for alias tables (what `newaliases` runs,
// for exactly that table) — then reload, waiting until the smtpd processes that predate the reload
// have exited: a running smtpd keeps a table that failed to open failed until it is replaced.
// Undo removes what was built, or puts the previous compiled file back byte for byte (with its
// mtime, so a stale table looks stale again); the previous file is kept in the run directory,
// not in the journal: compiled tables can be large.

import { basename, join } from 'node:path';
import { NotApplicable, StepFailure } from '../../core/errors.js';
import { mustRun } from '../../exec/command.js';
import { formatArgv } from '../../exec/quote.js';
import { scanLookupTables } from '../../facts/lookup-tables.js';
import type { IndexedType, LookupTable } from '../../facts/lookup-tables.js';
import { defineActionModule } from '../define.js';
import { sha256 } from '../file-snapshot.js';
import { postfixRunning } from '../postfix-control.js';
import { reloadReplacingDaemons } from '../postfix-reload.js';
import type { ModuleContext } from '../types.js';
import { builtEntries, compareEntries, describeChanges, sourceEntries } from './entries.js';

const TYPES = ['hash', 'btree', 'lmdb', 'cdb', 'dbm', 'sdbm'] as const;
const SPEC = { type: 'string', pattern: '^(hash|btree|lmdb|cdb|dbm|sdbm):/[^\\s,{}]+$' } as const;

const ARGS = {
  type: 'object',
  additionalProperties: false,
  properties: {
    tables: { type: 'array', minItems: 1, items: SPEC, description: 'Only these tables (type:/path); default: every indexed table Postfix names that is missing or older than its source.' },
    reload: { type: 'boolean', default: true, description: 'Reload a running Postfix and wait for the smtpd processes that predate it to exit.' },
  },
} as const;

const OUTPUT = {
  type: 'object',
  additionalProperties: false,
  required: ['path', 'exists', 'sha256', 'size', 'mode', 'uid', 'gid', 'mtime'],
  properties: {
    path: { type: 'string', pattern: '^/' },
    exists: { type: 'boolean' },
    sha256: { type: ['string', 'null'], pattern: '^[0-9a-f]{64}$' },
    size: { type: ['integer', 'null'], minimum: 0 },
    mode: { type: ['integer', 'null'], minimum: 0 },
    uid: { type: ['integer', 'null'], minimum: 0 },
    gid: { type: ['integer', 'null'], minimum: 0 },
    /** `stat -c %.9Y`: seconds with nanoseconds, so undo can give it back its exact age. */
    mtime: { type: ['string', 'null'], pattern: '^[0-9]+(\\.[0-9]+)?$' },
  },
} as const;

const CHANGES = {
  type: 'object',
  additionalProperties: false,
  required: ['added', 'removed', 'changed', 'total'],
  properties: { added: { type: 'array', items: { type: 'string' } }, removed: { type: 'array', items: { type: 'string' } }, changed: { type: 'array', items: { type: 'string' } }, total: { type: 'integer', minimum: 0 } },
} as const;

const TABLE = {
  type: 'object',
  additionalProperties: false,
  required: ['spec', 'type', 'source', 'aliases', 'state', 'usedBy', 'outputs', 'changes'],
  properties: {
    spec: SPEC,
    type: { enum: TYPES },
    source: { type: 'string', pattern: '^/' },
    aliases: { type: 'boolean' },
    state: { enum: ['missing', 'stale'] },
    usedBy: { type: 'array', items: { type: 'string' } },
    /** The files the build writes, as they are before it. */
    outputs: { type: 'array', minItems: 1, items: OUTPUT },
    /** By key, what the build changes in the table Postfix reads. */
    changes: CHANGES,
  },
} as const;

const STATE = { type: 'object', additionalProperties: false, required: ['tables'], properties: { tables: { type: 'array', items: TABLE } } } as const;

const DATA = {
  type: 'object',
  additionalProperties: false,
  required: ['configDir', 'tables', 'reload'],
  properties: { configDir: { type: 'string', pattern: '^/' }, tables: { type: 'array', minItems: 1, items: SPEC }, reload: { type: 'boolean' } },
} as const;

const APPLIED = {
  type: 'object',
  additionalProperties: false,
  required: ['built', 'reloaded'],
  properties: {
    built: { type: 'array', items: { type: 'object', additionalProperties: false, required: ['path', 'sha256'], properties: { path: { type: 'string' }, sha256: { type: ['string', 'null'] } } } },
    reloaded: { type: 'boolean' },
  },
} as const;

/** The files `postmap` writes for each type (dbm keeps two). */
const OUTPUT_SUFFIXES: Readonly<Record<IndexedType, readonly string[]>> = { hash: ['.db'], btree: ['.db'], lmdb: ['.lmdb'], cdb: ['.cdb'], dbm: ['.dir', '.pag'], sdbm: ['.dir', '.pag'] };

type Output = { path: string; exists: boolean; sha256: string | null; size: number | null; mode: number | null; uid: number | null; gid: number | null; mtime: string | null };

async function outputState(ctx: ModuleContext, path: string): Promise<Output> {
  const st = await ctx.fs.stat(path);
  if (!st) return { path, exists: false, sha256: null, size: null, mode: null, uid: null, gid: null, mtime: null };
  const m = await ctx.exec.run(['stat', '-c', '%.9Y', path], { timeoutMs: 5_000 });
  const mtime = m.exitCode === 0 && /^[0-9]+(\.[0-9]+)?$/.test(m.stdout.trim()) ? m.stdout.trim() : (st.mtimeMs / 1000).toFixed(6);
  return { path, exists: true, sha256: sha256(await ctx.fs.readBytes(path)), size: st.size, mode: st.mode, uid: st.uid, gid: st.gid, mtime };
}

function buildArgv(configDir: string, t: { spec: string; aliases: boolean }): string[] {
  return [t.aliases ? 'postalias' : 'postmap', '-c', configDir, t.spec];
}

/** Where apply keeps a compiled file before rebuilding it; content-addressed, so undo finds exactly that one. */
function backupPath(runDir: string, o: Output): string {
  return join(runDir, 'postmap-backup', `${sha256(o.path).slice(0, 12)}-${(o.sha256 ?? '').slice(0, 12)}-${basename(o.path)}`);
}

async function entriesChange(ctx: ModuleContext, configDir: string, t: LookupTable): Promise<{ added: string[]; removed: string[]; changed: string[]; total: number }> {
  const text = await ctx.fs.tryReadText(t.source).catch(() => null);
  const source = sourceEntries(text ?? '', t.aliases);
  if (t.state === 'missing') return compareEntries(null, source);
  const dump = await ctx.exec.run([t.aliases ? 'postalias' : 'postmap', '-c', configDir, '-s', t.spec], { timeoutMs: 15_000 });
  return compareEntries(dump.exitCode === 0 ? builtEntries(dump.stdout, t.aliases) : null, source);
}

function entries(n: number): string {
  return `${n} ${n === 1 ? 'entry' : 'entries'}`;
}

export const postmapModule = defineActionModule({
  name: 'postmap',
  description: 'Build lookup tables whose compiled file is missing or older than its source (postmap; postalias for alias tables), then reload.',
  args: ARGS,
  data: DATA,
  restore: STATE,
  applied: APPLIED,

  async inspect(ctx, args) {
    const configDir = ctx.facts.postfix.configDir;
    const all = await scanLookupTables(ctx, configDir);
    if (args.tables) {
      const unknown = args.tables.filter((s) => !all.some((t) => t.spec === s));
      if (unknown.length > 0) throw new NotApplicable(`${unknown.join(', ')}: not a table this Postfix reads from a text source (main.cf, master.cf -o)`);
    }
    const chosen = all.filter((t) => t.state !== 'current' && (args.tables === undefined || args.tables.includes(t.spec)));
    const tables = await Promise.all(
      chosen.map(async (t) => ({
        spec: t.spec,
        type: t.type,
        source: t.source,
        aliases: t.aliases,
        state: t.state as 'missing' | 'stale',
        usedBy: t.usedBy,
        outputs: await Promise.all(OUTPUT_SUFFIXES[t.type].map((sfx) => outputState(ctx, `${t.source}${sfx}`))),
        changes: await entriesChange(ctx, configDir, t),
      })),
    );
    return { tables };
  },

  diff(ctx, args, st) {
    if (st.tables.length === 0) return null;
    const configDir = ctx.facts.postfix.configDir;
    const lines: string[] = [];
    for (const t of st.tables) {
      const compiled = t.outputs.map((o) => o.path).join(', ');
      const why = t.state === 'missing' ? `${compiled} missing: Postfix answers 451 (4.3.x) where it is needed: ${t.usedBy.join(', ')}` : `${compiled} older than ${t.source}: edits to it are not in effect`;
      lines.push(`~ ${formatArgv(buildArgv(configDir, t))}   (${why})`);
      const c = t.changes;
      const counts = t.state === 'missing' ? `${entries(c.total)} from ${t.source}` : `${c.added.length} added, ${c.removed.length} removed, ${c.changed.length} changed; ${entries(c.total)} after the build`;
      lines.push(`${t.outputs.every((o) => !o.exists) ? '+' : '~'} ${compiled}: ${counts} (keys shown, values never)`, ...describeChanges(c));
    }
    if (args.reload) lines.push('~ if Postfix is running, reload it and wait for the smtpd processes that predate the reload to exit (they keep a table that failed to open)');
    const specs = st.tables.map((t) => t.spec);
    return {
      summary: `build ${specs.join(', ')}${args.reload ? '; then reload Postfix if running' : ''}`,
      diff: lines,
      data: { configDir, tables: specs, reload: args.reload },
      intent: { configDir, tables: st.tables.map((t) => ({ spec: t.spec, state: t.state, changes: t.changes })), reload: args.reload },
      restore: st,
      touchesPostfix: args.reload,
    };
  },

  async apply(ctx, _args, { data, restore }) {
    if (ctx.runDir === null) throw new StepFailure('no run directory to keep the previous compiled tables in');
    const runDir = ctx.runDir;
    const built: Array<{ path: string; sha256: string | null }> = [];
    for (const t of restore.tables) {
      // Keep what is there first: undo puts it back exactly.
      for (const o of t.outputs) {
        if (!o.exists) continue;
        const keep = backupPath(runDir, o);
        if (!(await ctx.fs.exists(keep))) {
          const bytes = await ctx.fs.readBytes(o.path);
          if (sha256(bytes) !== o.sha256) throw new StepFailure(`${o.path} changed since it was inspected`);
          await ctx.fs.mkdirp(join(runDir, 'postmap-backup'), 0o700);
          await ctx.fs.writeAtomic(keep, bytes, { mode: 0o600 });
        }
      }
      await mustRun(ctx.exec, buildArgv(data.configDir, t), `build ${t.spec}`, { timeoutMs: 120_000 });
      for (const o of t.outputs) built.push({ path: o.path, sha256: (await outputState(ctx, o.path)).sha256 });
    }
    const reloaded = data.reload && (await postfixRunning(ctx));
    if (reloaded) {
      const lingering = await reloadReplacingDaemons(ctx);
      if (lingering.length > 0) throw new StepFailure('smtpd processes from before the reload are still serving clients with the old tables', [`pids ${lingering.join(', ')} still running 15 s after postfix reload`]);
    }
    return { built, reloaded };
  },

  async verify(ctx, _args, { data }) {
    const all = await scanLookupTables(ctx, data.configDir);
    const ours = all.filter((t) => data.tables.includes(t.spec));
    const evidence = ours.map((t) => `${t.spec}: ${t.compiled} ${t.state === 'current' ? 'built and current' : t.state}`);
    return { ok: ours.length === data.tables.length && ours.every((t) => t.state === 'current'), evidence };
  },

  async undo(ctx, { change: { data, restore }, applied }) {
    const evidence: string[] = [];
    for (const t of restore.tables) {
      for (const o of t.outputs) {
        const now = await outputState(ctx, o.path);
        if (now.exists === o.exists && now.sha256 === o.sha256 && now.mtime === o.mtime) {
          evidence.push(`${o.path}: already as before`);
          continue;
        }
        if (!o.exists) {
          if (now.exists) await ctx.fs.unlink(o.path);
          evidence.push(`${o.path}: removed (it was built by this step)`);
          continue;
        }
        if (ctx.runDir === null) throw new StepFailure(`cannot restore ${o.path}: no run directory`);
        const keep = backupPath(ctx.runDir, o);
        const bytes = await ctx.fs.readBytes(keep).catch(() => null);
        if (bytes === null || sha256(bytes) !== o.sha256) throw new StepFailure(`cannot restore ${o.path}: its copy ${keep} is ${bytes === null ? 'missing' : 'not the file that was there'}`);
        await ctx.fs.writeAtomic(o.path, bytes, { mode: o.mode ?? 0o644, ...(o.uid !== null && o.gid !== null ? { uid: o.uid, gid: o.gid } : {}) });
        // Its age is part of what Postfix and diagnose read: a stale table must look stale again.
        if (o.mtime !== null) await mustRun(ctx.exec, ['touch', '-m', '-d', `@${o.mtime}`, o.path], `restore the mtime of ${o.path}`);
        evidence.push(`${o.path}: restored byte for byte (sha256 ${o.sha256?.slice(0, 12)})`);
      }
    }
    if ((applied?.reloaded ?? data.reload) && (await postfixRunning(ctx))) {
      await reloadReplacingDaemons(ctx);
      evidence.push('postfix reloaded: smtpd opens the tables as they were');
    }
    for (const t of restore.tables) {
      for (const o of t.outputs) {
        const now = await outputState(ctx, o.path);
        if (now.exists !== o.exists || now.sha256 !== o.sha256) throw new StepFailure(`${o.path} could not be restored`, [...evidence, `${o.path} is now ${now.exists ? `sha256 ${now.sha256}` : 'absent'}`]);
      }
    }
    return evidence;
  },
});
