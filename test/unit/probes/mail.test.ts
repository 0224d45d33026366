// Past the banner: the mail dialogue's verdicts, the local domain it writes to, and the log lines
// that explain a refusal (as Postfix 3.7 writes them, measured in the lab).

import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHostFs } from '../../../src/exec/host-fs.js';
import { explainingLines, inMynetworks, judgeMail, localDomain } from '../../../src/probes/mail.js';
import { reachabilityProbe } from '../../../src/probes/reachability.js';
import { smtpLocalProbe } from '../../../src/probes/smtp-local.js';
import { scratchDir } from '../helpers/context.js';
import { factsWith } from './helpers/facts.js';
import { BANNER, fakeDialer, probeCtx } from './helpers/probe-ctx.js';
import type { DialOptions, DialResult } from '../../../src/core/dial.js';

const LOG = [
  'Dec  6 10:00:00 mx1 postfix/smtpd[4242]: connect from unknown[10.0.0.9]',
  'Dec  6 10:00:01 mx1 postfix/smtpd[777]: connect from localhost[127.0.0.1]',
  'Dec  6 10:00:01 mx1 postfix/smtpd[777]: warning: hash:/etc/postfix/client_access is unavailable. open database /etc/postfix/client_access.db: No such file or directory',
  'Dec  6 10:00:01 mx1 postfix/smtpd[4242]: warning: unrelated other session',
  'Dec  6 10:00:01 mx1 postfix/smtpd[777]: warning: hash:/etc/postfix/client_access lookup error for "127.0.0.1"',
  'Dec  6 10:00:01 mx1 postfix/smtpd[777]: NOQUEUE: reject: RCPT from localhost[127.0.0.1]: 451 4.3.5 <localhost[127.0.0.1]>: Client host rejected: Server configuration error; from=<> to=<postmaster@mx1.lab.test> proto=ESMTP helo=<postfix-fix.invalid>',
];

const dialogue = (codes: Array<[string, number, string]>): Partial<DialResult> => ({
  ...BANNER,
  dialogue: codes.map(([command, code, text]) => ({ command: command as 'EHLO' | 'MAIL' | 'RCPT', code, text })),
});

