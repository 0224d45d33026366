// Facts: what we observed about the host, gathered once per run, read-only. Everything a probe,
// a `when` condition or a module's plan depends on comes from here, so a saved plan can
// fingerprint exactly what it was made from.


import type { FirewallBackend, ServiceManager } from '../core/profile.js';
import type { Endpoint } from '../exec/endpoint.js';

export interface OsFacts {
  id: string;
  idLike: string[];
  versionId: string;
  prettyName: string;
}

export interface InitFacts {
  /** Command name of PID 1 (`systemd`, `init`, `sleep`, …). */
  pid1: string;
  /** The service manager that actually runs here (not what the distro would normally use). */
  manager: ServiceManager;
}

export interface FileStat {
  path: string;
  exists: boolean;
  mode: number | null; // permission bits, e.g. 0o644
  uid: number | null;
  gid: number | null;
  owner: string | null;
  group: string | null;
}

export interface MasterService {
  /** The service field: `smtp`, `submission`, `127.0.0.1:10025`, `pickup`. */
  service: string;
  type: 'inet' | 'unix' | 'unix-dgram' | 'fifo' | 'pass';
  private: boolean;
  unprivileged: boolean;
  /** Runs chrooted to the queue directory: its unix: endpoints are paths inside it. */
  chroot: boolean;
  processLimit: string;
  /** The daemon (`smtpd`, `postscreen`, `cleanup`, …): the command field's first word. */
  command: string;
  /** For inet services: the port clients dial (names like `submission` resolved); null otherwise. */
  port: number | null;
  /** For inet services bound to one address (`127.0.0.1:10025`): that address. */
  address: string | null;
  /** Its `-o name=value` overrides, values with $names expanded. */
  params: Record<string, string>;
}

export interface PostfixFacts {
  installed: boolean;
  version: string | null;
  configDir: string;
  queueDir: string;
  dataDir: string;
  mainCf: FileStat;
  masterCf: FileStat;
  /** Effective values (`postconf -x`: defaults included, $names expanded) of every parameter. */
  params: Record<string, string>;
  /** master.cf's services as Postfix reads them (postconf -F/-P): ports, chroot, -o overrides. */
  services: MasterService[];
  running: boolean;
  masterPid: number | null;
  /** Starts at boot? null where no boot-time manager can say (containers, direct). */
  enabled: boolean | null;
  /** The service unit/script name the manager knows Postfix by, when one exists. */
  unit: string | null;
  /** What the manager says of that unit now (`active`, `failed`, `started`, …); null without one. */
  unitState?: string | null;
}

export interface Listener {
  family: 4 | 6;
  address: string; // as `ss` prints it, without brackets: 0.0.0.0, 127.0.0.1, ::, *
  port: number;
  pid: number | null;
  process: string | null;
}

export interface MasterPidFacts {
  path: string;
  exists: boolean;
  pid: number | null;
  pidAlive: boolean;
  /** Is the pid in the file a Postfix master process? */
  pidIsMaster: boolean;
  /** Who holds the flock on master.pid (Postfix master holds it while running). */
  lockHolder: { pid: number; process: string } | null;
}

export interface NetworkFacts {
  interfaces: Array<{
    name: string;
    up: boolean;
    loopback: boolean;
    addresses: Array<{ family: 4 | 6; address: string; prefixLength: number }>;
  }>;
  /** IPv6 is usable: the kernel has it and it is not disabled. */
  ipv6Available: boolean;
  /** Default routes and the interface each leaves by; empty = no way out at all. */
  defaultRoutes?: Array<{ family: 4 | 6; iface: string }>;
}

