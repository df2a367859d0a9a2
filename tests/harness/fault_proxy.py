# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fault-injection HTTP proxy for tests: it sits between libcloud and a local cloud (moto, Swift, Azurite, mimic).

A test points a cloud entry's ``port`` at ``FaultProxy.port``. The proxy forwards each request to the upstream
unchanged (method, path and query, every header with Host and Authorization, so signatures stay valid, and the
body, chunked or not) and streams the answer back, except for the requests the test scheduled a fault for:

- ``throttle``: answer at once, without forwarding, with the service's own throttling answer (EC2: 503
  RequestLimitExceeded; S3: 503 SlowDown; Azure: 503 ServerBusy; OpenStack and Swift: 429 overLimit; anything
  else: 429). The request body is drained first, so the connection stays usable.
- ``error500``: the same, with the service's 500 InternalError answer.
- ``reset``: read the request head, forward nothing, drop the connection with a TCP RST.
- ``reset_after``: forward, read upstream's whole answer, then RST instead of answering: the server acted (a
  node was created) but the answer was lost.
- ``stall``: read the request, forward nothing, send nothing for ``stall_seconds``, then close.
- ``cut``: forward, send upstream's status line and headers (full Content-Length) and half the body, then RST: a
  download cut midway. An answer without a body (HEAD, 204, empty) loses the second half of its head instead; one
  without a Content-Length (chunked) gets at most 32 KiB of its body through, never its end.
- ``cut_upload``: read about half the request body (32 KiB of a chunked one), forward nothing, then RST: an upload
  cut midway, which upstream never sees.

``inject`` queues faults for the next matching requests (in order, one each), ``always`` gives every matching
request a fault, ``set_rate`` a seeded random share of them. A request takes the first queued fault that
matches, else the first ``always`` rule that matches, else a draw from the rate rule.

Connection and Keep-Alive are per hop: the proxy opens a fresh upstream connection per request, and keeps the
client's open (as AWS does) even though moto's server closes each of its own.

