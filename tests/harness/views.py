# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cloud's state, recorded between the steps of one playbook: a small HTTP server in the test process that a
``raw`` task asks (no module to load, no boto3 or libcloud to import in a new process)."""

from __future__ import annotations

import http.server
import json
import shlex
import sys
import threading


class Views:
    """A small HTTP server in the test process: every GET answers ``take()`` as JSON. A raw task between two steps of
    a playbook records the cloud's state through it (``command``) with a bare Python, instead of a script that starts
    with boto3 or libcloud (~0.6 s each time)."""

    def __init__(self, take):
        def answer(handler):
            body = json.dumps(take(), sort_keys=True).encode()
            handler.send_response(200)
            handler.send_header('Content-Length', str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)

        handler = type('Handler', (http.server.BaseHTTPRequestHandler,), {'do_GET': answer, 'log_message': lambda *args: None})
        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
        # -I: no site packages to load; no proxy from the environment may intercept 127.0.0.1.
        self.command = ' '.join(shlex.quote(part) for part in (sys.executable, '-I', '-c', (
            'import sys, urllib.request; opener = urllib.request.build_opener(urllib.request.ProxyHandler({})); '
            'sys.stdout.write(opener.open(sys.argv[1]).read().decode())'), 'http://127.0.0.1:%d/' % self.server.server_port))

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info):
        self.server.shutdown()
        self.server.server_close()