export interface FirewallFacts {
  /** Backends with rules loaded / daemon running now, in the order they filter. */
  active: FirewallBackend[];
  /** Backends whose tools are installed. */
  installed: FirewallBackend[];
  /** Both iptables-legacy and iptables-nft tables hold rules: a real cause of confusion. */
  mixedIptables: boolean;
  /**
   * Would a stranger's new TCP connection to an SMTP port, arriving on an outside interface, get
   * through each active backend? Worked out by walking the loaded rules (IPv4), not by guessing.
   */
  verdicts?: FirewallPortVerdict[];
  /** With --from: the same walk for that client's address, on the interface it arrives by. */
  clientVerdicts?: FirewallClientVerdict[];
  /** fail2ban jails with bans, and the judged ports their ban rule guards (walked with one banned address). */
  banReach?: Array<{ jail: string; ports: number[] }>;
  /** Jails whose ban list is in the rules read: an iptables chain f2b-JAIL, or an nftables set addr-set-JAIL. */
  fail2banChains?: string[];
}

export interface FirewallPortVerdict {
  backend: FirewallBackend;
  port: number;
  /** The interface the packet was modelled as arriving on. */
  iface: string;
  verdict: 'allow' | 'drop' | 'reject' | 'unknown';
  /** The rule or policy that decided, as the tool prints it. */
  detail: string;
}

/** A verdict for the one client asked about (--from): whose rule decided, and where. */
export interface FirewallClientVerdict extends FirewallPortVerdict {
  /** The client's address, the packet's source. */
  src: string;
  /** Who wrote the deciding rule: a tool's own chain or table (fail2ban, CrowdSec, …); null: the admin's. */
  owner: 'ufw' | 'firewalld' | 'fail2ban' | 'crowdsec' | 'sshguard' | null;
  /** The chain (nft: family/table/chain) and rule index (null: the chain's policy). */
  at: { chain: string; rule: number | null } | null;
  /** What the same rules do with a stranger (no source match): tells a ban from a closed port. */
  stranger: 'allow' | 'drop' | 'reject' | 'unknown';
  /** Other tools' rules (ban lists) that refuse the client, in the order the packet meets them. */
  toolRules: Array<{ owner: 'fail2ban' | 'crowdsec' | 'sshguard'; detail: string; chain: string; jail: string | null }>;
  /** The verdict with those rules set aside: what lifting the bans would leave. */
  without: { verdict: 'allow' | 'drop' | 'reject' | 'unknown'; detail: string; owner: FirewallClientVerdict['owner'] };
}

export type SelinuxMode = 'enforcing' | 'permissive' | 'disabled' | 'absent';
export type ApparmorMode = 'enabled' | 'disabled' | 'absent';

export interface MacFacts {
  selinux: SelinuxMode;
  apparmor: ApparmorMode;
}

export interface OtherMta {
  /** Canonical name: exim, sendmail, opensmtpd, … (from the profile's conflicting MTAs). */
  name: string;
  pid: number;
  process: string;
  ports: number[];
  /** The service unit that runs it, when the manager knows one. */
  unit: string | null;
}

/** Derived from the postfix params and the network: would `inet_interfaces = all` be an open relay? */
export interface RelayFacts {
  /** mynetworks contains networks wider than the host's own (0.0.0.0/0, ::/0, …). */
  mynetworksTooWide: boolean;
  /** The relay restrictions end in a reject/defer for unauthenticated, non-local destinations. */
  restrictionsSafe: boolean;
  safe: boolean;
  reasons: string[];
}

export interface Facts {
  hostname: string;
  os: OsFacts;
  init: InitFacts;
  postfix: PostfixFacts;
  listeners: Listener[];
  masterPid: MasterPidFacts;
  network: NetworkFacts;
  firewall: FirewallFacts;
  mac: MacFacts;
  otherMtas: OtherMta[];
  relay: RelayFacts;
  /** Milters, policy services and the SASL backend smtpd depends on, connect-tested. */
  dependencies: DependencyFacts;
  /** A SASL backend smtpd could use, whether or not Postfix is configured for it yet. */
  sasl: SaslFacts;
  /** main.cf's server certificate: usable for TLS, or why not. */
  tls: TlsFacts;
  /** Facts that could not be gathered (timeout, missing tool, permission) — never silently defaulted. */
  errors: Array<{ fact: string; message: string }>;
  /** The client and ports asked about (--from, --port); null or absent: none was named. */
  client?: ClientFacts | null;
  /** fail2ban's jails and bans, read through fail2ban-client; null or absent: fail2ban does not run. */
  fail2ban?: Fail2banFacts | null;
}

