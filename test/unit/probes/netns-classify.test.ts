import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DialResult } from '../../../src/core/dial.js';

// The TCP classification proven for real: a child process in its own network namespace dials a
// peer namespace across a veth pair — a listener, a closed port, an iptables DROP, an nft
// `reject with icmpx admin-prohibited`, a silent listener, and an address with no route.
describe('exec/dial: classification in throwaway network namespaces', function () {
  this.timeout(30_000);
  let results: DialResult[] = [];

  before(function () {
    if (process.getuid?.() !== 0 || spawnSync('unshare', ['--net', 'true']).status !== 0) this.skip();
    const child = fileURLToPath(new URL('./helpers/netns-dial-child.ts', import.meta.url));
    const repo = fileURLToPath(new URL('../../../', import.meta.url));
    const r = spawnSync('unshare', ['--net', '--', process.execPath, '--import', 'tsx', child], { cwd: repo, encoding: 'utf8', timeout: 25_000 });
    if (r.status !== 0) throw new Error(`netns child failed: ${r.stderr}`);
    results = JSON.parse(r.stdout.trim().split('\n').pop() ?? '[]') as DialResult[];
  });

  const at = (port: number) => results.find((r) => r.port === port) as DialResult;

  it('a listener greets: banner', () => {
    assert.equal(at(2525).outcome, 'banner');
    assert.equal(at(2525).banner, '220 peer ESMTP');
  });
  it('nothing listening: refused (RST)', () => assert.equal(at(2526).outcome, 'refused'));
  it('iptables DROP: timeout', () => {
    assert.equal(at(2527).outcome, 'timeout');
    assert.ok(at(2527).ms >= 750);
  });
  it('nft reject icmpx admin-prohibited: unreachable', () => {
    assert.equal(at(2528).outcome, 'unreachable');
    assert.equal(at(2528).detail, 'EHOSTUNREACH');
  });
  it('a silent listener: banner-timeout', () => assert.equal(at(2529).outcome, 'banner-timeout'));
  it('no route: unreachable (ENETUNREACH)', () => assert.deepEqual([at(25).outcome, at(25).detail], ['unreachable', 'ENETUNREACH']));
});
