// A healthy Postfix host as facts (running master pid 100 listening on every address, eth0 with
// 10.0.0.5/24 and a default route, no firewall), to be bent into each broken shape a test needs.

import type { Facts } from '../../../../src/facts/types.js';

export function healthyFacts(): Facts {
  const stat = (path: string) => ({ path, exists: true, mode: 0o644, uid: 0, gid: 0, owner: 'root', group: 'root' });
  return {
    hostname: 'mx1',
    os: { id: 'debian', idLike: [], versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
    init: { pid1: 'sleep', manager: 'direct' },
    postfix: {
      installed: true,
      version: '3.7.11',
      configDir: '/etc/postfix',
      queueDir: '/var/spool/postfix',
      dataDir: '/var/lib/postfix',
      mainCf: stat('/etc/postfix/main.cf'),
      masterCf: stat('/etc/postfix/master.cf'),
      params: {
        inet_interfaces: 'all',
        inet_protocols: 'all',
        mynetworks: '127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128',
        smtpd_relay_restrictions: 'permit_mynetworks permit_sasl_authenticated defer_unauth_destination',
        smtpd_recipient_restrictions: '',
        content_filter: '',
        mydomain: 'example.test',
        maillog_file: '/var/log/postfix.log',
        queue_directory: '/var/spool/postfix',
        master_service_disable: '',
      },
      services: debianServices(),
      running: true,
      masterPid: 100,
      enabled: null,
      unit: null,
      unitState: null,
    },
    listeners: [
      { family: 4, address: '0.0.0.0', port: 25, pid: 100, process: 'master' },
      { family: 6, address: '::', port: 25, pid: 100, process: 'master' },
    ],
    masterPid: { path: '/var/spool/postfix/pid/master.pid', exists: true, pid: 100, pidAlive: true, pidIsMaster: true, lockHolder: { pid: 100, process: 'master' } },
    network: {
      interfaces: [
        { name: 'lo', up: true, loopback: true, addresses: [{ family: 4, address: '127.0.0.1', prefixLength: 8 }, { family: 6, address: '::1', prefixLength: 128 }] },
        { name: 'eth0', up: true, loopback: false, addresses: [{ family: 4, address: '10.0.0.5', prefixLength: 24 }, { family: 6, address: 'fe80::1', prefixLength: 64 }] },
      ],
      ipv6Available: true,
      defaultRoutes: [{ family: 4, iface: 'eth0' }],
    },
    firewall: { active: [], installed: ['nftables', 'iptables-nft'], mixedIptables: false, verdicts: [] },
    mac: { selinux: 'absent', apparmor: 'absent' },
    otherMtas: [],
    dependencies: { endpoints: [], downUnits: [] },
    sasl: { available: false, type: null, path: null, detail: 'no SASL backend answers' },
    tls: { certFile: '', keyFile: '', certificateProblem: 'no certificate configured: smtpd_tls_cert_file is empty in main.cf' },
    relay: { mynetworksTooWide: false, restrictionsSafe: true, safe: true, reasons: [] },
    errors: [],
  };
}

/** A copy of the healthy facts, changed by `edit`. */
export function factsWith(edit: (f: Facts) => void): Facts {
  const f = healthyFacts();
  edit(f);
  return f;
}

/** Postfix stopped: no master, nothing listening. */
export function stoppedFacts(): Facts {
  return factsWith((f) => {
    f.postfix.running = false;
    f.postfix.masterPid = null;
    f.listeners = [];
    f.masterPid = { path: '/var/spool/postfix/pid/master.pid', exists: true, pid: 4242, pidAlive: false, pidIsMaster: false, lockHolder: null };
  });
}

/** Debian's default master.cf as `postconf -F` reads it (the services smtpd and cleanup need). */
export function debianServices(): Facts['postfix']['services'] {
  const svc = (service: string, type: 'inet' | 'unix', command: string, chroot: boolean, port: number | null = null): Facts['postfix']['services'][number] => ({ service, type, private: type !== 'inet', unprivileged: true, chroot, processLimit: '-', command, port, address: null, params: {} });
  return [svc('smtp', 'inet', 'smtpd', true, 25), svc('pickup', 'unix', 'pickup', true), svc('cleanup', 'unix', 'cleanup', true), svc('qmgr', 'unix', 'qmgr', false), svc('smtp', 'unix', 'smtp', true), svc('local', 'unix', 'local', false)];
}