/** The symptom's client as this host sees it: where its packets arrive, what network it is on. */
export interface ClientFacts {
  /** The client's address; null when only --port was given. */
  address: string | null;
  /** The name --from gave, resolved to `address`. */
  name: string | null;
  family: 4 | 6 | null;
  /** The ports asked about: --port, or 25 plus every port an smtpd service in master.cf offers. */
  ports: number[];
  portsGiven: boolean;
  /** The interface the client's packets arrive on (the route back to it), null when unknown. */
  iface: string | null;
  /** One of this host's own addresses or loopback: its connections never arrive from outside. */
  local: boolean;
  /** The client is on a bridge of this host (docker0, podman0, lxcbr0, virbr0, br-…): a container or VM here. */
  bridge: ClientBridge | null;
}

export interface ClientBridge {
  name: string;
  /** docker, podman, lxc, libvirt or bridge (any other Linux bridge). */
  kind: string;
  /** This host's address on the bridge: what the container dials to reach "the host". */
  address: string;
  prefixLength: number;
  /** The bridge's subnet in Postfix's notation (`172.17.0.0/16`, `[fd00::]/64`). */
  subnet: string;
}

export interface Fail2banJail {
  name: string;
  /** Every address the jail bans now (without --from); null when not read. */
  banned: string[] | null;
  /** bantime in seconds (-1: forever); null when not read. */
  bantime: number | null;
  /** The jail's ignoreip list; null when not read. */
  ignoreip: string[] | null;
  /** With --from: the client's ban in this jail, when it has one. */
  clientBan: { since: string | null; expires: string | null; bantime: number | null } | null;
}

export interface Fail2banFacts {
  /** fail2ban-server answers on its socket. */
  running: boolean;
  jails: Fail2banJail[];
  /** With --from: the jails that ban the client (`fail2ban-client banned ADDRESS`). */
  clientJails: string[] | null;
}

/** Postfix parameters whose effective values are always gathered into `postfix.params`. */
export const WATCHED_PARAMS = [
  'inet_interfaces',
  'inet_protocols',
  'mynetworks',
  'mynetworks_style',
  'smtpd_relay_restrictions',
  'smtpd_recipient_restrictions',
  'content_filter',
  'mydomain',
  'myhostname',
  'mydestination',
  'relayhost',
  'maillog_file',
  'smtp_connect_timeout',
  'queue_directory',
  'config_directory',
  'data_directory',
  'mail_version',
  'master_service_disable',
  'virtual_alias_domains',
  'virtual_mailbox_domains',
] as const;

/**
 * The fact paths a runbook may name (in `when`, `that` and `{{ fact.PATH }}`), with their types.
 * User-facing names are snake_case, like everything in runbooks and profiles. The loader rejects any
 * other path, so a typo is an error at `validate` time, not a silently false condition at 3 a.m.
 * `postfix.params.NAME` is allowed for any NAME in WATCHED_PARAMS.
 */
export type FactType = 'string' | 'boolean' | 'number' | 'string[]' | 'number[]';

