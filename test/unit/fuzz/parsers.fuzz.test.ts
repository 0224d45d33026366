// The fact parsers on hostile output: real captures with random edits, and junk. Text parsers
// must never throw (a line they do not understand is skipped); JSON parsers may refuse input
// with a SyntaxError or a described Error, never a TypeError from poking at `null`. The
// evaluators that walk parsed rulesets must return a verdict for whatever the parser accepted.

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { evaluateIptablesInput } from '../../../src/facts/firewall/iptables-eval.js';
import { countRules, parseIptablesSave, tokenize } from '../../../src/facts/firewall/iptables-save.js';
import { evaluateNftInput } from '../../../src/facts/firewall/nft-eval.js';
import { countNftRules, parseNftJson } from '../../../src/facts/firewall/nft-json.js';
import { parseUfwStatus } from '../../../src/facts/firewall/ufw-status.js';
import { parseIfInet6, parseIpAddrJson } from '../../../src/facts/ip-addr.js';
import { osReleaseFromTexts, parseOsRelease } from '../../../src/facts/os-release.js';
import { parsePostconf } from '../../../src/facts/postconf.js';
import { parseProcLocks, locksOnFile } from '../../../src/facts/proc-locks.js';
import { parseProcNetTcp } from '../../../src/facts/proc-net-tcp.js';
import { ipv4DefaultRouteIfaces, ipv6DefaultRouteIfaces } from '../../../src/facts/proc-route.js';
import { deriveRelay } from '../../../src/facts/relay.js';
import { parseSsListeners } from '../../../src/facts/ss.js';
import { parseActiveZones, parseListAll } from '../../../src/modules/firewall/firewalld.js';
import { normaliseSave, planFamily } from '../../../src/modules/firewall/iptables.js';
import { normaliseRuleset, planNft, rawRules } from '../../../src/modules/firewall/nftables.js';
import { parseUserRules, planUfw } from '../../../src/modules/firewall/ufw.js';
import { applyPostconfEdits, parsePostconfN } from '../../../src/modules/postconf/main-cf.js';
import { check, isCrash, junkText, mutatedJson, mutatedText, onlyTyped } from './fuzz-kit.js';

const fixtureDir = new URL('../facts/fixtures/', import.meta.url);
const fixture = (name: string): string => readFileSync(new URL(name, fixtureDir), 'utf8');
const osDir = new URL('../../fixtures/os-release/', import.meta.url);

const never = (): boolean => false;
/** JSON readers may say "not what I expected"; they must not crash. */
const described = (e: unknown): boolean => !isCrash(e);
const packet = { iface: 'eth0', dport: 25, dstAddrs: ['192.0.2.10'] };
const outside = [{ name: 'eth0', v4: ['192.0.2.10'], v6: [] }];

const IPTABLES = ['iptables-legacy-save.txt', 'iptables-legacy-save-empty.txt', 'iptables-nft-save-drop25.txt', 'iptables-nft-save-empty.txt', 'iptables-nft-save-ufw.txt'].map(fixture);
const NFT = ['nft-j-firewalld-default.json', 'nft-j-firewalld.json', 'nft-j-iptables-nft.json', 'nft-j-native.json', 'nft-j-ufw.json'].map(fixture);
const OS_RELEASE = ['debian-12', 'ubuntu-24.04', 'rhel-9.4', 'alpine-3.20', 'opensuse-tumbleweed', 'arch'].map((f) => readFileSync(new URL(f, osDir), 'utf8'));
const text = (bases: string[]) => fc.oneof({ weight: 3, arbitrary: mutatedText(bases) }, { weight: 1, arbitrary: junkText });

