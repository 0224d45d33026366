// The copies of /etc files in Postfix's chroot (the queue directory), compared with /etc: read
// by the chroot probe, refreshed by the chroot-copies module.

import type { HostFs } from '../core/host-fs.js';

/** What Debian's configure-instance.sh copies into the chroot, in its order. */
export const CHROOT_FILES = ['/etc/localtime', '/etc/services', '/etc/resolv.conf', '/etc/hosts', '/etc/host.conf', '/etc/nsswitch.conf', '/etc/nss_mdns.config'] as const;

export interface ChrootCopy {
  source: string;
  copy: string;
  state: 'same' | 'differs' | 'missing';
}

export async function chrootCopies(ctx: { fs: HostFs }, queueDir: string): Promise<ChrootCopy[]> {
  const out = await Promise.all(
    CHROOT_FILES.map(async (source): Promise<ChrootCopy | null> => {
      const original = await ctx.fs.readBytes(source).catch(() => null);
      if (original === null) return null;
      const copy = `${queueDir}${source}`;
      const copied = await ctx.fs.readBytes(copy).catch(() => null);
      return { source, copy, state: copied === null ? 'missing' : copied.equals(original) ? 'same' : 'differs' };
    }),
  );
  return out.filter((c): c is ChrootCopy => c !== null);
}
