import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { injectFirewalldPublic, injectForeignMasterLock } from './faults.js';
import { startDaemon } from './daemon.js';
import { LabHost } from './host.js';
import { labProcesses } from './lab-processes.js';
import { findLeftovers, isClean, machineVeths } from './leftovers.js';
import { NspawnHost } from './nspawn.js';
import { LAB_DIR, REPO_ROOT } from './paths.js';
import { link } from './peer.js';
import { identityOf, waitGone } from './proc.js';
import type { ProcessIdentity } from './proc.js';
import { sweepStaleLabs } from './sweep.js';

const SKIP_NSPAWN = process.env['POSTFIX_FIX_LAB_SKIP_NSPAWN'] === '1';

interface Holding {
  child: ChildProcess;
  hostInits: ProcessIdentity[];
  scratchDirs: string[];
}

// Starts a process that brings up lab hosts and reports them with a HOLDING line.
function startHolder(argv: readonly string[]): Promise<Holding> {
  const child = spawn(process.execPath, argv, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`holder never reported:\n${out}`)), 60_000);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('HOLDING '));
      if (!line) return;
      clearTimeout(timer);
      const parsed = JSON.parse(line.slice('HOLDING '.length)) as { pids: number[]; scratchDirs: string[] };
      const hostInits = parsed.pids.map((pid) => identityOf(pid)).filter((id): id is ProcessIdentity => id !== undefined);
      assert.equal(hostInits.length, parsed.pids.length, 'every host PID 1 is alive while held');
      resolve({ child, hostInits, scratchDirs: parsed.scratchDirs });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`holder exited ${code}:\n${out}`)));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function assertHostsGone(held: Holding): Promise<void> {
  for (const id of held.hostInits) assert.ok(await waitGone(id, 10_000), `host PID 1 ${id.pid} still alive`);
  const dirs = new Set(held.scratchDirs);
  const stray = labProcesses().filter((p) => p.scratchDir !== undefined && dirs.has(p.scratchDir));
  assert.deepEqual(stray, []);
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
  assert.ok(!mounts.includes('postfix-fix-lab'), 'no lab mount visible on the machine');
}

describe('lab: teardown leaves nothing behind', function () {
  let baselineVeths: string[];

  before(async function () {
    baselineVeths = await machineVeths();
  });

  it('destroying hosts with links, daemons and firewalls leaves no process, mount, veth or dir', async function () {
    this.timeout(120_000);
    const server = await LabHost.create({ name: 'lefta' });
    const other = await LabHost.create({ name: 'leftb' });
    const peer = await LabHost.create({ name: 'leftc', postfix: false });
    const hosts: (LabHost | NspawnHost)[] = [server, other, peer];
    try {
      await link(server, peer);
      await link(other, peer);
      await injectFirewalldPublic(server);
      await startDaemon(other, ['sleep', 'infinity']);
      await injectForeignMasterLock(server);
      if (!SKIP_NSPAWN) {
        const container = await NspawnHost.create({ name: 'leftn' });
        hosts.push(container);
        await link(container, peer);
      }
    } finally {
      await Promise.all(hosts.map((h) => h.destroy()));
    }
    const leftovers = await findLeftovers();
    assert.ok(isClean(leftovers, baselineVeths), JSON.stringify(leftovers, null, 2));
    for (const h of hosts) assert.equal(existsSync(h.scratchDir), false);
  });

  it('sweepStaleLabs leaves live hosts alone', async function () {
    const live = await LabHost.create({ name: 'sweepsafe', postfix: false });
    try {
      const report = await sweepStaleLabs();
      assert.ok(!report.removedDirs.includes(live.scratchDir));
      assert.ok(existsSync(live.scratchDir));
      assert.equal((await live.execOk(['hostname'])).stdout.trim(), 'sweepsafe');
    } finally {
      await live.destroy();
    }
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`a test process stopped by ${signal} tears its hosts down`, async function () {
      this.timeout(120_000);
      const argv = ['--import', 'tsx', join(LAB_DIR, 'fixtures', 'hold-hosts.ts'), `sig${signal === 'SIGINT' ? 'i' : 't'}`];
      if (!SKIP_NSPAWN && signal === 'SIGTERM') argv.push('--nspawn');
      const held = await startHolder(argv);
      held.child.kill(signal);
      await exited(held.child);
      await assertHostsGone(held);
      for (const dir of held.scratchDirs) assert.equal(existsSync(dir), false, dir);
    });
  }

  it('a test process killed by SIGKILL: its hosts die with it, and the next sweep clears its dirs', async function () {
    this.timeout(120_000);
    const argv = ['--import', 'tsx', join(LAB_DIR, 'fixtures', 'hold-hosts.ts'), 'sigk'];
    if (!SKIP_NSPAWN) argv.push('--nspawn');
    const held = await startHolder(argv);
    held.child.kill('SIGKILL');
    await exited(held.child);
    // setpriv --pdeathsig takes the namespaces down without any help from the dead process.
    await assertHostsGone(held);
    const report = await sweepStaleLabs();
    for (const dir of held.scratchDirs) {
      assert.ok(report.removedDirs.includes(dir), `${dir} swept`);
      assert.equal(existsSync(dir), false, dir);
    }
  });

  it('mocha interrupted with SIGINT tears the suite hosts down', async function () {
    this.timeout(120_000);
    const mocha = join(REPO_ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
    const held = await startHolder([
      mocha, '--no-config', '--no-package', '--node-option', 'import=tsx',
      '--require', join(LAB_DIR, 'hooks.ts'), '--timeout', '0', '--reporter', 'dot',
      join(LAB_DIR, 'fixtures', 'hang.fixture.ts'),
    ]);
    held.child.kill('SIGINT');
    await exited(held.child);
    await assertHostsGone(held);
    for (const id of held.hostInits) assert.ok(await waitGone(id, 5_000));
    for (const dir of held.scratchDirs) assert.equal(existsSync(dir), false, dir);
  });
});