describe('fuzz: fact and firewall parsers', function () {
  this.timeout(60_000);

  it('postconf output (-x, -n), and the main.cf edit predictor', () => {
    check(text([fixture('postconf-x.txt'), 'inet_interfaces = all\nmynetworks = 127.0.0.0/8\nsmtpd_banner =\n']), 600, (t) => {
      onlyTyped(t, never, () => parsePostconf(t, t));
      onlyTyped(t, never, () => parsePostconfN(t));
      onlyTyped(t, never, () => applyPostconfEdits(t, [['inet_interfaces', 'all'], ['mynetworks', t.slice(0, 20)]]));
    });
  });

  it('ss -Hltnp and /proc/net/tcp{,6}', () => {
    check(text(['ss-healthy.txt', 'ss-loopback-only.txt', 'ss-other-listener.txt', 'proc-net-tcp.txt', 'proc-net-tcp6.txt'].map(fixture)), 600, (t) => {
      onlyTyped(t, never, () => parseSsListeners(t));
      onlyTyped(t, never, () => parseProcNetTcp(t, 4));
      onlyTyped(t, never, () => parseProcNetTcp(t, 6));
    });
  });

  it('/proc/locks, /proc/net/route, if_inet6', () => {
    check(text(['proc-locks-foreign.txt', 'proc-locks-healthy.txt', 'proc-net-route-default.txt', 'proc-net-ipv6-route-default.txt', 'if_inet6.txt'].map(fixture)), 600, (t) => {
      onlyTyped(t, never, () => locksOnFile(parseProcLocks(t), { dev: 0x2a, ino: 20 }));
      onlyTyped(t, never, () => ipv4DefaultRouteIfaces(t));
      onlyTyped(t, never, () => ipv6DefaultRouteIfaces(t));
      onlyTyped(t, never, () => parseIfInet6(t));
    });
  });

  it('os-release (lexed, never evaluated)', () => {
    check(text(OS_RELEASE), 600, (t) => {
      onlyTyped(t, never, () => parseOsRelease(t));
      onlyTyped(t, never, () => osReleaseFromTexts(t, t));
    });
  });

  it('iptables-save: parse, count, walk the INPUT chain, plan an insert', () => {
    check(text(IPTABLES), 500, (t) => {
      onlyTyped(t, never, () => {
        const save = parseIptablesSave(t);
        countRules(save);
        evaluateIptablesInput(save, packet);
        normaliseSave(t);
        tokenize(t.split('\n')[0] ?? '');
      });
      // Planners may refuse (NotApplicable: "ufw's chain is not loaded"), with words.
      onlyTyped(t, described, () => {
        const save = parseIptablesSave(t);
        planFamily(save, { family: 4, ports: [25, 587], ifaces: [{ name: 'eth0', addrs: ['192.0.2.10'] }], ufwOpens: new Set() });
        planUfw(save, parseUserRules(t), [25], outside);
      });
    });
  });

  it('ufw status, ufw user rules, firewalld --list-all and --get-active-zones', () => {
    check(text([fixture('ufw-status-verbose.txt'), fixture('ufw-status-inactive.txt'), '### tuple ### allow tcp 25 0.0.0.0/0 any 0.0.0.0/0 in comment=706f73746669782d666978\n-A ufw-user-input -p tcp --dport 25 -j ACCEPT\n', 'public (active)\n  interfaces: eth0\n  services: ssh smtp\n  ports: 2525/tcp\n']), 500, (t) => {
      onlyTyped(t, never, () => parseUfwStatus(t));
      onlyTyped(t, never, () => parseUserRules(t));
      onlyTyped(t, never, () => parseListAll(t));
      onlyTyped(t, never, () => parseActiveZones(t));
    });
  });

  it('nft -j: mutated rulesets parse or are refused, and whatever parses can be walked and planned', () => {
    const bases = NFT.map((t) => JSON.parse(t) as unknown);
    const inputs = fc.oneof({ weight: 4, arbitrary: mutatedJson(bases).map((v) => JSON.stringify(v) ?? 'null') }, { weight: 1, arbitrary: text(NFT) });
    check(inputs, 500, (t) => {
      onlyTyped(t, described, () => {
        const rs = parseNftJson(t);
        countNftRules(rs, 'nftables');
        for (const owner of ['nftables', 'firewalld', 'iptables-nft'] as const) evaluateNftInput(rs, owner, packet);
        planNft(rs, [25, 587], outside);
      });
      onlyTyped(t, described, () => normaliseRuleset(t));
      onlyTyped(t, described, () => rawRules(t));
    });
  });

  it('ip -j addr: mutated output parses or is refused', () => {
    const base = JSON.parse(fixture('ip-j-addr-veth.json')) as unknown;
    check(fc.oneof(mutatedJson([base]).map((v) => JSON.stringify(v) ?? 'null'), junkText), 400, (t) => onlyTyped(t, described, () => parseIpAddrJson(t)));
  });

  it('relay judgement over hostile main.cf values (mynetworks, restrictions, access tables)', () => {
    const value = fc.oneof(junkText, fc.constantFrom('0.0.0.0/0', '::/0', '[::]/0', 'hash:/etc/postfix/access', 'permit', 'check_client_access cidr:/etc/x', '127.0.0.0/8 [::1]/128', '10.0.0.0/33', '1.2.3.4/-1', '[fe80::%eth0]/64'));
    const network = { interfaces: [{ name: 'eth0', up: true, loopback: false, addresses: [{ family: 4 as const, address: '192.0.2.10', prefixLength: 24 }] }], ipv6Available: true };
    check(fc.record({ mynetworks: value, smtpd_relay_restrictions: value, smtpd_recipient_restrictions: value, table: junkText }), 500, (p) => {
      onlyTyped(p, never, () => deriveRelay({ mynetworks: p.mynetworks, smtpd_relay_restrictions: p.smtpd_relay_restrictions, smtpd_recipient_restrictions: p.smtpd_recipient_restrictions }, network as never, new Map([['hash:/etc/postfix/access', p.table]])));
    });
  });
});
