import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseIptablesSave } from '../../../../src/facts/firewall/iptables-save.js';
import { evaluateIptablesInput } from '../../../../src/facts/firewall/iptables-eval.js';
import { evaluateNftInput } from '../../../../src/facts/firewall/nft-eval.js';
import { parseNftJson } from '../../../../src/facts/firewall/nft-json.js';
import type { FirewallBackend } from '../../../../src/core/profile.js';
import { snapshotFile } from '../../../../src/modules/file-snapshot.js';
import { parseActiveZones, parseListAll, planFirewalld, zoneCommands } from '../../../../src/modules/firewall/firewalld.js';
import { insertIntoRulesFile, normaliseSave, ourRuleArgs, planFamily, policyCaveats, withRule } from '../../../../src/modules/firewall/iptables.js';
import { orderBackends } from '../../../../src/modules/firewall/module.js';
import { CONFIG_HEADER, configLines, nftablesBackend, normaliseRuleset, planNft, rawRules, withRule as nftWithRule } from '../../../../src/modules/firewall/nftables.js';
import { commandFor, parseUserRules, planUfw, tupleText } from '../../../../src/modules/firewall/ufw.js';
import type { InspectEnv, PlanContext } from '../../../../src/modules/firewall/types.js';
import { createHostFs } from '../../../../src/exec/host-fs.js';
import { scratchDir } from '../../helpers/context.js';

// Captured in namespace lab hosts (see each test): real iptables-nft-save, nft -j, ufw user.rules
// and firewall-cmd output. The planners are pure: given what inspect read, where does our rule go?
const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const ETH0 = { name: 'eth0', v4: ['10.231.0.1'], v6: [] };
const ifaces = [{ name: 'eth0', addrs: ['10.231.0.1'] }];
const v4 = (dport: number) => ({ iface: 'eth0', dport, dstAddrs: ['10.231.0.1'] });

