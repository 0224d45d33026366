import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoots } from './cli-path.js';
import type { ExecOptions, ExecResult, Host } from './host-types.js';
import { execInNamespaces, execOkVia, readFileVia, writeFileVia } from './host-io.js';
import { launch } from './launch.js';
import { guardLaunch } from './launch-guard.js';
import type { Launched } from './launch.js';
import { NSPAWN_WRAPPER_SCRIPT } from './paths.js';
import { childrenOf, identityOf, isAlive, killIdentity, nsOf, waitGone } from './proc.js';
import type { ProcessIdentity } from './proc.js';
import { assertNameFree, registerHost, unregisterHost } from './registry.js';
import type { RegisteredHost } from './registry.js';
import { ensureRootfs } from './rootfs.js';
import { createScratch, removeScratch, writeMarker } from './scratch.js';
import { smtpProbe } from './smtp.js';
import { pollUntil, settlesWithin } from './wait.js';

export interface NspawnHostOptions {
  name: string;
  // Wait until Postfix answers on 127.0.0.1:25 (default true; it starts at boot).
  waitForPostfix?: boolean;
  bootTimeoutMs?: number;
}

// Where the machine's node binary appears inside containers (read-only bind).
export const CONTAINER_NODE_BIN = '/usr/local/bin/node';

const POWEROFF_WAIT_MS = 5_000;
const KILL_WAIT_MS = 5_000;

// A Debian 12 host booted with real systemd (systemd-nspawn), for the systemd code paths:
// units, `systemctl stop` that returns while deactivating, journald-only logs, enabled units
// coming back at boot. The rootfs is shared read-only; writes land in a per-boot tmpfs overlay.
export class NspawnHost implements Host, RegisteredHost {
  readonly kind = 'nspawn' as const;
  readonly nodeBin = CONTAINER_NODE_BIN;
  readonly root: string;
  private destroying: Promise<void> | undefined;
  #destroyed = false;

  private constructor(
    readonly name: string,
    readonly scratchDir: string,
    private readonly launcher: Launched,
    // The container's PID 1 (systemd), as the machine sees it.
    private readonly leader: ProcessIdentity,
    // How long systemd took to reach running/degraded.
    readonly bootMs: number,
  ) {
    this.root = `/proc/${leader.pid}/root`;
  }

