// The two modules behind the client's runbooks. fail2ban: driven against a stand-in for
// fail2ban-client that keeps its bans and ignore lists in memory (the real one runs in the e2e
// lab: test/e2e/runbooks/fail2ban-unban.test.ts); the drop-in lands in a scratch root.
// postconf-add: what "already there" means for inet_interfaces and mynetworks.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHostFs } from '../../../src/exec/host-fs.js';
import { dialSmtp } from '../../../src/exec/dial.js';
import { NotApplicable } from '../../../src/core/errors.js';
import { dropinContent, dropinPath, fail2banModule } from '../../../src/modules/fail2ban/module.js';
import { addInterfaces, addNetworks, checkNetwork } from '../../../src/modules/postconf/add.js';
import { baseFacts, debianProfile } from '../helpers/context.js';
import type { CommandResult, Executor } from '../../../src/core/exec.js';
import type { ModuleContext } from '../../../src/modules/types.js';

/** fail2ban-client, in memory: jail → banned addresses and ignoreip. */
function fakeFail2ban(jails: Record<string, { banned: string[]; ignoreip: string[]; configured?: boolean }>, alive = true, configOk = true) {
  const calls: string[] = [];
  const ok = (argv: readonly string[], stdout: string): CommandResult => ({ argv, exitCode: 0, signal: null, stdout, stderr: '', durationMs: 1, timedOut: false, notFound: false });
  const exec: Executor = {
    has: (p) => p === 'fail2ban-client',
    async run(argv) {
      const [tool, cmd, a, b, c] = argv;
      if (tool !== 'fail2ban-client') throw new Error(`unexpected ${argv.join(' ')}`);
      calls.push(argv.slice(1).join(' '));
      if (!alive) return { ...ok(argv, ''), exitCode: 255, stderr: 'ERROR  Failed to access socket path' };
      if (cmd === 'ping') return ok(argv, 'Server replied: pong\n');
      if (cmd === '-d') return ok(argv, Object.entries(jails).filter(([, j]) => j.configured).map(([n, j]) => `['set', '${n}', 'addignoreip', ${j.ignoreip.map((x) => `'${x}'`).join(', ')}]`).join('\n') + '\n');
      if (cmd === '-t') return configOk ? ok(argv, 'OK: configuration test is successful\n') : { ...ok(argv, ''), exitCode: 255, stderr: 'ERROR: test configuration failed' };
      if (cmd === 'banned') return ok(argv, `[[${Object.entries(jails).filter(([, j]) => j.banned.includes(a as string)).map(([n]) => `'${n}'`).join(', ')}]]\n`);
      const jail = jails[a as string];
      if (!jail) return { ...ok(argv, ''), exitCode: 255 };
      if (cmd === 'get' && b === 'bantime') return ok(argv, '3600\n');
      if (cmd === 'get' && b === 'ignoreip') return ok(argv, jail.ignoreip.length ? `These IP addresses/networks are ignored:\n${jail.ignoreip.map((x, i) => `${i === jail.ignoreip.length - 1 ? '`' : '|'}- ${x}`).join('\n')}\n` : 'No IP address/network is ignored\n');
      if (cmd === 'set' && b === 'unbanip') jail.banned = jail.banned.filter((x) => x !== c);
      else if (cmd === 'set' && b === 'banip') jail.banned.push(c as string);
      else if (cmd === 'set' && b === 'addignoreip') jail.ignoreip.push(c as string);
      else if (cmd === 'set' && b === 'delignoreip') jail.ignoreip = jail.ignoreip.filter((x) => x !== c);
      else return { ...ok(argv, ''), exitCode: 255 };
      return ok(argv, '1\n');
    },
  };
  return { exec, calls, jails };
}

function ctxWith(exec: Executor): { ctx: ModuleContext; root: string } {
  const root = mkdtempSync(join(tmpdir(), 'pf-f2b-mod-'));
  mkdirSync(join(root, 'etc/fail2ban/jail.d'), { recursive: true });
  return { ctx: { exec, fs: createHostFs(root), facts: baseFacts(), profile: debianProfile(), dialer: dialSmtp, deadline: Number.POSITIVE_INFINITY, runDir: null }, root };
}

const ADDR = '10.231.0.2';

