// Runs inside a fresh network namespace (the test starts it with `unshare --net`): builds a peer
// namespace on a veth pair, serves and firewalls ports there, and classifies a dial to each with
// the real dialSmtp. Prints one JSON line. Nothing here can touch the machine's own network.

import { spawn, spawnSync } from 'node:child_process';
import { dialSmtp } from '../../../../src/exec/dial.js';
import type { ChildProcess } from 'node:child_process';

const children: ChildProcess[] = [];
const sh = (argv: string[]): void => {
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
};

const SERVER = `
const net = require('node:net');
net.createServer((s) => { s.write('220 peer ESMTP\\r\\n'); s.on('data', (d) => { if (String(d).includes('QUIT')) s.end('221 bye\\r\\n'); }); }).listen(2525, '0.0.0.0');
net.createServer(() => {}).listen(2529, '0.0.0.0');
setInterval(() => {}, 1000);
`;

async function main(): Promise<void> {
  try {
    sh(['ip', 'link', 'set', 'lo', 'up']);
    const peer = spawn('unshare', ['--net', 'sleep', '60'], { stdio: 'ignore' });
    children.push(peer);
    await new Promise((r) => setTimeout(r, 100));
    const pid = String(peer.pid);
    sh(['ip', 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pid]);
    sh(['ip', 'addr', 'add', '10.233.0.1/24', 'dev', 'veth0']);
    sh(['ip', 'link', 'set', 'veth0', 'up']);
    const inPeer = (argv: string[]): void => sh(['nsenter', '-t', pid, '-n', '--', ...argv]);
    inPeer(['ip', 'link', 'set', 'lo', 'up']);
    inPeer(['ip', 'addr', 'add', '10.233.0.2/24', 'dev', 'eth0']);
    inPeer(['ip', 'link', 'set', 'eth0', 'up']);
    inPeer(['iptables-nft', '-A', 'INPUT', '-p', 'tcp', '--dport', '2527', '-j', 'DROP']);
    inPeer(['nft', 'add', 'table', 'inet', 'lab']);
    inPeer(['nft', 'add', 'chain', 'inet', 'lab', 'input', '{ type filter hook input priority 0; policy accept; }']);
    inPeer(['nft', 'add', 'rule', 'inet', 'lab', 'input', 'tcp', 'dport', '2528', 'reject', 'with', 'icmpx', 'type', 'admin-prohibited']);
    const server = spawn('nsenter', ['-t', pid, '-n', '--', process.execPath, '-e', SERVER], { stdio: 'ignore' });
    children.push(server);
    for (let i = 0; i < 50; i++) {
      const probe = await dialSmtp('10.233.0.2', 2525, { connectTimeoutMs: 200, bannerTimeoutMs: 200 });
      if (probe.outcome === 'banner') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const opts = { connectTimeoutMs: 800, bannerTimeoutMs: 800 };
    const targets: Array<[string, number]> = [['10.233.0.2', 2525], ['10.233.0.2', 2526], ['10.233.0.2', 2527], ['10.233.0.2', 2528], ['10.233.0.2', 2529], ['10.250.0.1', 25]];
    const results = await Promise.all(targets.map(([h, p]) => dialSmtp(h, p, opts)));
    process.stdout.write(JSON.stringify(results) + '\n');
  } finally {
    for (const c of children) c.kill('SIGKILL');
  }
}

main().catch((e: unknown) => {
  for (const c of children) c.kill('SIGKILL');
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
