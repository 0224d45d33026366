import type { RunResult } from './run.js';

export interface ExecOptions {
  input?: string | Buffer;
  timeoutMs?: number;
  // Added to the host's clean default environment (see HOST_ENV).
  env?: Readonly<Record<string, string>>;
}

export type ExecResult = RunResult;

export type HostKind = 'namespace' | 'nspawn';

// What tests need from any lab host, whether a namespace host (no systemd) or a booted
// systemd-nspawn container.
export interface Host {
  readonly kind: HostKind;
  readonly name: string;
  // A machine-side PID whose namespaces are the host's: `nsenter -t PID -m -u -i -n -p`.
  readonly pid: number;
  // Machine-side path of the host's root (/proc/PID/root). Fine for quick reads; absolute
  // symlinks inside the host resolve against the machine's root there, so write with writeFile.
  readonly root: string;
  // Path of a node binary usable inside the host.
  readonly nodeBin: string;
  // True once destroy() (or an emergency kill) has begun.
  readonly destroyed: boolean;
  exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  // Like exec, but a non-zero exit or a timeout throws.
  execOk(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  readFile(path: string): Promise<string>;
  writeFile(path: string, content: string | Buffer, mode?: number): Promise<void>;
  destroy(): Promise<void>;
}
