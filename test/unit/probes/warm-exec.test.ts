import assert from 'node:assert/strict';
import { createWarmExecutor } from '../../../src/probes/warm-exec.js';
import { PROBES, probesFor } from '../../../src/probes/registry.js';
import { isKnownCause } from '../../../src/probes/causes.js';
import { fakeExec } from './helpers/fake-exec.js';

describe('probes/warm-exec and the registry', () => {
  it('a started command is joined by the identical later call, once', async () => {
    const inner = fakeExec([{ argv: ['postfix', 'check'], result: { stdout: 'x' } }]);
    const warm = createWarmExecutor(inner);
    warm.start({ argv: ['postfix', 'check'], input: '' }, 1_000);
    const a = await warm.exec.run(['postfix', 'check'], { input: '', timeoutMs: 500 });
    const b = await warm.exec.run(['postfix', 'check'], { input: '', timeoutMs: 500 });
    assert.equal(a.stdout, 'x');
    assert.equal(b.stdout, 'x');
    assert.equal(inner.calls.length, 2, 'the second call runs afresh');
    assert.equal(inner.calls[0]?.options.timeoutMs, 1_000);
    await warm.exec.run(['postfix', 'check'], { timeoutMs: 500 }); // different stdin: not the warm run
    assert.equal(inner.calls.length, 3);
  });

  it('every probe names known causes, has a budget, and a unique name', () => {
    const names = new Set(PROBES.map((p) => p.name));
    assert.equal(names.size, PROBES.length);
    for (const p of PROBES) {
      assert.ok(p.timeoutMs > 0 && p.timeoutMs <= 5_000, p.name);
      for (const c of p.causes ?? []) assert.ok(isKnownCause(c), `${p.name}: ${c}`);
    }
    assert.deepEqual(probesFor('master-pid-locked').map((p) => p.name), ['master_pid', 'logs']);
  });
});
