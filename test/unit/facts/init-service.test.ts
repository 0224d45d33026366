import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHostFs } from '../../../src/exec/host-fs.js';
import { gatherInit } from '../../../src/facts/init.js';
import { gatherServiceState } from '../../../src/facts/service-state.js';
import { debianProfile } from '../helpers/context.js';
import { fakeExec } from '../probes/helpers/fake-exec.js';
import type { Script } from '../probes/helpers/fake-exec.js';
import { dialSmtp } from '../../../src/exec/dial.js';

function ctxWith(pid1: string, scripts: Script[], files: Record<string, string> = {}) {
  const root = mkdtempSync(join(tmpdir(), 'pf-init-'));
  for (const [path, text] of Object.entries({ '/proc/1/comm': `${pid1}\n`, ...files })) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return { exec: fakeExec(scripts), fs: createHostFs(root), profile: debianProfile(), dialer: dialSmtp, deadline: Date.now() + 5_000 };
}

describe('facts/init and service state', () => {
  it('PID 1 systemd whose manager answers: systemd; Debian\'s postfix.service enabled and active', async () => {
    const ctx = ctxWith('systemd', [
      { argv: ['systemctl', 'is-system-running'], result: { stdout: 'degraded\n', exitCode: 1 } },
      { argv: ['systemctl', 'is-enabled', 'postfix.service'], result: { stdout: 'enabled\n' } },
      { argv: ['systemctl', 'is-active', 'postfix.service'], result: { stdout: 'active\n' } },
      { argv: ['systemctl', 'is-enabled', 'postfix@-.service'], result: { stdout: 'enabled-runtime\n' } },
      { argv: ['systemctl', 'is-active', 'postfix@-.service'], result: { stdout: 'failed\n', exitCode: 3 } },
    ]);
    assert.deepEqual(await gatherInit(ctx), { pid1: 'systemd', manager: 'systemd' });
    assert.deepEqual(await gatherServiceState(ctx, 'systemd'), { unit: 'postfix.service', enabled: true, unitState: 'active' });
  });

  it('a disabled unit, and a missing first unit falls through to the next', async () => {
    const ctx = ctxWith('systemd', [
      { argv: ['systemctl', 'is-enabled', 'postfix.service'], result: { exitCode: 1, stderr: 'Failed to get unit file state for postfix.service: No such file or directory\n' } },
      { argv: ['systemctl', 'is-active', 'postfix.service'], result: { stdout: 'inactive\n', exitCode: 3 } },
      { argv: ['systemctl', 'is-enabled', 'postfix@-.service'], result: { stdout: 'disabled\n', exitCode: 1 } },
      { argv: ['systemctl', 'is-active', 'postfix@-.service'], result: { stdout: 'inactive\n', exitCode: 3 } },
    ]);
    assert.deepEqual(await gatherServiceState(ctx, 'systemd'), { unit: 'postfix@-.service', enabled: false, unitState: 'inactive' });
  });

  it('PID 1 systemd but offline (a container image): direct; no manager, nothing to ask', async () => {
    const ctx = ctxWith('systemd', [{ argv: ['systemctl', 'is-system-running'], result: { stdout: 'offline\n', exitCode: 1 } }]);
    assert.equal((await gatherInit(ctx)).manager, 'direct');
    assert.deepEqual(await gatherServiceState(ctx, 'direct'), { unit: null, enabled: null, unitState: null });
  });

  it('PID 1 systemd that answers too slowly (a loaded host): still systemd, never managed behind its back', async () => {
    const ctx = ctxWith('systemd', [{ argv: ['systemctl', 'is-system-running'], result: { timedOut: true, signal: 'SIGKILL', exitCode: null } }]);
    assert.equal((await gatherInit(ctx)).manager, 'systemd');
  });

  it('OpenRC: /run/openrc; rc-update and rc-service answer', async () => {
    const ctx = ctxWith(
      'init',
      [
        { argv: ['rc-update', 'show', '--all'], result: { stdout: '              postfix | default\n                 sshd | default\n' } },
        { argv: ['rc-service', 'postfix', 'status'], result: { stdout: ' * status: started\n' } },
      ],
      { '/run/openrc/softlevel': 'default\n', '/etc/init.d/postfix': '#!/sbin/openrc-run\n' },
    );
    assert.equal((await gatherInit(ctx)).manager, 'openrc');
    const alpine = { ...ctx, profile: { ...ctx.profile, services: { postfix: ['postfix'] } } };
    assert.deepEqual(await gatherServiceState(alpine, 'openrc'), { unit: 'postfix', enabled: true, unitState: 'started' });
  });
});
