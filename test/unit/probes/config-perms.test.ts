import assert from 'node:assert/strict';
import { configPermsProbe, judgeFile } from '../../../src/probes/config-perms.js';
import { healthyFacts } from './helpers/facts.js';
import { probeCtx } from './helpers/probe-ctx.js';

const stat = (mode: number, uid = 0) => ({ path: '/etc/postfix/main.cf', exists: true, mode, uid, gid: 0, owner: uid === 0 ? 'root' : 'postfix', group: 'root' });

describe('probes/config-perms', () => {
  it('0644 root:root is fine', async () => {
    const fs = await configPermsProbe.run(probeCtx(healthyFacts()));
    assert.deepEqual(fs.map((f) => f.status), ['ok', 'ok']);
    assert.ok(fs[0]?.evidence.includes('/etc/postfix/main.cf: mode 0644, owner root:root'));
  });

  it('0600: fail, ordinary users\' sendmail cannot read it', () => {
    const f = judgeFile(stat(0o600), true);
    assert.deepEqual([f.status, f.cause], ['fail', 'main-cf-permissions']);
  });

  it('group-writable: warn; world-writable or not root-owned: fail (whoever writes main.cf runs code as root)', () => {
    assert.equal(judgeFile(stat(0o664), true).status, 'warn');
    assert.equal(judgeFile(stat(0o664), true).title, 'main.cf is writable by its group');
    assert.equal(judgeFile(stat(0o666), true).status, 'fail');
    const foreign = judgeFile(stat(0o666, 65534), true);
    assert.deepEqual([foreign.status, foreign.title], ['fail', 'main.cf is not owned by root and writable by everyone']);
  });

  it('missing: postfix-config-invalid', () => {
    const f = judgeFile({ path: '/etc/postfix/master.cf', exists: false, mode: null, uid: null, gid: null, owner: null, group: null }, false);
    assert.deepEqual([f.status, f.cause, f.title], ['fail', 'postfix-config-invalid', 'master.cf is missing']);
  });
});