The proxy never prints or records a query string or a header: signed URLs carry signatures in the query, and
requests carry Authorization headers. ``log`` keeps (method, path, service, fault) only.
"""

from __future__ import annotations

import collections
import dataclasses
import http.client
import http.server
import random
import re
import socket
import socketserver
import struct
import sys
import threading
import time
import uuid
from http import HTTPStatus
from typing import Callable, Mapping, Optional
from urllib.parse import parse_qs

PIECE = 64 * 1024
FORM_LIMIT = 1024 * 1024  # form bodies up to this size are read before matching (an EC2 POST names its Action there)
UPSTREAM_TIMEOUT = 300.0
STOP_TIMEOUT = 5.0

# SigV4 credential scope: Credential=<key>/<date>/<region>/<service>/aws4_request (as in moto_wire).
_SIGV4_SERVICE = re.compile(r'Credential=[^/,\s]+/\d{8}/[^/,\s]+/([^/,\s]+)/aws4_request')


class Fault:
    """The fault kinds: plain strings, so ``inject('throttle')`` and ``inject(Fault.THROTTLE)`` are the same."""
    THROTTLE = 'throttle'
    ERROR500 = 'error500'
    RESET = 'reset'
    RESET_AFTER = 'reset_after'
    STALL = 'stall'
    CUT = 'cut'
    CUT_UPLOAD = 'cut_upload'
    ALL = (THROTTLE, ERROR500, RESET, RESET_AFTER, STALL, CUT, CUT_UPLOAD)


@dataclasses.dataclass(frozen=True)
class RequestInfo:
    """What a ``match`` callable sees. The secret-bearing fields stay out of the repr (and so out of test reports)."""
    method: str
    path: str  # without the query
    query: str = dataclasses.field(default='', repr=False)
    headers: Mapping[str, str] = dataclasses.field(default_factory=dict, repr=False)  # case-insensitive from the proxy
    service: str = 'other'
    form: str = dataclasses.field(default='', repr=False)  # a form-encoded body, '' for any other body


def detect_service(path: str, query: str, headers: Mapping[str, str]) -> str:
    """Tell which cloud API a request is for: ec2, s3, azure, swift, openstack or other. The first rule that applies:

    - SigV4 (Authorization header, or a presigned URL's X-Amz-Credential): its scope's service if ec2 or s3,
      else other; SigV2 ``Authorization: AWS KEY:SIG``: s3; SigV2 in the query: ec2 with an Action, else s3;
    - ``Authorization: SharedKey``/``SharedKeyLite`` or any ``x-ms-`` header (Azure clients send x-ms-version): azure;
    - a path starting ``/v1/AUTH_`` or ``/auth/`` (tempauth), or an X-Auth-User/X-Storage-User header: swift;
    - an X-Auth-Token header or a Keystone token path (ending ``/tokens``): openstack.
    """
    names = {name.lower(): value for name, value in headers.items()}
    authorization = names.get('authorization', '')
    params = parse_qs(query)
    scope = (_SIGV4_SERVICE.search(authorization)
             or _SIGV4_SERVICE.search('Credential=' + params.get('X-Amz-Credential', [''])[0]))
    if scope:
        return scope.group(1) if scope.group(1) in ('ec2', 's3') else 'other'
    if authorization.startswith('AWS '):
        return 's3'
    if 'AWSAccessKeyId' in params:
        return 'ec2' if 'Action' in params else 's3'
    if authorization.startswith(('SharedKey ', 'SharedKeyLite ')) or any(name.startswith('x-ms-') for name in names):
        return 'azure'
    if path.startswith(('/v1/AUTH_', '/auth/')) or 'x-auth-user' in names or 'x-storage-user' in names:
        return 'swift'
    if 'x-auth-token' in names or path.rstrip('/').endswith('/tokens'):
        return 'openstack'
    return 'other'


_EC2 = ('<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>%(code)s</Code><Message>%(message)s'
        '</Message></Error></Errors><RequestID>%(id)s</RequestID></Response>')
_XML = ('<?xml version="1.0" encoding="UTF-8"?><Error><Code>%(code)s</Code><Message>%(message)s</Message>'
        '<RequestId>%(id)s</RequestId></Error>')
_OVER_LIMIT = ('application/json', '{"overLimit": {"code": 429, "message": "Over limit", "retryAfter": "1"}}', '', '')
# service -> kind -> (status, content type, body template, code, message), as each service sends them.
_ANSWERS = {
    'ec2': {Fault.THROTTLE: (503, 'text/xml;charset=UTF-8', _EC2, 'RequestLimitExceeded', 'Request limit exceeded.'),
            Fault.ERROR500: (500, 'text/xml;charset=UTF-8', _EC2, 'InternalError', 'An internal error has occurred.')},
    's3': {Fault.THROTTLE: (503, 'application/xml', _XML, 'SlowDown', 'Please reduce your request rate.'),
           Fault.ERROR500: (500, 'application/xml', _XML, 'InternalError',
                            'We encountered an internal error. Please try again.')},
    'azure': {Fault.THROTTLE: (503, 'application/xml', _XML, 'ServerBusy', 'The server is busy.'),
              Fault.ERROR500: (500, 'application/xml', _XML, 'InternalError',
                               'The server encountered an internal error. Please retry the request.')},
    'openstack': {Fault.THROTTLE: (429,) + _OVER_LIMIT,
                  Fault.ERROR500: (500, 'application/json',
                                   '{"computeFault": {"code": 500, "message": "Internal Server Error"}}', '', '')},
    'swift': {Fault.THROTTLE: (429,) + _OVER_LIMIT,
              Fault.ERROR500: (500, 'text/html; charset=UTF-8', '<html><h1>Internal Error</h1><p>The server has '
                               'either erred or is incapable of performing the requested operation.</p></html>', '', '')},
    'other': {Fault.THROTTLE: (429, 'text/plain', 'Too Many Requests\n', '', ''),
              Fault.ERROR500: (500, 'text/plain', 'Internal Server Error\n', '', '')},
}
_ID_HEADERS = {'s3': ('x-amz-request-id',), 'azure': ('x-ms-request-id',)}


def fault_answer(kind: str, service: str, request_id: str = '') -> tuple[int, list, bytes]:
    """(status, headers, body) of the ``throttle`` or ``error500`` answer, in ``service``'s own format."""
    status, content_type, template, code, message = _ANSWERS.get(service, _ANSWERS['other'])[kind]
    values = {'id': request_id or str(uuid.uuid4()), 'code': code, 'message': message}
    headers = [('Content-Type', content_type)] + [(name, values['id']) for name in _ID_HEADERS.get(service, ())]
    if service == 'azure':
        headers.append(('x-ms-error-code', code))
    if status == 429:
        headers.append(('Retry-After', '1'))  # EC2, S3 and Azure send none with their 503s
    return status, headers, (template % values).encode()


def length_pieces(rfile, length: int):
    """Yield ``length`` bytes of ``rfile`` in pieces of at most PIECE; ConnectionError if it ends first."""
    while length > 0:
        data = rfile.read1(min(length, PIECE))
        if not data:
            raise ConnectionError('body ended early')
        length -= len(data)
        yield data


def chunked_pieces(rfile):
    """Yield a chunked body exactly as it is on the wire (size lines, data, trailers), up to its last line."""
    while True:
        line = _line(rfile)
        yield line
        size = int(line.split(b';', 1)[0], 16)  # a size line may carry extensions after ';'
        if size == 0:
            break
        yield from length_pieces(rfile, size + 2)  # the data and its CRLF
    while True:  # trailers, up to the blank line
        line = _line(rfile)
        yield line
        if line in (b'\r\n', b'\n'):
            return


def _line(rfile) -> bytes:
    line = rfile.readline(PIECE)
    if not line.endswith(b'\n'):
        raise ConnectionError('chunked body ended early')
    return line


def _param(info: RequestInfo, name: str) -> str:
    for encoded in (info.query, info.form):
        values = parse_qs(encoded).get(name)
        if values:
            return values[0]
    return ''


def _matches(match, info: RequestInfo) -> bool:
    return match is None or bool(match(info))


def _check(kind: str) -> str:
    if kind not in Fault.ALL:
        raise ValueError('unknown fault kind %r (known: %s)' % (kind, ', '.join(Fault.ALL)))
    return str(kind)


@dataclasses.dataclass
class _RateRule:
    rate: float
    kinds: tuple
    rng: random.Random
    match: Optional[Callable]
    limit: Optional[int]
    injected: int = 0


class FaultProxy:
    """A threaded HTTP/1.1 reverse proxy on ``host`` to ``upstream_host:upstream_port`` that injects faults.

    ``port=0`` picks a free port (read ``port`` after ``start()``). Use as a context manager, or ``start()``/``stop()``.
    """

    def __init__(self, upstream_port: int, upstream_host: str = '127.0.0.1', host: str = '127.0.0.1', port: int = 0):
        self.upstream_host, self.upstream_port = upstream_host, upstream_port
        self.host, self.port = host, port
        self.stall_seconds = 5.0
        self.requests = 0
        self.connections = 0  # client connections accepted: fewer than requests when clients keep them alive
        self.injected = collections.Counter()
        self.log: list[tuple[str, str, str, Optional[str]]] = []
        self.errors = collections.Counter()  # unexpected exceptions in the proxy, by class name (never printed)
        self._lock = threading.Lock()
        self._queue: list = []
        self._always: list = []
        self._rate: Optional[_RateRule] = None
        self._server = self._thread = None
        self._stopped = threading.Event()
        self._sockets: set = set()
        self._threads: set = set()

    def inject(self, *kinds: str, match: Optional[Callable] = None) -> None:
        """Queue faults: the next requests that ``match`` get these kinds, in order, one each."""
        with self._lock:
            self._queue.extend((_check(kind), match) for kind in kinds)

    def always(self, kind: str, match: Optional[Callable] = None) -> None:
        """Give every request that ``match`` this fault, until ``clear()``."""
        with self._lock:
            self._always.append((_check(kind), match))

    def set_rate(self, rate: float, kinds=(Fault.THROTTLE, Fault.RESET, Fault.STALL), seed: int = 0,
                 match: Optional[Callable] = None, limit: Optional[int] = None) -> None:
        """Fault about ``rate`` (0..1) of the matching requests with kinds drawn from ``kinds``, the same ones for the
        same ``seed`` and sequence of requests; at most ``limit`` faults in all. Replaces an earlier rate."""
        if not 0 <= rate <= 1 or not kinds:
            raise ValueError('rate must be in 0..1 and kinds not empty')
        with self._lock:
            self._rate = _RateRule(rate, tuple(_check(kind) for kind in kinds), random.Random(seed), match, limit)

    def clear(self) -> None:
        """No more faults (queued, always or rate); the counters stay."""
        with self._lock:
            self._queue, self._always, self._rate = [], [], None

    def reset_counters(self) -> None:
        with self._lock:
            self.requests = self.connections = 0
            self.injected.clear()
            self.log.clear()
            self.errors.clear()

    def decide(self, info: RequestInfo) -> Optional[str]:
        """Count ``info`` as a request and return its fault (None: forward it). The proxy calls this for each request."""
        with self._lock:
            self.requests += 1
            kind = self._pick(info)
            if kind:
                self.injected[kind] += 1
            self.log.append((info.method, info.path, info.service, kind))
            return kind

    def _pick(self, info: RequestInfo) -> Optional[str]:
        for index, (kind, match) in enumerate(self._queue):
            if _matches(match, info):
                del self._queue[index]
                return kind
        for kind, match in self._always:
            if _matches(match, info):
                return kind
        rule = self._rate
        if rule and _matches(rule.match, info) and (rule.limit is None or rule.injected < rule.limit):
            if rule.rng.random() < rule.rate:
                rule.injected += 1
                return rule.kinds[rule.rng.randrange(len(rule.kinds))]
        return None

    @staticmethod
    def ec2_action(*actions: str) -> Callable[[RequestInfo], bool]:
        """Match EC2 requests whose ``Action`` (in the query, where libcloud sends it, or a form body) is one of these."""
        return lambda info: _param(info, 'Action') in actions

    @staticmethod
    def method(*methods: str) -> Callable[[RequestInfo], bool]:
        return lambda info: info.method in {method.upper() for method in methods}

    @staticmethod
    def path_contains(text: str) -> Callable[[RequestInfo], bool]:
        return lambda info: text in info.path

    @staticmethod
    def service(*services: str) -> Callable[[RequestInfo], bool]:
        return lambda info: info.service in services

    def start(self) -> FaultProxy:
        if self._server is not None:
            raise RuntimeError('FaultProxy already started')
        self._stopped = threading.Event()
        self._server = _Server((self.host, self.port), _Handler)
        self._server.proxy = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={'poll_interval': 0.05},
                                        name='fault-proxy', daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close the listening socket, wake stalls, end every connection and join the threads. Safe to repeat."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        self._stopped.set()
        with self._lock:
            sockets, threads = list(self._sockets), list(self._threads)
        for sock in sockets:
            _shutdown(sock)  # wakes a thread blocked reading from its client or from upstream
        deadline = time.monotonic() + STOP_TIMEOUT
        for thread in threads + [self._thread]:
            thread.join(max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> FaultProxy:
        return self if self._server is not None else self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _track(self, sock, add: bool = True) -> None:
        with self._lock:
            (self._sockets.add if add else self._sockets.discard)(sock)
        if add and self._stopped.is_set():
            _shutdown(sock)


def _shutdown(sock) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _wait_until_sent(sock, timeout: float = 1.0) -> None:
    """Wait until the kernel has sent what was written (Linux SIOCOUTQ): an RST throws unsent data away."""
    try:
        import fcntl
        import termios
        deadline = time.monotonic() + timeout
        while struct.unpack('i', fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b'\0' * 4))[0] and time.monotonic() < deadline:
            time.sleep(0.005)
    except (ImportError, OSError):
        time.sleep(0.05)


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    block_on_close = False  # stop() joins the threads itself, with a deadline
    request_queue_size = 128  # the default 5 drops connections when many clients connect at once
    allow_reuse_address = True
    proxy: FaultProxy

    def process_request(self, request, client_address):
        thread = threading.Thread(target=self._serve, args=(request, client_address), daemon=True,
                                  name='fault-proxy:%d connection' % self.proxy.port)
        self.proxy._track(request)
        with self.proxy._lock:
            self.proxy.connections += 1
            self.proxy._threads.add(thread)
        thread.start()

    def _serve(self, request, client_address):
        try:
            self.process_request_thread(request, client_address)
        finally:
            self.proxy._track(request, add=False)
            with self.proxy._lock:
                self.proxy._threads.discard(threading.current_thread())

    def handle_error(self, request, client_address):
        # Never print a traceback: its text may quote a header or a query. Count the error's class instead.
        with self.proxy._lock:
            self.proxy.errors[sys.exc_info()[0].__name__] += 1


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'  # keep-alive: libcloud's requests Session reuses connections
    disable_nagle_algorithm = True  # head and body go in separate writes: no 40 ms delayed-ACK pauses
    server: _Server

    def log_message(self, format, *args):
        pass  # the default prints every request line, query (signatures) included, to stderr

    def handle(self):
        try:
            super().handle()
        except OSError:
            pass  # the client went away (or stop() ended the connection): nothing to answer

    def _proxy(self):
        proxy = self.server.proxy
        path, _sep, query = self.path.partition('?')
        self._chunked = 'chunked' in self.headers.get('Transfer-Encoding', '').lower()
        self._length = 0 if self._chunked else int(self.headers.get('Content-Length') or 0)
        self._buffered = None
        if self.headers.get('Content-Type', '').startswith('application/x-www-form-urlencoded') and \
                not self._chunked and self._length <= FORM_LIMIT:
            self._buffered = b''.join(length_pieces(self.rfile, self._length))
        form = self._buffered.decode('latin-1') if self._buffered is not None else ''
        info = RequestInfo(self.command, path, query, self.headers, detect_service(path, query, self.headers), form)
        kind = proxy.decide(info)
        if kind in (Fault.THROTTLE, Fault.ERROR500):
            self._drain()
            self._answer(*fault_answer(kind, info.service))
        elif kind == Fault.RESET:
            self._reset()
        elif kind == Fault.STALL:
            self._drain()
            proxy._stopped.wait(proxy.stall_seconds)
            self.close_connection = True
        elif kind == Fault.CUT_UPLOAD:
            target, read = (PIECE // 2 if self._chunked else max(1, self._length // 2)), 0
            for piece in self._body():
                read += len(piece)
                if read >= target:
                    break
            self._reset()
        else:
            self._forward(kind)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _proxy

    def _body(self):
        """The request body as it is on the wire (chunk framing included), in pieces."""
        if self._buffered is not None:
            return iter([self._buffered] if self._buffered else [])
        return chunked_pieces(self.rfile) if self._chunked else length_pieces(self.rfile, self._length)

    def _drain(self):
        for _piece in self._body():
            pass

    def _answer(self, status: int, headers: list, body: bytes) -> None:
        lines = ['HTTP/1.1 %d %s' % (status, HTTPStatus(status).phrase)] + ['%s: %s' % item for item in headers]
        lines.append('Content-Length: %d' % len(body))
        if self.close_connection:
            lines.append('Connection: close')
        self.wfile.write(('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1') + (b'' if self.command == 'HEAD' else body))

    def _reset(self) -> None:
        """Drop the client connection with a TCP RST (SO_LINGER on, timeout 0) rather than a FIN."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        self.rfile.close()  # the socket only really closes once its file objects are closed
        self.connection.close()

    def _forward(self, kind: Optional[str]) -> None:
        """Forward the request and relay the answer (or, for reset_after and cut, part of it)."""
        proxy = self.server.proxy
        # A fresh upstream connection per request: a stale pooled one could fail a request no test meant to fail.
        upstream = http.client.HTTPConnection(proxy.upstream_host, proxy.upstream_port, timeout=UPSTREAM_TIMEOUT)
        try:
            try:
                upstream.connect()
                proxy._track(upstream.sock)
                upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                for name, value in self.headers.items():
                    upstream.putheader(name, value)
                upstream.endheaders()
                for piece in self._body():
                    upstream.send(piece)
                response = upstream.getresponse()
            except (OSError, http.client.HTTPException):
                self.close_connection = True  # the request body may be half read
                self._answer(502, [('Content-Type', 'text/plain')], b'Bad Gateway: upstream failed\n')
                return
            if kind == Fault.RESET_AFTER:
                while response.read1(PIECE):
                    pass
                self._reset()
            elif kind == Fault.CUT:
                head = self._head(response)
                if self._has_body(response) and response.length != 0:
                    self.wfile.write(head)
                    self._relay(response, response.length // 2 if response.length is not None else PIECE // 2)
                else:
                    self.wfile.write(head[:len(head) // 2])
                _wait_until_sent(self.connection)
                self._reset()
            else:
                self.wfile.write(self._head(response))
                self._relay(response)
        finally:
            if upstream.sock is not None:
                proxy._track(upstream.sock, add=False)
            upstream.close()

    def _has_body(self, response) -> bool:
        return self.command != 'HEAD' and response.status not in (204, 304) and response.status >= 200

    def _head(self, response) -> bytes:
        """The answer's status line and headers, with this hop's Connection header."""
        if self._has_body(response) and response.length is None and not response.chunked:
            self.close_connection = True  # the body ends when the connection does
        headers = [item for item in response.msg.items() if item[0].lower() not in ('connection', 'keep-alive')]
        headers += [('Connection', 'close')] if self.close_connection else []
        lines = ['HTTP/1.1 %d %s' % (response.status, response.reason)] + ['%s: %s' % item for item in headers]
        return ('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1')

    def _relay(self, response, limit: Optional[int] = None) -> None:
        """Stream the answer's body to the client (re-chunked if it came chunked), at most ``limit`` bytes."""
        if not self._has_body(response):
            return
        sent = 0
        try:
            while limit is None or sent < limit:
                data = response.read1(PIECE if limit is None else min(PIECE, limit - sent))
                if not data:
                    break
                self.wfile.write(b'%x\r\n%s\r\n' % (len(data), data) if response.chunked else data)
                sent += len(data)
        except http.client.HTTPException:
            self._reset()  # upstream broke off a chunked answer: so does the client's
            return
        if limit is None and response.chunked:
            self.wfile.write(b'0\r\n\r\n')
        elif limit is None and response.length:
            self._reset()  # upstream ended early: do not leave the client waiting for the rest
