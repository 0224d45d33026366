// Test contexts built from real parts: the real executor and host filesystem, the real profiles
// from distro-profiles/, and facts describing this machine's stopped Postfix. Tests point modules
// at scratch copies (e.g. a Postfix config dir under /tmp), never at the machine's own /etc.

import { cpSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../../../src/exec/audit.js';
import { createExecutor } from '../../../src/exec/executor.js';
import { createHostFs } from '../../../src/exec/host-fs.js';
import { loadProfiles } from '../../../src/engine/catalog/load.js';
import { listYamlFiles } from '../../../src/engine/catalog/load.js';
import type { Profile } from '../../../src/core/profile.js';
import type { UserError } from '../../../src/core/errors.js';
import type { Facts } from '../../../src/facts/types.js';
import type { ModuleContext } from '../../../src/modules/types.js';
import { dialSmtp } from '../../../src/exec/dial.js';

export function debianProfile(): Profile {
  const errors: UserError[] = [];
  const profiles = loadProfiles(listYamlFiles(new URL('../../../distro-profiles', import.meta.url).pathname), errors);
  if (errors.length) throw new Error(errors.map((e) => e.format()).join('\n'));
  const p = profiles.get('debian');
  if (!p) throw new Error('no debian profile');
  return p;
}

export function baseFacts(over: { configDir?: string; manager?: Facts['init']['manager'] } = {}): Facts {
  const configDir = over.configDir ?? '/etc/postfix';
  const stat = (path: string) => ({ path, exists: true, mode: 0o644, uid: 0, gid: 0, owner: 'root', group: 'root' });
  return {
    hostname: 'test-host',
    os: { id: 'debian', idLike: [], versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
    init: { pid1: 'init', manager: over.manager ?? 'direct' },
    postfix: {
      installed: true,
      version: '3.7.11',
      configDir,
      queueDir: '/var/spool/postfix',
      dataDir: '/var/lib/postfix',
      mainCf: stat(join(configDir, 'main.cf')),
      masterCf: stat(join(configDir, 'master.cf')),
      params: {},
      services: [],
      running: false,
      masterPid: null,
      enabled: null,
      unit: null,
    },
    listeners: [],
    masterPid: { path: '/var/spool/postfix/pid/master.pid', exists: false, pid: null, pidAlive: false, pidIsMaster: false, lockHolder: null },
    network: { interfaces: [{ name: 'lo', up: true, loopback: true, addresses: [{ family: 4, address: '127.0.0.1', prefixLength: 8 }] }], ipv6Available: false },
    firewall: { active: [], installed: [], mixedIptables: false },
    mac: { selinux: 'absent', apparmor: 'absent' },
    otherMtas: [],
    dependencies: { endpoints: [], downUnits: [] },
    sasl: { available: false, type: null, path: null, detail: 'no SASL backend answers' },
    tls: { certFile: '', keyFile: '', certificateProblem: 'no certificate configured: smtpd_tls_cert_file is empty in main.cf' },
    relay: { mynetworksTooWide: false, restrictionsSafe: true, safe: true, reasons: [] },
    errors: [],
  } as Facts;
}

export interface Scratch {
  dir: string;
  cleanup(): void;
}

export function scratchDir(prefix = 'pf-test-'): Scratch {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A copy of this machine's pristine Debian Postfix config, backdated (Postfix waits on fresh main.cf). */
export function scratchPostfixConfig(s: Scratch): string {
  const dir = join(s.dir, 'postfix');
  cpSync('/etc/postfix', dir, { recursive: true });
  const old = new Date(Date.now() - 120_000);
  utimesSync(join(dir, 'main.cf'), old, old);
  return dir;
}

export function testContext(facts: Facts, runDir: string | null = null): ModuleContext & { audit: AuditLog } {
  const audit = new AuditLog();
  return { exec: createExecutor({ audit }), fs: createHostFs('/'), facts, profile: debianProfile(), dialer: dialSmtp, deadline: Number.POSITIVE_INFINITY, runDir, audit };
}
