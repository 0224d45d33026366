// Proof that a kill never leaves a torn file: a child rewrites a file (or appends to a journal) in
// a tight loop and is SIGKILLed at a random moment, many times over. After every kill the file is
// one whole version — the old or the new — and the journal is readable up to, at most, a torn
// last line. The child is bundled once with esbuild so each spawn costs ~40 ms, not tsx's ~400.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { decodeJournal } from '../../../src/engine/journal.js';
import { removeStaleTemps, writeFileAtomic } from '../../../src/exec/host-fs.js';
import { scratchDir } from '../helpers/context.js';
import type { Scratch } from '../helpers/context.js';

const CHILD = new URL('./fixtures/kill-writer.ts', import.meta.url).pathname;
const FILE_ROUNDS = Number(process.env.POSTFIX_FIX_KILL_ROUNDS ?? 48);
const JOURNAL_ROUNDS = Number(process.env.POSTFIX_FIX_KILL_ROUNDS ?? 48);
const LANES = 8;
const TEMP = /^\.(.+)\.postfix-fix-(\d+)-[0-9a-f]{8}\.tmp$/;

/**
 * Start the child and SIGKILL it once `due()` says so (polled every millisecond once it is
 * writing): tied to the file's progress rather than to the clock, so a slow machine still kills
 * it mid-work rather than before its first write.
 */
function killWhen(bundle: string, args: string[], due: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [bundle, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let poll: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => p.kill('SIGKILL'), 20_000);
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.stdout.once('data', () => {
      poll = setInterval(() => {
        if (due()) p.kill('SIGKILL');
      }, 1);
    });
    p.on('error', reject);
    p.on('close', (code, signal) => {
      clearInterval(poll);
      clearTimeout(giveUp);
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`child exited by itself (${code}): ${err}`));
    });
  });
}

const sizeOf = (path: string): number => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

/** A whole version: its first line gives the body's length and sha256. */
function wholeVersion(bytes: Buffer): number | null {
  const nl = bytes.indexOf(0x0a);
  const m = /^v(\d+) (\d+) ([0-9a-f]{64})$/.exec(bytes.subarray(0, nl).toString());
  if (!m) return null;
  const body = bytes.subarray(nl + 1);
  return body.length === Number(m[2]) && createHash('sha256').update(body).digest('hex') === m[3] ? Number(m[1]) : null;
}

