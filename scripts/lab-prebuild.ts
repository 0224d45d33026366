// Prebuilds the e2e lab's cached artefacts (systemd rootfs, unpacked exim4) so test runs do
// not pay for them, and drops rootfs trees of older recipes. Run as root (after npm ci):
//   node --import tsx scripts/lab-prebuild.ts
import { ensureEximCache } from '../test/e2e/lab/exim.js';
import { ensureRootfs, pruneOldRootfs } from '../test/e2e/lab/rootfs.js';

const started = Date.now();
const rootfs = await ensureRootfs((line) => console.log(`[lab-rootfs] ${line}`));
console.log(`[lab-rootfs] ready: ${rootfs} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
for (const old of await pruneOldRootfs()) console.log(`[lab-rootfs] removed old recipe ${old}`);
const exim = await ensureEximCache();
console.log(`[lab-exim] ready: ${exim}`);
