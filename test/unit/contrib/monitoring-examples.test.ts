// The Nagios and Icinga 2 examples shipped in the .deb (/usr/share/doc/postfix-fix/examples) run
// exactly the command their sudoers rule allows — sudo refuses any other — and that command is a
// valid `diagnose --format nagios` of the installed program. No wildcard in the rule: extra
// arguments (`--format json --out FILE`) would let the monitoring user write any file as root.
// (The installed package runs the NRPE line for real: test/e2e/packaging/deb.test.ts.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { choiceOpt, parseCommandArgs, stringOpt } from '../../../src/cli/args.js';

const read = (f: string): string => readFileSync(new URL(`../../../contrib/monitoring/${f}`, import.meta.url), 'utf8');
const NAGIOS = read('nagios-postfix-fix.cfg');
const ICINGA = read('icinga2-postfix-fix.conf');

function sudoersRule(text: string): string {
  const rules = [...text.matchAll(/^\s*(?:#|\/\/)\s+nagios ALL=\(root\) NOPASSWD: (.+)$/gm)].map((m) => (m[1] as string).trim());
  assert.equal(rules.length, 1, 'one sudoers rule');
  return rules[0] as string;
}

function assertValidCheck(command: string): void {
  const [program, sub, ...args] = command.split(' ');
  assert.equal(program, '/usr/bin/postfix-fix', 'the path the .deb installs');
  assert.equal(sub, 'diagnose');
  const a = parseCommandArgs('diagnose', args);
  assert.equal(choiceOpt(a, 'format', ['text', 'markdown', 'json', 'nagios', 'prometheus'] as const, 'text'), 'nagios');
  assert.equal(stringOpt(a, 'out'), undefined);
}

describe('contrib/monitoring: the shipped Nagios and Icinga examples', () => {
  it('each has one exact sudoers rule, without a wildcard, for a valid diagnose --format nagios', () => {
    for (const text of [NAGIOS, ICINGA]) {
      const rule = sudoersRule(text);
      assert.doesNotMatch(rule, /[*?[\]\\]/, 'no sudoers wildcard');
      assertValidCheck(rule);
    }
    assert.equal(sudoersRule(NAGIOS), sudoersRule(ICINGA));
  });

  it('Nagios: the NRPE command and the local command run exactly what sudo allows, never prompting', () => {
    const rule = sudoersRule(NAGIOS);
    const nrpe = /^#\s+command\[check_postfix_fix\]=\/usr\/bin\/sudo -n (.+)$/m.exec(NAGIOS);
    assert.equal(nrpe?.[1], rule);
    const local = /^#\s+command_line\s+\/usr\/bin\/sudo -n (.+)$/m.exec(NAGIOS);
    assert.equal(local?.[1], rule);
    assert.match(NAGIOS, /^ {4}command_line {4}\/usr\/lib\/nagios\/plugins\/check_nrpe -H \$HOSTADDRESS\$ -t \d+ -c check_postfix_fix$/m);
    // Every define block is closed.
    assert.equal((NAGIOS.match(/^define \w+ \{$/gm) ?? []).length, (NAGIOS.match(/^\}$/gm) ?? []).length);
  });

  it('Icinga 2: the CheckCommand runs exactly what sudo allows, never prompting', () => {
    const m = /object CheckCommand "postfix-fix" \{\n\s+command = \[ (.+) \]/.exec(ICINGA);
    assert.ok(m, 'a CheckCommand with a command array');
    const argv = [...(m[1] as string).matchAll(/"([^"]*)"/g)].map((x) => x[1] as string);
    assert.deepEqual(argv.slice(0, 2), ['/usr/bin/sudo', '-n']);
    assert.equal(argv.slice(2).join(' '), sudoersRule(ICINGA));
    assert.doesNotMatch(ICINGA, /^\s*arguments\s*=/m, 'no arguments the sudoers rule would refuse');
    assert.equal((ICINGA.match(/\{/g) ?? []).length, (ICINGA.match(/\}/g) ?? []).length);
  });
});
