// `run --yes` fixing inet_interfaces = loopback-only, next to the same change made by hand
// (bench/fix-floor.sh): the cost of diagnosing, planning, journaling and verifying on top of the
// floor. Target ≤ 1.5 × the floor. Each measured run starts from a freshly broken host.
import { readFileSync } from 'node:fs';
import { LabHost, addOwnAddress, cliBundlePath, injectLoopbackOnly, postconfSet } from '../test/e2e/lab/index.js';
import type { Host } from '../test/e2e/lab/index.js';
import { timeRuns } from './timing.js';
import type { Timing } from './timing.js';

export interface FixResult {
  tool: Timing;
  floor: Timing;
  ratio: number;
}

const FLOOR = readFileSync(new URL('./fix-floor.sh', import.meta.url), 'utf8');

export async function benchFix(runs = 5): Promise<FixResult> {
  const h: Host = await LabHost.create({ name: 'bench-fix' });
  try {
    await h.writeFile('/root/fix-floor.sh', FLOOR, 0o755);
    await addOwnAddress(h); // the fix verifies a banner on the host's own non-loopback address
    const rebreak = async (): Promise<void> => {
      await h.exec(['rm', '-rf', '/var/lib/postfix-fix']);
      await injectLoopbackOnly(h, { value: 'loopback-only' });
      await postconfSet(h, []); // backdates main.cf: both sides start from a settled config
    };
    const tool = await timeRuns(runs, async () => {
      const r = await h.exec([h.nodeBin, cliBundlePath(), 'run', '--yes', '--offline', '--runbook', 'inet-interfaces'], { timeoutMs: 120_000 });
      if (r.code !== 0) throw new Error(`run exited ${r.code}: ${r.stderr.slice(-400)}`);
    }, rebreak);
    const floor = await timeRuns(runs, async () => {
      const r = await h.exec(['/root/fix-floor.sh'], { timeoutMs: 120_000 });
      if (r.code !== 0) throw new Error(`floor script exited ${r.code}: ${r.stderr}`);
    }, rebreak);
    return { tool, floor, ratio: tool.medianMs / floor.medianMs };
  } finally {
    await h.destroy();
  }
}
