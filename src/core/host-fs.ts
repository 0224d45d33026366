// The host's files as every layer sees them: in production rooted at `/`; the lab aims the same
// code at a namespace host through `/proc/PID/root`. exec/host-fs.ts implements it.

export interface HostStat {
  mode: number; // permission bits only
  uid: number;
  gid: number;
  size: number;
  mtimeMs: number;
  /** Inode change time: content, mode or owner changed. */
  ctimeMs: number;
  isFile: boolean;
  isDirectory: boolean;
  /** Device and inode: what /proc/locks names a locked file by (optional for fakes). */
  dev?: number;
  ino?: number;
}

export interface WriteOptions {
  /** Permission bits; default: the existing file's, else 0o644. */
  mode?: number;
  uid?: number;
  gid?: number;
}

export interface HostFs {
  readonly root: string;
  /** Map a host path to the path this process opens (identity when root is `/`). */
  resolve(path: string): string;
  readText(path: string): Promise<string>;
  readBytes(path: string): Promise<Buffer>;
  /** null when the file does not exist. */
  tryReadText(path: string): Promise<string | null>;
  stat(path: string): Promise<HostStat | null>;
  readdir(path: string): Promise<string[]>;
  writeAtomic(path: string, content: string | Buffer, options?: WriteOptions): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  chown(path: string, uid: number, gid: number): Promise<void>;
  unlink(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  mkdirp(path: string, mode?: number): Promise<void>;
  exists(path: string): Promise<boolean>;
}
