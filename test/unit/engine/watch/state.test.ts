// The watch state on disk: 0600 in a 0700 directory (like the journals), replaced atomically,
// and a damaged or foreign file is set aside with a warning rather than crashing every tick.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyWatchState, parseWatchState, readWatchState, watchStateFile, writeWatchState } from '../../../../src/engine/watch/state.js';
import type { WatchState } from '../../../../src/engine/watch/state.js';
import { scratchDir } from '../../helpers/context.js';
import type { Scratch } from '../../helpers/context.js';

const STATE: WatchState = {
  schemaVersion: 1,
  updatedAt: '2026-12-06T10:00:00.000Z',
  problems: { 'postfix-stopped': 'Postfix is not running' },
  causes: { 'postfix-stopped': { fixes: ['2026-12-06T09:55:00.000Z', '2026-12-06T10:00:00.000Z'], failing: true, backoffNotified: true } },
  lastTick: { at: '2026-12-06T10:00:00.000Z', state: 'problem', runId: '20261206T100000Z-abcd', runStatus: 'failed-rolled-back' },
};

describe('engine/watch: the state file', () => {
  let s: Scratch;
  beforeEach(() => (s = scratchDir('pf-watch-state-')));
  afterEach(() => s.cleanup());

  it('none yet: an empty state, no warning', async () => {
    assert.deepEqual(await readWatchState(s.dir), { state: emptyWatchState(), warning: null });
  });

  it('written 0600 in a 0700 watch/ directory, read back the same, no temp file left', async () => {
    await writeWatchState(s.dir, STATE);
    const file = watchStateFile(s.dir);
    assert.equal(file, join(s.dir, 'watch', 'state.json'));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(s.dir, 'watch')).mode & 0o777, 0o700);
    assert.deepEqual(await readWatchState(s.dir), { state: STATE, warning: null });
    await writeWatchState(s.dir, { ...STATE, problems: {} });
    assert.deepEqual(readdirSync(join(s.dir, 'watch')), ['state.json']);
    assert.deepEqual((await readWatchState(s.dir)).state.problems, {});
  });

  for (const [what, text] of [
    ['not JSON', '{"schemaVersion": 1, "problems": {'],
    ['another version', JSON.stringify({ ...STATE, schemaVersion: 2 })],
    ['a wrong shape', JSON.stringify({ ...STATE, causes: { x: { fixes: 'yesterday' } } })],
  ] as const) {
    it(`${what}: starts afresh and says so`, async () => {
      mkdirSync(join(s.dir, 'watch'), { recursive: true });
      writeFileSync(watchStateFile(s.dir), text);
      const r = await readWatchState(s.dir);
      assert.deepEqual(r.state, emptyWatchState());
      assert.match(r.warning ?? '', /state\.json is damaged or from another version; starting afresh \(back-off counts are lost\)$/);
    });
  }

  it('drops what it does not understand inside an otherwise valid file (a fix time that is no time)', () => {
    const parsed = parseWatchState(JSON.stringify({ ...STATE, causes: { 'postfix-stopped': { fixes: ['2026-12-06T09:55:00.000Z', 'soon', 7], failing: 'yes' } } }));
    assert.deepEqual(parsed?.causes, { 'postfix-stopped': { fixes: ['2026-12-06T09:55:00.000Z'] } });
  });
});
