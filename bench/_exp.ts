import { LabHost, cliBundlePath, enableSubmission, link, makeCertificate, useCertificate } from '../test/e2e/lab/index.js';
import { timeInterleaved } from './timing.js';
const [mx, client] = await Promise.all([LabHost.create({ name: 'exp-pmx' }), LabHost.create({ name: 'exp-pcl', postfix: false })]);
try {
  const { aAddr: addr } = await link(mx, client);
  await useCertificate(mx, await makeCertificate(mx));
  await enableSubmission(mx);
  const ex = (argv: string[]) => async () => { const r = await client.exec(argv, { timeoutMs: 30000 }); if (r.code !== 0) throw new Error(r.stdout + r.stderr); };
  const [a, b] = await timeInterleaved(20, ex([client.nodeBin, cliBundlePath(), 'probe', addr, '--port', '25,587,465']), ex([client.nodeBin, '/work/wt/probe/.scratch/probe.cjs', 'probe', addr, '--port', '25,587,465']));
  console.log('esm', a.medianMs, 'cjs', b.medianMs);
  const [c, d] = await timeInterleaved(20, ex([client.nodeBin, '-e', '0']), ex(['sh', '-c', `/usr/lib/nagios/plugins/check_smtp -H ${addr} -p 25 -S -D 30 && /usr/lib/nagios/plugins/check_smtp -H ${addr} -p 587 -S -D 30 && /usr/lib/nagios/plugins/check_ssmtp -H ${addr} -p 465 -D 30`]));
  console.log('node -e 0', c.medianMs, 'plugins', d.medianMs);
} finally { await Promise.all([mx.destroy(), client.destroy()]); }
