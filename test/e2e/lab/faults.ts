// Fault injectors: each leaves a host broken the way production servers break, using the real
// tools inside the host, and returns what a test needs to check the damage (and the repair).
export { injectDeadContentFilter } from './faults/content-filter.js';
export type { DeadFilterFault } from './faults/content-filter.js';
export { injectFail2banBan } from './faults/fail2ban.js';
export type { Fail2banBanOptions, Fail2banFault } from './faults/fail2ban.js';
export {
  NFT_TABLE,
  UNRELATED_RULE_LINES,
  injectFirewalldPublic,
  injectIptablesBlock25,
  injectMixedIptablesBackends,
  injectNftablesBlock25,
  injectUfwDenyIncoming,
} from './faults/firewall.js';
export type {
  FirewalldFault,
  IptablesBackend,
  IptablesFault,
  IptablesOptions,
  MixedBackendsFault,
  NftablesFault,
  UfwFault,
} from './faults/firewall.js';
export { injectGreetingRefusal } from './faults/greeting.js';
export type { GreetingRefusalFault, GreetingRefusalOptions } from './faults/greeting.js';
export { injectLoopbackOnly } from './faults/interfaces.js';
export type { LoopbackOnlyFault, LoopbackOnlyOptions, UnsafeRelay } from './faults/interfaces.js';
export { injectIpv6Less } from './faults/ipv6.js';
export type { Ipv6LessFault, Ipv6LessOptions } from './faults/ipv6.js';
export { injectMainCfPermissions } from './faults/main-cf-perms.js';
export type { MainCfPermsFault, MainCfPermsVariant } from './faults/main-cf-perms.js';
export { MASTER_PID_FILE, injectForeignMasterLock, injectStaleMasterPid } from './faults/master-pid.js';
export type { ForeignLockFault, StalePidFault } from './faults/master-pid.js';
export { injectEximHolds25, injectEximService, injectListenerHolds25 } from './faults/port25.js';
export type { ListenerOptions, PortHeldFault } from './faults/port25.js';
export { injectPostscreen } from './faults/postscreen.js';
export type { PostscreenFault, PostscreenOptions } from './faults/postscreen.js';
export { injectSaslSocketMissing } from './faults/sasl.js';
export type { SaslSocketHow, SaslSocketMissingFault } from './faults/sasl.js';
export { injectQueueBacklog } from './faults/queue.js';
export type { QueueBacklogFault } from './faults/queue.js';
export { injectPostfixDisabled, injectPostfixStopped } from './faults/service.js';
export type { DisabledFault, StoppedFault } from './faults/service.js';
export { injectSelinuxDeniesPort, installSelinuxStandin, selinuxStandinState } from './faults/selinux.js';
export type { SelinuxFault } from './faults/selinux.js';
export { injectCertificate, injectRenewedNotReloaded } from './faults/tls.js';
export type { CertificateFault, RenewedFaultOptions, RenewedNotReloadedFault } from './faults/tls.js';
export { injectStaleChrootCopies } from './faults/chroot.js';
export type { StaleChrootFault, StaleChrootOptions } from './faults/chroot.js';
export {
  injectReloadTrap,
  injectSmtpServiceDisabled,
  injectSmtpdFatalAtStartup,
  injectUnknownInterfaceAddress,
} from './faults/config.js';
export type {
  ReloadTrapFault,
  SmtpServiceDisabledFault,
  SmtpServiceDisabledVariant,
  SmtpdFatalFault,
  UnknownInterfaceFault,
  UnknownInterfaceOptions,
} from './faults/config.js';
export { injectMilterDown, injectPolicyServiceDown, wireMilter, wirePolicyService } from './faults/dependencies.js';
export type { MilterDownFault, MilterDownOptions, PolicyDownFault, PolicyDownOptions } from './faults/dependencies.js';
export { injectLocalhostV6First } from './faults/localhost.js';
export type { LocalhostV6FirstFault } from './faults/localhost.js';
export { injectMissingMapDb } from './faults/maps.js';
export type { MissingMapFault, MissingMapOptions, MissingMapVariant } from './faults/maps.js';
export { injectQueueSpaceLow } from './faults/queue-space.js';
export type { QueueSpaceFault, QueueSpaceOptions, QueueSpaceVariant } from './faults/queue-space.js';
