import { realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecOptions, ExecResult, Host } from './host-types.js';
import { execInNamespaces, execOkVia, readFileVia, writeFileVia } from './host-io.js';
import { launch } from './launch.js';
import { guardLaunch } from './launch-guard.js';
import type { Launched } from './launch.js';
import { HOST_INIT_SCRIPT } from './paths.js';
import { packageRoots } from './cli-path.js';
import { fqdnFor, pristineMainCfSettings } from './postfix-defaults.js';
import { childrenOf, identityOf, killIdentity, waitGone } from './proc.js';
import type { ProcessIdentity } from './proc.js';
import { assertNameFree, registerHost, unregisterHost } from './registry.js';
import type { RegisteredHost } from './registry.js';
import { settlesWithin } from './wait.js';
import { assertHostName, createScratch, removeScratch, writeMarker } from './scratch.js';
import type { LabMarker } from './scratch.js';

export interface LabHostOptions {
  // Unique among live hosts of this process; [a-z][a-z0-9-]*.
  name: string;
  // Start Postfix and wait for its banner on 127.0.0.1:25 (default true).
  postfix?: boolean;
  // Content for /etc/os-release (and /usr/lib/os-release), to present another distribution.
  osRelease?: string;
  // UTS hostname (default: name). myhostname becomes HOSTNAME.lab.test unless it has a dot.
  hostname?: string;
  // Extra main.cf settings (`key=value`) applied on top of the pristine ones before start.
  postconf?: readonly string[];
  timeoutMs?: number;
}

const NSENTER_ARGS = ['-m', '-u', '-i', '-n', '-p'] as const;
const HOSTNAME_PATTERN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i;
const DESTROY_WAIT_MS = 5_000;

// A "machine" made of Linux namespaces over an overlay of the real root: its own network
// stack, pid space, hostname and writable filesystem, with Debian's Postfix inside. No
// systemd: Postfix is managed with `postfix start|stop` as on a non-systemd server.
export class LabHost implements Host, RegisteredHost {
  readonly kind = 'namespace' as const;
  readonly root: string;
  readonly nodeBin = process.execPath;
  private destroying: Promise<void> | undefined;
  #destroyed = false;

  private constructor(
    readonly name: string,
    readonly hostname: string,
    readonly scratchDir: string,
    private readonly launcher: Launched,
    private readonly init: ProcessIdentity,
    // What Postfix answered on 127.0.0.1:25 when the host came up (if it was started).
    readonly startupBanner: string | undefined,
  ) {
    this.root = `/proc/${init.pid}/root`;
  }

  get pid(): number {
    return this.init.pid;
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  static async create(opts: LabHostOptions): Promise<LabHost> {
    assertHostName(opts.name);
    const startPostfix = opts.postfix ?? true;
    const hostname = opts.hostname ?? opts.name;
    if (!HOSTNAME_PATTERN.test(hostname)) throw new Error(`invalid hostname ${JSON.stringify(hostname)}`);
    const shortName = hostname.split('.')[0] ?? hostname;
    const myHostname = fqdnFor(hostname);
    assertNameFree(opts.name);
    const { dir, marker } = createScratch(opts.name, 'namespace');
    if (opts.osRelease !== undefined) writeFileSync(join(dir, 'os-release'), opts.osRelease);
    writeFileSync(join(dir, 'binds'), [...packageRoots(), realpathSync(process.execPath)].map((p) => `${p}\n`).join(''));
    const settings = [...pristineMainCfSettings(myHostname, shortName), ...(opts.postconf ?? [])];

    let launched: Launched;
    try {
      launched = launch([
        'unshare', '--mount', '--net', '--pid', '--uts', '--ipc', '--fork', '--kill-child', '--mount-proc',
        'bash', HOST_INIT_SCRIPT, dir, shortName, myHostname, startPostfix ? '1' : '0',
        ...settings,
      ]);
    } catch (e) {
      removeScratch(dir);
      throw e;
    }
    const guard = guardLaunch(opts.name, dir, launched);
    try {
      const withLauncher: LabMarker = { ...marker, launcher: launched.identity };
      writeMarker(dir, withLauncher);
      await launched.waitForLine(['LAB-READY'], opts.timeoutMs ?? 20_000);
      const init = findInit(launched);
      writeMarker(dir, { ...withLauncher, init });
      const host = new LabHost(opts.name, hostname, dir, launched, init, bannerFrom(launched.output()));
      guard.release();
      registerHost(host);
      if (startPostfix && host.startupBanner === undefined) {
        const log = await host.exec(['tail', '-n', '20', '/var/log/postfix.log']).catch(() => undefined);
        await host.destroy();
        throw new Error(`${opts.name}: postfix did not come up:\n${launched.output()}\n${log?.stdout ?? ''}`);
      }
      return host;
    } catch (e) {
      await guard.abort();
      throw e;
    }
  }

  exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult> {
    return execInNamespaces(this.init.pid, NSENTER_ARGS, argv, opts);
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

  // unshare --fork ignores SIGTERM, and only the death of the namespace's PID 1 takes every
  // process in it down; the overlay's tmpfs lives in the host's mount namespace and goes too.
  private async teardown(): Promise<void> {
    unregisterHost(this);
    this.#destroyed = true;
    killIdentity(this.init);
    killIdentity(this.launcher.identity);
    const initGone = await waitGone(this.init, DESTROY_WAIT_MS);
    await settlesWithin(this.launcher.exited, DESTROY_WAIT_MS);
    removeScratch(this.scratchDir);
    if (!initGone) throw new Error(`${this.name}: PID 1 (${this.init.pid}) still alive after SIGKILL`);
  }

  killNow(): void {
    this.#destroyed = true;
    killIdentity(this.init);
    killIdentity(this.launcher.identity);
    removeScratch(this.scratchDir);
  }
}

function findInit(launched: Launched): ProcessIdentity {
  const [pid] = childrenOf(launched.identity.pid);
  const id = pid === undefined ? undefined : identityOf(pid);
  if (!id) throw new Error(`cannot find the namespace init under pid ${launched.identity.pid}`);
  return id;
}

function bannerFrom(output: string): string | undefined {
  const line = output.split('\n').find((l) => l.startsWith('LAB-BANNER '));
  return line?.slice('LAB-BANNER '.length);
}