describe('firewall module: planning on captured real outputs', () => {
  describe('iptables', () => {
    // The lab's fault (ssh ACCEPT, a fail2ban-style chain, REJECT tcp-reset on 25) plus DROP on 587.
    it('inserts each ACCEPT directly before the rule that blocks it, leaving the rest in order', () => {
      const save = parseIptablesSave(fixture('iptables-nft-save-reject25-drop587.txt'));
      const p = planFamily(save, { family: 4, ports: [25, 587, 465], ifaces, ufwOpens: new Set() });
      assert.deepEqual(p.unknown, []);
      assert.deepEqual(
        p.inserts.map((i) => [i.chain, i.index, i.port, i.before]),
        [
          ['INPUT', 2, 25, '-A INPUT -p tcp -m tcp --dport 25 -j REJECT --reject-with tcp-reset'],
          ['INPUT', 4, 587, '-A INPUT -p tcp -m tcp --dport 587 -j DROP'], // index counts our first insert
        ],
        '465 is not blocked: nothing planned for it',
      );
      const after = insertIntoRulesFile(fixture('iptables-nft-save-reject25-drop587.txt'), p.inserts);
      const lines = after.text.split('\n');
      const at25 = lines.indexOf('-A INPUT -p tcp -m tcp --dport 25 -m comment --comment postfix-fix -j ACCEPT');
      assert.equal(lines[at25 + 1], '-A INPUT -p tcp -m tcp --dport 25 -j REJECT --reject-with tcp-reset');
      assert.deepEqual(lines.filter((l) => !l.includes('postfix-fix')), fixture('iptables-nft-save-reject25-drop587.txt').split('\n'), 'nothing else in the file changes');
      const reparsed = parseIptablesSave(after.text);
      for (const port of [25, 587]) assert.equal(evaluateIptablesInput(reparsed, v4(port)).verdict, 'allow');
      assert.equal(evaluateIptablesInput(reparsed, v4(22)).verdict, 'allow');
    });

    // Policy DROP with lo/established accepted, 25 and 587 sent to a user chain with a ban list.
    it('appends for a policy DROP, and goes into the user chain after its ban list for a rule there', () => {
      const save = parseIptablesSave(fixture('iptables-nft-save-policy-drop.txt'));
      const p = planFamily(save, { family: 4, ports: [25, 587], ifaces, ufwOpens: new Set() });
      assert.deepEqual(p.inserts.map((i) => [i.chain, i.index, i.port, i.before]), [
        ['INPUT', 4, 25, null],
        ['mail', 1, 587, '-A mail -p tcp -m tcp --dport 587 -j REJECT --reject-with tcp-reset'],
      ]);
      assert.deepEqual(policyCaveats(save), [], 'lo and ESTABLISHED are accepted: no caveat');
      const bare = parseIptablesSave('*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n');
      assert.equal(policyCaveats(bare).length, 2, 'no lo, no ESTABLISHED: both said');
      // The ban list still applies to mail traffic: a banned source never reaches our ACCEPT.
      let sim = save;
      for (const i of p.inserts) sim = withRule(sim, i.chain, i.index, ourRuleArgs(i.port));
      assert.equal(evaluateIptablesInput(sim, v4(587)).verdict, 'allow');
      assert.deepEqual(sim.tables.get('filter')?.chains.get('mail')?.rules.map((r) => r.args.at(-1)), ['DROP', 'ACCEPT', 'tcp-reset', 'RETURN']);
    });

    it('plans IPv6 from ip6tables-save with the same walk', () => {
      const save = parseIptablesSave(fixture('ip6tables-nft-save-policy-drop.txt'));
      const p = planFamily(save, { family: 6, ports: [25], ifaces: [{ name: 'eth0', addrs: ['2001:db8::1'] }], ufwOpens: new Set() });
      assert.deepEqual(p.inserts.map((i) => [i.family, i.chain, i.index, i.before]), [[6, 'INPUT', 1, null]]);
    });

    it('leaves what ufw blocks to ufw, but still opens a raw rule that blocks outside ufw\'s chains', () => {
      const save = parseIptablesSave(fixture('iptables-save-ufw-rules.txt'));
      const none = planFamily(save, { family: 4, ports: [25], ifaces, ufwOpens: new Set([25]) });
      assert.deepEqual(none.inserts, [], 'ufw opens it: no raw rule');
      const input = save.tables.get('filter')?.chains.get('INPUT');
      assert.ok(input);
      const raw = withRule(save, 'INPUT', 0, ['-p', 'tcp', '-m', 'tcp', '--dport', '25', '-j', 'DROP']);
      const p = planFamily(raw, { family: 4, ports: [25], ifaces, ufwOpens: new Set([25]) });
      assert.deepEqual(p.inserts.map((i) => [i.chain, i.index]), [['INPUT', 0]], 'a hand-made DROP before ufw\'s jumps still blocks: raw ACCEPT before it');
    });

    it('says unknown instead of guessing past a match it cannot model', () => {
      const save = parseIptablesSave('*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp -m recent --name smtp --rcheck -j DROP\nCOMMIT\n');
      const p = planFamily(save, { family: 4, ports: [25], ifaces, ufwOpens: new Set() });
      assert.equal(p.inserts.length, 0);
      assert.match(p.unknown[0]?.detail ?? '', /cannot evaluate/);
    });

    it('normalises timestamps and counters away', () => {
      assert.equal(normaliseSave('# Generated by x on Fri\n*filter\n:INPUT ACCEPT [12:3456]\nCOMMIT\n# Completed on Fri\n'), '*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n');
    });
  });

  describe('nftables', () => {
    // The lab's fault (inet local_filter drops 25, in /etc/nftables.conf) plus `inet edge`: policy
    // drop, lo/established accepted, 25 and 587 jumped to a `mail` chain that rejects 587.
    const live = parseNftJson(fixture('nft-j-two-tables.json'));

    it('puts an accept into every base chain that blocks — before the rule, or at the end for the policy', () => {
      const { inserts, unknown } = planNft(live, [25, 587], [ETH0]);
      assert.deepEqual(unknown, []);
      assert.deepEqual(
        inserts.map((i) => [`${i.family} ${i.table} ${i.chain}`, i.index, i.port, i.before?.text ?? null]),
        [
          ['inet local_filter input', 0, 25, 'tcp dport 25 drop'],
          ['inet edge input', 4, 25, null],
          ['inet edge mail', 0, 587, 'tcp dport 587 counter reject with tcp reset'],
        ],
      );
      let sim = live;
      for (const i of inserts) sim = nftWithRule(sim, `${i.family}/${i.table}/${i.chain}`, i.index, i.port);
      for (const port of [25, 587]) assert.equal(evaluateNftInput(sim, 'nftables', v4(port)).verdict, 'allow', `${port} passes every base chain`);
      assert.equal(evaluateNftInput(sim, 'nftables', v4(2525)).verdict, 'drop', 'and nothing else opened');
    });

    it('an accept in a table of our own would not do: every base chain must accept', () => {
      const own = parseNftJson(
        JSON.stringify({
          nftables: [
            ...JSON.parse(fixture('nft-j-two-tables.json')).nftables,
            { table: { family: 'inet', name: 'postfix_fix' } },
            { chain: { family: 'inet', table: 'postfix_fix', name: 'input', type: 'filter', hook: 'input', prio: -1, policy: 'accept' } },
            { rule: { family: 'inet', table: 'postfix_fix', chain: 'input', expr: [{ match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: 25 } }, { accept: null }] } },
          ],
        }),
      );
      assert.equal(evaluateNftInput(own, 'nftables', v4(25)).verdict, 'drop');
    });

    it('persists as `insert … index N` lines appended to the config, with the indices the file builds', () => {
      const { inserts } = planNft(live, [25, 587], [ETH0]);
      assert.deepEqual(configLines(inserts, live), [
        'insert rule inet local_filter input index 0 tcp dport 25 accept comment "postfix-fix"',
        'add rule inet edge input tcp dport 25 accept comment "postfix-fix"',
        'insert rule inet edge mail index 0 tcp dport 587 accept comment "postfix-fix"',
      ]);
    });

    it('persists only when the config defines the blocking chain exactly as loaded; says why not otherwise', async () => {
      const s = scratchDir('pf-fwmod-');
      try {
        const fs = createHostFs(s.dir);
        await fs.mkdirp('/etc');
        await fs.writeAtomic('/etc/nftables.conf', fixture('nftables.conf'), { mode: 0o755 });
        const snapshot = await snapshotFile(fs, '/etc/nftables.conf');
        const ruleset = normaliseRuleset(fixture('nft-j-two-tables.json'));
        // What `nft -f` of that file builds: local_filter only (edge was added by hand).
        const onlyLocal = JSON.stringify({ nftables: (JSON.parse(ruleset).nftables as Array<Record<string, { table?: string; name?: string }>>).filter((i) => (Object.values(i)[0]?.table ?? Object.values(i)[0]?.name) !== 'edge') });
        const env: InspectEnv = { ports: [25], outside: [ETH0], active: ['nftables'] };
        const pc: PlanContext = { ports: [25], active: ['nftables'], openedBy: new Map() };
        const backend = nftablesBackend();
        const plan = backend.diff({ ruleset, config: { path: '/etc/nftables.conf', snapshot, loaded: onlyLocal, loadError: null } }, env, pc);
        assert.ok(plan);
        assert.deepEqual(plan.diff, [
          '+ inet local_filter input: tcp dport 25 accept comment "postfix-fix"   (inserted before: tcp dport 25 drop)',
          '+ inet edge input: tcp dport 25 accept comment "postfix-fix"   (appended: the chain\'s policy decided)',
          '# not persisted: /etc/nftables.conf does not define table inet edge (it was loaded some other way) (the rule is lost at reboot or when the ruleset is reloaded)',
        ]);
        const notLoaded = backend.diff({ ruleset, config: { path: '/etc/nftables.conf', snapshot, loaded: null, loadError: 'Error: Could not process rule' } }, env, pc);
        assert.match(notLoaded?.diff.at(-1) ?? '', /^# not persisted: .*could not be loaded in a scratch network namespace/);
        const onlyLocalLive = normaliseRuleset(onlyLocal);
        const ok = backend.diff({ ruleset: onlyLocalLive, config: { path: '/etc/nftables.conf', snapshot, loaded: onlyLocal, loadError: null } }, env, pc);
        const file = (ok?.data as { persist: Array<{ after: string; added: string[] }> }).persist[0];
        assert.ok(file);
        assert.equal(file.after, `${fixture('nftables.conf')}\n${CONFIG_HEADER}\ninsert rule inet local_filter input index 0 tcp dport 25 accept comment "postfix-fix"\n`);
      } finally {
        s.cleanup();
      }
    });

    it('reads rule comments (our tag) and zeroes counters', () => {
      const json = JSON.stringify({ nftables: [{ metainfo: {} }, { rule: { family: 'inet', table: 't', chain: 'c', handle: 7, comment: 'postfix-fix', expr: [{ counter: { packets: 5, bytes: 300 } }] } }] });
      assert.deepEqual(rawRules(normaliseRuleset(json)), [{ family: 'inet', table: 't', chain: 'c', handle: 7, comment: 'postfix-fix', expr: [{ counter: { packets: 0, bytes: 0 } }] }]);
    });
  });

  describe('ufw', () => {
    // ufw enabled with: allow 22/tcp, deny from 192.0.2.0/24, deny 25 (tcp and udp),
    // deny 587/tcp comment 'no submission here'.
    const tuples = parseUserRules(fixture('ufw-user.rules'));
    const save = parseIptablesSave(fixture('iptables-save-ufw-rules.txt'));

    it('reads user.rules tuples, comments and how many rules each wrote', () => {
      assert.deepEqual(tuples.map((t) => [tupleText(t), t.inputRules]), [
        ['allow 22/tcp', 1],
        ['deny any port from 192.0.2.0/24', 1],
        ['deny 25', 2],
        ['deny 587/tcp # no submission here', 1],
      ]);
      assert.equal(parseUserRules(fixture('ufw-user6.rules')).length, 3);
    });

    it('inserts before a broader deny, replaces a same-match deny (undo re-issues it), adds otherwise', () => {
      const adds = planUfw(save, tuples, [25, 587, 465], [ETH0]);
      assert.deepEqual(
        adds.map((a) => [a.kind, a.argv.join(' '), a.restoreArgv?.join(' ') ?? null, a.before]),
        [
          ['insert', 'ufw insert 3 allow 25/tcp comment postfix-fix', null, 'deny 25'],
          ['replace', 'ufw allow 587/tcp comment postfix-fix', 'ufw deny 587/tcp comment no submission here', null],
          ['add', 'ufw allow 465/tcp comment postfix-fix', null, null],
        ],
      );
      assert.deepEqual(planUfw(save, tuples, [22], [ETH0]), [], '22 is allowed already');
    });

    it('numbers a second insert counting the first one (ufw renumbers as rules go in)', () => {
      const rules = ['allow tcp 22', 'deny any 25', 'deny any 587'].map((t) => {
        const [action, proto, port] = t.split(' ') as [string, string, string];
        const lines = (proto === 'any' ? ['tcp', 'udp'] : [proto]).map((p) => `-A ufw-user-input -p ${p} --dport ${port} -j ${action === 'allow' ? 'ACCEPT' : 'DROP'}`);
        return [`### tuple ### ${action} ${proto} ${port} 0.0.0.0/0 any 0.0.0.0/0 in`, ...lines].join('\n');
      });
      const userRules = `*filter\n:ufw-user-input - [0:0]\n### RULES ###\n\n${rules.join('\n\n')}\n\n### END RULES ###\nCOMMIT\n`;
      const loaded = parseIptablesSave(fixture('iptables-save-ufw-rules.txt'));
      const chain = loaded.tables.get('filter')?.chains.get('ufw-user-input');
      assert.ok(chain);
      chain.rules = parseIptablesSave(userRules).tables.get('filter')?.chains.get('ufw-user-input')?.rules ?? [];
      const adds = planUfw(loaded, parseUserRules(userRules), [25, 587], [ETH0]);
      assert.deepEqual(adds.map((a) => a.argv.slice(1, 3).join(' ')), ['insert 2', 'insert 4']);
      assert.deepEqual(commandFor(tuples[3] as (typeof tuples)[number], 587), ['ufw', 'deny', '587/tcp', 'comment', 'no submission here']);
    });
  });

  describe('firewalld', () => {
    const nft = normaliseRuleset(fixture('nft-j-firewalld-public.json'));
    const zone = (text: string) => ({ ...parseListAll(text), text });
    const state = (runtime: string, permanent: string) => ({
      defaultZone: 'public',
      zones: [{ zone: 'public', ifaces: ['eth0'], runtime: zone(runtime), permanent: zone(permanent), file: { path: '/etc/firewalld/zones/public.xml', exists: false, sha256: null, contentBase64: null, mode: null, uid: null, gid: null }, old: { path: '/etc/firewalld/zones/public.xml.old', exists: false, sha256: null, contentBase64: null, mode: null, uid: null, gid: null }, vendor: true }],
      services: { '25': 'smtp', '587': 'smtp-submission' },
      nft,
    });

    it('one firewall-cmd per zone and kind (it refuses --add-service with --add-port), never one per item', () => {
      assert.deepEqual(zoneCommands('public', ['service:smtp', 'port:2526/tcp', 'service:smtp-submission'], 'add', true), [
        ['firewall-cmd', '--permanent', '--zone=public', '--add-service=smtp', '--add-service=smtp-submission'],
        ['firewall-cmd', '--permanent', '--zone=public', '--add-port=2526/tcp'],
      ]);
      assert.deepEqual(zoneCommands('dmz', ['service:smtp'], 'remove', false), [['firewall-cmd', '--zone=dmz', '--remove-service=smtp']]);
      assert.deepEqual([...parseActiveZones('public\n  interfaces: eth0 eth1\ndmz\n  interfaces: eth2\n  sources: 10.0.0.0/8\n')], [['eth0', 'public'], ['eth1', 'public'], ['eth2', 'dmz']]);
    });

    it('reads services and ports from --list-all', () => {
      assert.deepEqual(parseListAll(fixture('firewall-cmd-list-all-public.txt')), { services: ['dhcpv6-client', 'ssh'], ports: [] });
      assert.deepEqual(parseListAll(fixture('firewall-cmd-list-all-ports.txt')).ports, ['2525-2530/tcp']);
    });

    it('adds the standard service (or the port) at runtime and permanently, in the interface\'s zone', () => {
      const st = state(fixture('firewall-cmd-list-all-public.txt'), fixture('firewall-cmd-list-all-public.txt'));
      assert.deepEqual(planFirewalld(st, [25, 587, 2526], [ETH0]), [
        { zone: 'public', port: 25, item: 'service:smtp', runtime: true, permanent: true },
        { zone: 'public', port: 587, item: 'service:smtp-submission', runtime: true, permanent: true },
        { zone: 'public', port: 2526, item: 'port:2526/tcp', runtime: true, permanent: true },
      ]);
    });

    it('only the missing side: runtime when only --permanent has it, permanent when only runtime has it', () => {
      const withSmtp = fixture('firewall-cmd-list-all-public.txt').replace('services: dhcpv6-client ssh', 'services: dhcpv6-client smtp ssh');
      assert.deepEqual(planFirewalld(state(fixture('firewall-cmd-list-all-public.txt'), withSmtp), [25], [ETH0]), [{ zone: 'public', port: 25, item: 'service:smtp', runtime: true, permanent: false }]);
      // A port range in the permanent config covers it too.
      assert.deepEqual(planFirewalld(state(fixture('firewall-cmd-list-all-public.txt'), fixture('firewall-cmd-list-all-ports.txt')), [2526], [ETH0]), [{ zone: 'public', port: 2526, item: 'port:2526/tcp', runtime: true, permanent: false }]);
    });
  });

  it('plans frontends first, each group in the profile\'s order', () => {
    const preferred: FirewallBackend[] = ['ufw', 'firewalld', 'nftables', 'iptables-nft', 'iptables-legacy'];
    assert.deepEqual(orderBackends(['iptables-legacy', 'nftables', 'firewalld', 'iptables-nft', 'ufw'], preferred), ['ufw', 'firewalld', 'nftables', 'iptables-nft', 'iptables-legacy']);
    assert.deepEqual(orderBackends(['iptables-nft', 'ufw'], ['iptables-nft', 'ufw']), ['ufw', 'iptables-nft'], 'a frontend before raw rules, whatever the profile says');
  });
});
