import { findLeftovers, isClean, machineVeths } from './leftovers.js';
import { destroyAllHosts } from './registry.js';
import { sweepStaleLabs } from './sweep.js';

let baselineVeths: string[] = [];

// Mocha root hooks: register with `"require": ["test/e2e/lab/hooks.ts"]` in .mocharc.json.
// Before the suite, clear what interrupted runs left behind; after it, destroy every host the
// suite left alive and fail the run if anything of the lab is still around.
export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    this.timeout(30_000);
    const report = await sweepStaleLabs();
    if (report.killed.length > 0 || report.removedDirs.length > 0) {
      console.warn(
        `[lab] swept leftovers of an earlier run: ${report.killed.length} process(es), ${report.removedDirs.length} scratch dir(s)`,
      );
    }
    baselineVeths = await machineVeths();
  },
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(60_000);
    await destroyAllHosts();
    const leftovers = await findLeftovers();
    if (!isClean(leftovers, baselineVeths)) {
      throw new Error(`lab leftovers after the suite:\n${JSON.stringify(leftovers, null, 2)}`);
    }
  },
};