describe('modules for the client\'s runbooks', () => {
  describe('fail2ban', () => {
    it('lifts exactly that client\'s ban in the jails named, leaves every other ban, and undo bans it again', async () => {
      const f = fakeFail2ban({ postfix: { banned: [ADDR, '203.0.113.77'], ignoreip: [] }, sshd: { banned: [ADDR], ignoreip: [] } });
      const { ctx } = ctxWith(f.exec);
      const args = { address: ADDR, jails: ['postfix'] };
      const change = fail2banModule.diff(ctx, args, await fail2banModule.inspect(ctx, args));
      assert.ok(change);
      assert.deepEqual(change.diff.filter((l) => l.startsWith('~ fail2ban-client')), [`~ fail2ban-client set postfix unbanip ${ADDR}`]);
      await fail2banModule.apply(ctx, args, change);
      assert.deepEqual(f.jails.postfix?.banned, ['203.0.113.77']);
      assert.deepEqual(f.jails.sshd?.banned, [ADDR], 'a jail not named keeps its ban');
      assert.equal((await fail2banModule.verify(ctx, args, change)).ok, true);
      assert.ok(!f.calls.some((c) => /^(stop|unban|reload|restart)\b/.test(c)), f.calls.join('\n'));
      // Nothing left to do: a second run changes nothing.
      assert.equal(fail2banModule.diff(ctx, args, await fail2banModule.inspect(ctx, args)), null);
      await fail2banModule.undo(ctx, { args, change });
      assert.deepEqual(f.jails.postfix?.banned, ['203.0.113.77', ADDR]);
    });

    it('ignore=true: addignoreip now, and a jail.d drop-in keeping what fail2ban already ignores; undo takes both back', async () => {
      const f = fakeFail2ban({ postfix: { banned: [ADDR], ignoreip: ['127.0.0.0/8'], configured: true } });
      const { ctx, root } = ctxWith(f.exec);
      const args = { address: ADDR, jails: ['postfix'], ignore: true };
      const change = fail2banModule.diff(ctx, args, await fail2banModule.inspect(ctx, args));
      assert.ok(change);
      const file = join(root, dropinPath('/etc/fail2ban/jail.d', ADDR));
      assert.equal(dropinPath('/etc/fail2ban/jail.d/', 'fd00::2'), '/etc/fail2ban/jail.d/postfix-fix-ignore-fd00--2.local');
      assert.ok(change.diff.includes('+ ignoreip = %(known/ignoreip)s 10.231.0.2'), change.diff.join('\n'));
      await fail2banModule.apply(ctx, args, change);
      assert.equal(readFileSync(file, 'utf8'), dropinContent(ADDR, ['postfix'], { postfix: true }));
      assert.ok(f.calls.includes('-t'), 'fail2ban checked its configuration with the drop-in');
      assert.deepEqual(f.jails.postfix?.ignoreip, ['127.0.0.0/8', ADDR]);
      assert.equal((await fail2banModule.verify(ctx, args, change)).ok, true);
      await fail2banModule.undo(ctx, { args, change });
      assert.equal(existsSync(file), false);
      assert.deepEqual(f.jails.postfix, { banned: [ADDR], ignoreip: ['127.0.0.0/8'], configured: true });
    });

    it('a jail whose configuration sets no ignoreip gets the client alone (`known/` would have nothing to refer to); a refused configuration is taken back', async () => {
      assert.match(dropinContent(ADDR, ['postfix'], {}), /^ignoreip = 10\.231\.0\.2$/m);
      assert.match(dropinContent(ADDR, ['postfix'], { postfix: true }), /^ignoreip = %\(known\/ignoreip\)s 10\.231\.0\.2$/m);
      const f = fakeFail2ban({ postfix: { banned: [ADDR], ignoreip: [] } }, true, false);
      const { ctx, root } = ctxWith(f.exec);
      const args = { address: ADDR, jails: ['postfix'], ignore: true };
      const change = fail2banModule.diff(ctx, args, await fail2banModule.inspect(ctx, args));
      assert.ok(change);
      await assert.rejects(fail2banModule.apply(ctx, args, change), /does not accept its configuration/);
      assert.equal(existsSync(join(root, dropinPath('/etc/fail2ban/jail.d', ADDR))), false);
    });

    it('fail2ban not answering: not applicable (nothing to lift), never a stop or start', async () => {
      const f = fakeFail2ban({}, false);
      const { ctx } = ctxWith(f.exec);
      await assert.rejects(async () => fail2banModule.inspect(ctx, { address: ADDR, jails: ['postfix'] }), NotApplicable);
      assert.deepEqual(f.calls, ['ping']);
    });

    it('its args refuse what is not one address or a jail name', async () => {
      const { ctx } = ctxWith(fakeFail2ban({}).exec);
      await assert.rejects(async () => fail2banModule.inspect(ctx, { address: '10.0.0.0/8', jails: ['postfix'] }), /address/);
      await assert.rejects(async () => fail2banModule.inspect(ctx, { address: ADDR, jails: ['postfix; rm -rf /'] }), /jails\[0\]/);
      await assert.rejects(async () => fail2banModule.inspect(ctx, { address: ADDR, jails: [] }), /jails/);
    });
  });

  describe('postconf-add', () => {
    it('inet_interfaces: `all` already covers it; loopback-only is spelled out before the bridge is added', () => {
      assert.equal(addInterfaces('all', ['172.17.0.1'], ['127.0.0.1']), null);
      assert.equal(addInterfaces('loopback-only', ['172.17.0.1'], ['127.0.0.1', '[::1]']), '127.0.0.1, [::1], 172.17.0.1');
      assert.equal(addInterfaces('localhost', ['172.17.0.1'], ['127.0.0.1']), '127.0.0.1, 172.17.0.1');
      assert.equal(addInterfaces('127.0.0.1, 192.0.2.10', ['192.0.2.10'], []), null);
      assert.equal(addInterfaces('127.0.0.1 [fd00::1]', ['fd00::1', '172.17.0.1'], []), '127.0.0.1, [fd00::1], 172.17.0.1');
    });

    it('mynetworks: a network inside a listed one is already trusted; only private networks no wider than /12 are ever added', () => {
      assert.equal(addNetworks('127.0.0.0/8 [::1]/128', ['172.17.0.0/16']), '127.0.0.0/8 [::1]/128 172.17.0.0/16');
      assert.equal(addNetworks('127.0.0.0/8, 172.16.0.0/12', ['172.17.0.0/16']), null);
      assert.equal(checkNetwork('172.17.0.0/16'), null);
      assert.equal(checkNetwork('[fd00:1:2:3::]/64'), null);
      assert.match(checkNetwork('0.0.0.0/0') ?? '', /not a private network/);
      assert.match(checkNetwork('203.0.113.0/24') ?? '', /not a private network/);
      assert.match(checkNetwork('10.0.0.0/8') ?? '', /wider than \/12/);
    });
  });
});
