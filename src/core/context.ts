// What every layer that looks at or changes the host is handed. Fact gatherers get exactly this;
// probes and action modules extend it with the facts (and what else they need), so a helper
// written against HostContext serves all three.

import type { Dialer } from './dial.js';
import type { Executor } from './exec.js';
import type { HostFs } from './host-fs.js';
import type { Profile } from './profile.js';

export interface HostContext {
  /** The one way to run a command: argv only, a timeout on every call, an audit line each. */
  exec: Executor;
  /** The host's files; every read and write of host state goes through it (never node:fs directly). */
  fs: HostFs;
  profile: Profile;
  /** SMTP dialer: in process in production; the lab swaps in one that dials from a namespace host. */
  dialer: Dialer;
  /** Absolute time (Date.now()) by which the work must be done; Infinity when the caller sets none. */
  deadline: number;
  /**
   * How much longer than their defaults facts, probes and their commands may take: a --timeout
   * above the default stretches them in proportion (a slow or overloaded host; ≥ 1).
   */
  timeScale?: number;
}
