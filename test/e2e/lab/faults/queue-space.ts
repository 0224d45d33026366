import type { ExecResult, Host } from '../host-types.js';
import { postconfGet, postconfSet, postfixStart, postfixStop } from '../postfix-control.js';

// full-filesystem: the queue's filesystem really is nearly full: a small tmpfs mounted over
//   /var/spool/postfix inside the host (its own mount namespace), the queue copied in, then a
//   filler file; less than 1.5 x message_size_limit stays free.
// queue-minfree: queue_minfree set above the free space there is (a value copied from a bigger
//   server, or a typo).
// Either way smtpd answers MAIL FROM with "452 4.3.1 Insufficient system storage" after a
// normal banner and EHLO, and logs "warning: not enough free space in mail queue: N bytes <
// 1.5*message size limit".
export type QueueSpaceVariant = 'full-filesystem' | 'queue-minfree';

export interface QueueSpaceOptions {
  variant?: QueueSpaceVariant;
}

export interface QueueSpaceFault {
  kind: 'queue-space-low';
  variant: QueueSpaceVariant;
  // Free bytes in the queue filesystem after the fault, and what smtpd wants free:
  // max(queue_minfree, 1.5 x message_size_limit).
  freeBytes: number;
  neededBytes: number;
  queueMinfree: number;
  start: ExecResult;
}

const QUEUE_DIR = '/var/spool/postfix';
const TMPFS_SIZE_MB = 32;
const FILLER = `${QUEUE_DIR}/var-filler.bin`;

// Fixed script: moves the queue onto a small tmpfs mounted over itself. Postfix is stopped.
const QUEUE_ON_TMPFS = `set -e
q=$1 size=$2
keep=$(mktemp -d /run/lab-queue.XXXXXX)
cp -a "$q/." "$keep/"
mount -t tmpfs -o "size=$size,mode=0755" lab-queue "$q"
cp -a "$keep/." "$q/"
rm -rf "$keep"`;

export async function injectQueueSpaceLow(host: Host, opts: QueueSpaceOptions = {}): Promise<QueueSpaceFault> {
  const variant = opts.variant ?? 'full-filesystem';
  const messageSizeLimit = Number(await postconfGet(host, 'message_size_limit'));
  const needForMessages = Math.ceil(1.5 * messageSizeLimit);
  await postfixStop(host);
  let queueMinfree = Number(await postconfGet(host, 'queue_minfree'));
  if (variant === 'full-filesystem') {
    if (host.kind !== 'namespace') throw new Error(`${host.name}: the tmpfs queue needs a namespace host`);
    if (needForMessages > (TMPFS_SIZE_MB << 20) / 2) throw new Error(`message_size_limit ${messageSizeLimit} too big for the tmpfs`);
    await host.execOk(['sh', '-c', QUEUE_ON_TMPFS, 'sh', QUEUE_DIR, `${TMPFS_SIZE_MB}m`]);
    // Leave a quarter of what smtpd needs free.
    const fill = (await freeBytes(host)) - Math.floor(needForMessages / 4);
    await host.execOk(['fallocate', '-l', String(fill), FILLER]);
  } else {
    queueMinfree = (await freeBytes(host)) + (1 << 30);
    await postconfSet(host, [`queue_minfree=${queueMinfree}`]);
  }
  const start = await postfixStart(host);
  return {
    kind: 'queue-space-low',
    variant,
    freeBytes: await freeBytes(host),
    neededBytes: Math.max(queueMinfree, needForMessages),
    queueMinfree,
    start,
  };
}

async function freeBytes(host: Host): Promise<number> {
  // Available to unprivileged users (f_bavail), which is what Postfix's fsspace() reports.
  const out = (await host.execOk(['stat', '-f', '-c', '%a %S', QUEUE_DIR])).stdout.trim().split(' ');
  return Number(out[0]) * Number(out[1]);
}
