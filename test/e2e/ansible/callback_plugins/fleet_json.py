# Test-only Ansible callback for test/e2e/ansible/fleet.test.ts: records every task result and
# the recap as JSON in the file named by $FLEET_JSON_OUT, next to the default (human) output.
# (ansible-core alone has no json stdout callback: that one lives in the ansible.posix collection.)
from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = '''
    name: fleet_json
    type: aggregate
    short_description: every task result and the recap, as JSON, in $FLEET_JSON_OUT
    description:
      - For the postfix-fix end-to-end tests.
    requirements:
      - enable in callbacks_enabled
'''


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'fleet_json'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.results = []
        self.task_started = time.monotonic()

    def v2_playbook_on_task_start(self, task, is_conditional):
        self.task_started = time.monotonic()

    def _record(self, result, status):
        self.results.append({
            'task': result._task.get_name(),
            'host': result._host.get_name(),
            'status': status,
            'result': result._result,
            'seconds': round(time.monotonic() - self.task_started, 2),
        })

    def v2_runner_on_ok(self, result):
        self._record(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, 'failed')

    def v2_runner_on_skipped(self, result):
        self._record(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._record(result, 'unreachable')

    def v2_playbook_on_stats(self, stats):
        out = {
            'results': self.results,
            'stats': {h: stats.summarize(h) for h in sorted(stats.processed.keys())},
        }
        with open(os.environ['FLEET_JSON_OUT'], 'w', encoding='utf-8') as f:
            json.dump(out, f, default=str)
