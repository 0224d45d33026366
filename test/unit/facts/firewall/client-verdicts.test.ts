// The firewall walked for one client (--from): rulesets recorded in a lab host with Debian's
// fail2ban banning 10.231.0.2 (jails postfix and postfix-sasl) and fd00:231::2, a CrowdSec-shaped
// chain (CROWDSEC_CHAIN, made by hand: the bouncer is not installed there) dropping 192.0.2.50,
// and an admin's own rule dropping 198.51.100.0/24 on port 25.
import assert from 'node:assert/strict';
import { gatherFirewall } from '../../../../src/facts/firewall/gather.js';
import { jailOf } from '../../../../src/facts/firewall/client-verdicts.js';
import { debianProfile } from '../../helpers/context.js';
import { fakeExec } from '../../probes/helpers/fake-exec.js';
import { emptyRoot } from '../../probes/helpers/probe-ctx.js';
import { fixture } from '../fixture.js';
import type { Script } from '../../probes/helpers/fake-exec.js';
import type { ClientFacts, Fail2banFacts, NetworkFacts } from '../../../../src/facts/types.js';
import { dialSmtp } from '../../../../src/exec/dial.js';

const network: NetworkFacts = {
  interfaces: [
    { name: 'lo', up: true, loopback: true, addresses: [{ family: 4, address: '127.0.0.1', prefixLength: 8 }] },
    { name: 'eth0', up: true, loopback: false, addresses: [{ family: 4, address: '10.231.0.1', prefixLength: 24 }, { family: 6, address: 'fd00:231::1', prefixLength: 64 }] },
  ],
  ipv6Available: true,
  defaultRoutes: [{ family: 4, iface: 'eth0' }],
};

const EMPTY_NFT = '{"nftables": []}';

function ctx(scripts: Script[], installed = ['nft', 'iptables-nft-save', 'ip6tables-nft-save']) {
  const exec = fakeExec(scripts, installed);
  return { exec, fs: emptyRoot(), profile: debianProfile(), dialer: dialSmtp, deadline: Date.now() + 5_000 };
}

const iptables = (): Script[] => [
  { argv: ['nft', '-j', 'list', 'ruleset'], result: { stdout: EMPTY_NFT } },
  { argv: ['iptables-nft-save'], result: { stdout: fixture('iptables-nft-save-f2b.txt') } },
  { argv: ['ip6tables-nft-save'], result: { stdout: fixture('ip6tables-nft-save-f2b.txt') } },
];
const nft = (): Script[] => [
  { argv: ['nft', '-j', 'list', 'ruleset'], result: { stdout: fixture('nft-j-f2b.json') } },
  { argv: ['iptables-nft-save'], result: { stdout: fixture('iptables-nft-save-empty.txt') } },
  { argv: ['ip6tables-nft-save'], result: { stdout: '' } },
];

function client(address: string, ports = [25, 587], family: 4 | 6 = 4): ClientFacts {
  return { address, name: null, family, ports, portsGiven: true, iface: 'eth0', local: false, bridge: null };
}

const procs = [{ pid: 1, comm: 'sleep' }];
const note = () => {};

