# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The local test cloud: moto (EC2 + S3 and the rest), wrapped in MotoWireFix, in a subprocess of its own.

moto keeps every object in memory and does not give it back, so the server runs as a separate process
that takes its memory with it when it stops.

    python -m tests.harness.local_cloud serve [--host H] [--port N] [--auth]   # foreground (what LocalCloud runs)
    python -m tests.harness.local_cloud start --state-dir DIR          # background; prints the port
    python -m tests.harness.local_cloud entry --state-dir DIR          # its EC2 and S3 cloud entries (JSON)
    python -m tests.harness.local_cloud stop --state-dir DIR

``LocalCloud(auth=True)`` starts a cloud that checks credentials: moto's own IAM authentication is on from the
first request, and the only access key it knows is ``cloud.key`` / ``cloud.secret``, made up at random for
that cloud. A wrong secret or an unknown key is refused (EC2: 401 AuthFailure; S3: 403 SignatureDoesNotMatch
or InvalidAccessKeyId), which libcloud raises as ``InvalidCredsError``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

DEFAULT_HOST = '127.0.0.1'
DEFAULT_REGION = 'us-east-1'
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0

# Fake credentials: moto accepts any, and these must never look like real ones.
TEST_KEY = 'AKIDLOCALTESTKEY'
TEST_SECRET = 'local-test-secret-DO-NOT-USE'

# An authenticating cloud's IAM user, allowed every action; its key and secret reach the server through
# these environment variables (not its command line) and are set up again after every reset.
AUTH_USER = 'local-cloud-admin'
AUTH_KEY_ENV = 'LOCAL_CLOUD_AUTH_KEY'
AUTH_SECRET_ENV = 'LOCAL_CLOUD_AUTH_SECRET'
ALLOW_EVERYTHING = json.dumps({'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': '*', 'Resource': '*'}]})

# The directory that holds tests/, so that the server subprocess can import tests.harness.
REPO_ROOT = Path(__file__).resolve().parents[2]

PID_FILE = 'local_cloud.pid'
PORT_FILE = 'local_cloud.port'
LOG_FILE = 'local_cloud.log'

# A direct opener: a proxy from the environment must not intercept 127.0.0.1.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def make_auth_credentials() -> tuple[str, str]:
    """A fresh access key id and secret for an authenticating cloud: random, and unlike any real AWS key."""
    return 'AKIDLOCALAUTH' + secrets.token_hex(4).upper(), 'local-auth-secret-' + secrets.token_hex(12)


