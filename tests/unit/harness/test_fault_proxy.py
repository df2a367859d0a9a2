# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""FaultProxy: its pure parts, each fault against a tiny local upstream, and real libcloud traffic through moto."""

from __future__ import annotations

import hashlib
import http.client
import http.server
import io
import json
import socket
import socketserver
import threading
import time
import xml.etree.ElementTree as ET

import pytest

from tests.harness.fault_proxy import (
    Fault,
    FaultProxy,
    RequestInfo,
    chunked_pieces,
    detect_service,
    fault_answer,
    length_pieces,
)
from tests.harness.local_cloud import TEST_KEY, TEST_SECRET

MIB = 1024 * 1024
SECRET = 'SECRETSIGNATURE0123'
PATTERN = bytes(range(256)) * 256  # 64 KiB that the upstream repeats for /blob/N
EC2_AUTH = {'Authorization': 'AWS4-HMAC-SHA256 Credential=AKIDLOCALTESTKEY/20250101/us-east-1/ec2/aws4_request, '
                             'SignedHeaders=host;x-amz-date, Signature=' + SECRET}
S3_AUTH = {'Authorization': EC2_AUTH['Authorization'].replace('/ec2/', '/s3/')}
# (path, headers) of a request to each service
SERVICE_REQUESTS = {
    'ec2': ('/?Action=DescribeInstances', EC2_AUTH),
    's3': ('/bucket/key', S3_AUTH),
    'azure': ('/devstoreaccount1/c/b', {'Authorization': 'SharedKey devstoreaccount1:' + SECRET, 'x-ms-version': '2020-04-08'}),
    'swift': ('/v1/AUTH_test/c/o', {'X-Auth-Token': 'AUTH_tk' + SECRET}),
    'openstack': ('/v2/servers/detail', {'X-Auth-Token': SECRET}),
    'other': ('/anything', {}),
}


def blob(size):
    return (PATTERN * (size // len(PATTERN) + 1))[:size]


# The tiny upstream

class _UpstreamHandler(http.server.BaseHTTPRequestHandler):
    """Echoes what it received as JSON; /blob/N answers N bytes, /chunked/N chunked, /close/N ends with the connection."""
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def _any(self):
        digest, size = hashlib.sha256(), 0
        chunked = 'chunked' in self.headers.get('Transfer-Encoding', '')
        for data in _dechunked(self.rfile) if chunked else length_pieces(self.rfile, int(self.headers.get('Content-Length') or 0)):
            digest.update(data)
            size += len(data)
        self.server.seen.append({'method': self.command, 'path': self.path, 'headers': self.headers.items(),
                                 'size': size, 'sha256': digest.hexdigest()})
        kind, _sep, number = self.path.strip('/').partition('/')
        if kind in ('blob', 'chunked', 'close'):
            self._send_blob(kind, int(number.split('?')[0]))
            return
        answer = json.dumps(self.server.seen[-1]).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(answer)))
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(answer)

    def _send_blob(self, kind, size):
        self.send_response(200)
        if kind == 'blob':
            self.send_header('Content-Length', str(size))
        elif kind == 'chunked':
            self.send_header('Transfer-Encoding', 'chunked')
        else:
            self.send_header('Connection', 'close')
            self.close_connection = True
        self.end_headers()
        for start in range(0, size, len(PATTERN)):
            data = PATTERN[:min(len(PATTERN), size - start)]
            self.wfile.write(b'%x\r\n%s\r\n' % (len(data), data) if kind == 'chunked' else data)
        if kind == 'chunked':
            self.wfile.write(b'0\r\n\r\n')

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = _any


def _dechunked(rfile):
    """The data of a chunked body, without its framing."""
    while size := int(rfile.readline().split(b';')[0], 16):
        yield from length_pieces(rfile, size)
        rfile.readline()
    while rfile.readline() not in (b'\r\n', b'\n', b''):
        pass  # trailers


