import assert from 'node:assert/strict';
import { injectQueueSpaceLow } from './faults.js';
import { LabHost } from './host.js';
import { link } from './peer.js';
import { postconfGet, postfixLog } from './postfix-control.js';
import { mailDialogue } from './smtp.js';

describe('lab: too little free space for the mail queue', function () {
  let peer: LabHost;
  let server: LabHost;
  let addr: string;
  let n = 0;

  before(async function () {
    peer = await LabHost.create({ name: 'qspeer', postfix: false });
  });
  after(async function () {
    await peer?.destroy();
  });
  beforeEach(async function () {
    server = await LabHost.create({ name: `qssrv${n++}` });
    addr = (await link(server, peer)).aAddr;
  });
  afterEach(async function () {
    await server?.destroy();
  });

  for (const variant of ['full-filesystem', 'queue-minfree'] as const) {
    it(`${variant}: banner and EHLO fine, 452 4.3.1 at MAIL FROM`, async function () {
      const fault = await injectQueueSpaceLow(server, { variant });
      assert.equal(fault.start.code, 0, fault.start.stdout);
      assert.ok(fault.freeBytes < fault.neededBytes, JSON.stringify(fault));
      if (variant === 'full-filesystem') {
        const mount = await server.execOk(['findmnt', '-n', '-o', 'FSTYPE,SIZE', '/var/spool/postfix']);
        assert.match(mount.stdout, /^tmpfs\s+32M$/m);
      } else {
        assert.equal(Number(await postconfGet(server, 'queue_minfree')), fault.queueMinfree);
      }
      const d = await mailDialogue(peer, addr, { from: 'a@peer.test', to: `postmaster@${await postconfGet(server, 'myhostname')}` });
      assert.match(d.replies.banner?.text ?? '', /^220 .* ESMTP Postfix/);
      assert.equal(d.replies.ehlo?.code, 250);
      assert.equal(d.refusedAt, 'mail', JSON.stringify(d));
      assert.equal(d.replies.mail?.text, '452 4.3.1 Insufficient system storage');
      const log = await postfixLog(server);
      assert.match(log, /NOQUEUE: reject: MAIL from unknown\[[\d.]+\]: 452 4\.3\.1 Insufficient system storage/);
      // Postfix words it the same way whatever the threshold was.
      assert.match(log, /warning: not enough free space in mail queue: \d+ bytes < 1\.5\*message size limit/);
      console.log(`      free ${fault.freeBytes} B, smtpd wants ${fault.neededBytes} B`);
    });
  }
});
