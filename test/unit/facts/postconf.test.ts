import assert from 'node:assert/strict';
import { parsePostconf } from '../../../src/facts/postconf.js';
import { fixture } from './fixture.js';

describe('facts/postconf: `postconf -x NAME…` output', () => {
  it('reads effective values, defaults and empty ones included (Debian 12, Postfix 3.7.11)', () => {
    const { params, unknown } = parsePostconf(fixture('postconf-x.txt'), 'postconf: warning: bogus_param: unknown parameter\n');
    assert.equal(params.inet_interfaces, 'all');
    assert.equal(params.mynetworks, '127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128');
    assert.equal(params.smtpd_recipient_restrictions, '');
    assert.equal(params.content_filter, '');
    assert.equal(params.mail_version, '3.7.11');
    assert.equal(params.mydestination, 'vm, lab.example.test, vm, localhost.localdomain, localhost');
    assert.deepEqual(unknown, ['bogus_param']);
    assert.equal(params.bogus_param, undefined);
  });
});
