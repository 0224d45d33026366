import assert from 'node:assert/strict';
import type { JsonObject, JsonValue } from '../../../../src/core/json.js';
import type { FirewallBackend } from '../../../../src/core/profile.js';
import { firewallModule } from '../../../../src/modules/firewall/module.js';
import type { Change, ModuleContext } from '../../../../src/modules/types.js';
import { UNRELATED_RULE_LINES, injectFirewalldPublic, injectIptablesBlock25, injectMixedIptablesBackends, injectNftablesBlock25, injectUfwDenyIncoming, smtpProbe } from '../../../e2e/lab/index.js';
import type { ProbeKind } from '../../../e2e/lab/index.js';
import { PORTS, assertOnlyOurs, crashAt, dumps, labContext, lineDiff, makePair, probes } from './lab.js';
import type { Frontend, Pair } from './lab.js';

// The firewall module against real firewalls in namespace hosts: each backend blocks the mail
// ports its own way, a peer on a veth proves what a stranger sees, and dumps of every ruleset and
// config file prove that nothing but our tagged rules changes and that undo restores it all.
const ARGS: JsonObject = { ports: [...PORTS] };
const everywhere = (kind: ProbeKind): Record<number, ProbeKind> => Object.fromEntries(PORTS.map((p) => [p, kind]));

interface Cycle {
  ctx: ModuleContext;
  change: Change;
  applied: JsonValue | undefined;
  before: Record<string, string>;
  after: Record<string, string>;
}

/**
 * inspect → diff → apply (banners on 25 and 587) → verify → a second plan is empty → undo
 * (dumps byte for byte as before, the peer blocked as before) → undo again (harmless).
 * `checkApplied` sees the host between apply and undo.
 */
async function cycle(p: Pair, backend: FirewallBackend, blockedBefore: Record<number, ProbeKind>, expectDiff: RegExp[], checkApplied: (c: Cycle) => Promise<void> | void): Promise<Change> {
  assert.deepEqual(await probes(p), blockedBefore, 'the fault blocks what it should');
  const before = await dumps(p);
  const ctx = await labContext(p.server, { realFacts: true });
  assert.ok(ctx.facts.firewall.active.includes(backend), `facts see ${backend} active: ${ctx.facts.firewall.active.join(', ')}`);
  const change = firewallModule.diff(ctx, ARGS, await firewallModule.inspect(ctx, ARGS));
  assert.ok(change, 'something to open');
  for (const re of expectDiff) assert.ok(change.diff.some((l) => re.test(l)), `diff has ${re}:\n${change.diff.join('\n')}`);
  assert.deepEqual(await dumps(p), before, 'inspect and diff change nothing');

  const applied = await firewallModule.apply(ctx, ARGS, change);
  assert.deepEqual(await probes(p), everywhere('banner'), 'the peer gets the banner on both ports');
  const outcome = await firewallModule.verify(ctx, ARGS, change);
  assert.equal(outcome.ok, true, outcome.evidence.join('\n'));
  const after = await dumps(p);
  await checkApplied({ ctx, change, applied, before, after });
  assert.equal(firewallModule.diff(ctx, ARGS, await firewallModule.inspect(ctx, ARGS)), null, 'a second run has nothing to do');

  // undo throws when it cannot restore: getting past it is its success.
  await firewallModule.undo(ctx, { args: ARGS, change, ...(applied !== undefined ? { applied } : {}) });
  assert.deepEqual(await dumps(p), before, 'undo restores every dump byte for byte');
  assert.deepEqual(await probes(p), blockedBefore, 'and the peer is blocked again, the same way');
  const again = await firewallModule.undo(ctx, { args: ARGS, change });
  assert.ok(again.every((e) => /nothing to remove|as before/.test(e)), again.join('\n'));
  assert.deepEqual(await dumps(p), before, 'a second undo changes nothing');
  return change;
}

/** apply dies at a command; undo from the journal alone (no `applied`) restores everything. */
async function partial(p: Pair, when: (argv: readonly string[]) => boolean, n = 1): Promise<void> {
  const before = await dumps(p);
  const blocked = await probes(p);
  const crashing = await labContext(p.server, { wrap: crashAt(n, when) });
  const change = firewallModule.diff(crashing, ARGS, await firewallModule.inspect(crashing, ARGS));
  assert.ok(change);
  await assert.rejects(firewallModule.apply(crashing, ARGS, change), /simulated crash/);
  assert.notDeepEqual(await dumps(p), before, 'the crash left part of the change in place');
  const ctx = await labContext(p.server);
  await firewallModule.undo(ctx, { args: ARGS, change });
  assert.deepEqual(await dumps(p), before, 'undo after a partial apply restores every dump');
  assert.deepEqual(await probes(p), blocked);
}

