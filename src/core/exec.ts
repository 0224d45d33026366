export interface RunOptions {
  /** Milliseconds before the command is killed. Every call has one; the default is the executor's. */
  timeoutMs?: number;
  /** Written to the command's stdin. */
  input?: string;
  /** Extra environment; merged over the executor's base environment. */
  env?: Record<string, string>;
  /**
   * Start a daemon: no output is captured (a daemon would hold our pipes open and the call would
   * only end at its timeout); the result is the launcher's exit status.
   */
  detached?: boolean;
}

export interface CommandResult {
  argv: readonly string[];
  /** null when the command was killed (timeout or signal). */
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
  /** The program is not installed (or not on PATH). */
  notFound: boolean;
}

export interface AuditEntry {
  at: string; // ISO time the command started
  argv: readonly string[];
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  timedOut: boolean;
}

export type AuditListener = (entry: AuditEntry) => void;

/** The one way postfix-fix runs a command. Non-zero exits are results, not exceptions. */
export interface Executor {
  run(argv: readonly string[], options?: RunOptions): Promise<CommandResult>;
  /** Whether a program is on PATH, without spawning anything. */
  has(program: string): boolean;
}
