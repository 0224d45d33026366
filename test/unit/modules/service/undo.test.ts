// Undo after a run killed in the middle of `postfix start`: the orphaned start may still bring the
// master up after undo first looked. A stand-in executor plays that host (no manager, Postfix's own
// commands): `postfix status` says "down" once, then the orphan's master is up.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHostFs } from '../../../../src/exec/host-fs.js';
import { serviceModule } from '../../../../src/modules/service/module.js';
import type { CommandResult, Executor } from '../../../../src/core/exec.js';
import type { UndoRecord } from '../../../../src/modules/types.js';
import { debianProfile, scratchDir } from '../../helpers/context.js';
import { factsWith } from '../../probes/helpers/facts.js';
import { dialSmtp } from '../../../../src/exec/dial.js';

function orphanedStartHost(upAfterStatusCall = 1): { exec: Executor; commands: string[]; running: () => boolean } {
  let statusCalls = 0;
  let running = false;
  const commands: string[] = [];
  const result = (exitCode: number): CommandResult => ({ argv: [], exitCode, signal: null, stdout: '', stderr: '', durationMs: 1, timedOut: false, notFound: false });
  const exec: Executor = {
    has: () => true,
    async run(argv) {
      const verb = argv.at(-1);
      commands.push(argv.join(' '));
      if (verb === 'status') {
        statusCalls++;
        const answer = running;
        if (statusCalls === upAfterStatusCall) running = true; // the orphan's master comes up
        return result(answer ? 0 : 1);
      }
      if (verb === 'stop') running = false;
      return result(0);
    },
  };
  return { exec, commands, running: () => running };
}

describe('modules/service undo', function () {
  this.timeout(20_000);

  async function undoOn(host: ReturnType<typeof orphanedStartHost>, interrupted: boolean): Promise<string[]> {
    const s = scratchDir();
    try {
      // master.pid naming a process whose comm is `master`, as postfixRunning checks.
      mkdirSync(join(s.dir, 'var/spool/postfix/pid'), { recursive: true });
      writeFileSync(join(s.dir, 'var/spool/postfix/pid/master.pid'), '   4242\n');
      mkdirSync(join(s.dir, 'proc/4242'), { recursive: true });
      writeFileSync(join(s.dir, 'proc/4242/comm'), 'master\n');
      const facts = factsWith((f) => {
        f.init = { pid1: 'sleep', manager: 'direct' };
      });
      const ctx = { exec: host.exec, fs: createHostFs(s.dir), facts, profile: debianProfile(), dialer: dialSmtp, deadline: Number.POSITIVE_INFINITY, runDir: null };
      const down = { unit: 'postfix.service', exists: true, active: false, enabled: null, masked: false, toggleable: false, maskable: false, detail: 'not running (postfix status)' };
      const record: UndoRecord = {
        args: { service: ['postfix.service'], state: 'started' },
        change: { summary: 'start postfix', diff: [], data: [{ verb: 'start', unit: 'postfix.service' }], intent: null, restore: { manager: 'direct', units: [down], postfixRunning: false } },
        ...(interrupted ? { interrupted: true } : {}),
      };
      return await serviceModule.undo(ctx, record);
    } finally {
      s.cleanup();
    }
  }

  it('converges: a master that comes up after the first look is stopped on the next', async () => {
    const host = orphanedStartHost(1);
    const out = await undoOn(host, false);
    assert.equal(host.running(), false, `stopped it: ${host.commands.join('; ')}`);
    assert.match(out.join('\n'), /undone: postfix stop[\s\S]*not running/);
  });

  it('after a run killed mid-apply, looks once more even when the first look was right', async () => {
    const host = orphanedStartHost(2); // up only after undo's first check found "as before"
    await undoOn(host, true);
    assert.equal(host.running(), false, `stopped it: ${host.commands.join('; ')}`);
  });
});
