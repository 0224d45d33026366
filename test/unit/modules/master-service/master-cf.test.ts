// postconf's master.cf layout, as recorded from Postfix 3.7 (`postconf -M`/`-P` output).
import assert from 'node:assert/strict';
import { applyMasterEdit, entryParams, formatEntry, splitEntry } from '../../../../src/modules/master-service/master-cf.js';

describe('master-service: master.cf as postconf writes it', () => {
  it('fields at Postfix\'s columns, each -o on its own line, long argument lists folded before column 80', () => {
    assert.equal(formatEntry(splitEntry('smtp inet n - y - - smtpd')), 'smtp       inet  n       -       y       -       -       smtpd\n');
    assert.equal(formatEntry(splitEntry('submission inet n - y - - smtpd -o syslog_name=postfix/submission')), 'submission inet  n       -       y       -       -       smtpd\n    -o syslog_name=postfix/submission\n');
    assert.equal(formatEntry(splitEntry('submissions inet n - y - - smtpd')), 'submissions inet n       -       y       -       -       smtpd\n');
    const v = Array(30).fill('-v').join(' ');
    assert.equal(formatEntry(splitEntry(`longone inet n - y - - smtpd ${v}`)), `longone    inet  n       -       y       -       -       smtpd -v -v -v -v -v\n    ${Array(25).fill('-v').join(' ')}\n`);
  });

  it('reads -o in every spelling Postfix accepts, and prints a value with blanks in braces', () => {
    const argv = splitEntry('sub inet n - y - - smtpd -osyslog_name=x -o { smtpd_client_restrictions = permit_sasl_authenticated, reject }');
    assert.deepEqual(entryParams(argv), [['syslog_name', 'x'], ['smtpd_client_restrictions', 'permit_sasl_authenticated, reject']]);
    assert.equal(formatEntry(argv), 'sub        inet  n       -       y       -       -       smtpd\n    -o syslog_name=x\n    -o {smtpd_client_restrictions=permit_sasl_authenticated, reject}\n');
  });

  it('-P rewrites the entry in place; comments inside it, and up to the next entry, go above it', () => {
    const text = 'a unix - - n - - x\nsub inet n - y - - smtpd\n# inside\n  -o syslog_name=x\n\n# after\nb unix - - n - - y\n';
    assert.equal(
      applyMasterEdit(text, { kind: 'set-params', service: 'sub', type: 'inet', params: [['syslog_name', 'y'], ['smtpd_sasl_auth_enable', 'yes']] }),
      'a unix - - n - - x\n# inside\n\n# after\nsub        inet  n       -       y       -       -       smtpd\n    -o syslog_name=y\n    -o smtpd_sasl_auth_enable=yes\nb unix - - n - - y\n',
    );
  });

  it('-MX drops the entry and its continuation lines, not the comments; -M of a new service appends it', () => {
    const text = 'sub inet n - y - - smtpd\n# inside\n  -o syslog_name=x\nb unix - - n - - y\n';
    assert.equal(applyMasterEdit(text, { kind: 'remove', service: 'sub', type: 'inet' }), '# inside\nb unix - - n - - y\n');
    assert.equal(applyMasterEdit(text, { kind: 'add', argv: splitEntry('smtp inet n - y - - smtpd') }), `${text}smtp       inet  n       -       y       -       -       smtpd\n`);
    assert.equal(applyMasterEdit(text, { kind: 'remove', service: 'none', type: 'inet' }), text);
  });
});