class _Upstream(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # the proxy opens one upstream connection per request

    def handle_error(self, request, client_address):
        pass  # the proxy cuts and resets connections on purpose


@pytest.fixture(scope='module')
def upstream():
    server = _Upstream(('127.0.0.1', 0), _UpstreamHandler)
    server.seen = []
    server.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def proxy(upstream):
    upstream.seen.clear()
    with FaultProxy(upstream.port) as fault_proxy:
        fault_proxy.stall_seconds = 2.0
        yield fault_proxy
    assert not fault_proxy.errors, 'the proxy hit unexpected errors: %s' % fault_proxy.errors


def connect(proxy, timeout=5.0):
    return http.client.HTTPConnection('127.0.0.1', proxy.port, timeout=timeout)


def call(conn, method='GET', path='/echo', body=None, headers=None):
    """Send a request on ``conn``; return its response, body read into ``response.data``."""
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    response.data = response.read()
    return response


def raw_exchange(proxy, request: bytes, timeout=5.0):
    """Send raw bytes; return (everything received, the exception that ended the reading or None)."""
    with socket.create_connection(('127.0.0.1', proxy.port), timeout=timeout) as sock:
        sock.sendall(request)
        received = b''
        try:
            while True:
                data = sock.recv(PATTERN.__len__())
                if not data:
                    return received, None
                received += data
        except OSError as error:
            return received, error


# Pure parts

@pytest.mark.parametrize('path, query, headers, service', [
    ('/', 'Action=DescribeInstances', EC2_AUTH, 'ec2'),
    ('/b/k', '', S3_AUTH, 's3'),
    ('/b/k', 'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=K%2F20250101%2Fus-east-1%2Fs3%2Faws4_request'
             '&X-Amz-Signature=' + SECRET, {}, 's3'),
    ('/', '', {'Authorization': EC2_AUTH['Authorization'].replace('/ec2/', '/sts/')}, 'other'),
    ('/b/k', '', {'authorization': 'AWS KEY:' + SECRET}, 's3'),
    ('/', 'Action=DescribeImages&AWSAccessKeyId=K&Signature=' + SECRET, {}, 'ec2'),
    ('/b/k', 'AWSAccessKeyId=K&Signature=' + SECRET + '&Expires=1', {}, 's3'),
    ('/acct/c', '', {'Authorization': 'SharedKey acct:' + SECRET}, 'azure'),
    ('/acct/c', 'sv=2020&sig=' + SECRET, {'x-ms-version': '2020-04-08'}, 'azure'),
    ('/auth/v1.0', '', {'X-Auth-User': 'test:tester', 'X-Auth-Key': SECRET}, 'swift'),
    ('/v1/AUTH_test/c', '', {'X-Auth-Token': SECRET}, 'swift'),
    ('/identity/v2.0/tokens', '', {}, 'openstack'),
    ('/v2/servers', '', {'X-Auth-Token': SECRET}, 'openstack'),
    ('/anything', 'a=1', {'Host': 'x'}, 'other'),
])
def test_detect_service(path, query, headers, service):
    assert detect_service(path, query, headers) == service


@pytest.mark.parametrize('kind, service, status, code, retry_after', [
    (Fault.THROTTLE, 'ec2', 503, 'RequestLimitExceeded', None),
    (Fault.THROTTLE, 's3', 503, 'SlowDown', None),
    (Fault.THROTTLE, 'azure', 503, 'ServerBusy', None),
    (Fault.THROTTLE, 'swift', 429, 'overLimit', '1'),
    (Fault.THROTTLE, 'openstack', 429, 'overLimit', '1'),
    (Fault.THROTTLE, 'other', 429, 'Too Many Requests', '1'),
    (Fault.ERROR500, 'ec2', 500, 'InternalError', None),
    (Fault.ERROR500, 's3', 500, 'InternalError', None),
    (Fault.ERROR500, 'azure', 500, 'InternalError', None),
    (Fault.ERROR500, 'swift', 500, 'Internal Error', None),
    (Fault.ERROR500, 'openstack', 500, 'computeFault', None),
    (Fault.ERROR500, 'other', 500, 'Internal Server Error', None),
])
def test_fault_answer_speaks_each_service(kind, service, status, code, retry_after):
    answer_status, headers, body = fault_answer(kind, service, 'req-1')
    assert answer_status == status
    assert dict(headers).get('Retry-After') == retry_after
    if service == 'ec2':
        # The document AWS sends and libcloud's EC2 driver reads: <Response><Errors><Error>, no namespace.
        assert ET.fromstring(body).findtext('Errors/Error/Code') == code
        assert ET.fromstring(body).findtext('RequestID') == 'req-1'
    elif service in ('s3', 'azure'):
        assert ET.fromstring(body).findtext('Code') == code
    elif service == 'openstack' or kind == Fault.THROTTLE and service == 'swift':
        assert code in json.loads(body)
    else:
        assert code in body.decode()


def test_chunked_pieces_keep_the_wire_format():
    wire = b'3;ext=1\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n'
    source = io.BytesIO(wire + b'NEXT REQUEST')
    assert b''.join(chunked_pieces(source)) == wire
    assert source.read() == b'NEXT REQUEST'
    with pytest.raises(ConnectionError):
        b''.join(chunked_pieces(io.BytesIO(b'5\r\nab')))
    with pytest.raises(ConnectionError):
        b''.join(length_pieces(io.BytesIO(b'ab'), 5))


def test_request_info_repr_hides_secrets():
    info = RequestInfo('GET', '/b', 'X-Amz-Signature=' + SECRET, {'Authorization': SECRET}, 's3', 'Secret=' + SECRET)
    assert SECRET not in repr(info)


def test_unknown_fault_kind_is_refused():
    proxy = FaultProxy(1)
    with pytest.raises(ValueError):
        proxy.inject('throttle', 'explode')
    with pytest.raises(ValueError):
        proxy.always('nope')
    with pytest.raises(ValueError):
        proxy.set_rate(1.5)


def _infos(count, method='GET'):
    return [RequestInfo(method, '/k%d' % index) for index in range(count)]


def test_set_rate_is_deterministic_and_close_to_the_rate():
    def run(seed):
        proxy = FaultProxy(1)
        proxy.set_rate(0.2, seed=seed)
        return [proxy.decide(info) for info in _infos(1000)], proxy

    kinds, proxy = run(7)
    assert kinds == run(7)[0]
    assert kinds != run(8)[0]
    assert 150 <= sum(proxy.injected.values()) <= 250
    assert set(proxy.injected) == {Fault.THROTTLE, Fault.RESET, Fault.STALL}
    assert proxy.requests == 1000 and len(proxy.log) == 1000


def test_set_rate_limit_and_match():
    proxy = FaultProxy(1)
    proxy.set_rate(1.0, kinds=(Fault.STALL,), limit=1, match=FaultProxy.method('PUT'))
    kinds = [proxy.decide(info) for info in _infos(5, 'GET') + _infos(5, 'PUT')]
    assert kinds == [None] * 5 + [Fault.STALL] + [None] * 4
    assert proxy.injected == {Fault.STALL: 1}


def test_inject_always_and_rate_take_turns_in_that_order():
    proxy = FaultProxy(1)
    proxy.set_rate(1.0, kinds=(Fault.RESET,))
    proxy.always(Fault.ERROR500, match=FaultProxy.method('DELETE'))
    proxy.inject(Fault.THROTTLE, Fault.CUT, match=FaultProxy.path_contains('/k1'))
    decided = [proxy.decide(RequestInfo(method, path)) for method, path in
               [('GET', '/k0'), ('DELETE', '/k1'), ('DELETE', '/k1'), ('DELETE', '/k1'), ('DELETE', '/k2')]]
    assert decided == [Fault.RESET, Fault.THROTTLE, Fault.CUT, Fault.ERROR500, Fault.ERROR500]
    proxy.clear()
    assert proxy.decide(RequestInfo('DELETE', '/k1')) is None
    assert proxy.requests == 6 and proxy.injected[Fault.ERROR500] == 2
    proxy.reset_counters()
    assert (proxy.requests, proxy.injected, proxy.log) == (0, {}, [])


# Over the wire: forwarding

def test_forwards_requests_unchanged_and_logs_no_secret(proxy, upstream, capfd):
    conn = connect(proxy)
    headers = dict(S3_AUTH, **{'X-Custom': 'kept', 'Content-Type': 'text/plain'})
    response = call(conn, 'PUT', '/bucket/key?X-Amz-Signature=%s&partNumber=1' % SECRET, b'hello', headers)
    seen = upstream.seen[-1]
    assert response.status == 200 and json.loads(response.data) == json.loads(json.dumps(seen))
    assert seen['method'] == 'PUT' and seen['path'] == '/bucket/key?X-Amz-Signature=%s&partNumber=1' % SECRET
    forwarded = dict(seen['headers'])
    assert forwarded['Host'] == '127.0.0.1:%d' % proxy.port  # what the client signed
    assert forwarded['Authorization'] == S3_AUTH['Authorization'] and forwarded['X-Custom'] == 'kept'
    assert seen['sha256'] == hashlib.sha256(b'hello').hexdigest()
    proxy.inject(Fault.THROTTLE)
    call(conn, 'GET', '/bucket/key?X-Amz-Signature=' + SECRET, headers=S3_AUTH)
    assert proxy.log == [('PUT', '/bucket/key', 's3', None), ('GET', '/bucket/key', 's3', Fault.THROTTLE)]
    out, err = capfd.readouterr()
    assert SECRET not in repr(proxy.log) + out + err


def test_keep_alive_connection_is_reused(proxy):
    conn = connect(proxy)
    call(conn)
    sock = conn.sock
    for method, body in [('PUT', b'x' * 1000), ('HEAD', None), ('DELETE', None), ('POST', b'a=1')]:
        response = call(conn, method, '/echo', body)
        assert response.status == 200
    assert conn.sock is sock
    assert proxy.connections == 1 and proxy.requests == 5


@pytest.mark.parametrize('path', ['/chunked/200000', '/close/200000'])
def test_chunked_and_close_delimited_answers_pass(proxy, path):
    response = call(connect(proxy), 'GET', path)
    assert response.data == blob(200000)


def test_chunked_request_body_is_forwarded_intact(proxy, upstream):
    pieces = [b'first', blob(300000), b'', b'last']
    response = call(connect(proxy), 'PUT', '/echo', iter(pieces))  # no length: http.client sends it chunked
    assert response.status == 200
    assert upstream.seen[-1]['sha256'] == hashlib.sha256(b''.join(pieces)).hexdigest()
    # Chunk extensions and trailers too, byte for byte.
    wire = b'3;ext=1\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n'
    received = raw_exchange(proxy, b'PUT /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n' + wire)[0]
    assert received.startswith(b'HTTP/1.1 200') and upstream.seen[-1]['sha256'] == hashlib.sha256(b'abc').hexdigest()


def test_twenty_mib_streams_both_ways(proxy, upstream):
    size = 20 * MIB
    conn = connect(proxy, timeout=30)
    response = call(conn, 'PUT', '/echo', (blob(size)[i:i + MIB] for i in range(0, size, MIB)), {'Content-Length': str(size)})
    assert response.status == 200 and upstream.seen[-1]['size'] == size
    assert upstream.seen[-1]['sha256'] == hashlib.sha256(blob(size)).hexdigest()
    conn.request('GET', '/blob/%d' % size)
    response, digest, received = conn.getresponse(), hashlib.sha256(), 0
    while data := response.read(MIB):
        digest.update(data)
        received += len(data)
    assert received == size and digest.hexdigest() == hashlib.sha256(blob(size)).hexdigest()


def test_many_concurrent_clients(proxy):
    failures = []

    def client(number):
        conn = connect(proxy)
        for index in range(10):
            response = call(conn, 'PUT', '/echo/%d/%d' % (number, index), b'x' * (number * 1000))
            if response.status != 200 or json.loads(response.data)['size'] != number * 1000:
                failures.append((number, index))

    threads = [threading.Thread(target=client, args=(number,)) for number in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures and proxy.requests == 160 and proxy.connections == 16


def test_unreachable_upstream_gives_502():
    with socket.socket() as placeholder:
        placeholder.bind(('127.0.0.1', 0))
        closed_port = placeholder.getsockname()[1]
    with FaultProxy(closed_port) as proxy:
        response = call(connect(proxy), 'PUT', '/x', b'body')
        assert response.status == 502


# Over the wire: each fault

@pytest.mark.parametrize('kind', [Fault.THROTTLE, Fault.ERROR500])
@pytest.mark.parametrize('service', sorted(SERVICE_REQUESTS))
def test_answer_faults_keep_the_connection_usable(proxy, upstream, kind, service):
    path, headers = SERVICE_REQUESTS[service]
    conn = connect(proxy)
    proxy.inject(kind)
    response = call(conn, 'PUT', path, b'x' * 200000, headers)  # a body the proxy must drain
    status, answer_headers, answer_body = fault_answer(kind, service)
    assert response.status == status and response.getheader('Retry-After') == dict(answer_headers).get('Retry-After')
    assert response.data.split(b'RequestI')[0] == answer_body.split(b'RequestI')[0]  # the same, but for the request id
    assert upstream.seen == []
    sock = conn.sock
    response = call(conn, 'GET', path, headers=headers)
    assert response.status == 200 and conn.sock is sock and len(upstream.seen) == 1
    assert proxy.log[0][2:] == (service, kind)


def test_reset_drops_the_connection_unforwarded(proxy, upstream):
    proxy.inject(Fault.RESET)
    with pytest.raises(ConnectionResetError):
        call(connect(proxy), 'PUT', '/echo', b'x' * 1000)
    assert upstream.seen == []


def test_reset_after_forwards_then_loses_the_answer(proxy, upstream):
    proxy.inject(Fault.RESET_AFTER)
    with pytest.raises(ConnectionResetError):
        call(connect(proxy), 'POST', '/create', b'node')
    assert [seen['path'] for seen in upstream.seen] == ['/create']


def test_stall_outlasts_the_client_timeout(proxy, upstream):
    proxy.inject(Fault.STALL)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        call(connect(proxy, timeout=0.3), 'GET', '/echo')
    assert time.monotonic() - started < 1.5 and upstream.seen == []
    # A patient client sees the connection closed without an answer once the stall ends.
    proxy.stall_seconds = 0.2
    proxy.inject(Fault.STALL)
    with pytest.raises(http.client.RemoteDisconnected):
        call(connect(proxy), 'GET', '/echo')


def test_cut_sends_the_full_length_and_half_the_body(proxy):
    proxy.inject(Fault.CUT)
    received, error = raw_exchange(proxy, b'GET /blob/1000000 HTTP/1.1\r\nHost: x\r\n\r\n')
    head, _sep, body = received.partition(b'\r\n\r\n')
    assert b'Content-Length: 1000000' in head and isinstance(error, ConnectionResetError)
    assert body == blob(500000)
    # http.client reads the cut body as a reset.
    proxy.inject(Fault.CUT)
    with pytest.raises(ConnectionResetError):
        call(connect(proxy), 'GET', '/blob/1000000')


@pytest.mark.parametrize('method', ['HEAD', 'GET'])
def test_cut_without_a_body_cuts_the_head(proxy, method):
    proxy.inject(Fault.CUT)
    path = '/echo' if method == 'HEAD' else '/blob/0'
    received, error = raw_exchange(proxy, b'%s %s HTTP/1.1\r\nHost: x\r\n\r\n' % (method.encode(), path.encode()))
    assert received.startswith(b'HTTP/1.1 200') and b'\r\n\r\n' not in received
    assert isinstance(error, ConnectionResetError)


def test_cut_upload_never_reaches_upstream(proxy, upstream):
    proxy.inject(Fault.CUT_UPLOAD)
    with pytest.raises((ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected)):
        call(connect(proxy), 'PUT', '/echo', blob(4 * MIB))
    proxy.inject(Fault.CUT_UPLOAD)
    with pytest.raises((ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected)):
        call(connect(proxy), 'PUT', '/echo', (blob(MIB) for _index in range(4)))  # chunked
    assert upstream.seen == [] and proxy.injected == {Fault.CUT_UPLOAD: 2}


def test_match_picks_the_request(proxy, upstream):
    conn = connect(proxy)
    proxy.inject(Fault.ERROR500, match=FaultProxy.ec2_action('RunInstances'))
    assert call(conn, 'GET', '/?Action=DescribeInstances', headers=EC2_AUTH).status == 200
    # An EC2 POST names its action in a form body: the proxy reads it to match, and forwards it intact.
    form = {'Content-Type': 'application/x-www-form-urlencoded'}
    assert call(conn, 'POST', '/', b'Action=DescribeImages&Version=1', dict(EC2_AUTH, **form)).status == 200
    assert upstream.seen[-1]['sha256'] == hashlib.sha256(b'Action=DescribeImages&Version=1').hexdigest()
    assert call(conn, 'POST', '/', b'Action=RunInstances&MinCount=1', dict(EC2_AUTH, **form)).status == 500
    assert [entry[3] for entry in proxy.log] == [None, None, Fault.ERROR500]


def test_set_rate_over_the_wire(proxy):
    proxy.set_rate(0.3, kinds=(Fault.THROTTLE, Fault.ERROR500), seed=3)
    conn = connect(proxy)
    statuses = [call(conn, 'GET', '/echo/%d' % index).status for index in range(60)]
    expected = {None: 200, Fault.THROTTLE: 429, Fault.ERROR500: 500}
    assert statuses == [expected[entry[3]] for entry in proxy.log]
    assert 8 <= sum(proxy.injected.values()) <= 30 and proxy.connections == 1


def test_always_outlasts_any_retry_budget(proxy):
    proxy.always(Fault.THROTTLE, match=FaultProxy.method('DELETE'))
    conn = connect(proxy)
    assert [call(conn, 'DELETE', '/x').status for _index in range(12)] == [429] * 12
    assert call(conn, 'GET', '/x').status == 200
    proxy.clear()
    assert call(conn, 'DELETE', '/x').status == 200
    assert proxy.injected == {Fault.THROTTLE: 12} and proxy.requests == 14


# Robustness

def _connection_threads(proxy):
    return [thread for thread in threading.enumerate() if thread.name == 'fault-proxy:%d connection' % proxy.port]


def test_client_gone_mid_download_does_not_hurt_the_proxy(proxy):
    with socket.create_connection(('127.0.0.1', proxy.port)) as sock:
        sock.sendall(b'GET /blob/%d HTTP/1.1\r\nHost: x\r\n\r\n' % (20 * MIB))
        sock.recv(100000)
    with socket.create_connection(('127.0.0.1', proxy.port)) as sock:
        sock.sendall(b'PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n' + b'x' * 1000)
    assert call(connect(proxy)).status == 200
    deadline = time.monotonic() + 5
    while len(_connection_threads(proxy)) > 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(_connection_threads(proxy)) <= 1  # the keep-alive connection of the last call may still be open


def test_stop_is_quick_with_idle_and_stalled_connections(upstream):
    proxy = FaultProxy(upstream.port).start()
    proxy.stall_seconds = 60
    idle = connect(proxy)
    call(idle)
    proxy.inject(Fault.STALL)
    outcome = []

    def stalled_call():
        try:
            call(connect(proxy, timeout=30))
        except OSError as error:
            outcome.append(error)

    stalled = threading.Thread(target=stalled_call)
    stalled.start()
    while proxy.requests < 2:
        time.sleep(0.01)
    started = time.monotonic()
    proxy.stop()
    stalled.join(5)
    assert time.monotonic() - started < 2 and not stalled.is_alive() and not _connection_threads(proxy)
    assert isinstance(outcome[0], http.client.RemoteDisconnected)  # the stalled client learns at once
    with pytest.raises(OSError):
        call(connect(proxy, timeout=1))
    proxy.stop()  # a second stop does nothing


# Real libcloud traffic through moto

def test_libcloud_s3_and_ec2_through_the_proxy(local_cloud):
    from libcloud.common.exceptions import BaseHTTPError
    from libcloud.common.types import LibcloudError
    from libcloud.compute.providers import get_driver as compute_driver
    from libcloud.compute.types import Provider as ComputeProvider
    from libcloud.storage.providers import get_driver as storage_driver
    from libcloud.storage.types import Provider as StorageProvider

    with FaultProxy(local_cloud.port) as proxy:
        common = dict(secure=False, host='127.0.0.1', port=proxy.port, region='us-east-1', timeout=10)
        s3 = storage_driver(StorageProvider.S3)(TEST_KEY, TEST_SECRET, **common)
        ec2 = compute_driver(ComputeProvider.EC2)(TEST_KEY, TEST_SECRET, signature_version='4', **common)
        content = blob(3 * MIB)
        container = s3.create_container('fault-proxy-%d' % time.time_ns())
        s3.upload_object_via_stream(iter([content]), container, 'streamed')  # multipart, chunked parts
        s3.upload_object_via_stream(iter([b'small']), container, 'small', extra={'meta_data': {'k': 'v'}})
        assert b''.join(s3.download_object_as_stream(s3.get_object(container.name, 'streamed'))) == content
        assert s3.get_object(container.name, 'small').meta_data == {'k': 'v'}
        assert isinstance(ec2.list_nodes(), list)
        assert proxy.injected == {} and {entry[2] for entry in proxy.log} == {'s3', 'ec2'}
        assert proxy.connections < proxy.requests  # libcloud kept its connections alive through the proxy

        proxy.inject(Fault.THROTTLE, match=FaultProxy.service('s3'))
        with pytest.raises(LibcloudError, match='503'):
            s3.get_object(container.name, 'small')
        proxy.inject(Fault.THROTTLE, match=FaultProxy.ec2_action('DescribeInstances'))
        with pytest.raises(BaseHTTPError, match='RequestLimitExceeded') as raised:
            ec2.list_nodes()
        assert raised.value.code == 503
        assert s3.get_object(container.name, 'small').size == 5  # and the next request passes
        assert not proxy.errors
