import assert from 'node:assert/strict';
import { parseUfwStatus } from '../../../../src/facts/firewall/ufw-status.js';
import { fixture } from '../fixture.js';

describe('facts/firewall: `ufw status verbose`', () => {
  it('reads an active ufw with its default policy and rules', () => {
    assert.deepEqual(parseUfwStatus(fixture('ufw-status-verbose.txt')), {
      active: true,
      defaultIncoming: 'deny',
      rules: ['587/tcp ALLOW IN Anywhere', '25/tcp DENY IN 10.5.0.0/16', '587/tcp (v6) ALLOW IN Anywhere (v6)'],
    });
  });
  it('reads an inactive one', () => {
    assert.deepEqual(parseUfwStatus(fixture('ufw-status-inactive.txt')), { active: false, defaultIncoming: null, rules: [] });
  });
});
