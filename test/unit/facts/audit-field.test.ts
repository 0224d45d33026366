import assert from 'node:assert/strict';
import { auditField } from '../../../src/facts/audit-field.js';

describe('facts/audit-field', () => {
  const raw = 'type=AVC msg=audit(1701120000.123:412): avc:  denied  { name_bind } for  pid=4242 comm="master" src=2525 scontext=system_u:system_r:postfix_master_t:s0 tclass=tcp_socket permissive=0';
  const interpreted = 'type=AVC msg=audit(12/05/2026 01:02:03.123:412) : avc:  denied  { name_bind } for  pid=4242 comm=master src=2525 tclass=tcp_socket ppid=1';

  it('reads quoted (raw) and bare (`ausearch -i`) fields alike', () => {
    for (const line of [raw, interpreted]) {
      assert.deepEqual([auditField(line, 'comm'), auditField(line, 'pid'), auditField(line, 'src')], ['master', '4242', '2525']);
    }
  });

  it('a field name inside another (pid in ppid) or a missing field is not found', () => {
    assert.equal(auditField('ppid=1 comm="x"', 'pid'), null);
    assert.equal(auditField(raw, 'dport'), null);
  });
});
