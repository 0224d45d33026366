// Chrooted Postfix daemons (Debian's master.cf chroots smtpd) read copies of /etc files inside the
// queue directory: hosts, resolv.conf, services, nsswitch.conf, localtime. Debian's start script
// refreshes them at every start; an /etc/hosts or resolv.conf edited since is not seen by smtpd
// (measured: a client whose name is only in the new /etc/hosts gets 450 4.7.25 "cannot find your
// hostname"), and a reload does not refresh them.

import { ok, problem } from './finding.js';
import type { Probe } from './types.js';

export { CHROOT_FILES, chrootCopies } from '../facts/chroot-copies.js';
export type { ChrootCopy } from '../facts/chroot-copies.js';
import { chrootCopies } from '../facts/chroot-copies.js';

export const chrootProbe: Probe = {
  name: 'chroot',
  description: "copies of /etc files in Postfix's chroot match /etc",
  timeoutMs: 500,
  causes: ['chroot-copies-stale'],
  async run(ctx) {
    const { postfix } = ctx.facts;
    if (!postfix.installed) return [];
    const chrooted = postfix.services.filter((s) => s.chroot).map((s) => `${s.service}/${s.type}`);
    if (chrooted.length === 0) return [ok('chroot', 'no service runs chrooted: no copies to keep')];
    const copies = await chrootCopies(ctx, postfix.queueDir);
    const stale = copies.filter((c) => c.state !== 'same');
    if (stale.length === 0) return [ok('chroot', `the chroot's copies of ${copies.length} /etc file(s) are current`, [`chrooted: ${chrooted.slice(0, 6).join(', ')}${chrooted.length > 6 ? ', …' : ''}`])];
    const names = stale.map((c) => c.source.replace('/etc/', '')).join(', ');
    // A differing hosts or resolv.conf changes who smtpd can name; localtime or services only how it logs.
    const severity = stale.some((c) => /hosts|resolv\.conf|nsswitch/.test(c.source)) ? 'fail' : 'warn';
    return [
      problem(severity, 'chroot', 'chroot-copies-stale', [...stale.map((c) => `${c.copy}: ${c.state === 'missing' ? 'missing' : `differs from ${c.source}`}`), `chrooted: ${chrooted.slice(0, 6).join(', ')}`, 'a reload does not refresh them; Debian copies them at every start (configure-instance.sh)'], {
        title: `Postfix's chroot has stale copies of ${names}: chrooted smtpd does not see the current ones`,
      }),
    ];
  },
};
