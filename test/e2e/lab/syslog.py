#!/usr/bin/python3
# A system log for a namespace host, which has none (its /dev is a private tmpfs): binds the
# host's /dev/log (datagrams, what logger(1) and syslog(3) write to) and records each message,
# undecoded apart from UTF-8, one JSON line per message, fsynced. Usage: syslog.py LOG READY_FILE
import json, os, socket, sys, time

log, ready = sys.argv[1], sys.argv[2]
try:
    os.unlink('/dev/log')
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind('/dev/log')
os.chmod('/dev/log', 0o666)
with open(ready, 'w') as f:
    f.write('%d\n' % os.getpid())
while True:
    data = s.recv(65536)
    with open(log, 'a') as f:
        f.write(json.dumps({'at': time.time(), 'raw': data.decode('utf-8', 'replace')}) + '\n')
        f.flush()
        os.fsync(f.fileno())
