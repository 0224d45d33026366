// dist/postfix-fix-standalone.mjs is the file to copy to a server by itself: it must run with a
// plain Node.js >= 18 and nothing else — no node_modules, no runbooks directory beside it (it
// carries its runbooks and profiles: scripts/build.mjs embeds them).
//
// Proven on a Debian 12 host booted with systemd (systemd-nspawn), whose rootfs has no
// node_modules anywhere: the file alone in an empty directory, run with Debian 12's own Node 18
// (installed from Debian's packages, see debs.ts) and with the machine's Node 20.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { CONTAINER_NODE_BIN, NspawnHost } from '../lab/index.js';
import { REPO_ROOT } from '../lab/paths.js';
import { DEBIAN_NODEJS, installDebsIn } from './debs.js';
import probeSchema from '../../../schemas/probe-report.schema.json' with { type: 'json' };
import { validateWith } from '../../../src/core/validate.js';
import type { ProbeReport } from '../../../src/probes/client/types.js';

const SKIP = process.env['POSTFIX_FIX_LAB_SKIP_NSPAWN'] === '1';
const BUNDLE = join(REPO_ROOT, 'dist', 'postfix-fix-standalone.mjs');
const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const yamlCount = (dir: string): number => readdirSync(join(REPO_ROOT, dir)).filter((f) => /\.ya?ml$/.test(f)).length;
const DIR = '/root/standalone';
const FILE = `${DIR}/postfix-fix-standalone.mjs`;

