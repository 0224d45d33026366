import assert from 'node:assert/strict';
import { mirrorFromDeb822, mirrorFromOneLine } from './mirror.js';

describe('lab: Debian mirror discovery', function () {
  it('takes the main suite stanza of a deb822 sources file, not -security', function () {
    const text = [
      'Types: deb',
      'URIs: http://security.example/debian-security',
      'Suites: bookworm-security',
      'Components: main',
      '',
      'Types: deb deb-src',
      'URIs: http://mirror.example/debian',
      'Suites: bookworm bookworm-updates',
      'Components: main',
    ].join('\n');
    assert.equal(mirrorFromDeb822(text), 'http://mirror.example/debian');
  });

  it('reads one-line sources.list entries, with or without options', function () {
    assert.equal(mirrorFromOneLine('# comment\ndeb [arch=amd64] http://m.example/debian bookworm main\n'), 'http://m.example/debian');
    assert.equal(mirrorFromOneLine('deb http://m.example/debian bookworm main'), 'http://m.example/debian');
    assert.equal(mirrorFromOneLine(''), undefined);
  });
});
