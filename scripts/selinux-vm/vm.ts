// Boots the SELinux VM under QEMU TCG (no KVM on the lab machine) and collects the test's RESULT
// lines from its serial console. The base disk is attached with snapshot=on (the cached image
// stays pristine: every write goes to a temporary overlay QEMU deletes), the payload read-only.
// No network device at all: the test runs against 127.0.0.1 inside the guest, so the VM has
// nothing to reach and nothing can reach it.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { identityOf, isAlive } from '../../test/e2e/lab/proc.js';
import type { ProcessIdentity } from '../../test/e2e/lab/proc.js';
import { ensureSelinuxImage } from './image.js';
import type { SelinuxImage } from './image.js';
import { buildPayload } from './payload.js';

export const BEGIN_MARKER = '=== PFF-SELINUX-BEGIN';
export const END_MARKER = '=== PFF-SELINUX-END';
// Kept after every run (overwritten by the next): the whole serial console, for a human.
export const LAST_SERIAL_LOG = join(tmpdir(), 'postfix-fix-selinux-vm-serial.log');

export interface GuestResult {
  name: string;
  ok: boolean;
  detail: string;
}

// The console as lines of text: without the firmware's terminal escapes (SeaBIOS clears the
// screen right before the guest's first line) and without the serial line's CRs.
export function consoleLines(serial: string): string[] {
  return serial.replace(/\x1b(?:\[[0-9;?]*[A-Za-z]|[A-Za-z])/g, '').split('\n').map((l) => l.replace(/\r+$/, ''));
}

// `RESULT name=NAME ok=true|false detail=TEXT`, one per line; anything else on the console
// (kernel, systemd, the evidence the script prints) is ignored.
export function parseResults(serial: string): GuestResult[] {
  const out: GuestResult[] = [];
  for (const line of consoleLines(serial)) {
    const m = /^RESULT name=(\S+) ok=(true|false) detail=(.*)$/.exec(line);
    if (m?.[1] && m[2]) out.push({ name: m[1], ok: m[2] === 'true', detail: (m[3] ?? '').trim() });
  }
  return out;
}

export interface VmOptions {
  image: SelinuxImage;
  payload: string;
  serialLog: string;
  memoryMiB?: number;
  cpus?: number;
  kernelArgs?: string;
}

// Kernel command line: SELinux on, loaded permissive (the test script runs setenforce 1);
// quiet, so that the console carries little besides the test's own lines.
export const DEFAULT_KERNEL_ARGS = 'root=/dev/vda rw console=ttyS0 security=selinux selinux=1 enforcing=0 quiet loglevel=4 systemd.show_status=0 panic=5';

export function qemuArgv(o: VmOptions): string[] {
  return [
    'qemu-system-x86_64',
    '-accel', 'tcg', '-cpu', 'max', '-smp', String(o.cpus ?? 2), '-m', String(o.memoryMiB ?? 1536),
    '-nographic', '-monitor', 'none', '-serial', `file:${o.serialLog}`, '-no-reboot',
    '-kernel', o.image.kernel, '-initrd', o.image.initrd, '-append', o.kernelArgs ?? DEFAULT_KERNEL_ARGS,
    '-drive', `file=${o.image.disk},if=virtio,format=raw,snapshot=on`,
    '-drive', `file=${o.payload},if=virtio,format=raw,readonly=on`,
    '-nic', 'none',
  ];
}

export class Vm {
  readonly started = Date.now();
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;
  private stderr = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly serialLog: string,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve();
      });
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => {
      this.stderr = (this.stderr + s).slice(-8192);
    });
    child.stdout?.resume();
  }

  // setpriv --pdeathsig KILL: if the test runner dies, even by SIGKILL, QEMU dies with it.
  static boot(o: VmOptions): Vm {
    const argv = qemuArgv(o);
    const child = spawn('setpriv', ['--pdeathsig', 'KILL', ...argv], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    if (child.pid === undefined) throw new Error('cannot start qemu-system-x86_64');
    return new Vm(child, o.serialLog);
  }

  serial(): string {
    try {
      return readFileSync(this.serialLog, 'utf8');
    } catch {
      return '';
    }
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  describeExit(): string {
    if (!this.exitInfo) return 'running';
    return `qemu exited (code ${this.exitInfo.code ?? '-'}, signal ${this.exitInfo.signal ?? '-'})${this.stderr ? `: ${this.stderr.trim()}` : ''}`;
  }

  // Seconds since boot when a serial line starts with the marker, or undefined on timeout/exit.
  async waitForMarker(marker: string, timeoutMs: number): Promise<number | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (consoleLines(this.serial()).some((l) => l.startsWith(marker))) return (Date.now() - this.started) / 1000;
      if (!this.running || Date.now() > deadline) return undefined;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }

  async waitExit(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((r) => {
      timer = setTimeout(() => r(false), timeoutMs);
    });
    const done = await Promise.race([this.exited.then(() => true), timedOut]);
    clearTimeout(timer);
    return done;
  }

  // Idempotent; safe in after() whatever happened.
  async kill(): Promise<void> {
    if (!this.running) return;
    try {
      if (this.child.pid !== undefined) process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await this.waitExit(10_000);
  }
}

export interface SelinuxVmRun {
  results: GuestResult[];
  // Host wall clock from QEMU start to the BEGIN marker (kernel + systemd + auditd + Postfix).
  bootSeconds: number | undefined;
  // Until the END marker (or the timeout).
  testSeconds: number | undefined;
  totalSeconds: number;
  imageSeconds: number;
  ended: boolean;
  serialLog: string;
  serial: string;
  exit: string;
}

export interface RunOptions {
  log?: (line: string) => void;
  bootTimeoutMs?: number;
  endTimeoutMs?: number;
  // Called with the Vm as soon as it is started, so a caller can kill it from its own after().
  onBoot?: (vm: Vm) => void;
  testScript?: string;
  bundle?: string;
}

const SCRATCH_PREFIX = 'postfix-fix-selinux-vm-';
const OWNER_FILE = 'owner.json';

// Scratch dirs (payload copy of node, ~200 MB) of runs whose process died without cleaning up
// (SIGKILL): removed at the next run. Those of live runs are left alone.
function sweepStaleScratch(): void {
  for (const entry of readdirSync(tmpdir())) {
    if (!entry.startsWith(SCRATCH_PREFIX) || entry.endsWith('.log')) continue;
    const dir = join(tmpdir(), entry);
    let owner: ProcessIdentity | undefined;
    try {
      owner = JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8')) as ProcessIdentity;
    } catch {
      owner = undefined;
    }
    if (owner ? isAlive(owner) : Date.now() - statSync(dir).mtimeMs < 60_000) continue;
    rmSync(dir, { recursive: true, force: true });
  }
}

// Builds/reuses the image, builds the payload, boots, waits for the end marker, powers off (or
// kills) QEMU, and returns what the guest reported. Never leaves QEMU or its scratch dir behind.
export async function runSelinuxVmTest(opts: RunOptions = {}): Promise<SelinuxVmRun> {
  const log = opts.log ?? (() => undefined);
  const t0 = Date.now();
  if (!existsSync('/usr/bin/qemu-system-x86_64')) throw new Error('qemu-system-x86_64 is missing: apt-get install --no-install-recommends qemu-system-x86');
  const image = await ensureSelinuxImage(log);
  const imageSeconds = (Date.now() - t0) / 1000;
  sweepStaleScratch();
  const scratch = mkdtempSync(join(tmpdir(), SCRATCH_PREFIX));
  writeFileSync(join(scratch, OWNER_FILE), JSON.stringify(identityOf(process.pid) ?? { pid: process.pid, startTime: -1 }));
  let vm: Vm | undefined;
  try {
    const payload = await buildPayload({ dir: scratch, ...(opts.testScript ? { testScript: opts.testScript } : {}), ...(opts.bundle ? { bundle: opts.bundle } : {}) });
    const serialLog = join(scratch, 'serial.log');
    log(`selinux-vm: booting ${image.dir} under TCG`);
    vm = Vm.boot({ image, payload, serialLog });
    opts.onBoot?.(vm);
    const bootSeconds = await vm.waitForMarker(BEGIN_MARKER, opts.bootTimeoutMs ?? 6 * 60_000);
    if (bootSeconds !== undefined) log(`selinux-vm: test started ${bootSeconds.toFixed(1)} s after QEMU`);
    const testSeconds = bootSeconds === undefined ? undefined : await vm.waitForMarker(END_MARKER, opts.endTimeoutMs ?? 20 * 60_000);
    const ended = testSeconds !== undefined;
    // The guest powers itself off after the END marker; give it a moment, then stop waiting.
    if (ended) await vm.waitExit(60_000);
    await vm.kill();
    const serial = vm.serial();
    if (existsSync(serialLog)) copyFileSync(serialLog, LAST_SERIAL_LOG);
    return {
      results: parseResults(serial),
      bootSeconds,
      testSeconds,
      totalSeconds: (Date.now() - t0) / 1000,
      imageSeconds,
      ended,
      serialLog: LAST_SERIAL_LOG,
      serial,
      exit: vm.describeExit(),
    };
  } finally {
    await vm?.kill();
    rmSync(scratch, { recursive: true, force: true });
  }
}