describe('facts/firewall: verdicts for one client (--from)', () => {
  it('a fail2ban ban: refused by fail2ban\'s chain; both jails met, in order; nothing behind them; a stranger gets in', async () => {
    const fw = await gatherFirewall(ctx(iptables()), note, procs, network, client('10.231.0.2'));
    const v25 = fw.clientVerdicts?.find((v) => v.port === 25);
    assert.equal(v25?.backend, 'iptables-nft');
    assert.deepEqual([v25?.verdict, v25?.owner, v25?.at?.chain, v25?.stranger], ['reject', 'fail2ban', 'f2b-postfix-sasl', 'allow']);
    assert.deepEqual(v25?.toolRules.map((r) => [r.owner, r.jail]), [['fail2ban', 'postfix-sasl'], ['fail2ban', 'postfix']]);
    assert.equal(v25?.without.verdict, 'allow');
    assert.match(v25?.detail ?? '', /^-A f2b-postfix-sasl -s 10\.231\.0\.2\/32 -j REJECT/);
    assert.deepEqual(fw.fail2banChains, ['postfix', 'postfix-sasl']);
  });

  it('CrowdSec\'s chain and an admin\'s own rule: told apart by owner; what a stranger meets tells a ban from a closed port', async () => {
    const fw1 = await gatherFirewall(ctx(iptables()), note, procs, network, client('192.0.2.50', [25]));
    const cs = fw1.clientVerdicts?.[0];
    assert.deepEqual([cs?.verdict, cs?.owner, cs?.toolRules.map((r) => r.owner), cs?.without.verdict], ['drop', 'crowdsec', ['crowdsec'], 'allow']);
    const fw2 = await gatherFirewall(ctx(iptables()), note, procs, network, client('198.51.100.7', [25, 587]));
    const [own25, own587] = fw2.clientVerdicts ?? [];
    assert.deepEqual([own25?.verdict, own25?.owner, own25?.toolRules.length, own25?.stranger], ['drop', null, 0, 'allow']);
    assert.equal(own25?.detail, '-A INPUT -s 198.51.100.0/24 -p tcp -m tcp --dport 25 -j DROP');
    assert.equal(own587?.verdict, 'allow', 'the rule names port 25 only');
  });

  it('a client on this host itself, or none named: no client verdicts', async () => {
    const fw = await gatherFirewall(ctx(iptables()), note, procs, network, { ...client('10.231.0.1'), local: true, iface: 'lo' });
    assert.equal(fw.clientVerdicts, undefined);
    assert.equal((await gatherFirewall(ctx(iptables()), note, procs, network)).clientVerdicts, undefined);
  });

  it('nftables-multiport: the set a ban is in names its jail, for IPv4 and IPv6 clients', async () => {
    const v4 = await gatherFirewall(ctx(nft()), note, procs, network, client('10.231.0.2', [25]));
    const a = v4.clientVerdicts?.[0];
    assert.deepEqual([a?.backend, a?.verdict, a?.owner, a?.toolRules[0]?.jail, a?.without.verdict], ['nftables', 'reject', 'fail2ban', 'postfix', 'allow']);
    assert.match(a?.detail ?? '', /ip saddr @addr-set-postfix reject/);
    assert.deepEqual(v4.fail2banChains, ['postfix']);
    const v6 = await gatherFirewall(ctx(nft()), note, procs, network, client('fd00:231::2', [25], 6));
    const b = v6.clientVerdicts?.[0];
    assert.deepEqual([b?.verdict, b?.toolRules[0]?.jail], ['reject', 'postfix']);
    assert.match(b?.detail ?? '', /ip6 saddr @addr6-set-postfix/);
    const other6 = await gatherFirewall(ctx(nft()), note, procs, network, client('fd00:231::9', [25], 6));
    assert.equal(other6.clientVerdicts?.[0]?.verdict, 'allow');
  });

  it('an IPv6 client under iptables-multiport: ip6tables-nft-save is read for it, and only for it', async () => {
    const c = ctx(iptables());
    const fw = await gatherFirewall(c, note, procs, network, client('fd00:231::2', [465], 6));
    assert.deepEqual(fw.clientVerdicts?.map((v) => [v.backend, v.verdict, v.toolRules[0]?.jail]), [['iptables-nft', 'reject', 'postfix']]);
    assert.ok((c.exec as ReturnType<typeof fakeExec>).calls.some((x) => x.argv[0] === 'ip6tables-nft-save'));
    const c4 = ctx(iptables());
    await gatherFirewall(c4, note, procs, network, client('10.231.0.2'));
    assert.ok(!(c4.exec as ReturnType<typeof fakeExec>).calls.some((x) => x.argv[0] === 'ip6tables-nft-save'));
  });

  it('without a client: which ports each jail\'s bans guard, from one of its banned addresses', async () => {
    const f2b: Fail2banFacts = {
      running: true,
      clientJails: null,
      jails: [
        { name: 'postfix', banned: ['10.231.0.2', '203.0.113.77'], bantime: null, ignoreip: null, clientBan: null },
        { name: 'postfix-sasl', banned: ['10.231.0.2'], bantime: null, ignoreip: null, clientBan: null },
        { name: 'sshd', banned: ['192.0.2.200'], bantime: null, ignoreip: null, clientBan: null },
      ],
    };
    const fw = await gatherFirewall(ctx(iptables()), note, procs, network, null, f2b);
    assert.deepEqual(fw.banReach, [
      { jail: 'postfix', ports: [25, 587, 465] },
      { jail: 'postfix-sasl', ports: [25, 587, 465] },
      { jail: 'sshd', ports: [] },
    ]);
  });

  it('firewalld zones by source: the drop zone bound to the client decides, a stranger is let in by public (recorded: --add-source to zone drop, smtp in public)', async () => {
    const c = ctx([{ argv: ['nft', '-j', 'list', 'ruleset'], result: { stdout: fixture('nft-j-firewalld-source-zone.json') } }, { argv: ['firewall-cmd', '--state'], result: { stdout: 'running\n' } }], ['nft', 'firewall-cmd']);
    const fw = await gatherFirewall(c, note, [...procs, { pid: 7, comm: 'firewalld' }], network, client('10.231.0.2', [25]));
    const v = fw.clientVerdicts?.[0];
    assert.deepEqual([v?.backend, v?.verdict, v?.owner, v?.stranger, v?.toolRules.length], ['firewalld', 'drop', 'firewalld', 'allow', 0]);
    assert.match(v?.detail ?? '', /filter_IN_drop/);
    const other = await gatherFirewall(c, note, [...procs, { pid: 7, comm: 'firewalld' }], network, client('198.51.100.3', [25]));
    assert.equal(other.clientVerdicts?.[0]?.verdict, 'allow');
  });

  it('jailOf: the chain f2b-JAIL, or the nft set addr-set-JAIL / addr6-set-JAIL; nothing for other owners', () => {
    assert.equal(jailOf({ owner: 'fail2ban', at: { chain: 'f2b-postfix-sasl', rule: 0 }, detail: '' }), 'postfix-sasl');
    assert.equal(jailOf({ owner: 'fail2ban', at: { chain: 'inet/f2b-table/f2b-chain', rule: 1 }, detail: 'tcp dport { 25 } ip6 saddr @addr6-set-dovecot reject' }), 'dovecot');
    assert.equal(jailOf({ owner: 'crowdsec', at: { chain: 'CROWDSEC_CHAIN', rule: 0 }, detail: '' }), null);
  });
});
