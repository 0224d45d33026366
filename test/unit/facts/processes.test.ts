import assert from 'node:assert/strict';
import { parseStatPpid, unitFromCgroup } from '../../../src/facts/processes.js';

describe('facts/processes', () => {
  it('reads the parent pid after a comm that contains spaces and parentheses', () => {
    assert.equal(parseStatPpid('4321 (exim4) S 1 4321 4321 0 -1 4194560'), 1);
    assert.equal(parseStatPpid('77 (a (b) c) S 12 77 77 0'), 12);
    assert.equal(parseStatPpid('garbage'), null);
  });

  it('finds the unit in cgroup v2 and v1 layouts', () => {
    assert.equal(unitFromCgroup('0::/system.slice/exim4.service\n'), 'exim4.service');
    assert.equal(unitFromCgroup('12:pids:/system.slice/sendmail.service\n1:name=systemd:/system.slice/sendmail.service\n'), 'sendmail.service');
    assert.equal(unitFromCgroup('0::/system.slice/system-postfix.slice/postfix@-.service\n'), 'postfix@-.service');
    assert.equal(unitFromCgroup('0::/\n'), null);
  });
});