  get pid(): number {
    return this.leader.pid;
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  static async create(opts: NspawnHostOptions): Promise<NspawnHost> {
    const rootfs = await ensureRootfs();
    assertNameFree(opts.name);
    const { dir, marker } = createScratch(opts.name, 'nspawn');
    // systemd sets the hostname from /etc/hostname at boot, over nspawn's machine name.
    writeFileSync(join(dir, 'hostname'), `${opts.name}\n`);
    const started = Date.now();
    let launched: Launched;
    try {
      launched = launch([
        'unshare', '--mount', '--pid', '--fork', '--kill-child', '--mount-proc',
        'bash', NSPAWN_WRAPPER_SCRIPT, dir, rootfs, opts.name, ...bindArgs(dir),
      ]);
    } catch (e) {
      removeScratch(dir);
      throw e;
    }
    const guard = guardLaunch(opts.name, dir, launched);
    writeMarker(dir, { ...marker, launcher: launched.identity });
    try {
      const timeoutMs = opts.bootTimeoutMs ?? 60_000;
      await launched.waitForLine(['LAB-NSPAWN-STARTING'], timeoutMs);
      const leader = await pollUntil(() => findLeader(launched), { timeoutMs, what: `${opts.name}: container leader` });
      writeMarker(dir, { ...marker, launcher: launched.identity, init: leader });
      const state = await pollUntil(
        async () => {
          if (!isAlive(leader)) throw new Error(`container exited:\n${launched.output()}`);
          const r = await execInNamespaces(leader.pid, ['-a'], ['systemctl', 'is-system-running'], { timeoutMs: 5_000 });
          const s = r.stdout.trim();
          return s === 'running' || s === 'degraded' ? s : undefined;
        },
        { timeoutMs, intervalMs: 100, what: `${opts.name}: systemctl is-system-running = running|degraded` },
      );
      const host = new NspawnHost(opts.name, dir, launched, leader, Date.now() - started);
      guard.release();
      registerHost(host);
      if (state === 'degraded') {
        // Not fatal (some unit may not apply in a container), but worth seeing in a failure.
        const failed = await host.exec(['systemctl', '--failed', '--no-legend']);
        process.emitWarning(`${opts.name} booted degraded: ${failed.stdout.trim()}`);
      }
      if (opts.waitForPostfix ?? true) {
        await pollUntil(
          async () => ((await smtpProbe(host, '127.0.0.1', 25, 1_000)).kind === 'banner' ? true : undefined),
          { timeoutMs: 20_000, intervalMs: 100, what: `${opts.name}: postfix banner` },
        ).catch(async (e: unknown) => {
          await host.destroy();
          throw e;
        });
      }
      return host;
    } catch (e) {
      await guard.abort();
      throw e;
    }
  }

  exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult> {
    return execInNamespaces(this.leader.pid, ['-a'], argv, opts);
  }

  execOk(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult> {
    return execOkVia(this, argv, opts);
  }

  readFile(path: string): Promise<string> {
    return readFileVia(this, path);
  }

  writeFile(path: string, content: string | Buffer, mode?: number): Promise<void> {
    return writeFileVia(this, path, content, mode);
  }

  destroy(): Promise<void> {
    this.destroying ??= this.teardown();
    return this.destroying;
  }

  // An orderly poweroff first (what a real host does); SIGKILL of the container's PID 1 if it
  // hangs. Killing systemd-nspawn alone would leave the container running.
  private async teardown(): Promise<void> {
    unregisterHost(this);
    this.#destroyed = true;
    if (isAlive(this.leader)) {
      await this.exec(['systemctl', 'poweroff', '--no-block'], { timeoutMs: 5_000 }).catch(() => undefined);
      if (!(await waitGone(this.leader, POWEROFF_WAIT_MS))) killIdentity(this.leader);
    }
    const leaderGone = await waitGone(this.leader, KILL_WAIT_MS);
    if (!(await settlesWithin(this.launcher.exited, KILL_WAIT_MS))) {
      killIdentity(this.launcher.identity);
      await settlesWithin(this.launcher.exited, KILL_WAIT_MS);
    }
    removeScratch(this.scratchDir);
    if (!leaderGone) throw new Error(`${this.name}: container PID 1 (${this.leader.pid}) still alive after SIGKILL`);
  }

  killNow(): void {
    this.#destroyed = true;
    killIdentity(this.leader);
    killIdentity(this.launcher.identity);
    removeScratch(this.scratchDir);
  }
}

// The host's own /etc/hostname, plus the node binary and the package that holds the CLI bundle,
// read-only, so runCli works inside.
function bindArgs(scratchDir: string): string[] {
  const args = [`--bind-ro=${join(scratchDir, 'hostname')}:/etc/hostname`, `--bind-ro=${process.execPath}:${CONTAINER_NODE_BIN}`];
  for (const dir of packageRoots()) args.push(`--bind-ro=${dir}`);
  return args;
}

// The container's PID 1: nspawn is a child subreaper, so the container init is a child of the
// systemd-nspawn process living in a pid namespace of its own.
function findLeader(launched: Launched): ProcessIdentity | undefined {
  for (const wrapper of childrenOf(launched.identity.pid)) {
    for (const nspawn of childrenOf(wrapper)) {
      const nspawnNs = nsOf(nspawn, 'pid');
      for (const candidate of childrenOf(nspawn)) {
        const ns = nsOf(candidate, 'pid');
        if (ns && nspawnNs && ns !== nspawnNs) return identityOf(candidate);
      }
    }
  }
  return undefined;
}
