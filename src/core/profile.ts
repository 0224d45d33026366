// A distro profile: paths, service manager, unit names, firewall order, log files and package
// tools for one distro family, validated from distro-profiles/*.yaml. Every layer reads it.

export type ServiceManager = 'systemd' | 'openrc' | 'sysv' | 'direct';
export const FIREWALL_BACKENDS = ['firewalld', 'ufw', 'nftables', 'iptables-nft', 'iptables-legacy'] as const;
export type FirewallBackend = (typeof FIREWALL_BACKENDS)[number];

export interface ProfileMatch {
  /** os-release ID values this profile is for (`debian`, `rocky`, …). */
  ids: string[];
  /** A semver range over the coerced VERSION_ID (`>=20.4.0 <24.5.0`); absent = any version. */
  versions?: string;
}

export interface ConflictingMta {
  name: string;
  packages: string[];
  units: string[];
  /** Process names (comm) the daemon runs as. */
  processes: string[];
}

export interface Profile {
  id: string;
  name: string;
  family: string;
  extends?: string;
  match: ProfileMatch;
  /** What the distro normally uses; facts say what actually runs. */
  serviceManager: ServiceManager;
  services: {
    /** Unit (systemd), service script (OpenRC/SysV) names for Postfix, in the order to try. */
    postfix: string[];
  };
  paths: {
    postfixConfigDir: string;
    postfixQueueDir: string;
    postfixDataDir: string;
    masterPid: string;
    mailLogs: string[];
    nftablesConfig: string;
    iptablesRulesV4: string | null;
    iptablesRulesV6: string | null;
  };
  firewall: {
    /** Backends in order of preference when several are active. */
    preferred: FirewallBackend[];
    iptablesPersistence: 'netfilter-persistent' | 'iptables-services' | 'none';
  };
  packages: {
    manager: 'apt' | 'dnf' | 'yum' | 'zypper' | 'apk' | 'pacman';
    /** argv that prints whether a package is installed; the package name is appended. */
    query: string[];
  };
  conflictingMtas: ConflictingMta[];
  /** A safe `smtpd_relay_restrictions` for this distro's Postfix version. */
  relayRestrictions: string;
  mac: { selinux: boolean; apparmor: boolean };
  source: { file: string; sha256: string };
}
