import { constants } from 'node:os';

// What the registry needs from a live host: an orderly async teardown, and a synchronous
// last-resort kill usable from process 'exit' and signal handlers.
export interface RegisteredHost {
  readonly name: string;
  readonly scratchDir: string;
  destroy(): Promise<void>;
  killNow(): void;
}

const live = new Set<RegisteredHost>();
let handlersInstalled = false;

export function registerHost(host: RegisteredHost): void {
  installProcessHandlers();
  live.add(host);
}

// Names become hostnames and appear in every log line; two live hosts with one name would make
// a failing test's output ambiguous.
export function assertNameFree(name: string): void {
  if (liveHosts().some((h) => h.name === name)) throw new Error(`a live lab host is already named ${name}`);
}

export function unregisterHost(host: RegisteredHost): void {
  live.delete(host);
}

export function liveHosts(): RegisteredHost[] {
  return [...live];
}

// Destroys every live host; errors are collected so one stuck host does not keep others alive.
export async function destroyAllHosts(): Promise<void> {
  const results = await Promise.allSettled(liveHosts().map((host) => host.destroy()));
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failures.length > 0) {
    throw new AggregateError(
      failures.map((f) => f.reason as unknown),
      `failed to destroy ${failures.length} lab host(s)`,
    );
  }
}

export function killAllHostsNow(): void {
  for (const host of liveHosts()) {
    try {
      host.killNow();
    } catch {
      // keep going: the remaining hosts matter more than a report nobody will read
    }
    live.delete(host);
  }
}

function onSignal(signal: NodeJS.Signals): void {
  killAllHostsNow();
  // Our listener replaced Node's default action for this signal, so exit as it would have.
  process.exit(128 + (constants.signals[signal] ?? 1));
}

function installProcessHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killAllHostsNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, onSignal);
}