export const FACT_PATHS: Readonly<Record<string, FactType>> = {
  hostname: 'string',
  'os.id': 'string',
  'os.id_like': 'string[]',
  'os.version_id': 'string',
  'init.pid1': 'string',
  'init.manager': 'string',
  'postfix.installed': 'boolean',
  'postfix.version': 'string',
  'postfix.running': 'boolean',
  'postfix.enabled': 'boolean',
  'postfix.unit': 'string',
  'postfix.config_dir': 'string',
  'postfix.queue_dir': 'string',
  'postfix.master_pid': 'number',
  'master_pid.path': 'string',
  'master_pid.exists': 'boolean',
  'master_pid.pid_alive': 'boolean',
  'master_pid.pid_is_master': 'boolean',
  'master_pid.locked': 'boolean',
  'master_pid.lock_holder_pid': 'number',
  'network.ipv6_available': 'boolean',
  'firewall.active': 'string[]',
  'firewall.installed': 'string[]',
  'firewall.mixed_iptables': 'boolean',
  'mac.selinux': 'string',
  'mac.apparmor': 'string',
  'other_mtas.names': 'string[]',
  'other_mtas.units': 'string[]',
  'other_mtas.pids': 'number[]',
  'other_mtas.present': 'boolean',
  'other_mtas.managed': 'boolean',
  'master_pid.foreign_lock': 'boolean',
  'smtp_port.holder': 'string',
  'smtp_port.holder_pid': 'number',
  'relay.safe': 'boolean',
  'relay.mynetworks_too_wide': 'boolean',
  'relay.restrictions_safe': 'boolean',
  'dependencies.down_units': 'string[]',
  'dependencies.any_down': 'boolean',
  'dependencies.down_unserved': 'string[]',
  'dependencies.down_milters': 'string[]',
  'network.loopback_ipv6': 'boolean',
  'sasl.available': 'boolean',
  'sasl.type': 'string',
  'sasl.path': 'string',
  'sasl.detail': 'string',
  'sasl.problem': 'string',
  'tls.cert_file': 'string',
  'tls.key_file': 'string',
  'tls.certificate_problem': 'string',
  'inet_interfaces.kept': 'string[]',
  'inet_interfaces.missing': 'string[]',
  'inet_interfaces.kept_beyond_loopback': 'boolean',
  'master_cf.chroot': 'string',
  'master_cf.smtp_defined': 'boolean',
  'master_cf.smtp_disabled': 'boolean',
  'master_cf.service_disable_without_smtp': 'string',
  'client.given': 'boolean',
  'client.address': 'string',
  'client.ports': 'number[]',
  'client.fail2ban_jails': 'string[]',
  'client.fail2ban_banned': 'boolean',
  'client.on_bridge': 'boolean',
  'client.bridge_address': 'string',
  'client.bridge_subnet': 'string',
  'fail2ban.running': 'boolean',
};

export interface SaslFacts {
  available: boolean;
  /** smtpd_sasl_type to use: `dovecot` or `cyrus`; null when none answers. */
  type: 'dovecot' | 'cyrus' | null;
  /** smtpd_sasl_path to use (`private/auth`, `smtpd`); null when none answers. */
  path: string | null;
  /** Which backend answers, or everything that was tried and why it failed. */
  detail: string;
}

export interface TlsFacts {
  certFile: string;
  keyFile: string;
  /** '' when the pair is usable (readable, matching, not expired); else why not, in one line. */
  certificateProblem: string;
}

export type DependencyKind = 'milter' | 'policy' | 'sasl';

export interface Dependency {
  kind: DependencyKind;
  /** As written: `inet:localhost:8891`, `unix:/opendkim/opendkim.sock`, `private/auth`. */
  spec: string;
  /** Where it is named: `smtpd_milters`, `submission/inet/smtpd_sasl_path`. */
  usedBy: string[];
  /** Where smtpd connects, as this host sees it: a unix path is inside the chroot when chrooted. */
  endpoint: Endpoint;
  chrooted: boolean;
  answers: boolean;
  /** connected, ECONNREFUSED, ENOENT, ETIMEDOUT … */
  detail: string;
  /** The unit that serves it: known from the listener when it answers, else from its well-known address. */
  owner: string | null;
  /** The units on this host that would serve it (candidates to start when it is down). */
  candidates: string[];
  /** The socket exists, but at this path (outside the chroot smtpd runs in): the path to use instead. */
  misplaced: string | null;
  /**
   * Down, while a process of the daemon that usually serves it runs (its unit is up): starting
   * the unit changes nothing — it listens elsewhere, or could not open the socket.
   */
  ownerRunning?: boolean;
}

export interface DependencyFacts {
  endpoints: Dependency[];
  /** Units of the endpoints that do not answer, that exist here and could be started. */
  downUnits: string[];
}
