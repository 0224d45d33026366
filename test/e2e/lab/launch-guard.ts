import type { Launched } from './launch.js';
import { childrenOf, identityOf, killIdentity } from './proc.js';
import type { ProcessIdentity } from './proc.js';
import { registerHost, unregisterHost } from './registry.js';
import type { RegisteredHost } from './registry.js';
import { removeScratch } from './scratch.js';
import { settlesWithin } from './wait.js';

const ABORT_WAIT_MS = 5_000;

export interface LaunchGuard {
  // The host is up and registered under its own name: stop guarding.
  release(): void;
  // Creation failed: kill whatever was launched and remove the scratch dir.
  abort(): Promise<void>;
}

function descendants(pid: number): ProcessIdentity[] {
  const found: ProcessIdentity[] = [];
  for (const child of childrenOf(pid)) {
    found.push(...descendants(child));
    const id = identityOf(child);
    if (id) found.push(id);
  }
  return found;
}

// Covers the window between launching a host and registering it: an interrupt (or a failure)
// while a host boots must tear it down like any registered host.
export function guardLaunch(name: string, scratchDir: string, launched: Launched): LaunchGuard {
  const killNow = (): void => {
    for (const id of descendants(launched.identity.pid)) killIdentity(id);
    killIdentity(launched.identity);
    removeScratch(scratchDir);
  };
  const entry: RegisteredHost = {
    name: `${name} (starting)`,
    scratchDir,
    killNow,
    destroy: async () => {
      unregisterHost(entry);
      killNow();
      await settlesWithin(launched.exited, ABORT_WAIT_MS);
      removeScratch(scratchDir);
    },
  };
  registerHost(entry);
  return { release: () => unregisterHost(entry), abort: () => entry.destroy() };
}
