// The watch policy as an administrator writes it: defaults from the schema, every mistake at
// file:line:column (all of them at once), http(s) webhooks only, and the shipped example valid.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError, UserErrors } from '../../../../src/core/errors.js';
import { ExitCode } from '../../../../src/core/exit-codes.js';
import { asRunPolicy, describeTargets, loadWatchPolicy, unsafeOwnership, webhookUrlProblem } from '../../../../src/engine/watch/policy.js';
import { scratchDir } from '../../helpers/context.js';
import type { Scratch } from '../../helpers/context.js';

const KNOWN = new Set(['postfix-service', 'main-cf-permissions', 'firewall', 'selinux']);
const EXAMPLE = new URL('../../../../contrib/watch/watch.yaml', import.meta.url).pathname;

describe('engine/watch: the watch policy', () => {
  let s: Scratch;
  beforeEach(() => (s = scratchDir('pf-watch-policy-')));
  afterEach(() => s.cleanup());
  const file = (text: string): string => {
    const f = join(s.dir, 'watch.yaml');
    writeFileSync(f, text);
    return f;
  };
  const problems = (text: string): string[] => {
    try {
      loadWatchPolicy(file(text), KNOWN);
    } catch (e) {
      assert.ok(e instanceof UserError, String(e));
      assert.equal(e.exitCode, ExitCode.InvalidInput);
      return (e instanceof UserErrors ? e.errors : [e]).map((x) => x.format());
    }
    assert.fail('expected the policy to be refused');
  };

  it('a minimal policy gets the schema\'s defaults: max_risk low, 3 fixes per cause per hour, syslog on', () => {
    const p = loadWatchPolicy(file('allow: [postfix-service]\n'), KNOWN);
    assert.deepEqual(p, { file: join(s.dir, 'watch.yaml'), maxRisk: 'low', allow: ['postfix-service'], maxFixesPerCausePerHour: 3, notify: { syslog: true, hook: null, webhook: null } });
    assert.deepEqual(asRunPolicy(p), { file: p.file, maxRisk: 'low', allow: ['postfix-service'] });
  });

  it('reads the hook and the webhook, with their defaults, in milliseconds', () => {
    const p = loadWatchPolicy(
      file(`max_risk: medium
forbid: [selinux]
max_fixes_per_cause_per_hour: 5
notify:
  syslog: false
  hook: { command: [/usr/local/bin/alert, --json] }
  webhook:
    url: https://user:secret@hooks.example.org/T0/abc?token=xyz
    retries: 0
    headers: { Authorization: Bearer sekrit }
`),
      KNOWN,
    );
    assert.equal(p.maxRisk, 'medium');
    assert.deepEqual(p.forbid, ['selinux']);
    assert.equal(p.maxFixesPerCausePerHour, 5);
    assert.deepEqual(p.notify.hook, { command: ['/usr/local/bin/alert', '--json'], timeoutMs: 10_000 });
    assert.deepEqual(p.notify.webhook, { url: 'https://user:secret@hooks.example.org/T0/abc?token=xyz', timeoutMs: 5_000, retries: 0, headers: { Authorization: 'Bearer sekrit' } });
    // What log lines say about the targets: never the webhook's credentials, path or query.
    assert.deepEqual(describeTargets(p), ['hook /usr/local/bin/alert', 'webhook https://hooks.example.org']);
  });

  it('every mistake at once, each at its file:line:column', () => {
    const f = join(s.dir, 'watch.yaml');
    const got = problems(`max_risk: lowest
allow: [postfix-service, no-such-runbook]
max_fixes_per_cause_per_hour: 0
notify:
  hook:
    command: [notify-send, hi]
    timeout: 0
  webhook:
    url: https://example.org/x
    retries: 9
  pager: yes
`);
    assert.deepEqual(got.sort(), [
      `${f}:11:3: notify.pager: unknown field "pager" (expected one of: syslog, hook, webhook)`,
      `${f}:1:11: max_risk: value not allowed (expected one of "low", "medium", "high")`,
      `${f}:2:26: allow[1]: unknown runbook "no-such-runbook" (expected one of: firewall, main-cf-permissions, postfix-service, selinux)`,
      `${f}:3:31: max_fixes_per_cause_per_hour: number out of range (expected >= 1)`,
      `${f}:6:15: notify.hook.command[0]: value has the wrong format (expected a string matching ^/)`,
      `${f}:7:14: notify.hook.timeout: number out of range (expected > 0)`,
      `${f}:10:14: notify.webhook.retries: number out of range (expected <= 5)`,
    ].sort());
  });

  for (const [url, why] of [
    ['ftp://hooks.example.org/x', 'the scheme "ftp" is not allowed'],
    ['file:///etc/shadow', 'the scheme "file" is not allowed'],
    ['javascript:alert(1)', 'the scheme "javascript" is not allowed'],
    ['hooks.example.org/x', 'not a URL'],
  ] as const) {
    it(`a webhook URL that is not http(s) is refused at load: ${url}`, () => {
      const f = join(s.dir, 'watch.yaml');
      assert.deepEqual(problems(`notify:\n  webhook:\n    url: "${url}"\n`), [`${f}:3:11: notify.webhook.url: ${why} (expected an http:// or https:// URL)`]);
    });
  }

  it('http and https URLs are fine', () => {
    assert.equal(webhookUrlProblem('http://10.0.0.1:8080/hook'), null);
    assert.equal(webhookUrlProblem('https://[2001:db8::1]/hook'), null);
  });

  it('not a mapping, empty, bad YAML: refused with a position', () => {
    const f = join(s.dir, 'watch.yaml');
    assert.deepEqual(problems('- max_risk: low\n'), [`${f}:1:1: a watch policy must be a YAML mapping (expected max_risk, allow, forbid, max_fixes_per_cause_per_hour, notify)`]);
    assert.deepEqual(problems('# nothing\n'), [`${f}:1:1: file is empty (expected a YAML mapping)`]);
    assert.match(problems('max_risk: [low\n')[0] as string, new RegExp(`^${f}:2:1: YAML syntax error`));
  });

  it('a policy file that is not there: refused (the default path hint is proven in the lab: test/e2e/cli/watch.test.ts)', () => {
    assert.throws(
      () => loadWatchPolicy(join(s.dir, 'missing.yaml'), KNOWN),
      (e: UserError) => e.format() === `${join(s.dir, 'missing.yaml')}:1:1: cannot read file: no such file`,
    );
  });

  it('run as root, a policy someone else could have written is refused: it decides what root runs', () => {
    const f = file('allow: [postfix-service]\n');
    chmodSync(f, 0o664);
    assert.throws(() => loadWatchPolicy(f, KNOWN), (e: UserError) => e.format() === `${f}:1:1: the watch policy is writable by its group (mode 0664): it decides what root runs unattended\n  chown root:root ${f} && chmod 0600 ${f}`);
    chmodSync(f, 0o646);
    assert.match(unsafeOwnership(f, 0) ?? '', /writable by everyone \(mode 0646\)/);
    chmodSync(f, 0o644);
    chownSync(f, 65534, 0);
    assert.equal(unsafeOwnership(f, 0), 'the watch policy is owned by uid 65534, not root: it decides what root runs unattended');
    assert.equal(unsafeOwnership(f, 1000), null, 'not root: nothing to protect (and nothing it may fix)');
  });

  it('the example shipped in the .deb is valid and cautious: low risk, Postfix restarts, syslog only', () => {
    // A copy, as the administrator installs it (the checkout may belong to another user).
    const p = loadWatchPolicy(file(readFileSync(EXAMPLE, 'utf8')), KNOWN);
    assert.equal(p.maxRisk, 'low');
    assert.deepEqual(p.allow, ['postfix-service', 'main-cf-permissions']);
    assert.equal(p.maxFixesPerCausePerHour, 3);
    assert.deepEqual(p.notify, { syslog: true, hook: null, webhook: null });
  });
});
