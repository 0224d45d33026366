// The restart module's plan from what it inspected: restart only when a running master's sockets
// drift from what main.cf asks, and say it cannot be undone. (Its apply is proven on real Postfix
// in test/e2e/runbooks/inet-interfaces-needs-restart.test.ts.)
import assert from 'node:assert/strict';
import { postfixRestartModule } from '../../../src/modules/postfix-restart/module.js';
import { baseFacts, testContext } from '../helpers/context.js';

const state = (over: Record<string, unknown> = {}) => ({
  running: true,
  inetInterfaces: 'all',
  inetProtocols: 'all',
  expected: ['0.0.0.0', '::'],
  ports: [{ port: 25, bound: ['127.0.0.1', '::1'], stale: ['127.0.0.1', '::1'], missing: ['0.0.0.0', '::'] }],
  ...over,
});

describe('postfix-restart module: the reload trap', () => {
  const ctx = testContext(baseFacts());

  it('plans a stop + start that changes no file, showing the sockets now and after', () => {
    const change = postfixRestartModule.diff(ctx, {}, state());
    assert.ok(change);
    assert.equal(change.summary, 'restart Postfix: it listens on 127.0.0.1:25, [::1]:25, main.cf asks for inet_interfaces = all');
    assert.deepEqual(change.diff, [
      '~ postfix check (must pass before Postfix is started again)',
      '~ restart Postfix: postfix stop; postfix start   (inet_interfaces and inet_protocols are read only at start: a reload ignores them)',
      '  listening now: 127.0.0.1:25, [::1]:25',
      '  after the restart: 0.0.0.0:25, [::]:25',
      '  no file changes',
    ]);
    assert.equal(change.touchesPostfix, true);
  });

  it('says why it cannot be undone (the plan shows it; rollback says so)', async () => {
    assert.match(postfixRestartModule.irreversible ?? '', /^a restart changes no file/);
    const out = await postfixRestartModule.undo(ctx, { args: {}, change: postfixRestartModule.diff(ctx, {}, state()) as never });
    assert.match(out.join('\n'), /^cannot be undone: a restart changes no file/);
  });

  it('nothing to do: stopped (a start reads main.cf), listening as asked, or nothing bound to compare', () => {
    assert.equal(postfixRestartModule.diff(ctx, {}, state({ running: false })), null);
    assert.equal(postfixRestartModule.diff(ctx, {}, state({ ports: [{ port: 25, bound: ['0.0.0.0', '::'], stale: [], missing: [] }] })), null);
    assert.equal(postfixRestartModule.diff(ctx, {}, state({ ports: [] })), null);
  });

  it('a host name in inet_interfaces: what it binds cannot be known, the step is not applicable', () => {
    assert.throws(() => postfixRestartModule.diff(ctx, {}, state({ inetInterfaces: 'mail.example.com', expected: null })), /names a host name/);
  });
});
