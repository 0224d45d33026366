import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHostFs } from '../../../../src/exec/host-fs.js';
import { gatherFirewall, outsideInterfaces } from '../../../../src/facts/firewall/gather.js';
import { debianProfile } from '../../helpers/context.js';
import { fakeExec } from '../../probes/helpers/fake-exec.js';
import { fixture } from '../fixture.js';
import type { Script } from '../../probes/helpers/fake-exec.js';
import type { NetworkFacts } from '../../../../src/facts/types.js';
import { dialSmtp } from '../../../../src/exec/dial.js';

const network: NetworkFacts = {
  interfaces: [
    { name: 'lo', up: true, loopback: true, addresses: [{ family: 4, address: '127.0.0.1', prefixLength: 8 }] },
    { name: 'eth0', up: true, loopback: false, addresses: [{ family: 4, address: '10.99.0.1', prefixLength: 24 }] },
  ],
  ipv6Available: false,
  defaultRoutes: [{ family: 4, iface: 'eth0' }],
};

function ctx(scripts: Script[], installed: string[], ipTablesNames: string | null = '') {
  const root = mkdtempSync(join(tmpdir(), 'pf-fw-'));
  if (ipTablesNames !== null) {
    mkdirSync(join(root, 'proc/1/net'), { recursive: true });
    writeFileSync(join(root, 'proc/1/net/ip_tables_names'), ipTablesNames);
  }
  const exec = fakeExec(scripts, installed);
  return { c: { exec, fs: createHostFs(root), profile: debianProfile(), dialer: dialSmtp, deadline: Date.now() + 5_000 }, exec };
}

const notes: Array<[string, string]> = [];
const note = (f: string, m: string) => notes.push([f, m]);
const ALL = ['firewall-cmd', 'ufw', 'nft', 'iptables-nft-save', 'iptables-legacy-save'];

describe('facts/firewall: gatherFirewall', () => {
  it('ufw active (its chains in iptables-nft): ufw is the backend, judged through its chains; python only when needed', async () => {
    const { c, exec } = ctx(
      [
        { argv: ['nft', '-j', 'list', 'ruleset'], result: { stdout: fixture('nft-j-ufw.json') } },
        { argv: ['iptables-nft-save'], result: { stdout: fixture('iptables-nft-save-ufw.txt') } },
        { argv: ['ufw', 'status', 'verbose'], result: { stdout: fixture('ufw-status-verbose.txt') } },
      ],
      ALL,
    );
    const fw = await gatherFirewall(c, note, [{ pid: 1, comm: 'sleep' }], network);
    assert.deepEqual(fw.active, ['ufw']);
    assert.deepEqual(fw.installed, ['firewalld', 'ufw', 'nftables', 'iptables-nft', 'iptables-legacy']);
    assert.deepEqual(fw.verdicts?.map((v) => `${v.backend} ${v.port} ${v.verdict}`), ['ufw 25 drop', 'ufw 587 allow', 'ufw 465 drop']);
    assert.ok(!exec.calls.some((x) => x.argv[0] === 'firewall-cmd'), 'no firewalld process: not asked');
    assert.ok(!exec.calls.some((x) => x.argv[0] === 'iptables-legacy-save'), 'no legacy tables: not asked');
  });

  it('firewalld running: asked with --state, judged through its nftables table', async () => {
    const { c } = ctx(
      [
        { argv: ['firewall-cmd', '--state'], result: { stdout: 'running\n' } },
        { argv: ['nft', '-j', 'list', 'ruleset'], result: { stdout: fixture('nft-j-firewalld-default.json') } },
        { argv: ['iptables-nft-save'], result: { stdout: '' } },
      ],
      ALL,
    );
    const fw = await gatherFirewall(c, note, [{ pid: 300, comm: 'firewalld' }], network);
    assert.deepEqual(fw.active, ['firewalld']);
    assert.equal(fw.verdicts?.find((v) => v.port === 25)?.verdict, 'reject');
  });

  it('legacy rules beside nft-side rules: mixed; both judged', async () => {
    const { c } = ctx(
      [
        { argv: ['nft', '-j', 'list', 'ruleset'], result: { stdout: fixture('nft-j-iptables-nft.json') } },
        { argv: ['iptables-nft-save'], result: { stdout: fixture('iptables-nft-save-drop25.txt') } },
        { argv: ['iptables-legacy-save'], result: { stdout: fixture('iptables-legacy-save.txt') } },
      ],
      ALL,
      'filter\n',
    );
    const fw = await gatherFirewall(c, note, [], network);
    assert.deepEqual(fw.active, ['iptables-nft', 'iptables-legacy']);
    assert.equal(fw.mixedIptables, true);
    assert.deepEqual(fw.verdicts?.filter((v) => v.port === 25).map((v) => `${v.backend} ${v.verdict}`), ['iptables-nft drop', 'iptables-legacy allow']);
  });

  it('a tool that fails is noted, not guessed', async () => {
    notes.length = 0;
    const { c } = ctx([{ argv: ['nft'], result: { exitCode: 1, stderr: 'Error: Operation not permitted' } }, { argv: ['iptables-nft-save'], result: { stdout: '' } }], ALL);
    const fw = await gatherFirewall(c, note, [], network);
    assert.deepEqual(fw.active, []);
    assert.deepEqual(notes.map((n) => n[0]), ['firewall.nftables']);
  });

  it('judges strangers arriving where the default route leaves', () => {
    assert.deepEqual(outsideInterfaces(network), [{ name: 'eth0', v4: ['10.99.0.1'] }]);
    assert.deepEqual(outsideInterfaces({ interfaces: [], ipv6Available: false }), [{ name: '(outside)', v4: [] }]);
  });
});
