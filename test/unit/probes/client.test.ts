// The checks that answer for one client and its ports (--from, --port), on facts shaped like the
// lab's (a fail2ban ban, CrowdSec's chain, an admin's rule, Debian's master.cf, a Docker bridge).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHostFs } from '../../../src/exec/host-fs.js';
import { clientAccessProbe } from '../../../src/probes/client-access.js';
import { clientFirewallProbe } from '../../../src/probes/client-firewall.js';
import { clientPortsProbe, commentedLines } from '../../../src/probes/client-ports.js';
import { containerProbe } from '../../../src/probes/container.js';
import { describeExpiry, fail2banProbe } from '../../../src/probes/fail2ban.js';
import { fakeExec } from './helpers/fake-exec.js';
import { factsWith } from './helpers/facts.js';
import { probeCtx } from './helpers/probe-ctx.js';
import type { ClientFacts, Facts, FirewallClientVerdict } from '../../../src/facts/types.js';

const ADDR = '203.0.113.7';

function withClient(f: Facts, over: Partial<ClientFacts> = {}): void {
  f.client = { address: ADDR, name: null, family: 4, ports: [25], portsGiven: false, iface: 'eth0', local: false, bridge: null, ...over };
}

function verdict(over: Partial<FirewallClientVerdict>): FirewallClientVerdict {
  return { backend: 'iptables-nft', port: 25, iface: 'eth0', verdict: 'allow', detail: 'policy ACCEPT of INPUT', src: ADDR, owner: null, at: null, stranger: 'allow', toolRules: [], without: { verdict: 'allow', detail: 'policy ACCEPT of INPUT', owner: null }, ...over };
}

const F2B_RULE = '-A f2b-postfix -s 203.0.113.7/32 -j REJECT --reject-with icmp-port-unreachable';
const banned = (port: number): FirewallClientVerdict =>
  verdict({ port, verdict: 'reject', detail: F2B_RULE, owner: 'fail2ban', at: { chain: 'f2b-postfix', rule: 0 }, toolRules: [{ owner: 'fail2ban', detail: F2B_RULE, chain: 'f2b-postfix', jail: 'postfix' }] });

function bannedFacts(): Facts {
  return factsWith((f) => {
    withClient(f, { ports: [25, 587] });
    f.firewall.active = ['iptables-nft'];
    f.firewall.clientVerdicts = [banned(25), banned(587)];
    f.fail2ban = { running: true, clientJails: ['postfix'], jails: [{ name: 'postfix', banned: null, bantime: 3600, ignoreip: ['127.0.0.0/8'], clientBan: { since: '2026-12-06 08:17:30', bantime: 3600, expires: '2026-12-06 09:17:30' } }] };
  });
}

