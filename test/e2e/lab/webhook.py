#!/usr/bin/python3
# A webhook receiver for the lab: records every request it gets (time, method, path, headers,
# body) as one JSON line, fsynced, in LOG; answers by MODE:
#   ok    200 {}
#   fail  500 (a receiver that is down behind its proxy)
#   hang  reads the request, records it, then never answers (a receiver that hangs)
# Threaded: a hanging answer does not stop the next request from being recorded.
# Usage: webhook.py ADDRESS PORT LOG MODE READY_FILE
import json, os, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

address, port, log, mode, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def do_POST(self):
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length).decode('utf-8', 'replace')
        entry = {'at': time.time(), 'method': 'POST', 'path': self.path,
                 'headers': {k.lower(): v for k, v in self.headers.items()}, 'body': body}
        with lock:
            with open(log, 'a') as f:
                f.write(json.dumps(entry) + '\n')
                f.flush()
                os.fsync(f.fileno())
        if mode == 'hang':
            time.sleep(3600)
            return
        code = 500 if mode == 'fail' else 200
        out = b'{}'
        self.send_response(code)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer((address, port), Handler)
server.daemon_threads = True
with open(ready, 'w') as f:
    f.write('%d\n' % os.getpid())
server.serve_forever()
