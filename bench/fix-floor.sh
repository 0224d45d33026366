#!/bin/sh
# The floor for the inet-interfaces fix: what an expert types by hand, nothing more — set it,
# check the config (Postfix requires a clean check), restart (reload ignores inet_interfaces),
# confirm the banner. No safety checks, no journal, no rollback.
set -e
postconf -e 'inet_interfaces=all'
postfix check
postfix stop
while postfix status >/dev/null 2>&1; do sleep 0.1; done
postfix start
python3 - <<'PY'
import socket, time
for _ in range(100):
    try:
        s = socket.create_connection(("127.0.0.1", 25), 2); print(s.recv(100).decode().strip()); break
    except OSError: time.sleep(0.1)
PY