class LocalCloud:
    """A moto server (with MotoWireFix) running in a subprocess on ``host``.

    ``port=0`` lets the server bind a free port itself (no race with other processes); the chosen port
    is read back from a file the server writes once it listens. Use as a context manager, or call
    ``start()`` and ``stop()``.

    ``auth=True``: the server checks credentials, and ``key`` / ``secret`` (made up for this cloud) are the
    only ones it accepts; they survive ``reset()``. Otherwise any credentials pass and ``key`` / ``secret`` are
    ``TEST_KEY`` / ``TEST_SECRET``.
    """

    def __init__(self, host: str = DEFAULT_HOST, port: int = 0, log_path: str | None = None, detach: bool = False,
                 auth: bool = False):
        self.host = host
        self.port = port
        self.log_path = log_path
        self.detach = detach
        self.auth = auth
        self.key, self.secret = make_auth_credentials() if auth else (TEST_KEY, TEST_SECRET)
        self.process: subprocess.Popen | None = None
        self._log = None

    @property
    def endpoint_url(self) -> str:
        return 'http://%s:%d' % (self.host, self.port)

    def start(self, timeout: float = START_TIMEOUT) -> LocalCloud:
        """Start the server and wait until it answers; on any failure, stop what was started and raise."""
        if self.process is not None:
            raise RuntimeError('LocalCloud already started')
        # The server's output goes to log_path, or to an anonymous file shown if the start fails.
        self._log = open(self.log_path, 'a+b') if self.log_path else tempfile.TemporaryFile()
        deadline = time.monotonic() + timeout
        try:
            with tempfile.TemporaryDirectory(prefix='local_cloud-') as tmpdir:
                port_file = Path(tmpdir, PORT_FILE)
                command = [sys.executable, '-m', 'tests.harness.local_cloud', 'serve',
                           '--host', self.host, '--port', str(self.port), '--port-file', str(port_file)]
                if not self.detach:
                    command += ['--parent-pid', str(os.getpid())]
                env = _server_env()
                if self.auth:
                    command.append('--auth')
                    env.update({AUTH_KEY_ENV: self.key, AUTH_SECRET_ENV: self.secret})
                self.process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=self._log,
                                                stderr=subprocess.STDOUT, start_new_session=self.detach)
                self.port = self._wait_for_port(port_file, deadline)
            self._wait_until_answering(deadline)
        except Exception as error:
            message = 'local cloud did not start: %s\n%s' % (error, _tail(self._log))
            self.stop()
            raise RuntimeError(message) from error
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_for_port(self, port_file: Path, deadline: float) -> int:
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError('server exited with status %s' % self.process.returncode)
            if port_file.exists():
                return int(port_file.read_text())
            time.sleep(0.05)
        raise TimeoutError('server did not report its port')

    def _wait_until_answering(self, deadline: float) -> None:
        while True:
            try:
                self._request('GET', '/moto-api/config')
                return
            except OSError:
                if time.monotonic() >= deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.05)

    def _request(self, method: str, path: str) -> bytes:
        request = urllib.request.Request(self.endpoint_url + path, method=method)
        with _OPENER.open(request, timeout=10) as response:
            return response.read()

    def reset(self) -> None:
        """Forget every resource in every service (moto's POST /moto-api/reset).

        On an authenticating cloud, the server sets its IAM user up again before it answers: same key, same secret.
        """
        self._request('POST', '/moto-api/reset')

    def stop(self) -> None:
        """Stop the server: terminate, then kill if it does not go. Safe to call more than once."""
        if self.process is not None:
            _end_process(self.process)
            self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> LocalCloud:
        return self if self.process is not None else self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def ec2_cloud_entry(self, region: str = DEFAULT_REGION) -> dict:
        return ec2_cloud_entry(self.port, region=region, host=self.host, key=self.key, secret=self.secret)

    def s3_cloud_entry(self, region: str = DEFAULT_REGION) -> dict:
        return s3_cloud_entry(self.port, region=region, host=self.host, key=self.key, secret=self.secret)

    def boto3_client(self, service: str, region: str = DEFAULT_REGION):
        """A boto3 client on this cloud (with this cloud's credentials), to check its state independently of libcloud."""
        import boto3

        return boto3.client(service, endpoint_url=self.endpoint_url, region_name=region,
                            aws_access_key_id=self.key, aws_secret_access_key=self.secret)


def seed_object_stores(cloud: LocalCloud, workdir: Path, bucket: str) -> Path:
    """What the bad-input tests act on: ``workdir/src.txt``, a local store (returned) whose bucket ``bucket``
    holds ``a.txt``, and an S3 bucket ``bucket`` on ``cloud`` holding the same ``a.txt``."""
    store = workdir / 'store'
    (store / 'bucket').mkdir(parents=True)
    (store / 'bucket' / 'a.txt').write_text('a\n')
    (workdir / 'src.txt').write_text('src\n')
    s3 = cloud.boto3_client('s3')
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key='a.txt', Body=b'a\n')
    return store


def ec2_cloud_entry(port: int, region: str = DEFAULT_REGION, host: str = DEFAULT_HOST, key: str = TEST_KEY,
                    secret: str = TEST_SECRET) -> dict:
    """The collection's cloud entry for EC2 on the local cloud, as a user writes it: no ``signature_version``.

    The collection signs EC2 requests with SigV4 by default (libcloud alone signs us-east-1 with SigV2, which moto
    routes to S3: empty answers, no error); MotoWireFix recognises EC2 by its SigV4 scope.
    """
    return {
        'provider': 'ec2',
        'key': key,
        'secret': secret,
        'region': region,
        'host': host,
        'port': port,
        'secure': False,
    }


def libcloud_driver(entry: dict, driver_class, key: str | None = None, secret: str | None = None):
    """libcloud's own driver for a cloud entry (to check the cloud without the collection), built with the arguments
    the collection's adapter gives it: SigV4 for EC2, as ``providers/ec2.py`` asks for by default."""
    kwargs = dict((name, entry[name]) for name in ('secure', 'host', 'port', 'region') if name in entry)
    if driver_class.__name__ == 'EC2NodeDriver':
        kwargs['signature_version'] = '4'
    kwargs.update(entry.get('options') or {})
    return driver_class(key or entry['key'], secret or entry['secret'], **kwargs)


