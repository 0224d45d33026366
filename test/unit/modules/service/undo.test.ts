// Undo after a run killed in the middle of `postfix start`: the orphaned start may still bring the
// master up after undo first looked. A stand-in executor plays that host (no manager, Postfix's own
// commands): `postfix status` says "down" once, then the orphan's master is up.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHostFs } from '../../../../src/exec/host-fs.js';
import { serviceModule } from '../../../../src/modules/service/module.js';
import type { CommandResult, Executor } from '../../../../src/exec/types.js';
import type { UndoRecord } from '../../../../src/modules/types.js';
import { debianProfile, scratchDir } from '../../helpers/context.js';
import { factsWith } from '../../probes/helpers/facts.js';

function orphanedStartHost(): { exec: Executor; commands: string[] } {
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
        if (statusCalls === 1) running = true; // the orphan finishes right after the first look
        return result(answer ? 0 : 1);
      }
      if (verb === 'stop') running = false;
      return result(0);
    },
  };
  return { exec, commands };
}

describe('modules/service undo', function () {
  this.timeout(20_000);

  it('converges: a master that comes up after the first look is stopped on the next', async () => {
    const s = scratchDir();
    try {
      // master.pid naming a process whose comm is `master`, as postfixRunning checks.
      mkdirSync(join(s.dir, 'var/spool/postfix/pid'), { recursive: true });
      writeFileSync(join(s.dir, 'var/spool/postfix/pid/master.pid'), '   4242\n');
      mkdirSync(join(s.dir, 'proc/4242'), { recursive: true });
      writeFileSync(join(s.dir, 'proc/4242/comm'), 'master\n');
      const host = orphanedStartHost();
      const facts = factsWith((f) => {
        f.init = { pid1: 'sleep', manager: 'direct' };
      });
      const ctx = { exec: host.exec, fs: createHostFs(s.dir), facts, profile: debianProfile(), runDir: null };
      const down = { unit: 'postfix.service', exists: true, active: false, enabled: null, masked: false, toggleable: false, maskable: false, detail: 'not running (postfix status)' };
      const record: UndoRecord = {
        args: { service: ['postfix.service'], state: 'started' },
        change: { summary: 'start postfix', diff: [], data: null, intent: null, restore: { manager: 'direct', units: [down], postfixRunning: false } },
      };
      const out = await serviceModule.undo(ctx, record);
      assert.equal(out.ok, true);
      assert.ok(host.commands.some((c) => c.endsWith(' stop')), `stopped it: ${host.commands.join('; ')}`);
      assert.match(out.evidence.join('\n'), /undone: postfix stop[\s\S]*not running/);
    } finally {
      s.cleanup();
    }
  });
});
