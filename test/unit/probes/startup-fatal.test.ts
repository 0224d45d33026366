import assert from 'node:assert/strict';
import { findStartupFatal, noGreeting } from '../../../src/probes/startup-fatal.js';

// As Postfix 3.7 logs it when smtpd needs Dovecot's socket and it is not there (measured in the lab).
const at = (d: Date): string => d.toISOString().replace('Z', '+00:00');
const lines = (when: Date): string[] => [
  `${at(when)} mx1 postfix/smtpd[311]: warning: SASL: Connect to Dovecot auth socket 'private/auth' failed: No such file or directory`,
  `${at(when)} mx1 postfix/smtpd[311]: fatal: no SASL authentication mechanisms`,
  `${at(when)} mx1 postfix/master[100]: warning: process /usr/lib/postfix/sbin/smtpd pid 311 exit status 1`,
  `${at(when)} mx1 postfix/master[100]: warning: /usr/lib/postfix/sbin/smtpd: bad command startup -- throttling`,
];

describe('probes/startup-fatal: the fatal: line that kills smtpd as it starts', () => {
  it('names the newest recent fatal with the master\'s throttling line', () => {
    const now = Date.now();
    const f = findStartupFatal(lines(new Date(now - 30_000)), now);
    assert.equal(f?.message, 'no SASL authentication mechanisms');
    assert.equal(f?.lines.length, 2);
    assert.match(f?.lines[1] ?? '', /bad command startup -- throttling/);
  });

  it('an old fatal explains nothing today', () => {
    const now = Date.now();
    assert.equal(findStartupFatal(lines(new Date(now - 3 * 3600_000)), now), null);
  });

  it('only a missing greeting asks the log', () => {
    const base = { host: '127.0.0.1', port: 25, ms: 1 };
    assert.equal(noGreeting({ ...base, outcome: 'banner-timeout' }), true);
    assert.equal(noGreeting({ ...base, outcome: 'error', detail: 'closed by the server before any greeting' }), true);
    assert.equal(noGreeting({ ...base, outcome: 'banner', code: 220 }), false);
    assert.equal(noGreeting({ ...base, outcome: 'refused' }), false);
  });
});
