// The least any Node program can do for what the plugins check in bench/probe.ts: start, then
// STARTTLS on 25 and 587 (the handshake) and TLS on 465 with the greeting inside it, all three at
// once, with no certificate verification (an empty root store: check_smtp -D verifies no chain
// either), no EHLO inside TLS, no report. If this alone is slower than the plugins, no Node probe
// can meet 1.0×. Usage: node bench/node-floor.cjs ADDRESS
'use strict';
const net = require('node:net');
const tls = require('node:tls');

const host = process.argv[2];
const secureContext = tls.createSecureContext({ ca: [] });
let left = 3;
const done = () => --left === 0 && process.exit(0);
const fail = (why) => {
  process.stderr.write(`${why}\n`);
  process.exit(1);
};
setTimeout(() => fail('no answer within 10 s'), 10_000).unref();

for (const port of [25, 587]) {
  const s = net.connect(port, host);
  s.on('error', (e) => fail(`${port}: ${e.message}`));
  let step = 0;
  let buf = '';
  s.on('data', (d) => {
    buf += d;
    if (!/^\d{3} [^\n]*\n/m.test(buf)) return;
    buf = '';
    if (step === 0) s.write('EHLO floor.invalid\r\n');
    else if (step === 1) s.write('STARTTLS\r\n');
    else {
      s.removeAllListeners('data');
      const t = tls.connect({ socket: s, rejectUnauthorized: false, secureContext });
      t.on('error', (e) => fail(`${port}: ${e.message}`));
      t.once('secureConnect', () => (t.destroy(), done()));
    }
    step++;
  });
}
const s465 = net.connect(465, host, () => {
  const t = tls.connect({ socket: s465, rejectUnauthorized: false, secureContext });
  t.on('error', (e) => fail(`465: ${e.message}`));
  t.once('data', () => (t.destroy(), done()));
});
s465.on('error', (e) => fail(`465: ${e.message}`));