def s3_cloud_entry(port: int, region: str = DEFAULT_REGION, host: str = DEFAULT_HOST, key: str = TEST_KEY,
                   secret: str = TEST_SECRET) -> dict:
    """The collection's cloud entry for S3 on the local cloud (the S3 driver always signs with SigV4)."""
    return {
        'storage_provider': 's3',
        'key': key,
        'secret': secret,
        'region': region,
        'host': host,
        'port': port,
        'secure': False,
        'options': {},
    }


def _server_env() -> dict:
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(filter(None, (str(REPO_ROOT), env.get('PYTHONPATH'))))
    # moto checks credentials only when this is set: a default cloud accepts any (an authenticating one sets
    # it itself, in ``serve``).
    env.pop('INITIAL_NO_AUTH_ACTION_COUNT', None)
    for name in (AUTH_KEY_ENV, AUTH_SECRET_ENV):
        env.pop(name, None)
    return env


def _end_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
    process.wait()


def _tail(log, size: int = 4000) -> str:
    log.seek(0, os.SEEK_END)
    log.seek(max(0, log.tell() - size))
    return log.read().decode('utf-8', 'replace')


def install_auth_user(key: str, secret: str) -> None:
    """Give moto's IAM (default account) a user allowed every action whose one access key is ``key`` / ``secret``.

    Runs in the server process, on moto's IAM backend: through the IAM API moto would make up the key itself,
    and a new one after every reset, while a test keeps the cloud's ``key`` and ``secret`` for its whole run.
    """
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.iam.models import iam_backends

    iam = iam_backends[DEFAULT_ACCOUNT_ID]['aws']
    iam.create_user(region_name=DEFAULT_REGION, user_name=AUTH_USER)
    iam.put_user_policy(AUTH_USER, 'allow-everything', ALLOW_EVERYTHING)
    access_key = iam.create_access_key(AUTH_USER)
    # IAM lists access keys by id (moto finds the account and the secret there): re-file it under the new id.
    del iam.access_keys[access_key.physical_resource_id]
    access_key.access_key_id, access_key.secret_access_key = key, secret
    iam.access_keys[access_key.physical_resource_id] = access_key


class KeepAuthUser:
    """WSGI middleware of an authenticating cloud: the IAM user of ``install_auth_user`` is there from the start
    and set up again as soon as moto's ``POST /moto-api/reset`` has wiped IAM (before the reset is answered)."""

    def __init__(self, app, key: str, secret: str):
        self.app = app
        self.key = key
        self.secret = secret
        install_auth_user(key, secret)

    def __call__(self, environ, start_response):
        result = self.app(environ, start_response)
        if environ.get('REQUEST_METHOD') == 'POST' and environ.get('PATH_INFO', '').rstrip('/') == '/moto-api/reset':
            install_auth_user(self.key, self.secret)
        return result


def serve(host: str, port: int, port_file: str | None = None, parent_pid: int | None = None, auth: bool = False) -> None:
    """Run the wrapped moto server in the foreground until SIGTERM or SIGINT (or until ``parent_pid`` dies).

    ``auth``: check credentials from the first request on; the one accepted key is read from the environment
    variables LOCAL_CLOUD_AUTH_KEY and LOCAL_CLOUD_AUTH_SECRET.
    """
    from moto import settings
    from moto.server import MotoRequestHandler
    from werkzeug.serving import make_server

    from tests.harness.moto_wire import make_app

    if auth:
        # moto's environment variable INITIAL_NO_AUTH_ACTION_COUNT, as read at import (and as POST
        # /moto-api/reset-auth sets it): after that many unchecked actions, every action is checked.
        settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
        credentials = os.environ[AUTH_KEY_ENV], os.environ[AUTH_SECRET_ENV]
    # werkzeug logs every request at INFO; keep warnings and errors only.
    logging.getLogger('werkzeug').setLevel(logging.WARNING)
    app = make_app(auth=auth)
    if auth:
        app = KeepAuthUser(app, *credentials)
    server = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
    port = server.server_port
    # moto builds some URLs (SQS queues, ...) from MOTO_PORT.
    os.environ['MOTO_PORT'] = str(port)
    if port_file:
        # Write then rename, so that a reader never sees a partial file.
        Path(port_file + '.tmp').write_text(str(port))
        os.replace(port_file + '.tmp', port_file)
    # SIGTERM stops the server the way Ctrl-C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    if parent_pid:
        threading.Thread(target=_exit_when_orphaned, args=(parent_pid,), daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def _exit_when_orphaned(parent_pid: int) -> None:
    # A test run killed with SIGKILL cannot stop its server: the server notices and stops itself.
    while os.getppid() == parent_pid:
        time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGTERM)