describe('probes/mail: mail to postmaster, past the banner', () => {
  it('the local domain: myhostname when it is a destination, else the first plain one; none for a null client', () => {
    const f = (p: Record<string, string>) => factsWith((x) => Object.assign(x.postfix.params, { mydestination: '', virtual_alias_domains: '', virtual_mailbox_domains: '', ...p }));
    assert.equal(localDomain(f({ myhostname: 'mx1.lab.test', mydestination: 'localhost, mx1.lab.test, localhost.lab.test' })), 'mx1.lab.test');
    assert.equal(localDomain(f({ myhostname: 'mx1.lab.test', mydestination: 'hash:/etc/postfix/dests, example.org' })), 'example.org');
    assert.equal(localDomain(f({ myhostname: 'mx1.lab.test', mydestination: '', virtual_mailbox_domains: 'mail.example.net' })), 'mail.example.net');
    assert.equal(localDomain(f({ myhostname: 'mx1.lab.test', mydestination: 'localhost' })), null);
  });

  it("the log lines of our own session: that smtpd's warnings, then its reject — not another session's", () => {
    assert.deepEqual(explainingLines(LOG, ['127.0.0.1', '::1']), [LOG[2], LOG[4], LOG[5]]);
    assert.deepEqual(explainingLines(LOG, ['10.0.0.9']), []);
    const milter = [
      'Dec  6 10:00:01 mx1 postfix/smtpd[9]: connect from localhost[127.0.0.1]',
      'Dec  6 10:00:01 mx1 postfix/smtpd[9]: warning: connect to Milter service inet:localhost:8891: Connection refused',
      'Dec  6 10:00:01 mx1 postfix/smtpd[9]: NOQUEUE: milter-reject: MAIL from localhost[127.0.0.1]: 451 4.7.1 Service unavailable - try again later; from=<> proto=ESMTP helo=<postfix-fix.invalid>',
    ];
    assert.deepEqual(explainingLines(milter, ['127.0.0.1']), milter.slice(1));
  });

  it("another MTA holding the port (exim refuses every RCPT): not judged as Postfix's refusal", async () => {
    const exim = factsWith((f) => {
      f.listeners = [{ family: 4, address: '0.0.0.0', port: 25, pid: 321, process: 'exim4' }];
      f.otherMtas = [{ name: 'exim', pid: 321, process: 'exim4', ports: [25], unit: null }];
    });
    const r = { host: '127.0.0.1', port: 25, ms: 5, outcome: 'banner' as const, ...dialogue([['EHLO', 250, '250-mx'], ['MAIL', 250, '250 OK'], ['RCPT', 550, '550 Administrative prohibition']]), banner: '220 mx ESMTP Exim 4.96' };
    assert.equal(await judgeMail(probeCtx(exim), 'smtp_mail', r, 'from 127.0.0.1', 'postmaster@mx1.lab.test'), null);
  });

  it('a refusal at RCPT is a failure naming the stage, the reply and the log line', async () => {
    const s = scratchDir();
    try {
      mkdirSync(join(s.dir, 'var/log'), { recursive: true });
      writeFileSync(join(s.dir, 'var/log/postfix.log'), LOG.join('\n') + '\n');
      const facts = factsWith((x) => (x.postfix.params.maillog_file = '/var/log/postfix.log'));
      const ctx = probeCtx(facts, { fs: createHostFs(s.dir) });
      const r = { host: '127.0.0.1', port: 25, ms: 5, outcome: 'banner' as const, ...dialogue([['EHLO', 250, '250-mx1'], ['MAIL', 250, '250 2.1.0 Ok'], ['RCPT', 451, '451 4.3.5 <localhost[127.0.0.1]>: Client host rejected: Server configuration error']]) };
      const f = await judgeMail(ctx, 'smtp_mail', r, 'from 127.0.0.1', 'postmaster@mx1.lab.test');
      assert.equal(f?.status, 'fail');
      assert.equal(f?.cause, 'mail-refused');
      assert.match(f?.title ?? '', /RCPT is refused with 451 \(4\.3\.5 .*Server configuration error\)/);
      assert.ok(f?.evidence.some((e) => e.includes('open database /etc/postfix/client_access.db')), f?.evidence.join('\n'));
    } finally {
      s.cleanup();
    }
  });

  it('accepted at RCPT: ok; a dialogue that never got going is not judged here', async () => {
    const ctx = probeCtx(factsWith(() => undefined));
    const good = { host: '127.0.0.1', port: 25, ms: 5, outcome: 'banner' as const, ...dialogue([['EHLO', 250, '250 mx1'], ['MAIL', 250, '250 Ok'], ['RCPT', 250, '250 Ok']]) };
    assert.equal((await judgeMail(ctx, 'smtp_mail', good, 'from 127.0.0.1', 'postmaster@x.test'))?.status, 'ok');
    assert.equal(await judgeMail(ctx, 'smtp_mail', { ...good, dialogue: [] }, 'from 127.0.0.1', 'postmaster@x.test'), null);
  });

  it('the banner probes ask for the dialogue on 25 only, from loopback and from the first own address', async () => {
    const dialled: Array<{ host: string; port: number; options: DialOptions }> = [];
    const facts = factsWith((f) => {
      f.postfix.params.mydestination = 'mx1.example.test, localhost';
      f.postfix.params.myhostname = 'mx1.example.test';
      f.listeners.push({ family: 4, address: '0.0.0.0', port: 587, pid: 100, process: 'master' });
    });
    const ctx = probeCtx(facts, { dialer: fakeDialer({ '127.0.0.1:25': BANNER, '127.0.0.1:587': BANNER, '10.0.0.5:25': BANNER, '10.0.0.5:587': BANNER }, dialled) });
    await Promise.all([smtpLocalProbe.run(ctx), reachabilityProbe.run(ctx)]);
    const withMail = dialled.filter((d) => d.options.mail).map((d) => `${d.host}:${d.port} ${d.options.mail?.to}`).sort();
    assert.deepEqual(withMail, ['10.0.0.5:25 postmaster@mx1.example.test', '127.0.0.1:25 postmaster@mx1.example.test']);
  });

  it("another MTA holding the port answers: its refusal is not Postfix's, and is not judged as one", async () => {
    const facts = factsWith((f) => {
      f.postfix.params.mydestination = 'mx1.example.test';
      f.postfix.params.myhostname = 'mx1.example.test';
      f.listeners = [{ family: 4, address: '0.0.0.0', port: 25, pid: 321, process: 'exim4' }];
      f.otherMtas = [{ name: 'exim', pid: 321, process: 'exim4', ports: [25], unit: null }];
    });
    const exim = { ...BANNER, banner: '220 mx1 ESMTP Exim 4.96', dialogue: [{ command: 'RCPT' as const, code: 550, text: '550 Administrative prohibition' }] };
    const found = await smtpLocalProbe.run(probeCtx(facts, { dialer: fakeDialer({ '127.0.0.1:25': exim }) }));
    assert.equal(found.some((f) => f.cause === 'mail-refused'), false, JSON.stringify(found));
    assert.ok(found.some((f) => f.cause === 'port-held-by-mta'));
  });

  it('mynetworks membership, for saying how the host treats its own address', () => {
    const facts = factsWith((f) => (f.postfix.params.mynetworks = '127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128 10.0.0.0/24'));
    assert.equal(inMynetworks(facts, '10.0.0.5'), true);
    assert.equal(inMynetworks(facts, '192.0.2.1'), false);
    assert.equal(inMynetworks(facts, '::1'), true);
  });
});
