// The registry of causes diagnose can name. Runbooks declare which of these they fix
// (`symptoms`), and the loader rejects a symptom that is not listed here.
// `rank` orders causes when several are found: the lower, the more likely it is *the* reason
// connections are refused (a stopped Postfix explains everything downstream of it).

export interface CauseInfo {
  title: string;
  rank: number;
  /**
   * Where on a client's way to Postfix the cause sits (the triage guide's walk: port owner,
   * service, interfaces, firewall, …): runbooks run lower layers first, and a run names the layer
   * that still blocks.
   */
  layer: string;
}

export const CAUSES: Readonly<Record<string, CauseInfo>> = {
  'postfix-not-installed': { title: 'Postfix is not installed', rank: 1, layer: 'install' },
  'port-held-by-mta': { title: 'another MTA (sendmail, exim, …) holds the SMTP port', rank: 5, layer: 'port owner' },
  'port-held-by-unknown': { title: 'an unknown process holds the SMTP port', rank: 6, layer: 'port owner' },
  'master-pid-locked': { title: 'master.pid is locked by a process that is not Postfix master', rank: 7, layer: 'port owner' },
  'main-cf-permissions': { title: 'main.cf/master.cf ownership or permissions are wrong', rank: 8, layer: 'configuration' },
  'postfix-config-invalid': { title: '`postfix check` reports errors', rank: 9, layer: 'configuration' },
  'inet-protocols-ipv6-missing': { title: 'inet_protocols includes IPv6 but the host has no IPv6', rank: 10, layer: 'protocols' },
  'postfix-stopped': { title: 'Postfix is not running', rank: 11, layer: 'service' },
  'loopback-only': { title: 'Postfix listens on loopback only (inet_interfaces)', rank: 20, layer: 'interfaces' },
  'firewall-blocks-smtp': { title: 'a firewall blocks the SMTP ports', rank: 30, layer: 'firewall' },
  // Ranked before postfix-stopped: a denied bind is why the master died at start.
  'selinux-denials': { title: 'SELinux denies Postfix', rank: 10, layer: 'MAC' },
  'apparmor-denials': { title: 'AppArmor denies Postfix', rank: 33, layer: 'MAC' },
  'open-relay-risk': { title: 'relay settings would let strangers relay mail', rank: 35, layer: 'relay' },
  'content-filter-down': { title: 'the content filter Postfix hands mail to is down', rank: 40, layer: 'content filter' },
  'postfix-disabled': { title: 'Postfix does not start at boot', rank: 50, layer: 'service' },
  'firewall-mixed-backends': { title: 'iptables-legacy and iptables-nft rules are both loaded', rank: 55, layer: 'firewall' },
  'smtp-no-banner': { title: 'the SMTP port accepts connections but sends no banner', rank: 25, layer: 'greeting' },
  // The explanation of no banner, when the log has it: ranked before the symptom.
  'smtpd-dies-at-startup': { title: 'smtpd dies as it starts (a fatal: error in the log): clients connect and get no banner', rank: 24, layer: 'greeting' },
  'queue-backlog': { title: 'mail is piling up in the queue', rank: 60, layer: 'queue' },
  'outbound-smtp-blocked': { title: 'outbound port 25 is blocked upstream (cloud or ISP)', rank: 70, layer: 'outbound' },
  'mx-missing': { title: 'no MX record for the mail domain', rank: 75, layer: 'DNS' },
  'starttls-missing': { title: 'STARTTLS is not offered', rank: 80, layer: 'TLS' },
  'inet-interfaces-unknown-address': { title: 'inet_interfaces names an address this host does not have', rank: 10, layer: 'interfaces' },
  'smtp-service-disabled': { title: 'Postfix runs but its smtp service does not listen (master.cf, master_service_disable)', rank: 12, layer: 'master.cf' },
  'inet-interfaces-needs-restart': { title: 'inet_interfaces was changed but Postfix was only reloaded: it still listens on the old addresses', rank: 19, layer: 'interfaces' },
  'smtp-banner-rejects': { title: 'the SMTP server greets with a refusal (4xx/5xx)', rank: 26, layer: 'greeting' },
  'lookup-table-not-built': { title: 'a lookup table Postfix reads was never built, or is older than its source (postmap)', rank: 22, layer: 'mail' },
  // After the banner: explained further by a more specific cause when one is found (a lookup
  // table never built, a milter or policy service down), which then ranks first.
  'mail-refused': { title: 'Postfix greets, then refuses mail to postmaster (4xx/5xx at MAIL or RCPT)', rank: 27, layer: 'mail' },
  'dns-resolver-down': { title: 'the DNS resolver does not answer', rank: 72, layer: 'DNS' },
  'clients-disconnect-early': { title: 'clients disconnect right after connecting (lost connection after CONNECT)', rank: 85, layer: 'greeting' },
  // Services smtpd asks before it accepts a mail: ranked before the refusals they cause.
  'milter-unreachable': { title: 'a milter smtpd or cleanup depends on does not answer', rank: 21, layer: 'dependencies' },
  'policy-service-unreachable': { title: 'a policy service (check_policy_service) does not answer', rank: 21, layer: 'dependencies' },
  'sasl-backend-unreachable': { title: "the SASL backend (Dovecot's auth socket) does not answer", rank: 21, layer: 'dependencies' },
  'tls-certificate-problem': { title: 'a TLS certificate or key smtpd offers is missing, mismatched, expired or about to be', rank: 28, layer: 'TLS' },
  'chroot-copies-stale': { title: "the copies of /etc files in Postfix's chroot are stale", rank: 45, layer: 'configuration' },
  'queue-space-low': { title: 'the queue has less free space than smtpd needs (452 4.3.1 Insufficient system storage)', rank: 23, layer: 'queue' },
  'localhost-resolves-ipv6': { title: 'localhost resolves to ::1 first while Postfix listens on IPv4 only', rank: 65, layer: 'interfaces' },
  'tls-certificate-not-reloaded': { title: 'smtpd serves an older TLS certificate than the one on disk (renewed, Postfix not reloaded)', rank: 29, layer: 'TLS' },
  // Only when a client asks for the port (diagnose --port 587): submission ports are optional.
  'submission-port-disabled': { title: 'submission is not enabled: no master.cf service offers the port clients ask for (587, 465)', rank: 13, layer: 'master.cf' },
  // From the client's side (--from, --port): what refuses that one client, or that one port.
  'port-not-served': { title: 'no Postfix service answers the port the client uses (master.cf)', rank: 13, layer: 'master.cf' },
  'container-bridge-not-listening': { title: 'Postfix does not listen on the bridge address containers reach this host by', rank: 19, layer: 'interfaces' },
  'fail2ban-bans-client': { title: 'fail2ban bans this client from the SMTP ports', rank: 29, layer: 'firewall' },
  'firewall-tool-blocks-client': { title: 'a rule another tool owns (CrowdSec, sshguard, fail2ban) refuses this client', rank: 29, layer: 'firewall' },
  'firewall-blocks-client': { title: 'a firewall rule refuses this client (not every client)', rank: 31, layer: 'firewall' },
  'client-rejected-by-postfix': { title: "Postfix's own access control rejects this client (postscreen, check_client_access)", rank: 32, layer: 'access control' },
  'submissions-without-wrappermode': { title: 'port 465 is served without implicit TLS (smtpd_tls_wrappermode=yes)', rank: 27, layer: 'TLS' },
};

export function isKnownCause(id: string): boolean {
  return Object.prototype.hasOwnProperty.call(CAUSES, id);
}