def start_background(state_dir: str, host: str = DEFAULT_HOST, port: int = 0) -> int:
    """Start a detached server recorded in ``state_dir`` (pid, port, log); reuse one already running there."""
    state = Path(state_dir)
    state.mkdir(parents=True, exist_ok=True)
    running = _recorded_pid(state)
    if running is not None and _is_running(running):
        return int((state / PORT_FILE).read_text())
    cloud = LocalCloud(host=host, port=port, log_path=str(state / LOG_FILE), detach=True).start()
    (state / PID_FILE).write_text(str(cloud.process.pid))
    (state / PORT_FILE).write_text(str(cloud.port))
    return cloud.port


def stop_background(state_dir: str, timeout: float = STOP_TIMEOUT) -> bool:
    """Stop the server recorded in ``state_dir`` and wait until it is gone; False if none was running."""
    state = Path(state_dir)
    pid = _recorded_pid(state)
    running = pid is not None and _is_running(pid)
    if running:
        os.kill(pid, signal.SIGTERM)
        if not _wait_until_gone(pid, timeout):
            os.kill(pid, signal.SIGKILL)
            _wait_until_gone(pid, timeout)
    for name in (PID_FILE, PORT_FILE):
        (state / name).unlink(missing_ok=True)
    return running


def _recorded_pid(state: Path) -> int | None:
    try:
        return int((state / PID_FILE).read_text())
    except (OSError, ValueError):
        return None


def _wait_until_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _is_running(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def _is_running(pid: int) -> bool:
    """Whether ``pid`` is a live local cloud server: not a zombie, and not a pid reused by another program."""
    proc = Path('/proc', str(pid))
    if not Path('/proc/self').is_dir():
        # No procfs (macOS): trust the pid file.
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    try:
        state = (proc / 'stat').read_text().rsplit(')', 1)[1].split()[0]
        command = (proc / 'cmdline').read_bytes()
    except (OSError, IndexError):
        return False
    return state != 'Z' and b'tests.harness.local_cloud' in command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m tests.harness.local_cloud', description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest='command', required=True)
    serve_parser = commands.add_parser('serve', help='run the server in the foreground')
    serve_parser.add_argument('--host', default=DEFAULT_HOST)
    serve_parser.add_argument('--port', type=int, default=0, help='0 (default) picks a free port')
    serve_parser.add_argument('--port-file', help='write the port here once listening')
    serve_parser.add_argument('--parent-pid', type=int, help='stop when this process is gone')
    serve_parser.add_argument('--auth', action='store_true',
                              help='check credentials; the accepted key and secret are read from %s and %s' % (AUTH_KEY_ENV, AUTH_SECRET_ENV))
    start_parser = commands.add_parser('start', help='start in the background and print the port')
    start_parser.add_argument('--state-dir', required=True)
    start_parser.add_argument('--host', default=DEFAULT_HOST)
    start_parser.add_argument('--port', type=int, default=0)
    stop_parser = commands.add_parser('stop', help="stop the server started with 'start'")
    stop_parser.add_argument('--state-dir', required=True)
    entry_parser = commands.add_parser('entry', help='print the EC2 and S3 cloud entries of a started server as JSON')
    entry_parser.add_argument('--state-dir', required=True)
    args = parser.parse_args(argv)

    if args.command == 'serve':
        serve(args.host, args.port, args.port_file, args.parent_pid, auth=args.auth)
        # Tearing moto's in-memory objects down at interpreter exit takes a second or more, and there is
        # nothing to save: leave at once.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    elif args.command == 'start':
        print(start_background(args.state_dir, args.host, args.port))
    elif args.command == 'stop':
        stop_background(args.state_dir)
    else:
        port = int(Path(args.state_dir, PORT_FILE).read_text())
        print(json.dumps({'ec2': ec2_cloud_entry(port), 's3': s3_cloud_entry(port)}, indent=2))
    return 0


if __name__ == '__main__':
    sys.exit(main())
