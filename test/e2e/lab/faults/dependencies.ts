import type { Host } from '../host-types.js';
import { postconfSet, postfixRestart } from '../postfix-control.js';
import { startOpendkim, startPostgrey, stopOpendkim, stopPostgrey, syncChrootCopies } from '../services.js';
import type { Opendkim, OpendkimSocket, Postgrey } from '../services.js';

// Services smtpd consults while a client talks to it. When one is down, :25 still greets and
// the port checks of a triage all pass; the refusal comes later in the dialogue, as a 4xx.

export interface MilterDownOptions {
  socket?: OpendkimSocket;
  // systemd hosts: `systemctl disable --now` rather than `stop`, so it stays down after a reboot.
  disable?: boolean;
}

export interface MilterDownFault {
  kind: 'milter-down';
  // How it ran before it was stopped (start it again with startOpendkim(host, { socket })).
  milter: Opendkim;
  // main.cf's smtpd_milters.
  smtpdMilters: string;
  milterDefaultAction: 'tempfail';
  disabled: boolean;
}

// OpenDKIM wired into Postfix the way Debian's README.Debian says, then stopped: with
// milter_default_action = tempfail (Postfix's default, spelled out as admins do), smtpd logs
// "warning: connect to Milter service inet:localhost:8891: Connection refused" on every
// connection and answers MAIL FROM with 451 4.7.1.
export async function injectMilterDown(host: Host, opts: MilterDownOptions = {}): Promise<MilterDownFault> {
  const milter = await startOpendkim(host, opts.socket ? { socket: opts.socket } : {});
  await wireMilter(host, milter);
  await stopOpendkim(host, milter, { disable: opts.disable ?? false });
  return {
    kind: 'milter-down',
    milter,
    smtpdMilters: milter.postfixMilter,
    milterDefaultAction: 'tempfail',
    disabled: opts.disable ?? false,
  };
}

// Points smtpd and the non-SMTP path (sendmail, pickup) at the milter and restarts Postfix.
export async function wireMilter(host: Host, milter: Opendkim): Promise<void> {
  await postconfSet(host, [
    `smtpd_milters=${milter.postfixMilter}`,
    'non_smtpd_milters=$smtpd_milters',
    'milter_default_action=tempfail',
  ]);
  await restartLikeInit(host);
}

export interface PolicyDownOptions {
  disable?: boolean;
}

export interface PolicyDownFault {
  kind: 'policy-service-down';
  policy: Postgrey;
  smtpdRecipientRestrictions: string;
  disabled: boolean;
}

// postgrey wired in as a policy service, then stopped: smtpd logs "warning: connect to
// 127.0.0.1:10023: Connection refused" / "problem talking to server" and, after one retry,
// answers RCPT TO with "451 4.3.5 ... Server configuration problem".
export async function injectPolicyServiceDown(host: Host, opts: PolicyDownOptions = {}): Promise<PolicyDownFault> {
  const policy = await startPostgrey(host);
  const restrictions = await wirePolicyService(host, policy);
  await stopPostgrey(host, policy, { disable: opts.disable ?? false });
  return { kind: 'policy-service-down', policy, smtpdRecipientRestrictions: restrictions, disabled: opts.disable ?? false };
}

// The usual greylisting wiring: after the relay checks, ask the policy service.
export async function wirePolicyService(host: Host, policy: Postgrey): Promise<string> {
  const restrictions = `permit_mynetworks, reject_unauth_destination, check_policy_service ${policy.policyService}`;
  await postconfSet(host, [`smtpd_recipient_restrictions=${restrictions}`]);
  await restartLikeInit(host);
  return restrictions;
}

// A restart as the host's init would do it. On a namespace host that includes Debian's chroot
// sync: chrooted smtpd resolves "localhost" from the queue directory's copy of /etc/hosts, which
// a bare `postfix start` never makes (without it, inet:localhost:8891 is "not found").
async function restartLikeInit(host: Host): Promise<void> {
  if (host.kind === 'namespace') await syncChrootCopies(host);
  const start = await postfixRestart(host);
  if (start.code !== 0) throw new Error(`${host.name}: postfix did not restart: ${start.stdout}${start.stderr}`);
}
