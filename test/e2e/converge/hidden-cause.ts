// A cause hidden behind another, for the e2e tests: Postfix stopped, and its smtpd would die at
// start-up (SASL switched on with no Dovecot socket) — which nothing shows while Postfix is
// stopped. With a site's own runbook for it (`--runbooks DIR`), a second round can fix it.
import { injectPostfixStopped, injectSmtpdFatalAtStartup } from '../lab/index.js';
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
