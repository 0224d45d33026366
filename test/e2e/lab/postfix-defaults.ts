// The settings Debian's postfix postinst appends to /usr/share/postfix/main.cf.debian on a fresh
// "Internet Site" install, in its order, plus what a host without syslog needs.
export function pristineMainCfSettings(myHostname: string, hostName: string): string[] {
  return [
    'smtpd_relay_restrictions=permit_mynetworks permit_sasl_authenticated defer_unauth_destination',
    `myhostname=${myHostname}`,
    'alias_maps=hash:/etc/aliases',
    'alias_database=hash:/etc/aliases',
    'myorigin=/etc/mailname',
    `mydestination=$myhostname, ${myHostname}, ${hostName}, localhost.localdomain, localhost`,
    'relayhost=',
    'mynetworks=127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128',
    'mailbox_size_limit=0',
    'recipient_delimiter=+',
    'inet_interfaces=all',
    'inet_protocols=all',
    // There is no syslog daemon in a namespace host; without this Postfix logs nowhere.
    'maillog_file=/var/log/postfix.log',
  ];
}

export const LAB_DOMAIN = 'lab.test';

export function fqdnFor(hostName: string): string {
  return hostName.includes('.') ? hostName : `${hostName}.${LAB_DOMAIN}`;
}
