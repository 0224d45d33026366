// By hand (as root), outside mocha:
//   node --import tsx scripts/selinux-vm/main.ts build    build (or find) the cached image, print its manifest
//   node --import tsx scripts/selinux-vm/main.ts prune    remove images of older recipes
//   node --import tsx scripts/selinux-vm/main.ts run [SCRIPT]   one test run (needs `npm run build`), RESULT
//                                                    lines on stdout; SCRIPT replaces guest/selinux-test.sh,
//                                                    $POSTFIX_FIX_SELINUX_BUNDLE another standalone build
// `npm run test:selinux` is the real entry point; this is for building ahead and debugging.
import { ensureSelinuxImage, pruneOldSelinuxImages } from './image.js';
import { runSelinuxVmTest } from './vm.js';

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

const command = process.argv[2] ?? 'build';
if (command === 'build') {
  const image = await ensureSelinuxImage(log);
  console.log(JSON.stringify({ dir: image.dir, ...image.manifest }, null, 2));
} else if (command === 'prune') {
  console.log(JSON.stringify(await pruneOldSelinuxImages()));
} else if (command === 'run') {
  const script = process.argv[3];
  const bundle = process.env['POSTFIX_FIX_SELINUX_BUNDLE'];
  const run = await runSelinuxVmTest({ log, ...(script ? { testScript: script } : {}), ...(bundle ? { bundle } : {}) });
  for (const r of run.results) console.log(`RESULT name=${r.name} ok=${r.ok} detail=${r.detail}`);
  log(`boot ${run.bootSeconds?.toFixed(1) ?? '?'} s, total ${run.totalSeconds.toFixed(1)} s, serial log ${run.serialLog}`);
  process.exitCode = run.ended && run.results.length > 0 && run.results.every((r) => r.ok) ? 0 : 1;
} else {
  console.error(`usage: main.ts build|prune|run`);
  process.exitCode = 2;
}
