// The registry of causes diagnose can name. Runbooks declare which of these they fix
// (`symptoms`), and the loader rejects a symptom that is not listed here.
// `rank` orders causes when several are found: the lower, the more likely it is *the* reason
// connections are refused (a stopped Postfix explains everything downstream of it).

export interface CauseInfo {
  title: string;
  rank: number;
}

export const CAUSES: Readonly<Record<string, CauseInfo>> = {
  'postfix-not-installed': { title: 'Postfix is not installed', rank: 1 },
  'port-held-by-mta': { title: 'another MTA (sendmail, exim, …) holds the SMTP port', rank: 5 },
  'port-held-by-unknown': { title: 'an unknown process holds the SMTP port', rank: 6 },
  'master-pid-locked': { title: 'master.pid is locked by a process that is not Postfix master', rank: 7 },
  'main-cf-permissions': { title: 'main.cf/master.cf ownership or permissions are wrong', rank: 8 },
  'postfix-config-invalid': { title: '`postfix check` reports errors', rank: 9 },
  'inet-protocols-ipv6-missing': { title: 'inet_protocols includes IPv6 but the host has no IPv6', rank: 10 },
  'postfix-stopped': { title: 'Postfix is not running', rank: 11 },
  'loopback-only': { title: 'Postfix listens on loopback only (inet_interfaces)', rank: 20 },
  'firewall-blocks-smtp': { title: 'a firewall blocks the SMTP ports', rank: 30 },
  // Ranked before postfix-stopped: a denied bind is why the master died at start.
  'selinux-denials': { title: 'SELinux denies Postfix', rank: 10 },
  'apparmor-denials': { title: 'AppArmor denies Postfix', rank: 33 },
  'open-relay-risk': { title: 'relay settings would let strangers relay mail', rank: 35 },
  'content-filter-down': { title: 'the content filter Postfix hands mail to is down', rank: 40 },
  'postfix-disabled': { title: 'Postfix does not start at boot', rank: 50 },
  'firewall-mixed-backends': { title: 'iptables-legacy and iptables-nft rules are both loaded', rank: 55 },
  'smtp-no-banner': { title: 'the SMTP port accepts connections but sends no banner', rank: 25 },
  // The explanation of no banner, when the log has it: ranked before the symptom.
  'smtpd-dies-at-startup': { title: 'smtpd dies as it starts (a fatal: error in the log): clients connect and get no banner', rank: 24 },
  'queue-backlog': { title: 'mail is piling up in the queue', rank: 60 },
  'outbound-smtp-blocked': { title: 'outbound port 25 is blocked upstream (cloud or ISP)', rank: 70 },
  'mx-missing': { title: 'no MX record for the mail domain', rank: 75 },
  'starttls-missing': { title: 'STARTTLS is not offered', rank: 80 },
  'inet-interfaces-unknown-address': { title: 'inet_interfaces names an address this host does not have', rank: 10 },
  'smtp-service-disabled': { title: 'Postfix runs but its smtp service does not listen (master.cf, master_service_disable)', rank: 12 },
  'inet-interfaces-needs-restart': { title: 'inet_interfaces was changed but Postfix was only reloaded: it still listens on the old addresses', rank: 19 },
  'smtp-banner-rejects': { title: 'the SMTP server greets with a refusal (4xx/5xx)', rank: 26 },
  // Services smtpd asks before it accepts a mail: ranked before the refusals they cause.
  'milter-unreachable': { title: 'a milter smtpd or cleanup depends on does not answer', rank: 21 },
  'policy-service-unreachable': { title: 'a policy service (check_policy_service) does not answer', rank: 21 },
  'sasl-backend-unreachable': { title: "the SASL backend (Dovecot's auth socket) does not answer", rank: 21 },
  'tls-certificate-problem': { title: 'a TLS certificate or key smtpd offers is missing, mismatched, expired or about to be', rank: 28 },
  'chroot-copies-stale': { title: "the copies of /etc files in Postfix's chroot are stale", rank: 45 },
  'queue-space-low': { title: 'the queue has less free space than smtpd needs (452 4.3.1 Insufficient system storage)', rank: 23 },
  'localhost-resolves-ipv6': { title: 'localhost resolves to ::1 first while Postfix listens on IPv4 only', rank: 65 },
  'lookup-table-not-built': { title: 'a lookup table Postfix reads was never built, or is older than its source (postmap)', rank: 22 },
  // After the banner: explained further by a more specific cause when one is found (a lookup
  // table never built, a milter or policy service down), which then ranks first.
  'mail-refused': { title: 'Postfix greets, then refuses mail to postmaster (4xx/5xx at MAIL or RCPT)', rank: 27 },
  'dns-resolver-down': { title: 'the DNS resolver does not answer', rank: 72 },
  'clients-disconnect-early': { title: 'clients disconnect right after connecting (lost connection after CONNECT)', rank: 85 },
  'tls-certificate-not-reloaded': { title: 'smtpd serves an older TLS certificate than the one on disk (renewed, Postfix not reloaded)', rank: 29 },
  // Only when a client asks for the port (diagnose --port 587): submission ports are optional.
  'submission-port-disabled': { title: 'submission is not enabled: no master.cf service offers the port clients ask for (587, 465)', rank: 13 },
};

export function isKnownCause(id: string): boolean {
  return Object.prototype.hasOwnProperty.call(CAUSES, id);
}