function rootWith(files: Record<string, string>) {
  const root = mkdtempSync(join(tmpdir(), 'pf-client-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return createHostFs(root);
}

describe('probes from the client\'s side', () => {
  describe('fail2ban', () => {
    it('a ban of the client on the ports asked about is the cause: jail, address, expiry, the rule, what lifting it leaves', async () => {
      const [f, ...rest] = await fail2banProbe.run(probeCtx(bannedFacts()));
      assert.equal(rest.length, 0);
      assert.deepEqual([f?.status, f?.cause], ['fail', 'fail2ban-bans-client']);
      assert.match(f?.title ?? '', /^fail2ban \(jail postfix\) bans 203\.0\.113\.7 from ports 25, 587, until 2026-12-06 09:17:30 \(in /);
      assert.ok(f?.evidence.includes(`iptables-nft: ${F2B_RULE} (fail2ban's chain f2b-postfix) refuses ${ADDR} on ports 25, 587`), f?.evidence.join('\n'));
      assert.ok(f?.evidence.includes('jail postfix: ignoreip 127.0.0.0/8'));
      assert.ok(f?.evidence.includes('with the ban lifted, the firewall lets it through'));
      assert.equal(f?.human, undefined, 'a runbook fixes it: no "needs a human"');
    });

    it('banned in a jail that guards other ports (sshd): said, not the cause', async () => {
      const facts = factsWith((f) => {
        withClient(f);
        f.firewall.active = ['iptables-nft'];
        f.firewall.clientVerdicts = [verdict({})];
        f.firewall.fail2banChains = ['sshd'];
        f.fail2ban = { running: true, clientJails: ['sshd'], jails: [{ name: 'sshd', banned: null, bantime: 600, ignoreip: [], clientBan: { since: null, expires: null, bantime: null } }] };
      });
      const [f] = await fail2banProbe.run(probeCtx(facts));
      assert.deepEqual([f?.status, f?.title], ['ok', `fail2ban bans ${ADDR} in jail sshd, but not from port 25`]);
      // A ban action that leaves no rule we read (route, ipset): never "not from port 25".
      facts.firewall.fail2banChains = [];
      const [g] = await fail2banProbe.run(probeCtx(facts));
      assert.equal(g?.status, 'unknown');
      assert.match(g?.evidence.at(-1) ?? '', /leaves no chain f2b-JAIL or set addr-set-JAIL/);
    });

    it('without --from: the bans in force on SMTP ports, as information', async () => {
      const facts = factsWith((f) => {
        f.fail2ban = {
          running: true,
          clientJails: null,
          jails: [
            { name: 'postfix', banned: ['192.0.2.1', '192.0.2.2'], bantime: null, ignoreip: null, clientBan: null },
            { name: 'postfix-sasl', banned: ['192.0.2.2', '192.0.2.3'], bantime: null, ignoreip: null, clientBan: null },
            { name: 'sshd', banned: ['192.0.2.9'], bantime: null, ignoreip: null, clientBan: null },
          ],
        };
        f.firewall.banReach = [{ jail: 'postfix', ports: [25, 587, 465] }, { jail: 'postfix-sasl', ports: [25, 587, 465] }, { jail: 'sshd', ports: [] }];
      });
      const [f] = await fail2banProbe.run(probeCtx(facts));
      assert.deepEqual([f?.status, f?.title], ['ok', 'fail2ban bans 3 addresses from SMTP ports; `diagnose --from ADDRESS` tells whether your client is one']);
      assert.deepEqual(f?.evidence, ['jail postfix: 2 banned, refused on 25, 587, 465', 'jail postfix-sasl: 2 banned, refused on 25, 587, 465', 'jail sshd: 1 banned, not on the mail ports']);
    });

    it('no fail2ban: nothing to say; expiry in words', async () => {
      assert.deepEqual(await fail2banProbe.run(probeCtx(factsWith((f) => withClient(f)))), []);
      const now = new Date('2026-12-06T08:00:00').getTime();
      assert.equal(describeExpiry('2026-12-06 09:17:30', now), '2026-12-06 09:17:30 (in 1 h 18 min)');
      assert.equal(describeExpiry('2026-12-06 08:10:00', now), '2026-12-06 08:10:00 (in 10 min)');
      assert.equal(describeExpiry(null, now), 'never (bantime -1: a permanent ban)');
    });
  });

  describe('client_firewall', () => {
    it('fail2ban\'s own ban is left to the fail2ban check; a stale fail2ban chain (no such ban listed) is named here', async () => {
      assert.deepEqual((await clientFirewallProbe.run(probeCtx(bannedFacts()))).map((f) => [f.status, f.cause ?? null]), []);
      const stale = bannedFacts();
      stale.fail2ban = null;
      const [f] = await clientFirewallProbe.run(probeCtx(stale));
      assert.deepEqual([f?.status, f?.cause, f?.title], ['fail', 'firewall-tool-blocks-client', `fail2ban's rule refuses ${ADDR} on ports 25, 587`]);
      assert.match(f?.human?.reason ?? '', /does not list the ban/);
    });

    it('CrowdSec\'s rule: its owner and its own command, for a human to decide', async () => {
      const facts = factsWith((f) => {
        withClient(f);
        f.firewall.active = ['iptables-nft'];
        const rule = '-A CROWDSEC_CHAIN -s 203.0.113.7/32 -j DROP';
        f.firewall.clientVerdicts = [verdict({ verdict: 'drop', detail: rule, owner: 'crowdsec', at: { chain: 'CROWDSEC_CHAIN', rule: 0 }, toolRules: [{ owner: 'crowdsec', detail: rule, chain: 'CROWDSEC_CHAIN', jail: null }] })];
      });
      const [f] = await clientFirewallProbe.run(probeCtx(facts));
      assert.deepEqual([f?.status, f?.cause, f?.title], ['fail', 'firewall-tool-blocks-client', `crowdsec's rule refuses ${ADDR} on port 25`]);
      assert.ok(f?.human?.steps.includes(`cscli decisions delete --ip ${ADDR}`));
    });

    it('an admin\'s rule for this client only, and a port closed to everyone, are told apart', async () => {
      const rule = '-A INPUT -s 203.0.113.0/24 -p tcp -m tcp --dport 25 -j DROP';
      const facts = factsWith((f) => {
        withClient(f, { ports: [25, 587] });
        f.firewall.active = ['iptables-nft'];
        f.firewall.clientVerdicts = [
          verdict({ verdict: 'drop', detail: rule, without: { verdict: 'drop', detail: rule, owner: null } }),
          verdict({ port: 587, verdict: 'drop', detail: 'policy DROP of INPUT', stranger: 'drop', without: { verdict: 'drop', detail: 'policy DROP of INPUT', owner: null } }),
        ];
      });
      const fs = await clientFirewallProbe.run(probeCtx(facts));
      assert.deepEqual(fs.map((f) => [f.status, f.cause ?? null]), [['fail', 'firewall-blocks-client'], ['ok', null]]);
      assert.equal(fs[0]?.title, `a firewall rule refuses ${ADDR} on port 25 (other clients get in)`);
      assert.match(fs[1]?.title ?? '', /^port 587 is closed to every client/);
    });

    it('let through; on this host itself; an unreadable rule is unknown, never fine', async () => {
      const open = factsWith((f) => {
        withClient(f);
        f.firewall.active = ['nftables'];
        f.firewall.clientVerdicts = [verdict({ backend: 'nftables' })];
      });
      assert.equal((await clientFirewallProbe.run(probeCtx(open)))[0]?.title, `the firewall lets ${ADDR} reach port 25 (via eth0)`);
      const local = factsWith((f) => withClient(f, { address: '127.0.0.1', local: true, iface: 'lo' }));
      assert.match((await clientFirewallProbe.run(probeCtx(local)))[0]?.title ?? '', /this host itself/);
      const odd = factsWith((f) => {
        withClient(f);
        f.firewall.active = ['iptables-nft'];
        f.firewall.clientVerdicts = [verdict({ verdict: 'unknown', detail: 'cannot evaluate: -A INPUT -m recent --rcheck -j DROP', without: { verdict: 'unknown', detail: '', owner: null } })];
      });
      assert.deepEqual((await clientFirewallProbe.run(probeCtx(odd))).map((f) => f.status), ['unknown']);
    });
  });

  describe('client_ports', () => {
    const DEBIAN_MASTER = '#smtp      inet  n       -       y       -       1       postscreen\nsmtp      inet  n       -       y       -       -       smtpd\n#submission inet n       -       y       -       -       smtpd\n#  -o syslog_name=postfix/submission\n#smtps     inet  n       -       y       -       -       smtpd\n';

    it('587 on Debian\'s default master.cf: "submission is not enabled", with the commented line and postconf -M steps', async () => {
      const facts = factsWith((f) => withClient(f, { ports: [587], portsGiven: true }));
      const [f] = await clientPortsProbe.run(probeCtx(facts, { fs: rootWith({ '/etc/postfix/master.cf': DEBIAN_MASTER }) }));
      // The submission-ports runbook restores it: a cause with a fix, not a task for a human.
      assert.deepEqual([f?.status, f?.cause, f?.title], ['fail', 'submission-port-disabled', 'submission is not enabled: no master.cf service answers port 587']);
      assert.ok(f?.evidence.includes('master.cf line 3 is commented out: #submission inet n       -       y       -       -       smtpd'));
      assert.equal(f?.human, undefined);
      assert.deepEqual(commentedLines(DEBIAN_MASTER, 465), [{ line: 5, text: '#smtps     inet  n       -       y       -       -       smtpd' }]);
    });

    it('served, turned off by master_service_disable, not listening, and 465 without wrappermode', async () => {
      const smtps = { service: 'submissions', type: 'inet' as const, private: false, unprivileged: true, chroot: true, processLimit: '-', command: 'smtpd', port: 465, address: null, params: {} };
      const facts = factsWith((f) => {
        withClient(f, { ports: [25, 465], portsGiven: true });
        f.postfix.services.push(smtps);
        f.listeners.push({ family: 4, address: '0.0.0.0', port: 465, pid: 100, process: 'master' });
      });
      const fs = await clientPortsProbe.run(probeCtx(facts));
      assert.deepEqual(fs.map((f) => [f.status, f.cause ?? null]), [['ok', null], ['fail', 'submissions-without-wrappermode']]);
      smtps.params = { smtpd_tls_wrappermode: 'yes' } as never;
      assert.deepEqual((await clientPortsProbe.run(probeCtx(facts))).map((f) => f.status), ['ok', 'ok']);
      facts.listeners = facts.listeners.filter((l) => l.port !== 465);
      assert.match((await clientPortsProbe.run(probeCtx(facts)))[1]?.title ?? '', /nothing listens on port 465/);
      facts.postfix.params.master_service_disable = 'inet';
      assert.match((await clientPortsProbe.run(probeCtx(facts)))[0]?.title ?? '', /master_service_disable turns it off/);
    });

    it('says nothing without a symptom', async () => {
      assert.deepEqual(await clientPortsProbe.run(probeCtx(factsWith(() => {}))), []);
    });
  });

  describe('client_access', () => {
    it('check_client_access with smtpd_delay_reject=no: "greeted with 554 instead of a banner", from postmap -q', async () => {
      const table = 'cidr:/etc/postfix/client_refuse.cidr';
      const facts = factsWith((f) => {
        withClient(f);
        f.postfix.params.smtpd_client_restrictions = `check_client_access ${table}`;
        f.postfix.params.smtpd_delay_reject = 'no';
      });
      const exec = fakeExec([{ argv: ['postmap', '-q', '-', table], result: { stdout: `${ADDR}\tREJECT\n` } }]);
      const [f, m] = await clientAccessProbe.run(probeCtx(facts, { exec }));
      assert.deepEqual([f?.status, f?.cause], ['fail', 'client-rejected-by-postfix']);
      assert.equal(f?.title, `${ADDR} is greeted with 554 5.7.1 … Client host rejected: Access denied instead of a banner on port 25 (smtpd_client_restrictions)`);
      assert.equal(exec.calls[0]?.options.input, `${ADDR}\n`);
      assert.equal(m?.title, `${ADDR} is not in mynetworks: it may send mail to this server's own domains; relaying needs SASL authentication`);
    });

    it('a hash table: the keys smtpd tries (1.2.3.4 … 1), the first found decides, at RCPT by default', async () => {
      const table = 'hash:/etc/postfix/client_access';
      const facts = factsWith((f) => {
        withClient(f);
        f.postfix.params.smtpd_recipient_restrictions = `permit_mynetworks check_client_access ${table} reject_unauth_destination`;
      });
      const exec = fakeExec([{ argv: ['postmap', '-q', '-', table], result: { stdout: '203.0.113\t550 5.7.1 office range blocked\n' } }]);
      const [f] = await clientAccessProbe.run(probeCtx(facts, { exec }));
      assert.equal(exec.calls[0]?.options.input, '203.0.113.7\n203.0.113\n203.0\n203\n');
      assert.equal(f?.title, `${ADDR} connects to port 25, then is rejected with 550 5.7.1 office range blocked at RCPT TO (smtpd_recipient_restrictions)`);
    });

    it('in mynetworks, permit_mynetworks comes first: not refused; postscreen\'s list with drop: 521 at the greeting', async () => {
      const facts = factsWith((f) => {
        withClient(f);
        f.postfix.params.mynetworks = '127.0.0.0/8 203.0.113.0/24';
        f.postfix.params.smtpd_recipient_restrictions = 'permit_mynetworks check_client_access hash:/x reject';
      });
      const exec = fakeExec([{ argv: ['postmap'], result: { stdout: `${ADDR}\tREJECT\n` } }]);
      const fs = await clientAccessProbe.run(probeCtx(facts, { exec }));
      assert.deepEqual(fs.map((f) => f.status), ['ok', 'ok']);
      assert.match(fs[1]?.title ?? '', /is in mynetworks \(203\.0\.113\.0\/24\)/);

      const ps = factsWith((f) => {
        withClient(f);
        f.postfix.services = f.postfix.services.map((s) => (s.service === 'smtp' && s.type === 'inet' ? { ...s, command: 'postscreen' } : s));
        f.postfix.params.postscreen_access_list = 'permit_mynetworks cidr:/etc/postfix/postscreen_access.cidr';
        f.postfix.params.postscreen_denylist_action = 'drop';
      });
      const [p] = await clientAccessProbe.run(probeCtx(ps, { exec: fakeExec([{ argv: ['postmap'], result: { stdout: `${ADDR}\treject\n` } }]) }));
      assert.equal(p?.title, `${ADDR} is greeted with 521 5.3.2 and disconnected on port 25 (postscreen_access_list: cidr:/etc/postfix/postscreen_access.cidr)`);
    });
    it('submission\'s own "permit_sasl_authenticated, reject" is the port asking for a login, not a refusal of this client', async () => {
      const facts = factsWith((f) => {
        withClient(f, { ports: [587], portsGiven: true });
        f.postfix.services.push({ service: 'submission', type: 'inet', private: false, unprivileged: true, chroot: true, processLimit: '-', command: 'smtpd', port: 587, address: null, params: { smtpd_sasl_auth_enable: 'yes', smtpd_client_restrictions: 'permit_sasl_authenticated,reject' } });
      });
      const [f] = await clientAccessProbe.run(probeCtx(facts));
      assert.deepEqual([f?.status, f?.title], ['ok', `no access table or postscreen list of Postfix refuses ${ADDR} on port 587`]);
      // Without SASL there, nobody can log in: the same list refuses every client.
      const sub = facts.postfix.services.find((x) => x.service === 'submission');
      if (sub) sub.params = { smtpd_client_restrictions: 'permit_sasl_authenticated,reject' };
      const [g] = await clientAccessProbe.run(probeCtx(facts));
      assert.deepEqual([g?.status, g?.cause], ['fail', 'client-rejected-by-postfix']);
      assert.match(g?.title ?? '', /submission\/inet: -o smtpd_client_restrictions/);
    });
  });

  describe('container', () => {
    const bridge = { name: 'docker0', kind: 'docker', address: '172.17.0.1', prefixLength: 16, subnet: '172.17.0.0/16' };

    it('Postfix on loopback only: deaf on the bridge address the container dials; relaying is said, not counted', async () => {
      const facts = factsWith((f) => {
        withClient(f, { address: '172.17.0.2', iface: 'docker0', bridge });
        f.postfix.params.inet_interfaces = 'loopback-only';
        f.listeners = [{ family: 4, address: '127.0.0.1', port: 25, pid: 100, process: 'master' }];
      });
      const [deaf, relay] = await containerProbe.run(probeCtx(facts));
      assert.deepEqual([deaf?.status, deaf?.cause], ['fail', 'container-bridge-not-listening']);
      assert.equal(deaf?.title, 'Postfix does not listen on 172.17.0.1, where 172.17.0.2 (a container on docker0) reaches this host');
      assert.equal(relay?.status, 'ok');
      assert.match(relay?.evidence.join('\n') ?? '', /--runbook container-bridge --from 172\.17\.0\.2 --var relay=true \(adds exactly 172\.17\.0\.0\/16\)/);
    });

    it('listening everywhere, subnet in mynetworks: fine; not a bridge client: nothing to say', async () => {
      const facts = factsWith((f) => {
        withClient(f, { address: '172.17.0.2', iface: 'docker0', bridge });
        f.postfix.params.mynetworks = '127.0.0.0/8 172.17.0.0/16';
      });
      assert.deepEqual((await containerProbe.run(probeCtx(facts))).map((f) => f.title), ['Postfix listens on 172.17.0.1 (docker0) for 172.17.0.2', '172.17.0.0/16 is in mynetworks: 172.17.0.2 may relay']);
      assert.deepEqual(await containerProbe.run(probeCtx(factsWith((f) => withClient(f)))), []);
    });
  });
});
