// A cause hidden behind another, for the e2e tests: Postfix stopped, and its smtpd would die at
// start-up (SASL switched on with no Dovecot socket) — which nothing shows while Postfix is
// stopped. With a site's own runbook for it (`--runbooks DIR`), a second round can fix it.
import { injectGreetingRefusal, injectPostfixStopped, injectSmtpdFatalAtStartup } from '../lab/index.js';
import type { Host } from '../lab/index.js';

export const SITE_RUNBOOKS = '/root/site-runbooks';

/** A site's own runbook, as an operator would add one with --runbooks. */
export const SASL_OFF = `id: sasl-off
title: Turn SASL off on port 25 while its backend is missing (site runbook)
description: |
  Our MX servers do not authenticate on port 25. A copied configuration switched SASL on there
  with Dovecot not installed, so every smtpd dies before its banner. SASL is switched off again;
  a restart ends the master's throttling at once.
symptoms: [smtpd-dies-at-startup]
steps:
  - name: no SASL on port 25
    module: postconf
    args:
      set: { smtpd_sasl_auth_enable: "no" }
      apply: restart
    risk: medium
verify:
  - name: diagnose no longer finds smtpd dying at start-up
    gone: smtpd-dies-at-startup
`;

/** Stopped, with a broken SASL setup that only shows once smtpd runs; optionally the site runbook. */
export async function injectStoppedHidingSmtpdFatal(host: Host, siteRunbook: boolean): Promise<void> {
  await injectSmtpdFatalAtStartup(host);
  await injectPostfixStopped(host);
  if (siteRunbook) {
    await host.execOk(['mkdir', '-p', SITE_RUNBOOKS]);
    await host.writeFile(`${SITE_RUNBOOKS}/sasl-off.yaml`, SASL_OFF, 0o644);
  }
}

/** Another site runbook: end a maintenance refusal left on (every client greeted with 554). */
export const END_MAINTENANCE = `id: end-maintenance
title: End the maintenance refusal on port 25 (site runbook)
description: |
  During maintenance this site has smtpd refuse every client as it connects
  (smtpd_client_restrictions = reject, smtpd_delay_reject = no). Left on, every client that
  reaches Postfix is greeted with 554. The site's defaults are put back.
symptoms: [smtp-banner-rejects]
steps:
  - name: greet clients again
    module: postconf
    args:
      set: { smtpd_client_restrictions: "", smtpd_delay_reject: "yes" }
      apply: restart
    risk: medium
verify:
  - name: diagnose no longer finds a greeting that refuses
    gone: smtp-banner-rejects
`;

/**
 * Stopped, with a maintenance refusal left on — heard only once Postfix runs and greets (with
 * 554); optionally the site runbook that ends it. Quicker to hear than a dying smtpd (no wait
 * for a banner that never comes).
 */
export async function injectStoppedInMaintenance(host: Host, siteRunbook: boolean): Promise<void> {
  await injectPostfixStopped(host);
  await injectGreetingRefusal(host);
  if (siteRunbook) {
    await host.execOk(['mkdir', '-p', SITE_RUNBOOKS]);
    await host.writeFile(`${SITE_RUNBOOKS}/end-maintenance.yaml`, END_MAINTENANCE, 0o644);
  }
}
