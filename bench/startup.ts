// CLI start-up and `plan` on a healthy host, as a user runs them: the built bundle, inside a lab
// host. Targets: --version ≤ 1.3 × `node -e 0`; plan ≤ 0.5 s.
import { LabHost, cliBundlePath } from '../test/e2e/lab/index.js';
import { median, timeInterleaved, timeRuns } from './timing.js';
import type { Timing } from './timing.js';

export interface StartupResult {
  nodeBaseline: Timing;
  version: Timing;
  versionRatio: number;
  plan: Timing;
  diagnose: Timing;
}

export async function benchStartup(runs = 15): Promise<StartupResult> {
  const h = await LabHost.create({ name: 'bench-startup' });
  try {
    const node = (args: string[]) => async () => {
      const r = await h.exec([h.nodeBin, ...args], { timeoutMs: 30_000 });
      if (r.code !== 0 && r.code !== 7) throw new Error(`${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    };
    // Interleaved, so both see the same machine load.
    const [nodeBaseline, version] = await timeInterleaved(runs * 2, node(['-e', '0']), node([cliBundlePath(), '--version']));
    const plan = await timeRuns(runs, node([cliBundlePath(), 'plan', '--offline']));
    const diagnose = await timeRuns(runs, node([cliBundlePath(), 'diagnose', '--offline']));
    return { nodeBaseline, version, versionRatio: version.medianMs / nodeBaseline.medianMs, plan, diagnose };
  } finally {
    await h.destroy();
  }
}

export { median };