// iptables-nft rules show up in `nft list ruleset` too, where nft prints the xt comment match as
// nothing (hence the double space); the iptables-save dumps show the tag.
const TAGGED = (field: string, line: string): boolean => line.includes('--comment postfix-fix') || line.includes('comment "postfix-fix"') || (field === 'nftRuleset' && /^\s*tcp dport (25|587) {2}counter packets 0 bytes 0 accept$/.test(line));

interface Scenario {
  title: string;
  frontend?: Frontend;
  /** The fault, injected while the hosts come up. */
  inject: (p: Pair) => Promise<unknown>;
  run: (p: Pair) => Promise<void>;
}

const SCENARIOS: Record<string, Scenario> = {
  ipreject: {
    title: 'iptables-nft REJECT: ACCEPT before the REJECT, unrelated rules untouched, not persisted (and says so)',
    inject: (p) => injectIptablesBlock25(p.server, { action: 'reject' }),
    async run(p) {
      await cycle(
        p,
        'iptables-nft',
        { 25: 'refused', 587: 'banner' },
        [/^\+ iptables-nft -I INPUT 3 -p tcp -m tcp --dport 25 -m comment --comment postfix-fix -j ACCEPT {3}\(before: -A INPUT -p tcp -m tcp --dport 25 -j REJECT --reject-with tcp-reset\)$/, /^# not persisted: no iptables persistence is installed — netfilter-persistent \(iptables-persistent\) is not installed \(the rule is lost at reboot\)$/],
        async ({ change, before, after }) => {
          assert.equal(change.diff.filter((l) => l.startsWith('+')).length, 1, '587 is not blocked: no rule for it');
          const added = assertOnlyOurs(before, after, TAGGED);
          assert.deepEqual(added.iptablesSave, ['-A INPUT -p tcp -m tcp --dport 25 -m comment --comment postfix-fix -j ACCEPT']);
          const rules = (await p.server.execOk(['iptables-nft', '-S'])).stdout.split('\n');
          for (const l of UNRELATED_RULE_LINES) assert.ok(rules.includes(l), `unrelated rule survives: ${l}`);
          assert.equal(rules[rules.indexOf('-A INPUT -p tcp -m tcp --dport 25 -m comment --comment postfix-fix -j ACCEPT') + 1], '-A INPUT -p tcp -m tcp --dport 25 -j REJECT --reject-with tcp-reset');
        },
      );
    },
  },

  ipdrop: {
    title: 'iptables-nft DROP on 25 and 587: two ACCEPTs, persisted into rules.v4 exactly as they run; undo after a crash mid-apply',
    async inject(p) {
      await injectIptablesBlock25(p.server, { action: 'drop' });
      await p.server.execOk(['iptables-nft', '-A', 'INPUT', '-p', 'tcp', '-m', 'tcp', '--dport', '587', '-j', 'DROP']);
      // netfilter-persistent "installed": its plugin dir, and rules.v4 saved from what runs.
      await p.server.execOk(['mkdir', '-p', '/usr/share/netfilter-persistent/plugins.d', '/etc/iptables']);
      await p.server.writeFile('/etc/iptables/rules.v4', (await p.server.execOk(['iptables-nft-save'])).stdout, 0o640);
    },
    async run(p) {
      const rulesV4 = async () => p.server.readFile('/etc/iptables/rules.v4');
      const original = await rulesV4();
      await cycle(p, 'iptables-nft', everywhere('timeout'), [/^\+ iptables-nft -I INPUT 3 .*--dport 25 .*\(before: -A INPUT -p tcp -m tcp --dport 25 -j DROP\)$/, /^\+ iptables-nft -I INPUT 5 .*--dport 587 .*\(before: -A INPUT -p tcp -m tcp --dport 587 -j DROP\)$/, /^~ persist in \/etc\/iptables\/rules\.v4 \(netfilter-persistent restores it at boot\): insert "-A INPUT -p tcp -m tcp --dport 25 -m comment --comment postfix-fix -j ACCEPT" before/], async ({ before, after }) => {
        const added = assertOnlyOurs(before, after, TAGGED, ['files']);
        assert.equal(added.iptablesSave?.length, 2);
        const d = lineDiff(original, await rulesV4());
        assert.deepEqual(d.removed, []);
        assert.deepEqual(d.added, ['-A INPUT -p tcp -m tcp --dport 25 -m comment --comment postfix-fix -j ACCEPT', '-A INPUT -p tcp -m tcp --dport 587 -m comment --comment postfix-fix -j ACCEPT']);
        // What netfilter-persistent restores at boot is exactly what runs now.
        const strip = (s: string) => s.split('\n').filter((l) => !l.startsWith('#')).join('\n');
        assert.equal(strip(await rulesV4()), strip((await p.server.execOk(['iptables-nft-save'])).stdout));
      });
      assert.equal(await rulesV4(), original, 'rules.v4 restored byte for byte');
      // Dies at the second -I: one rule in, the other not, rules.v4 not yet written.
      await partial(p, (argv) => argv.includes('-I'), 2);
    },
  },

  legacy: {
    title: 'iptables-legacy REJECT: the rule goes into the legacy tables, nothing appears on the nft side',
    inject: (p) => injectIptablesBlock25(p.server, { action: 'reject', backend: 'legacy' }),
    async run(p) {
      await cycle(p, 'iptables-legacy', { 25: 'refused', 587: 'banner' }, [/^\+ iptables-legacy -I INPUT 3 .*--dport 25 .*-j ACCEPT {3}\(before: -A INPUT -p tcp -m tcp --dport 25 -j REJECT --reject-with tcp-reset\)$/], ({ before, after }) => {
        assert.deepEqual(Object.keys(assertOnlyOurs(before, after, TAGGED)), ['iptablesLegacySave']);
      });
    },
  },

  mixed: {
    title: 'mixed iptables-legacy + nft: opened in the legacy tables that block, and the plan explains the mixed state',
    inject: (p) => injectMixedIptablesBackends(p.server),
    async run(p) {
      const change = await cycle(p, 'iptables-legacy', { 25: 'timeout', 587: 'banner' }, [/^\+ iptables-legacy -I INPUT 1 .*--dport 25 .*\(before: -A INPUT -p tcp -m tcp --dport 25 -j DROP\)$/, /^# note: iptables-legacy and iptables-nft tables both hold rules \(mixed backends\).*\(iptables-legacy\)/], ({ before, after }) => {
        assert.deepEqual(Object.keys(assertOnlyOurs(before, after, TAGGED)), ['iptablesLegacySave']);
      });
      assert.ok(!change.diff.some((l) => l.startsWith('+ iptables-nft')), 'iptables-nft already accepts 25: nothing added there');
    },
  },

  nft: {
    title: 'nftables drop in its own table: accept inserted in that chain, persisted in /etc/nftables.conf; undo after a crash mid-apply',
    inject: (p) => injectNftablesBlock25(p.server, 'drop'),
    async run(p) {
      // Why not a table of our own: an accept in another base chain does not overrule the drop.
      await p.server.execOk(['nft', '-f', '-'], { input: 'table inet probe_own {\n  chain input {\n    type filter hook input priority filter - 1; policy accept;\n    tcp dport 25 accept\n  }\n}\n' });
      assert.equal((await smtpProbe(p.peer, p.addr, 25, 1_000)).kind, 'timeout', 'an accept in a table of our own does not open the port');
      await p.server.execOk(['nft', 'delete', 'table', 'inet', 'probe_own']);

      const conf = await p.server.readFile('/etc/nftables.conf');
      await cycle(p, 'nftables', { 25: 'timeout', 587: 'banner' }, [/^\+ inet local_filter input: tcp dport 25 accept comment "postfix-fix" {3}\(inserted before: tcp dport 25 drop\)$/, /^~ persist: append to \/etc\/nftables\.conf \(loaded at boot\): insert rule inet local_filter input index 0 tcp dport 25 accept comment "postfix-fix"$/], async ({ before, after }) => {
        assert.deepEqual(assertOnlyOurs(before, after, TAGGED, ['files']).nftRuleset?.map((l) => l.trim()), ['tcp dport 25 accept comment "postfix-fix"']);
        assert.deepEqual(lineDiff(conf, await p.server.readFile('/etc/nftables.conf')).removed, []);
        // Loaded in a fresh network namespace, the new file builds exactly the ruleset running now.
        const boot = await p.server.execOk(['unshare', '--net', '--', 'nft', '-i'], { input: 'include "/etc/nftables.conf"\nlist ruleset\n' });
        assert.equal(boot.stdout.trim(), (await p.server.execOk(['nft', 'list', 'ruleset'])).stdout.trim());
      });
      assert.equal(await p.server.readFile('/etc/nftables.conf'), conf);
      // Dies at `nft -c` (the config check): rule live, config not yet written.
      await partial(p, (argv) => argv[0] === 'nft' && argv.includes('-c'));
    },
  },

  ufw: {
    title: 'ufw enabled, default deny: `ufw allow N/tcp comment postfix-fix` for both ports; undo after a crash mid-apply',
    frontend: 'ufw',
    inject: (p) => injectUfwDenyIncoming(p.server),
    async run(p) {
      const ufwOurs = (field: string, line: string): boolean =>
        field === 'ufwStatus' ? line.includes('# postfix-fix') : field === 'iptablesSave' || field === 'ip6tablesSave' ? /^-A ufw6?-user-input -p tcp -m tcp --dport (25|587) -j ACCEPT$/.test(line) : field === 'nftRuleset' ? /^\s*tcp dport (25|587) counter packets 0 bytes 0 accept$/.test(line) : false;
      await cycle(p, 'ufw', everywhere('timeout'), [/^\+ ufw allow 25\/tcp comment postfix-fix$/, /^\+ ufw allow 587\/tcp comment postfix-fix$/, /^~ ufw saves it in \/etc\/ufw\/user\.rules and \/etc\/ufw\/user6\.rules/], ({ before, after }) => {
        const added = assertOnlyOurs(before, after, ufwOurs, ['files']);
        assert.equal(added.ufwStatus?.length, 4, 'two rules, each for IPv4 and IPv6');
      });
      await partial(p, (argv) => argv[0] === 'ufw' && argv.includes('allow'), 2);
    },
  },

  ufwdeny: {
    title: 'ufw with a broader deny and a same-match deny: insert before one, replace the other; undo puts both back',
    frontend: 'ufw',
    async inject(p) {
      await p.server.execOk(['ufw', 'deny', '25']);
      await p.server.execOk(['ufw', 'deny', '587/tcp', 'comment', 'no submission here']);
      await injectUfwDenyIncoming(p.server);
    },
    async run(p) {
      await cycle(p, 'ufw', everywhere('timeout'), [/^\+ ufw insert 1 allow 25\/tcp comment postfix-fix {3}\(before ufw rule 1, "deny 25", which blocks it\)$/, /^- ufw deny 587\/tcp comment 'no submission here'/, /^\+ ufw allow 587\/tcp comment postfix-fix/], async () => {
        const status = (await p.server.execOk(['ufw', 'status'])).stdout;
        assert.match(status, /587\/tcp\s+ALLOW\s+Anywhere\s+# postfix-fix/);
        assert.doesNotMatch(status, /no submission here/);
      });
      assert.match((await p.server.execOk(['ufw', 'status'])).stdout, /587\/tcp\s+DENY\s+Anywhere\s+# no submission here/);
    },
  },

  fwd: {
    title: 'firewalld public zone: smtp and smtp-submission, runtime and permanent, no reload; zone files restored; undo after a crash mid-apply',
    frontend: 'firewalld',
    inject: (p) => injectFirewalldPublic(p.server),
    async run(p) {
      // A runtime-only rule of someone else's: a --reload would drop it; we never reload.
      await p.server.execOk(['firewall-cmd', '--zone=public', '--add-port=2525/tcp']);
      const fwdOurs = (field: string, line: string): boolean => (field === 'nftRuleset' ? /^\s*tcp dport (25|587) accept$/.test(line) : false);
      await cycle(p, 'firewalld', everywhere('unreachable'), [/^\+ firewall-cmd --zone=public --add-service=smtp --add-service=smtp-submission {3}\(runtime: opens 25\/tcp, 587\/tcp now\)$/, /^~ firewall-cmd --permanent --zone=public --add-service=smtp --add-service=smtp-submission {3}\(permanent: kept across reload and reboot; no --reload/], async ({ before, after }) => {
        assertOnlyOurs(before, after, fwdOurs, ['files', 'firewalldRuntime', 'firewalldPermanent']);
        for (const side of ['firewalldRuntime', 'firewalldPermanent']) assert.equal(after[side]?.replace(/ smtp-submission(?=[ \n])| smtp(?=[ \n])/g, ''), before[side], `${side}: only our services added`);
        assert.match((await p.server.execOk(['firewall-cmd', '--zone=public', '--list-ports'])).stdout, /2525\/tcp/, 'the runtime-only rule is still there');
      });
      // Dies at the first --permanent: both runtime services in, nothing permanent yet.
      await partial(p, (argv) => argv[0] === 'firewall-cmd' && argv.includes('--permanent') && argv.some((a) => a.startsWith('--add-')));
    },
  },
};

describe('firewall module: real firewalls in lab hosts', function () {
  this.timeout(180_000);
  // Every scenario gets its own server and peer and runs as soon as its fault is in, all at once
  // (the time goes into waiting: DROP timeouts, Python tools starting); each `it` reports its own.
  const results = new Map<string, Promise<void>>();

  before(async function () {
    const pairs: Array<Promise<Pair>> = [];
    for (const [name, sc] of Object.entries(SCENARIOS)) {
      const pair = makePair(`fw${name}`, sc.frontend ?? null).then(async (p) => (await sc.inject(p), p));
      const done = pair.then((p) => sc.run(p));
      done.catch(() => undefined); // reported by its own `it`
      results.set(name, done);
      pairs.push(pair);
    }
    // Hosts up and faults in before any test is timed.
    await Promise.all(pairs);
  });

  for (const [name, sc] of Object.entries(SCENARIOS)) it(sc.title, () => results.get(name));
});
