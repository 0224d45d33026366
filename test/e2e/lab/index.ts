// The e2e lab's public surface: import from here in e2e tests.
export { attachContainer } from './bridge.js';
export type { ContainerInfo, ContainerOptions } from './bridge.js';
export { makeCertificate, renewCertificate, useCertificate, waitServed } from './certs.js';
export type { CertificateOptions, CertificateVariant, LabCertificate, UseCertificateOptions } from './certs.js';
export { DEFAULT_CLI_BUNDLE, cliBundlePath, runCli } from './cli.js';
export type { CliOptions, CliResult } from './cli.js';
export { startDaemon, processAlive } from './daemon.js';
export { DOVECOT_CONFIG, dovecotOf, startDovecotSasl, stopDovecot } from './dovecot.js';
export type { DovecotInstance, DovecotSaslOptions, DovecotUser, StopDovecotOptions } from './dovecot.js';
export {
  FAIL2BAN_PID_FILE,
  FAIL2BAN_SOCKET,
  banAddress,
  banInFirewall,
  bannedAddresses,
  fail2banClient,
  fail2banOf,
  startFail2ban,
  stopFail2ban,
  unbanAddress,
} from './fail2ban.js';
export type { Fail2banBanaction, Fail2banInstance, Fail2banOptions } from './fail2ban.js';
export * from './faults.js';
export { LabHost } from './host.js';
export type { LabHostOptions } from './host.js';
export type { ExecOptions, ExecResult, Host, HostKind } from './host-types.js';
export { findLeftovers, isClean } from './leftovers.js';
export type { Leftovers } from './leftovers.js';
export { listeners } from './listeners.js';
export type { Listener } from './listeners.js';
export { CONTAINER_NODE_BIN, NspawnHost } from './nspawn.js';
export type { NspawnHostOptions } from './nspawn.js';
export { addOwnAddress, link, nextInterface } from './peer.js';
export type { LinkInfo } from './peer.js';
export {
  backdateConfig,
  postconfGet,
  postconfRemove,
  postconfSet,
  postfixIsRunning,
  postfixLog,
  postfixReload,
  postfixRestart,
  postfixStart,
  postfixStop,
  waitForPostfixLog,
} from './postfix-control.js';
export { destroyAllHosts, liveHosts } from './registry.js';
export { ensureRootfs, rootfsPath } from './rootfs.js';
export { PID_AND_LISTENERS, snapshot } from './snapshot.js';
export type { HostSnapshot } from './snapshot.js';
export { describeCertificate, mailDialogue, relayAttempt, sendMail, smtpProbe, smtpSession } from './smtp.js';
export type {
  DialogueOptions,
  DialogueReply,
  DialogueStage,
  EhloReply,
  MailDialogue,
  ProbeKind,
  ProbeResult,
  RelayOptions,
  RelayResult,
  ServedCertificate,
  SessionOptions,
  SessionResult,
  SessionStage,
  SmtpReply,
  TlsInfo,
  TlsMode,
} from './smtp.js';
export {
  milterAnswers,
  policyAnswer,
  postfixMilterFor,
  startOpendkim,
  startPostgrey,
  stopOpendkim,
  stopPostgrey,
  syncChrootCopies,
} from './services.js';
export type { Opendkim, OpendkimOptions, OpendkimSocket, Postgrey, StopServiceOptions } from './services.js';
export { SUBMISSION_PORTS, enableSubmission } from './submission.js';
export type { SubmissionInfo, SubmissionOptions, SubmissionService } from './submission.js';
export { sweepStaleLabs } from './sweep.js';
export { pollUntil } from './wait.js';
export { presentAs } from './distro.js';
export type { Distro } from './distro.js';
export { startWebhookListener } from './webhook.js';
export type { WebhookListener, WebhookMode, WebhookOptions, WebhookRequest } from './webhook.js';
export { startSyslogListener } from './syslog.js';
export type { SyslogListener, SyslogMessage } from './syslog.js';
