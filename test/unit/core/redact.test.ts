import assert from 'node:assert/strict';
import { Journal, readJournal } from '../../../src/engine/journal.js';
import type { JournalRecord } from '../../../src/engine/journal.js';
import { formatAuditLine } from '../../../src/exec/audit.js';
import { REDACTED, Redactor, isSensitiveParam, redactArgv, redactorFor, secretsInMainCf } from '../../../src/core/redact.js';
import { renderPlanText } from '../../../src/report/plan-text.js';
import { applyPostconfEdits } from '../../../src/modules/postconf/main-cf.js';
import { unifiedDiff } from '../../../src/modules/text-diff.js';
import type { Plan } from '../../../src/engine/plan-types.js';
import { scratchDir } from '../helpers/context.js';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';

const MAIN_CF = [
  'myhostname = mx.example.org',
  'smtp_sasl_auth_enable = yes',
  'relayhost = [smtp.example.com]:587',
  'smtp_tls_key_file = /etc/ssl/private/mx.key',
  'smtp_sasl_password_maps = inline:{',
  '    [smtp.example.com]:587=relayuser:Tr0ub4dor&3 }',
  'inet_interfaces = loopback-only',
  '',
].join('\n');
const SECRET = 'relayuser:Tr0ub4dor&3';

describe('redact', () => {
  it('knows which parameters carry secrets, and that key/cert file paths do not', () => {
    for (const n of ['smtp_sasl_password_maps', 'lmtp_sasl_password_maps', 'foo_password', 'x_passwd', 'api_secret', 'dkim_key', 'bot_token']) assert.ok(isSensitiveParam(n), n);
    for (const n of ['smtpd_tls_key_file', 'smtp_tls_cert_file', 'inet_interfaces', 'relayhost', 'smtp_sasl_auth_enable', 'key', 'token']) assert.ok(!isSensitiveParam(n), n);
  });

  it('hides values in main.cf lines, command words and change summaries, and leaves the rest alone', () => {
    const r = new Redactor();
    const cases: Array<[string, string]> = [
      ['smtp_sasl_password_maps = inline:{ [h]:587=u:secret1 }', `smtp_sasl_password_maps = inline:{ [h]:587=${REDACTED} }`],
      ['smtp_sasl_password_maps = inline:{ { [h]:587 = u:two words, comma } }', `smtp_sasl_password_maps = inline:{ { [h]:587 = ${REDACTED} } }`],
      ['smtp_sasl_password_maps = static:bob:hunter2', `smtp_sasl_password_maps = static:${REDACTED}`],
      ['smtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd', 'smtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd'],
      ["~ postconf -e 'ldap_bind_password=s3cr3t' 'inet_interfaces=all'", `~ postconf -e 'ldap_bind_password=${REDACTED}' 'inet_interfaces=all'`],
      ['ldap_bind_password: (empty) → s3cr3t; then reload Postfix if running', `ldap_bind_password: (empty) → ${REDACTED}; then reload Postfix if running`],
      ['relayhost = smtp://bob:pa55w0rd@relay.example.com:587', `relayhost = smtp://bob:${REDACTED}@relay.example.com:587`],
      ['inet_interfaces = all', 'inet_interfaces = all'],
      ['smtpd_tls_key_file = /etc/ssl/private/key.pem', 'smtpd_tls_key_file = /etc/ssl/private/key.pem'],
    ];
    for (const [input, want] of cases) assert.equal(r.text(input), want, input);
  });

  it('learns secrets from main.cf, so a diff context line without its parameter is caught too', () => {
    assert.deepEqual(secretsInMainCf(MAIN_CF), [SECRET]);
    const after = applyPostconfEdits(MAIN_CF, [['inet_interfaces', 'all']]);
    const diff = unifiedDiff('/etc/postfix/main.cf', MAIN_CF, after);
    // The hunk's context shows the inline table's continuation line, not its header.
    assert.ok(diff.some((l) => l.includes(SECRET)), diff.join('\n'));
    const shown = new Redactor().learnMainCf(MAIN_CF).lines(diff);
    assert.ok(!shown.join('\n').includes('Tr0ub4dor'), shown.join('\n'));
    assert.ok(shown.some((l) => l === '+inet_interfaces = all'));
  });

  it('a redacted plan hides the secret in diffs, tuples and snapshots, and keeps everything else', () => {
    const snapshot = { path: '/etc/postfix/main.cf', exists: true, sha256: 'x', contentBase64: Buffer.from(MAIN_CF).toString('base64'), mode: 420, uid: 0, gid: 0 };
    const clean = { path: '/etc/postfix/master.cf', exists: true, sha256: 'y', contentBase64: Buffer.from('smtp inet n - y - - smtpd\n').toString('base64'), mode: 420, uid: 0, gid: 0 };
    const step = {
      seq: 1, stepId: 'rb#1', runbook: 'rb', name: 'set', module: 'postconf', risk: 'low', args: { set: { smtp_sasl_password_maps: `inline:{ [h]:587=${SECRET} }` } }, status: 'change', rollback: null, undo: 'u', verification: 'v',
      change: {
        summary: `smtp_sasl_password_maps: (empty) → inline:{ [h]:587=${SECRET} }; then reload Postfix if running`,
        diff: unifiedDiff('/etc/postfix/main.cf', MAIN_CF, applyPostconfEdits(MAIN_CF, [['inet_interfaces', 'all']])),
        data: { set: [['smtp_sasl_password_maps', `inline:{ [h]:587=${SECRET} }`]] },
        intent: { set: [['smtp_sasl_password_maps', '', `inline:{ [h]:587=${SECRET} }`]] },
        restore: { mainCf: snapshot, other: clean },
      },
    };
    const plan = { schemaVersion: 1, tool: { name: 'postfix-fix', version: '0' }, createdAt: 't', host: { hostname: 'h', os: 'o' }, profile: { id: 'debian', sha256: 's' }, serviceManager: 'direct', findings: [], runbooks: [{ id: 'rb', title: 'T', file: 'f', sha256: 's', triggeredBy: [], variables: {}, preconditions: [], status: 'ready', steps: [step], verify: [] }], fingerprint: { facts: {}, digest: 'd' }, summary: { changes: 1, maxRisk: 'low', blocked: [] } } as unknown as Plan;
    const shown = redactorFor(plan).json(plan);
    const text = JSON.stringify(shown) + renderPlanText(shown);
    assert.ok(!text.includes('Tr0ub4dor'), text);
    const s = shown.runbooks[0]?.steps[0];
    assert.equal((s?.change?.restore as { mainCf: { contentBase64: string } }).mainCf.contentBase64, REDACTED);
    assert.equal((s?.change?.restore as { other: { contentBase64: string } }).other.contentBase64, clean.contentBase64);
    assert.ok(s?.change?.diff.includes('+inet_interfaces = all'));
    // The input is not touched: apply and the saved plan need the real values.
    assert.ok(JSON.stringify(plan).includes('Tr0ub4dor'));
  });

  it('the command log hides name=value words of password-like parameters', () => {
    assert.deepEqual(redactArgv(['postconf', '-e', 'smtp_sasl_password_maps=static:u:p4ss', 'inet_interfaces=all']), ['postconf', '-e', `smtp_sasl_password_maps=static:${REDACTED}`, 'inet_interfaces=all']);
    const line = formatAuditLine({ at: 't', argv: ['postconf', '-e', 'ldap_bind_password=hunter22'], exitCode: 0, signal: null, durationMs: 1, timedOut: false });
    assert.ok(!line.includes('hunter22'), line);
  });

  describe('journal', () => {
    let s: ReturnType<typeof scratchDir>;
    beforeEach(() => (s = scratchDir()));
    afterEach(() => s.cleanup());

    it('redacts summary, diff and evidence lines, and keeps the restore snapshot byte for byte', async () => {
      const path = join(s.dir, 'journal.jsonl');
      const snapshot = { path: '/etc/postfix/main.cf', exists: true, sha256: 'x', contentBase64: Buffer.from(MAIN_CF).toString('base64'), mode: 420, uid: 0, gid: 0 };
      const diff = unifiedDiff('/etc/postfix/main.cf', MAIN_CF, applyPostconfEdits(MAIN_CF, [['inet_interfaces', 'all']]));
      const intent: JournalRecord = {
        type: 'step-intent', seq: 1, at: 't', stepId: 'rb#1', runbook: 'rb', name: 'n', module: 'postconf', args: { set: { inet_interfaces: 'all' } },
        change: { summary: 'inet_interfaces: loopback-only → all', diff, data: { set: [['inet_interfaces', 'all']] }, intent: null, restore: { mainCf: snapshot, params: { smtp_sasl_password_maps: { value: `inline:{ [smtp.example.com]:587=${SECRET} }`, explicit: true } } } },
        rollback: null,
      };
      const j = await Journal.open(path);
      await j.append(intent);
      await j.append({ type: 'step-verified', seq: 1, at: 't', outcome: { ok: true, evidence: [`smtp_sasl_password_maps = inline:{ [smtp.example.com]:587=${SECRET} }`] } });
      await j.close();
      const raw = readFileSync(path, 'utf8');
      const { records, corrupt } = await readJournal(path);
      assert.equal(corrupt.length, 0);
      const back = records[0] as Extract<JournalRecord, { type: 'step-intent' }>;
      assert.ok(!back.change.diff.join('\n').includes('Tr0ub4dor'), back.change.diff.join('\n'));
      assert.ok(!JSON.stringify(records[1]).includes('Tr0ub4dor'));
      // restore keeps the real bytes: undo writes them back.
      assert.deepEqual(back.change.restore, intent.change.restore);
      assert.equal(Buffer.from(((back.change.restore as { mainCf: { contentBase64: string } }).mainCf.contentBase64), 'base64').toString('utf8'), MAIN_CF);
      assert.ok(raw.includes(REDACTED));
    });
  });
});
