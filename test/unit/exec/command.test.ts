import assert from 'node:assert/strict';
import { pollUntil, waitFor } from '../../../src/exec/command.js';

// Counts looks, not milliseconds: every case ends on what was seen, never on a stopwatch.
describe('exec/command: pollUntil, waitFor', () => {
  it('done at the first look: one look, its value', async () => {
    let looks = 0;
    const v = await pollUntil(async () => ++looks, () => true, Date.now() + 60_000, 1);
    assert.deepEqual([v, looks], [1, 1]);
  });

  it('looks again until done, and returns the value that was done', async () => {
    let looks = 0;
    const v = await pollUntil(async () => ++looks, (n) => n === 3, Date.now() + 60_000, 1);
    assert.deepEqual([v, looks], [3, 3]);
  });

  it('never done: the last value, and no look starts after the end', async () => {
    let looks = 0;
    let lastStart = 0;
    const until = Date.now() + 30;
    const v = await pollUntil(
      async () => {
        lastStart = Date.now();
        return ++looks;
      },
      () => false,
      until,
      5,
    );
    assert.equal(v, looks);
    assert.ok(looks >= 1 && lastStart <= until, `${looks} looks, the last at ${lastStart - until} ms from the end`);
  });

  it('an end already past: exactly one look', async () => {
    let looks = 0;
    assert.equal(await pollUntil(async () => ++looks, () => false, Date.now() - 1, 5), 1);
    assert.equal(await waitFor(async () => false, 0, 5), false);
    assert.equal(await waitFor(async () => true, 0, 5), true);
  });
});