describe('atomic writes survive SIGKILL', function () {
  this.timeout(120_000);
  let s: Scratch;
  let bundle: string;
  const seed = Number(process.env.POSTFIX_FIX_KILL_SEED ?? 20261127);
  let rng = seed;
  // Deterministic delays (a reported seed reproduces a failing sequence).
  const rand = (n: number): number => {
    rng = (rng * 1103515245 + 12345) % 2 ** 31;
    return rng % n;
  };

  before(async () => {
    s = scratchDir();
    bundle = join(s.dir, 'kill-writer.mjs');
    await build({ entryPoints: [CHILD], bundle: true, platform: 'node', format: 'esm', target: 'node18', outfile: bundle, logLevel: 'error', banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" } });
  });
  after(() => s.cleanup());

  it(`writeFileAtomic: after each of ${FILE_ROUNDS} kills the file is a whole old or new version, never torn`, async () => {
    const size = 2 * 1024 * 1024; // big enough that a write takes a while and a kill lands inside it
    let midWrite = 0;
    let versions = 0;
    const lanes = Array.from({ length: LANES }, (_x, i) => {
      const dir = join(s.dir, `file-${i}`);
      mkdirSync(dir);
      return { dir, target: join(dir, 'main.cf') };
    });
    for (let round = 0; round < FILE_ROUNDS; round += LANES) {
      await Promise.all(
        lanes.map((l) => {
          // Once the first version is in place, let it rewrite 0-4 more times, then kill.
          let seenAt = 0;
          const extra = rand(40);
          return killWhen(bundle, ['file', l.target, String(size)], () => {
            if (!seenAt && existsSync(l.target)) seenAt = Date.now();
            return seenAt > 0 && Date.now() - seenAt >= extra;
          });
        }),
      );
      for (const { dir, target } of lanes) {
        const temps = readdirSync(dir).filter((n) => TEMP.test(n));
        if (temps.length > 0) midWrite++;
        // A temp of a dead writer is all that may be left, never more than the one it was writing.
        assert.ok(temps.length <= 1, `round ${round} (seed ${seed}): ${temps.join(', ')}`);
        if (!existsSync(target)) continue; // killed before its first rename
        assert.notEqual(wholeVersion(readFileSync(target)), null, `round ${round} (seed ${seed}): torn file ${target}`);
        versions++;
      }
    }
    // The kills must really land mid-write, or this proves nothing.
    assert.ok(midWrite > 0, `no kill landed mid-write in ${FILE_ROUNDS} rounds`);
    assert.ok(versions > 0);
    // The next write in that directory sweeps the dead writers' temps.
    for (const { dir, target } of lanes) {
      await writeFileAtomic(target, 'final\n');
      assert.deepEqual(readdirSync(dir).filter((n) => TEMP.test(n)), []);
      assert.equal(readFileSync(target, 'utf8'), 'final\n');
    }
    console.log(`      atomic writes: ${FILE_ROUNDS} kills, ${midWrite} mid-write (temp file left, swept by the next write), 0 torn files (seed ${seed})`);
  });

  it('a temp file of a live writer is left alone; only our own naming pattern is touched', async () => {
    const dir = join(s.dir, 'live');
    mkdirSync(dir);
    const target = join(dir, 'main.cf');
    const live = `.main.cf.postfix-fix-${process.pid}-0badc0de.tmp`;
    const dead = '.main.cf.postfix-fix-999999999-deadbeef.tmp';
    const foreign = ['.main.cf.swp', 'main.cf.postfix-fix-1-00000000.tmp', '.other.cf.postfix-fix-999999999-deadbeef.tmp'];
    for (const n of [live, dead, ...foreign]) writeFileSync(join(dir, n), 'x');
    assert.deepEqual(await removeStaleTemps(target), [dead]);
    assert.deepEqual(readdirSync(dir).sort(), [live, ...foreign].sort());
  });

  it(`journal: after each of ${JOURNAL_ROUNDS} kills mid-append, at most the last line is torn and everything before it is intact`, async () => {
    let torn = 0;
    let records = 0;
    for (let round = 0; round < JOURNAL_ROUNDS; round += LANES) {
      const paths = Array.from({ length: LANES }, (_x, i) => join(s.dir, `journal-${round + i}.jsonl`));
      const recordBytes = 256 * 1024;
      // Kill when the file passes a size that is rarely a record boundary: often mid-write.
      await Promise.all(paths.map((p) => {
        const at = Math.floor(recordBytes * (0.5 + rand(5000) / 1000));
        return killWhen(bundle, ['journal', p, String(recordBytes)], () => sizeOf(p) >= at);
      }));
      for (const path of paths) {
        const text = readFileSync(path, 'utf8');
        const r = decodeJournal(text);
        const lines = text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;
        assert.ok(r.corrupt.length <= 1, `round ${round} (seed ${seed}): ${JSON.stringify(r.corrupt)}`);
        if (r.corrupt.length === 1) {
          torn++;
          assert.equal(r.corrupt[0]?.line, lines, `round ${round}: the damaged line is not the last one`);
          assert.match(r.corrupt[0]?.reason ?? '', /^truncated/);
        }
        // Every record before the torn end is there, in order, none missing.
        assert.deepEqual(r.records.map((x) => (x as { seq: number }).seq), r.records.map((_x, i) => i + 1), `round ${round} (seed ${seed})`);
        records += r.records.length;
      }
    }
    console.log(`      journal: ${JOURNAL_ROUNDS} kills, ${records} whole records, ${torn} torn last line(s) detected, 0 damaged earlier lines (seed ${seed})`);
  });
});
