import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHostFs } from '../../../src/exec/host-fs.js';
import { osFactsFromFields, osReleaseFromTexts, parseOsRelease, readOsRelease } from '../../../src/facts/os-release.js';
import type { OsFacts } from '../../../src/facts/types.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/os-release');
const fixture = (name: string): Promise<string> => readFile(join(FIXTURES, name), 'utf8');

// Every fixture is the real text of that release's /etc/os-release.
const EXPECTED: Record<string, OsFacts> = {
  'debian-10': { id: 'debian', idLike: [], versionId: '10', prettyName: 'Debian GNU/Linux 10 (buster)' },
  'debian-11': { id: 'debian', idLike: [], versionId: '11', prettyName: 'Debian GNU/Linux 11 (bullseye)' },
  'debian-12': { id: 'debian', idLike: [], versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
  'debian-13': { id: 'debian', idLike: [], versionId: '13', prettyName: 'Debian GNU/Linux 13 (trixie)' },
  'debian-sid': { id: 'debian', idLike: [], versionId: '', prettyName: 'Debian GNU/Linux forky/sid' },
  'ubuntu-20.04': { id: 'ubuntu', idLike: ['debian'], versionId: '20.04', prettyName: 'Ubuntu 20.04.6 LTS' },
  'ubuntu-22.04': { id: 'ubuntu', idLike: ['debian'], versionId: '22.04', prettyName: 'Ubuntu 22.04.4 LTS' },
  'ubuntu-24.04': { id: 'ubuntu', idLike: ['debian'], versionId: '24.04', prettyName: 'Ubuntu 24.04 LTS' },
  'rhel-7.9': { id: 'rhel', idLike: ['fedora'], versionId: '7.9', prettyName: 'Red Hat Enterprise Linux Server 7.9 (Maipo)' },
  'centos-7': { id: 'centos', idLike: ['rhel', 'fedora'], versionId: '7', prettyName: 'CentOS Linux 7 (Core)' },
  'rhel-8.10': { id: 'rhel', idLike: ['fedora'], versionId: '8.10', prettyName: 'Red Hat Enterprise Linux 8.10 (Ootpa)' },
  'rhel-9.4': { id: 'rhel', idLike: ['fedora'], versionId: '9.4', prettyName: 'Red Hat Enterprise Linux 9.4 (Plow)' },
  'centos-stream-9': { id: 'centos', idLike: ['rhel', 'fedora'], versionId: '9', prettyName: 'CentOS Stream 9' },
  'rocky-8.10': { id: 'rocky', idLike: ['rhel', 'centos', 'fedora'], versionId: '8.10', prettyName: 'Rocky Linux 8.10 (Green Obsidian)' },
  'rocky-9.4': { id: 'rocky', idLike: ['rhel', 'centos', 'fedora'], versionId: '9.4', prettyName: 'Rocky Linux 9.4 (Blue Onyx)' },
  'almalinux-9.4': { id: 'almalinux', idLike: ['rhel', 'centos', 'fedora'], versionId: '9.4', prettyName: 'AlmaLinux 9.4 (Seafoam Ocelot)' },
  'oraclelinux-8.10': { id: 'ol', idLike: ['fedora'], versionId: '8.10', prettyName: 'Oracle Linux Server 8.10' },
  'oraclelinux-9.4': { id: 'ol', idLike: ['fedora'], versionId: '9.4', prettyName: 'Oracle Linux Server 9.4' },
  'fedora-40': { id: 'fedora', idLike: [], versionId: '40', prettyName: 'Fedora Linux 40 (Server Edition)' },
  'amzn-2': { id: 'amzn', idLike: ['centos', 'rhel', 'fedora'], versionId: '2', prettyName: 'Amazon Linux 2' },
  'amzn-2023': { id: 'amzn', idLike: ['fedora'], versionId: '2023', prettyName: 'Amazon Linux 2023.4.20240528' },
  'amzn-2018.03': { id: 'amzn', idLike: ['rhel', 'fedora'], versionId: '2018.03', prettyName: 'Amazon Linux AMI 2018.03' },
  'sles-15-sp5': { id: 'sles', idLike: ['suse'], versionId: '15.5', prettyName: 'SUSE Linux Enterprise Server 15 SP5' },
  'opensuse-leap-15.5': { id: 'opensuse-leap', idLike: ['suse', 'opensuse'], versionId: '15.5', prettyName: 'openSUSE Leap 15.5' },
  'opensuse-tumbleweed': { id: 'opensuse-tumbleweed', idLike: ['opensuse', 'suse'], versionId: '20240609', prettyName: 'openSUSE Tumbleweed' },
  'alpine-3.19': { id: 'alpine', idLike: [], versionId: '3.19.1', prettyName: 'Alpine Linux v3.19' },
  'alpine-3.20': { id: 'alpine', idLike: [], versionId: '3.20.0', prettyName: 'Alpine Linux v3.20' },
  arch: { id: 'arch', idLike: [], versionId: '', prettyName: 'Arch Linux' },
  'linuxmint-21.3': { id: 'linuxmint', idLike: ['ubuntu', 'debian'], versionId: '21.3', prettyName: 'Linux Mint 21.3' },
  'pop-22.04': { id: 'pop', idLike: ['ubuntu', 'debian'], versionId: '22.04', prettyName: 'Pop!_OS 22.04 LTS' },
};

const parse = (text: string): Map<string, string> => {
  const r = parseOsRelease(text);
  assert.deepEqual(r.skipped, [], 'no skipped lines expected');
  return r.fields;
};

describe('os-release parsing', () => {
  describe('real files', () => {
    for (const [name, expected] of Object.entries(EXPECTED)) {
      it(`${name}`, async () => {
        const text = await fixture(name);
        const r = parseOsRelease(text);
        assert.deepEqual(r.skipped, []);
        assert.deepEqual(osFactsFromFields(r.fields), expected);
      });
    }

    it('keeps every field, not only the four OsFacts uses', async () => {
      const fields = parse(await fixture('rocky-9.4'));
      assert.equal(fields.get('SUPPORT_END'), '2032-05-31');
      assert.equal(fields.get('CPE_NAME'), 'cpe:/o:rocky:rocky:9::baseos');
      const fedora = parse(await fixture('fedora-40'));
      assert.equal(fedora.get('VERSION_CODENAME'), '');
    });

    it('skips Tumbleweed’s commented-out VERSION and CPE lines', async () => {
      const fields = parse(await fixture('opensuse-tumbleweed'));
      assert.equal(fields.has('VERSION'), false);
      assert.equal(fields.get('CPE_NAME'), 'cpe:2.3:o:opensuse:tumbleweed:20240609:*:*:*:*:*:*:*');
    });
  });

  describe('quoting (os-release(5), POSIX sh rules) without evaluating anything', () => {
    it('double quotes: \\ escapes only $ ` " \\ and newline; other backslashes stay', () => {
      const f = parse('A="a \\"quoted\\" \\$HOME \\`x\\` back\\\\slash \\n stays"\n');
      assert.equal(f.get('A'), 'a "quoted" $HOME `x` back\\slash \\n stays');
    });

    it('single quotes are literal, backslashes included', () => {
      assert.equal(parse("A='ends in \\'\n").get('A'), 'ends in \\');
      assert.equal(parse(`B='a \\" $x'\n`).get('B'), 'a \\" $x');
    });

    it('never expands $VAR, $(…) or backticks: quoted, they are literal text', () => {
      const f = parse('B="$(id)"\nC=`id`\nD=${HOME}\nE=\'$(touch /tmp/pwned)\'\n');
      assert.equal(f.get('B'), '$(id)');
      assert.equal(f.get('C'), '`id`');
      assert.equal(f.get('D'), '${HOME}');
      assert.equal(f.get('E'), '$(touch /tmp/pwned)');
    });

    it('skips an unquoted command substitution instead of half-reading it', () => {
      const r = parseOsRelease('A=$(touch /tmp/pwned)\nB=$(id)\nID=x\n');
      assert.deepEqual([...r.fields.keys()], ['ID']);
      assert.deepEqual(r.skipped.map((s) => s.line), [1, 2]);
    });

    it('unquoted: backslash escapes the next character', () => {
      assert.equal(parse('A=a\\ b\\$c\n').get('A'), 'a b$c');
    });

    it('concatenates adjacent quoted and unquoted parts, as sh would', () => {
      assert.equal(parse(`A="a b"'c d'e\n`).get('A'), 'a bc de');
    });

    it('a double-quoted value may span lines; backslash-newline continues a line', () => {
      const f = parse('A="one\ntwo"\nB="x\\\ny"\nC=p\\\nq\n');
      assert.equal(f.get('A'), 'one\ntwo');
      assert.equal(f.get('B'), 'xy');
      assert.equal(f.get('C'), 'pq');
    });

    it('ignores comments, blank lines, indentation, trailing comments and CRLF', () => {
      const f = parse('# comment\n\n   \n  ID=debian # trailing\r\nVERSION_ID="12"   \r\n\t# indented comment\n');
      assert.deepEqual([...f.entries()], [
        ['ID', 'debian'],
        ['VERSION_ID', '12'],
      ]);
    });

    it('a later assignment wins; empty values are kept as empty', () => {
      const f = parse('ID=one\nID=two\nEMPTY=\nEMPTY2=""\n');
      assert.equal(f.get('ID'), 'two');
      assert.equal(f.get('EMPTY'), '');
      assert.equal(f.get('EMPTY2'), '');
    });

    it('accepts a leading `export`', () => {
      assert.equal(parse('export ID=alpine\n').get('ID'), 'alpine');
    });

    it('reports, and ignores, lines that are not plain assignments', () => {
      const r = parseOsRelease('ID=debian\nrm -rf /\nNAME=a b\nX="unterminated\nY=a;Z=b\n1BAD=x\nVERSION_ID=12\nlower_case=ok\n');
      assert.deepEqual(Object.fromEntries(r.fields), { ID: 'debian', VERSION_ID: '12', lower_case: 'ok' });
      assert.deepEqual(
        r.skipped.map((s) => [s.line, s.text]),
        [
          [2, 'rm -rf /'],
          [3, 'NAME=a b'],
          [4, 'X="unterminated'],
          [5, 'Y=a;Z=b'],
          [6, '1BAD=x'],
        ],
      );
      assert.match(r.skipped[2]?.why ?? '', /unterminated double quote/);
    });

    it('an unterminated quote costs only its own line', () => {
      const r = parseOsRelease("A='open\nID=arch\n");
      assert.equal(r.fields.get('ID'), 'arch');
      assert.equal(r.skipped.length, 1);
    });
  });

  describe('OsFacts from fields', () => {
    it('splits ID_LIKE on any whitespace and lower-cases IDs', () => {
      const facts = osFactsFromFields(new Map([['ID', 'Pop'], ['ID_LIKE', '  Ubuntu\tdebian  '], ['PRETTY_NAME', 'x']]));
      assert.deepEqual(facts, { id: 'pop', idLike: ['ubuntu', 'debian'], versionId: '', prettyName: 'x' });
    });

    it('uses the os-release(5) defaults when keys are missing', () => {
      assert.deepEqual(osFactsFromFields(new Map()), { id: 'linux', idLike: [], versionId: '', prettyName: 'Linux' });
      assert.equal(osFactsFromFields(new Map([['NAME', 'Foo'], ['VERSION', '1 (x)']])).prettyName, 'Foo 1 (x)');
    });
  });

  describe('which file', () => {
    it('/etc/os-release wins whenever it exists', () => {
      const r = osReleaseFromTexts('ID=etc\n', 'ID=usrlib\n');
      assert.equal(r.source, '/etc/os-release');
      assert.equal(r.facts.id, 'etc');
    });

    it('falls back to /usr/lib/os-release when /etc/os-release is absent', () => {
      const r = osReleaseFromTexts(null, 'ID=usrlib\n');
      assert.equal(r.source, '/usr/lib/os-release');
      assert.equal(r.facts.id, 'usrlib');
    });

    it('says so when neither exists', () => {
      const r = osReleaseFromTexts(null, null);
      assert.equal(r.source, null);
      assert.equal(r.facts.id, 'linux');
    });

    describe('through HostFs', () => {
      let root: string;
      beforeEach(async () => {
        root = await mkdtemp(join(tmpdir(), 'os-release-'));
        await mkdir(join(root, 'etc'));
        await mkdir(join(root, 'usr/lib'), { recursive: true });
      });
      afterEach(async () => {
        await rm(root, { recursive: true, force: true });
      });

      it('follows the usual /etc → /usr/lib symlink', async () => {
        await writeFile(join(root, 'usr/lib/os-release'), await fixture('debian-12'));
        await symlink('../usr/lib/os-release', join(root, 'etc/os-release'));
        const r = await readOsRelease(createHostFs(root));
        assert.equal(r.source, '/etc/os-release');
        assert.deepEqual(r.facts, EXPECTED['debian-12']);
      });

      it('falls back when /etc/os-release is missing or a dangling symlink', async () => {
        await writeFile(join(root, 'usr/lib/os-release'), await fixture('arch'));
        assert.equal((await readOsRelease(createHostFs(root))).source, '/usr/lib/os-release');
        await symlink('../nowhere/os-release', join(root, 'etc/os-release'));
        const r = await readOsRelease(createHostFs(root));
        assert.equal(r.source, '/usr/lib/os-release');
        assert.equal(r.facts.id, 'arch');
      });

      it('reports no source when neither file exists', async () => {
        const r = await readOsRelease(createHostFs(root));
        assert.equal(r.source, null);
        assert.deepEqual(r.facts, { id: 'linux', idLike: [], versionId: '', prettyName: 'Linux' });
      });
    });
  });
});
