import { LabHost, link, runCli, smtpProbe, injectPostfixStopped, injectIptablesBlock25, injectLoopbackOnly, injectEximHolds25, injectNftablesBlock25 } from '../lab/index.js';
import type { Host } from '../lab/index.js';

const cases: Array<[string, (h: Host) => Promise<unknown>]> = [
  ['stopped-reject', async (h) => { await injectPostfixStopped(h); await injectIptablesBlock25(h, { action: 'reject' }); }],
  ['loopback-reject', async (h) => { await injectLoopbackOnly(h); await injectIptablesBlock25(h, { action: 'reject' }); }],
  ['exim-nftdrop', async (h) => { await injectEximHolds25(h); await injectNftablesBlock25(h, 'drop'); }],
];
const only = process.env.ONLY;
for (const [name, inject] of cases) {
  if (only && !name.includes(only)) continue;
  it(name, async function () {
    this.timeout(200_000);
    const host = await LabHost.create({ name: name.slice(0, 12) });
    const peer = await LabHost.create({ name: `${name.slice(0, 8)}-p`, postfix: false });
    try {
      const net = await link(host, peer);
      await inject(host);
      const d = await runCli(host, ['diagnose', '--offline']);
      console.log('DIAG', d.code, d.stdout.split('\n').slice(0, 25).join('\n'), d.stderr);
      const r = await runCli(host, ['run', '--yes', '--max-risk', 'high', '--offline'], { timeoutMs: 150_000 });
      console.log('RUN', r.code, r.stderr, '\n-----\n', r.stdout);
      console.log('PEER', JSON.stringify(await smtpProbe(peer, net.aAddr, 25, 3000)));
      const r2 = await runCli(host, ['run', '--yes', '--max-risk', 'high', '--offline', '--detailed-exitcodes'], { timeoutMs: 150_000 });
      console.log('RUN2', r2.code, r2.stdout);
      const rb = await runCli(host, ['rollback', '--last'], { timeoutMs: 150_000 });
      console.log('RB', rb.code, rb.stdout, rb.stderr);
      console.log('PEER', JSON.stringify(await smtpProbe(peer, net.aAddr, 25, 3000)));
    } finally { await peer.destroy(); await host.destroy(); }
  });
}