describe('e2e packaging: the standalone bundle, alone, on plain Node 18 and 20', function () {
  this.timeout(120_000);
  let host: NspawnHost | undefined;

  before(async function () {
    if (SKIP) {
      console.log('      skipped: POSTFIX_FIX_LAB_SKIP_NSPAWN=1 (the standalone bundle was not tested)');
      this.skip();
    }
    this.timeout(10 * 60_000);
    host = await NspawnHost.create({ name: 'standalone' });
    await installDebsIn(host, DEBIAN_NODEJS);
    await host.execOk(['mkdir', '-p', DIR]);
    await host.writeFile(FILE, readFileSync(BUNDLE), 0o755);
  });

  after(async () => {
    await host?.destroy();
  });

  const h = (): NspawnHost => {
    if (!host) throw new Error('no host');
    return host;
  };

  it('imports nothing but Node built-ins (static and dynamic imports)', () => {
    const text = readFileSync(BUNDLE, 'utf8');
    const specifiers = [
      ...[...text.matchAll(/\bimport\s*(?:[\w$]+\s*,?\s*)?(?:\*\s*as\s+[\w$]+\s*|\{[^}]*\}\s*)?(?:from\s*)?["']([^"']+)["']/g)].map((m) => m[1] as string),
      ...[...text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1] as string),
    ];
    assert.ok(specifiers.includes('node:fs'), 'the pattern finds the imports');
    const foreign = [...new Set(specifiers)].filter((s) => !s.startsWith('node:') && !builtinModules.includes(s));
    assert.deepEqual(foreign, []);
  });

  it('sits alone in an empty directory, where no dependency of postfix-fix can be resolved', async () => {
    assert.equal((await h().execOk(['ls', '-A', DIR])).stdout, 'postfix-fix-standalone.mjs\n');
    // No node_modules on its module path (Debian's nodejs keeps its own modules in
    // /usr/share/nodejs and /usr/lib/*/nodejs: none of them is a dependency of postfix-fix).
    for (const dir of [`${DIR}/node_modules`, '/root/node_modules', '/node_modules']) assert.notEqual((await h().exec(['test', '-e', dir])).code, 0, dir);
    const deps = Object.keys((JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies);
    const probe = `const r = require('node:module').createRequire(${JSON.stringify(FILE)}); const found = []; for (const d of ${JSON.stringify(deps)}) { try { r.resolve(d); found.push(d); } catch {} } console.log(JSON.stringify(found));`;
    for (const node of ['/usr/bin/node', CONTAINER_NODE_BIN]) {
      const r = await h().execOk([node, '-e', probe]);
      assert.equal(r.stdout.trim(), '[]', `${node} resolves ${r.stdout}`);
    }
  });

  for (const [label, node, major] of [['Node 18 (Debian 12)', '/usr/bin/node', 18], ['Node 20 (the machine\'s)', CONTAINER_NODE_BIN, 20]] as const) {
    describe(`with ${label}`, () => {
      const cli = (args: string[], env?: Record<string, string>) => h().exec(['sh', '-c', `cd ${DIR} && exec "$@"`, 'sh', node, FILE, ...args], { timeoutMs: 60_000, ...(env ? { env } : {}) });

      it(`is Node ${major}`, async () => {
        assert.match((await h().execOk([node, '--version'])).stdout, new RegExp(`^v${major}\\.`));
      });

      it('--version', async () => {
        const r = await cli(['--version']);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, `postfix-fix ${VERSION}\n`);
      });

      it('validate: its built-in runbooks and profiles are all there and valid', async () => {
        const r = await cli(['validate']);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, `valid: ${yamlCount('runbooks')} runbook(s), ${yamlCount('distro-profiles')} profile(s)\n`);
        const list = JSON.parse((await cli(['list', '--json'])).stdout) as { runbooks: Array<{ file: string }> };
        assert.ok(list.runbooks.length > 0 && list.runbooks.every((rb) => rb.file.startsWith('<built-in>/runbooks/')), JSON.stringify(list.runbooks.map((rb) => rb.file)));
      });

      it('probe (what a client machine runs with the one file): dials, judges, reports; bad input exits 2', async () => {
        const active = (await h().exec(['systemctl', 'is-active', 'postfix@-.service'])).stdout.trim() === 'active';
        const r = await cli(['probe', '127.0.0.1', '--port', '25,2', '--json', '--timeout', '10']);
        assert.equal(r.code, 4, `port 2 never greets: exit 4\n${r.stdout}${r.stderr}`);
        const report = JSON.parse(r.stdout) as ProbeReport;
        assert.deepEqual(validateWith(probeSchema, report), []);
        assert.deepEqual(report.results.map((x) => [x.address, x.port, x.outcome]), [['127.0.0.1', 25, active ? 'banner' : 'refused'], ['127.0.0.1', 2, 'refused']]);
        assert.equal(report.results[1]?.refusal, 'reset', 'the ICMP counters are read there too');
        const text = await cli(['probe', '127.0.0.1', '--timeout', '10']);
        assert.equal(text.code, active ? 0 : 4, text.stdout);
        assert.match(text.stdout, /^[✓✗!] 127\.0\.0\.1: /);
        const bad = await cli(['probe', '127.0.0.1', '--port', '70000']);
        assert.equal(bad.code, 2);
        assert.match(bad.stderr, /--port "70000": not a TCP port/);
      });

      it('diagnose --offline runs and names the host', async () => {
        const r = await cli(['diagnose', '--offline', '--json']);
        assert.ok([0, 7].includes(r.code), `exit ${r.code}\n${r.stderr}`);
        const report = JSON.parse(r.stdout) as { host: { hostname: string; serviceManager: string } };
        assert.equal(report.host.hostname, 'standalone');
        assert.equal(report.host.serviceManager, 'systemd');
      });
    });
  }

  it('POSTFIX_FIX_DATA_DIR still overrides the built-in catalog', async () => {
    const first = readdirSync(join(REPO_ROOT, 'runbooks')).filter((f) => f.endsWith('.yaml')).sort()[0] as string;
    await h().execOk(['mkdir', '-p', '/root/data/runbooks', '/root/data/distro-profiles']);
    await h().writeFile(`/root/data/runbooks/${first}`, readFileSync(join(REPO_ROOT, 'runbooks', first)));
    for (const f of readdirSync(join(REPO_ROOT, 'distro-profiles')).filter((n) => n.endsWith('.yaml'))) {
      await h().writeFile(`/root/data/distro-profiles/${f}`, readFileSync(join(REPO_ROOT, 'distro-profiles', f)));
    }
    const r = await h().exec(['/usr/bin/node', FILE, 'validate'], { env: { POSTFIX_FIX_DATA_DIR: '/root/data' } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `valid: 1 runbook(s), ${yamlCount('distro-profiles')} profile(s)\n`);
  });
});
