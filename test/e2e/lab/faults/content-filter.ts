import type { Host } from '../host-types.js';
import { postconfSet, postfixRestart } from '../postfix-control.js';

export interface DeadFilterFault {
  kind: 'content-filter-down';
  contentFilter: string;
  filterPort: number;
}

// The usual amavisd-new wiring (Debian's README): hand every message to 127.0.0.1:10024 and
// take it back on 10025.
const MASTER_CF_ENTRIES = [
  'smtp-amavis/unix=smtp-amavis unix - - n - 2 smtp',
  '127.0.0.1:10025/inet=127.0.0.1:10025 inet n - n - - smtpd',
];
const MASTER_CF_PARAMS = [
  'smtp-amavis/unix/smtp_data_done_timeout=1200',
  'smtp-amavis/unix/smtp_send_xforward_command=yes',
  'smtp-amavis/unix/disable_dns_lookups=yes',
  'smtp-amavis/unix/max_use=20',
  '127.0.0.1:10025/inet/content_filter=',
  '127.0.0.1:10025/inet/receive_override_options=no_unknown_recipient_checks,no_header_body_checks',
  '127.0.0.1:10025/inet/smtpd_recipient_restrictions=permit_mynetworks,reject',
  '127.0.0.1:10025/inet/mynetworks=127.0.0.0/8',
  '127.0.0.1:10025/inet/smtpd_authorized_xforward_hosts=127.0.0.0/8',
];

// Postfix hands mail to a content filter that is not running (amavis stopped or removed):
// :25 still greets and accepts, but every message sits deferred with "connect to
// 127.0.0.1[127.0.0.1]:10024: Connection refused".
export async function injectDeadContentFilter(host: Host): Promise<DeadFilterFault> {
  const contentFilter = 'smtp-amavis:[127.0.0.1]:10024';
  await host.execOk(['postconf', '-M', '-e', ...MASTER_CF_ENTRIES]);
  await host.execOk(['postconf', '-P', '-e', ...MASTER_CF_PARAMS]);
  await postconfSet(host, [`content_filter=${contentFilter}`]);
  await postfixRestart(host);
  return { kind: 'content-filter-down', contentFilter, filterPort: 10024 };
}
