// --from and --port: checked before anything runs; a name is resolved (here by a stand-in
// resolver: tests never ask this machine's DNS), and bad input is a usage error naming the flag.
import assert from 'node:assert/strict';
import { parseCommandArgs } from '../../../src/cli/args.js';
import { clientQuery } from '../../../src/cli/client-args.js';
import { symptomFlags } from '../../../src/core/client.js';
import { ExitCode } from '../../../src/core/exit-codes.js';
import { UserError } from '../../../src/core/errors.js';

const resolver = (table: Record<string, string[]>) => async (name: string): Promise<string[]> => {
  const found = table[name];
  if (!found) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return found;
};

const parse = (cmd: string, argv: string[], table: Record<string, string[]> = {}) => clientQuery(parseCommandArgs(cmd, argv), resolver(table));

async function usage(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof UserError, String(e));
    assert.equal(e.exitCode, ExitCode.InvalidInput);
    assert.match(e.message, pattern);
    return true;
  });
}

describe('cli: --from and --port', () => {
  it('neither: no symptom; on diagnose, plan and run alike', async () => {
    for (const cmd of ['diagnose', 'plan', 'run']) assert.equal(await parse(cmd, []), null);
  });

  it('addresses as given (IPv6 compressed the way fail2ban and ss print it), ports in order, once each', async () => {
    assert.deepEqual(await parse('diagnose', ['--from', '203.0.113.7', '--port', '587', '--port', '465', '--port', '587']), { address: '203.0.113.7', name: null, ports: [587, 465] });
    assert.deepEqual(await parse('plan', ['--from', '[2001:DB8:0:0::7]']), { address: '2001:db8::7', name: null, ports: null });
    assert.deepEqual(await parse('run', ['--from', '::ffff:192.0.2.1']), { address: '192.0.2.1', name: null, ports: null });
    assert.deepEqual(await parse('diagnose', ['--port', '2525']), { address: null, name: null, ports: [2525] });
  });

  it('a name: resolved, the IPv4 address first, the name kept to show', async () => {
    assert.deepEqual(await parse('diagnose', ['--from', 'office.example'], { 'office.example': ['2001:db8::9', '198.51.100.9'] }), { address: '198.51.100.9', name: 'office.example', ports: null });
  });

  it('bad input: exit 2 with the reason', async () => {
    await usage(parse('diagnose', ['--from', 'not a host']), /^--from "not a host": not an IP address or a host name/);
    await usage(parse('diagnose', ['--from', '300.1.2.3']), /not an IP address or a host name/);
    await usage(parse('run', ['--from', 'nowhere.invalid']), /^--from nowhere\.invalid: the name does not resolve \(ENOTFOUND\)/);
    await usage(parse('plan', ['--port', '0']), /^--port "0": not a TCP port/);
    await usage(parse('plan', ['--port', '65536']), /not a TCP port/);
    await usage(parse('plan', ['--port', 'smtp']), /not a TCP port/);
    assert.throws(() => parseCommandArgs('apply', ['x.json', '--from', '1.2.3.4']), /Unknown option '--from'/);
  });

  it('the flags that repeat a symptom, for the commands diagnose suggests', () => {
    assert.deepEqual(symptomFlags({ address: '203.0.113.7', name: 'office.example', ports: [587] }), ['--from', '203.0.113.7', '--port', '587']);
    assert.deepEqual(symptomFlags(null), []);
  });
});
