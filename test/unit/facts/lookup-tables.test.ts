// Lookup tables: which specs are indexed, where they are named, and missing/stale/current judged
// from the files' times (in a scratch root, with real stat()).

import assert from 'node:assert/strict';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHostFs } from '../../../src/exec/host-fs.js';
import { judgeTables, parameterLines, tableSpecs } from '../../../src/facts/lookup-tables.js';
import { scratchDir } from '../helpers/context.js';

describe('facts/lookup-tables', () => {
  it('finds indexed specs in a value, proxy: unwrapped, other table types ignored', () => {
    assert.deepEqual(
      tableSpecs('permit_mynetworks, check_client_access hash:/etc/postfix/access, proxy:lmdb:/etc/postfix/v regexp:/etc/postfix/r cidr:/x inline:{a=b}').map((t) => t.spec),
      ['hash:/etc/postfix/access', 'lmdb:/etc/postfix/v'],
    );
  });

  it('reads `postconf -x` and `postconf -Px` lines alike', () => {
    assert.deepEqual(parameterLines('alias_maps = hash:/etc/aliases\nsubmission/inet/smtpd_client_restrictions = check_client_access cdb:/etc/postfix/sub\n'), [
      ['alias_maps', 'hash:/etc/aliases'],
      ['submission/inet/smtpd_client_restrictions', 'check_client_access cdb:/etc/postfix/sub'],
    ]);
  });

  it('missing, stale and current; caches and source-less tables are not judged; aliases known', async () => {
    const s = scratchDir();
    try {
      const at = (p: string, secondsAgo: number, text = 'x\n'): void => {
        mkdirSync(join(s.dir, p, '..'), { recursive: true });
        writeFileSync(join(s.dir, p), text);
        const t = new Date(Date.now() - secondsAgo * 1000);
        utimesSync(join(s.dir, p), t, t);
      };
      at('etc/postfix/never', 600);
      at('etc/postfix/old', 60);
      at('etc/postfix/old.db', 600);
      at('etc/postfix/fine', 600);
      at('etc/postfix/fine.lmdb', 60);
      at('etc/aliases', 600);
      const tables = await judgeTables(createHostFs(s.dir), [
        ['smtpd_client_restrictions', 'check_client_access hash:/etc/postfix/never, hash:/etc/postfix/old'],
        ['submission/inet/smtpd_recipient_restrictions', 'check_recipient_access lmdb:/etc/postfix/fine hash:/etc/postfix/never'],
        ['alias_maps', 'hash:/etc/aliases'],
        ['address_verify_map', 'btree:/var/lib/postfix/verify_cache'],
        ['virtual_alias_maps', 'hash:/etc/postfix/no-source'],
      ]);
      const by = Object.fromEntries(tables.map((t) => [t.spec, t]));
      assert.deepEqual(Object.keys(by).sort(), ['hash:/etc/aliases', 'hash:/etc/postfix/never', 'hash:/etc/postfix/old', 'lmdb:/etc/postfix/fine']);
      assert.equal(by['hash:/etc/postfix/never']?.state, 'missing');
      assert.deepEqual(by['hash:/etc/postfix/never']?.usedBy, ['smtpd_client_restrictions', 'submission/inet/smtpd_recipient_restrictions']);
      assert.equal(by['hash:/etc/postfix/old']?.state, 'stale');
      assert.equal(by['lmdb:/etc/postfix/fine']?.state, 'current');
      assert.deepEqual([by['hash:/etc/aliases']?.state, by['hash:/etc/aliases']?.aliases, by['hash:/etc/aliases']?.compiled], ['missing', true, '/etc/aliases.db']);
    } finally {
      s.cleanup();
    }
  });
});
