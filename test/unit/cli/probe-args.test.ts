// probe's input: ports and the target, refused before anything is dialled.
import assert from 'node:assert/strict';
import { parsePorts, parseTarget } from '../../../src/cli/commands/probe.js';
import { isUserError } from '../../../src/core/errors.js';

const rejects = (fn: () => unknown, re: RegExp): void => {
  assert.throws(fn, (e: unknown) => isUserError(e) && e.exitCode === 2 && re.test(e.format()));
};

describe('cli/probe: ports and target', () => {
  it('--port: default 25; repeatable or comma-separated; duplicates once', () => {
    assert.deepEqual(parsePorts([]), [25]);
    assert.deepEqual(parsePorts(['587', '25,465', '587']), [587, 25, 465]);
    assert.deepEqual(parsePorts(['1', '65535']), [1, 65535]);
  });

  it('--port outside 1–65535, or not a number: exit 2 with the reason', () => {
    for (const bad of ['0', '65536', '70000', '-1', '25x', '', '2.5', '1e3', '000000025']) rejects(() => parsePorts([bad]), /not a TCP port \(expected a whole number from 1 to 65535/);
  });

  it('TARGET: a name or an address; anything else is bad input, with a hint for a mail address', () => {
    for (const ok of ['example.org', 'mx1', '192.0.2.1', '2001:db8::1', '[2001:db8::1]']) assert.equal(parseTarget(ok), ok);
    rejects(() => parseTarget('bob@example.org'), /not an address or a host name[\s\S]*postfix-fix probe example\.org/);
    rejects(() => parseTarget('smtp://example.org'), /not an address or a host name/);
    rejects(() => parseTarget(''), /not an address or a host name/);
  });
});
