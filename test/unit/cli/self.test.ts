import assert from 'node:assert/strict';
import { selfArgv } from '../../../src/cli/self.js';

describe('cli/self', () => {
  const saved = process.env['NODE_OPTIONS'];
  afterEach(() => {
    if (saved === undefined) delete process.env['NODE_OPTIONS'];
    else process.env['NODE_OPTIONS'] = saved;
  });

  it('is node, its flags, then this script', () => {
    delete process.env['NODE_OPTIONS'];
    const argv = selfArgv();
    assert.equal(argv[0], process.execPath);
    assert.equal(argv.at(-1), process.argv[1]);
    assert.ok(!argv.includes('--jitless'));
  });

  // A systemd timer does not inherit NODE_OPTIONS; under a policy that denies execmem the guard
  // would abort without the flag.
  it('carries --jitless from NODE_OPTIONS over as a flag, once', () => {
    process.env['NODE_OPTIONS'] = '--max-old-space-size=256 --jitless';
    const argv = selfArgv();
    assert.equal(argv.filter((a) => a === '--jitless').length, 1);
    assert.equal(argv.indexOf('--jitless'), argv.length - 2, 'before the script, as a node flag');
  });
});
