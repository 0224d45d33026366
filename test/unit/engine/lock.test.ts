import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RefusedError } from '../../../src/core/errors.js';
import { acquireLock, procStartTime } from '../../../src/engine/lock.js';
import { scratchDir } from '../helpers/context.js';
import type { Scratch } from '../helpers/context.js';

const ACQUIRE = new URL('./fixtures/acquire-lock.ts', import.meta.url).pathname;

/** Run the lock in a separate real process: prints WON or REFUSED, holds for holdMs. */
function racer(dir: string, holdMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', ACQUIRE, dir, String(holdMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('close', () => resolve(out.trim()));
  });
}

describe('run lock', function () {
  this.timeout(30_000);
  let s: Scratch;
  beforeEach(() => (s = scratchDir()));
  afterEach(() => s.cleanup());

  it('a second run is refused with the holder pid, start time and command', async () => {
    const held = await acquireLock(s.dir, 'postfix-fix run --yes');
    try {
      await assert.rejects(acquireLock(s.dir, 'postfix-fix run --interactive'), (e: RefusedError) => {
        assert.ok(e instanceof RefusedError);
        assert.match(e.message, new RegExp(`pid ${process.pid}, started \\d{4}-\\d\\d-\\d\\dT.*running \`postfix-fix run --yes\``));
        return true;
      });
    } finally {
      await held.release();
    }
    const again = await acquireLock(s.dir, 'x');
    await again.release();
  });

  it('a lock left by a killed run is detected as stale and taken over', async () => {
    const child = spawn('sleep', ['30']);
    const pid = child.pid as number;
    const start = procStartTime(pid);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    writeFileSync(join(s.dir, 'lock'), JSON.stringify({ pid, procStart: start, bootId: null, startedAt: '2026-01-01T00:00:00Z', command: 'postfix-fix run --yes', host: 'h' }));
    const held = await acquireLock(s.dir, 'postfix-fix run');
    assert.equal(held.tookOverFrom?.pid, pid);
    assert.equal(JSON.parse(readFileSync(join(s.dir, 'lock'), 'utf8')).pid, process.pid);
    await held.release();
  });

  it('a recycled pid (same pid, different start time) is not mistaken for the holder', async () => {
    writeFileSync(join(s.dir, 'lock'), JSON.stringify({ pid: process.pid, procStart: 1, bootId: null, startedAt: 'x', command: 'old', host: 'h' }));
    const held = await acquireLock(s.dir, 'new');
    assert.equal(held.tookOverFrom?.command, 'old');
    await held.release();
  });

  it('a torn lock file (crash while writing it) is stale, not fatal', async () => {
    writeFileSync(join(s.dir, 'lock'), '{"pid": 12');
    const held = await acquireLock(s.dir, 'new');
    assert.ok(held.tookOverFrom);
    await held.release();
  });

  it('of several processes racing for a stale lock, exactly one wins', async () => {
    writeFileSync(join(s.dir, 'lock'), JSON.stringify({ pid: 999999, procStart: 5, bootId: null, startedAt: 'x', command: 'dead', host: 'h' }));
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => racer(s.dir, 1500)));
    assert.equal(outcomes.filter((o) => o === 'WON').length, 1, outcomes.join(','));
    assert.equal(outcomes.filter((o) => o === 'REFUSED').length, 5, outcomes.join(','));
  });
});
