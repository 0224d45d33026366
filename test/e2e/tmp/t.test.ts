import { LabHost, addOwnAddress, injectLoopbackOnly, postconfSet, cliBundlePath } from '../lab/index.js';
import { readFileSync } from 'node:fs';
it('handles', async function () {
  this.timeout(200000);
  const h = await LabHost.create({ name: 'thandles' });
  try {
    await addOwnAddress(h);
    await injectLoopbackOnly(h, { value: 'loopback-only' });
    await postconfSet(h, []);
    await h.writeFile('/tmp/handles.cjs', readFileSync('/tmp/handles.cjs', 'utf8'), 0o644);
    const t0 = Date.now();
    const r = await h.exec(['sh', '-c', `rm -f /tmp/handles.log; ${h.nodeBin} -r /tmp/handles.cjs ${cliBundlePath()} run --yes --offline --runbook inet-interfaces --json > /tmp/out.json; cat /tmp/handles.log | tail -20; grep durationMs /tmp/out.json`], { timeoutMs: 120000 });
    console.log(Date.now() - t0, r.stdout, r.stderr.slice(-500));
  } finally { await h.destroy(); }
});
