import { LAB_CACHE_ROOT, LAB_DIR, LAB_SCRATCH_ROOT } from './paths.js';
import { allPids, cmdlineOf, readStat } from './proc.js';
import type { ProcessIdentity } from './proc.js';
import { scratchDirInArgv } from './scratch.js';

export interface LabProcess extends ProcessIdentity {
  argv: string[];
  // The scratch dir of the host it belongs to, when its argv (or its parent's) names one.
  scratchDir?: string;
}

const LAB_SCRIPTS = ['host-init.sh', 'nspawn-wrapper.sh', 'probe.py'].map((f) => `${LAB_DIR}/${f}`);

// A process is the lab's when its argv names a lab scratch dir or a lab script, or when it is a
// systemd-nspawn booting a lab rootfs. Processes *inside* a host are not listed: they die with
// the host's PID 1, which is.
function isLabArgv(argv: readonly string[]): boolean {
  if (argv.some((a) => a.startsWith(`${LAB_SCRATCH_ROOT}/`) || LAB_SCRIPTS.includes(a))) return true;
  const isNspawn = (argv[0] ?? '').endsWith('systemd-nspawn');
  return isNspawn && argv.some((a) => a.startsWith(`${LAB_CACHE_ROOT}/`));
}

export function labProcesses(): LabProcess[] {
  const self = process.pid;
  const found: LabProcess[] = [];
  for (const pid of allPids()) {
    if (pid === self) continue;
    const argv = cmdlineOf(pid);
    if (!isLabArgv(argv)) continue;
    const stat = readStat(pid);
    if (!stat || stat.state === 'Z') continue;
    const entry: LabProcess = { pid, startTime: stat.startTime, argv };
    const dir = scratchDirInArgv(argv) ?? scratchDirInArgv(cmdlineOf(stat.ppid));
    if (dir) entry.scratchDir = dir;
    found.push(entry);
  }
  return found;
}
