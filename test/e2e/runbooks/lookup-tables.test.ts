// Lookup tables whose compiled file Postfix opens was never built, is older than its source, or
// (the alias database) gone: behind a normal banner, mail is refused at RCPT. postmap / postalias
// build them, a reload replaces the smtpd processes that hold the failed open, and rollback puts
// the compiled files back as they were — absent, or byte for byte with their age.

import assert from 'node:assert/strict';
import { injectMissingMapDb } from '../lab/index.js';
import type { Host } from '../lab/index.js';
import { describeScenario } from '../scenario.js';
import type { Scenario } from '../scenario.js';

/** The compiled table as rollback must restore it: absent, or its bytes and mtime. */
const compiled = (path: string) => async (h: Host): Promise<string> => (await h.exec(['sh', '-c', `if [ -e ${path} ]; then sha256sum ${path}; stat -c '%Y.%y %a %U:%G' ${path}; else echo absent; fi`])).stdout;

interface PlanShape {
  runbooks: Array<{ id: string; steps: Array<{ module: string; status: string; change?: { diff: string[] } }> }>;
}
const diffOf = (plan: unknown): string => (plan as PlanShape).runbooks.find((r) => r.id === 'lookup-tables')?.steps.find((s) => s.module === 'postmap')?.change?.diff.join('\n') ?? '';

// The map-never-built fault and what it must look like, on a namespace host and under systemd.
const neverBuilt = {
  inject: (h: Host) => injectMissingMapDb(h, { variant: 'missing' }),
  cause: 'lookup-table-not-built',
  runbooks: ['lookup-tables'],
  brokenPeer: ['banner'],
  brokenMail: true,
  relayRefused: true,
  extraState: compiled('/etc/postfix/client_access.db'),
} satisfies Partial<Scenario>;

describeScenario({
  title: 'check_client_access hash: map never built',
  ...neverBuilt,
  onPlan(plan) {
    const diff = diffOf(plan);
    assert.match(diff, /^~ postmap -c \/etc\/postfix hash:\/etc\/postfix\/client_access {3}\(\/etc\/postfix\/client_access\.db missing/m);
    assert.match(diff, /^\+ \/etc\/postfix\/client_access\.db: 1 entry from \/etc\/postfix\/client_access \(keys shown, values never\)$/m);
    assert.match(diff, /^ {4}\+ 192\.0\.2\.66$/m);
    assert.doesNotMatch(diff, /known spam source/, 'values are never shown');
  },
});

describeScenario({
  title: 'check_client_access hash: map older than its source',
  inject: (h) => injectMissingMapDb(h, { variant: 'stale' }),
  // The old entry still refuses the peer's network (554 at RCPT); the stale table explains it.
  cause: 'mail-refused',
  runbooks: ['lookup-tables'],
  brokenPeer: ['banner'],
  brokenMail: true,
  relayRefused: true,
  extraState: compiled('/etc/postfix/client_access.db'),
  onPlan(plan) {
    const diff = diffOf(plan);
    assert.match(diff, /older than \/etc\/postfix\/client_access: edits to it are not in effect/);
    assert.match(diff, /^ {4}- 10\.231$/m);
  },
});

describeScenario({
  title: 'alias database never built',
  inject: (h) => injectMissingMapDb(h, { variant: 'alias-missing' }),
  cause: 'lookup-table-not-built',
  runbooks: ['lookup-tables'],
  // Mail to postmaster passes (postmaster needs no alias lookup at RCPT); other local users get 451.
  brokenPeer: ['banner'],
  relayRefused: true,
  extraState: compiled('/etc/aliases.db'),
  onPlan(plan) {
    assert.match(diffOf(plan), /^~ postalias -c \/etc\/postfix hash:\/etc\/aliases /m);
  },
});

// Under systemd the reload goes through the unit; the smtpd processes that predate it are
// waited for all the same.
describeScenario({
  title: 'map never built, under systemd',
  kind: 'nspawn',
  ...neverBuilt,
});
