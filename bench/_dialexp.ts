import { dialSmtp } from '../src/exec/dial.js';
const addr = process.argv[2] as string;
const t0 = Date.now();
for (const [label, o] of [['banner', {}], ['ehlo', { ehlo: true }], ['starttls', { starttls: true }], ['starttls2', { starttls: true }], ['implicit465', { implicitTls: true }]] as const) {
  const port = label === 'implicit465' ? 465 : 25;
  const t = Date.now();
  const r = await dialSmtp(addr, port, { connectTimeoutMs: 3000, bannerTimeoutMs: 3000, ...o });
  console.log(label, Date.now() - t, 'ms', r.outcome, r.connectMs, r.tls?.ms, r.detail ?? '');
}
console.log('total', Date.now() - t0);
