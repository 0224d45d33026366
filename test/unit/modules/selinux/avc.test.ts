import assert from 'node:assert/strict';
import { deniedPorts, parseNameBindDenials } from '../../../../src/modules/selinux/avc.js';

// Lines as the real-SELinux VM (Debian 12, reference policy, enforcing) wrote them.
const RAW = 'type=AVC msg=audit(1796424908.144:54): avc:  denied  { name_bind } for  pid=781 comm="master" src=2525 scontext=system_u:system_r:postfix_master_t:s0 tcontext=system_u:object_r:unreserved_port_t:s0 tclass=tcp_socket permissive=0';
const INTERPRETED = 'type=AVC msg=audit(12/04/26 22:48:45.264:44) : avc:  denied  { name_bind } for  pid=781 comm=master src=2525 scontext=system_u:system_r:postfix_master_t:s0 tcontext=system_u:object_r:unreserved_port_t:s0 tclass=tcp_socket permissive=0 ';
const NOT_BIND = 'type=AVC msg=audit(1796424566.664:59): avc:  denied  { read write } for  pid=1220 comm="postfix" path="socket:[16702]" dev="sockfs" ino=16702 scontext=system_u:system_r:postfix_master_t:s0 tcontext=system_u:system_r:initrc_t:s0 tclass=unix_stream_socket permissive=0';
const OTHER_PROGRAM = RAW.replace('comm="master"', 'comm="nginx"').replace('src=2525', 'src=8080');

describe('modules/selinux/avc', () => {
  it('reads name_bind denials from raw records and from `ausearch -i` output alike', () => {
    assert.deepEqual(parseNameBindDenials(RAW), [{ comm: 'master', port: 2525, permissive: false }]);
    assert.deepEqual(parseNameBindDenials(INTERPRETED), [{ comm: 'master', port: 2525, permissive: false }]);
  });

  it('ignores other denials and other programs; ports once, sorted', () => {
    assert.deepEqual(deniedPorts([NOT_BIND, OTHER_PROGRAM, INTERPRETED, RAW.replace('2525', '465'), RAW].join('\n----\n')), [465, 2525]);
  });
});
