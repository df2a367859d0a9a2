# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The local test cloud: moto (EC2 + S3 and the rest), wrapped in MotoWireFix, in a subprocess of its own.

moto keeps every object in memory and does not give it back, so the server runs as a separate process
that takes its memory with it when it stops.

    python -m tests.harness.local_cloud serve [--host H] [--port N]   # foreground (what LocalCloud runs)
    python -m tests.harness.local_cloud start --state-dir DIR          # background; prints the port
    python -m tests.harness.local_cloud entry --state-dir DIR          # its EC2 and S3 cloud entries (JSON)
    python -m tests.harness.local_cloud stop --state-dir DIR
"""

from __future__ import annotations

import argparse
import json
import logging
import os
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

# The directory that holds tests/, so that the server subprocess can import tests.harness.
REPO_ROOT = Path(__file__).resolve().parents[2]

PID_FILE = 'local_cloud.pid'
PORT_FILE = 'local_cloud.port'
LOG_FILE = 'local_cloud.log'

# A direct opener: a proxy from the environment must not intercept 127.0.0.1.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class LocalCloud:
    """A moto server (with MotoWireFix) running in a subprocess on ``host``.

    ``port=0`` lets the server bind a free port itself (no race with other processes); the chosen port
    is read back from a file the server writes once it listens. Use as a context manager, or call
    ``start()`` and ``stop()``.
    """

    def __init__(self, host: str = DEFAULT_HOST, port: int = 0, log_path: str | None = None, detach: bool = False):
        self.host = host
        self.port = port
        self.log_path = log_path
        self.detach = detach
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
                self.process = subprocess.Popen(command, env=_server_env(), stdin=subprocess.DEVNULL, stdout=self._log,
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
        """Forget every resource in every service (moto's POST /moto-api/reset)."""
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
        return ec2_cloud_entry(self.port, region=region, host=self.host)

    def s3_cloud_entry(self, region: str = DEFAULT_REGION) -> dict:
        return s3_cloud_entry(self.port, region=region, host=self.host)

    def boto3_client(self, service: str, region: str = DEFAULT_REGION):
        """A boto3 client on this cloud, to check its state independently of libcloud."""
        import boto3

        return boto3.client(service, endpoint_url=self.endpoint_url, region_name=region,
                            aws_access_key_id=TEST_KEY, aws_secret_access_key=TEST_SECRET)


def ec2_cloud_entry(port: int, region: str = DEFAULT_REGION, host: str = DEFAULT_HOST) -> dict:
    """The collection's cloud entry for EC2 on the local cloud.

    ``signature_version: "4"`` is required: the EC2 driver signs us-east-1 with SigV2 by default, which
    moto routes to S3 (empty answers, no error), and MotoWireFix recognises EC2 by its SigV4 scope.
    """
    return {
        'provider': 'ec2',
        'key': TEST_KEY,
        'secret': TEST_SECRET,
        'region': region,
        'host': host,
        'port': port,
        'secure': False,
        'options': {'signature_version': '4'},
    }


def s3_cloud_entry(port: int, region: str = DEFAULT_REGION, host: str = DEFAULT_HOST) -> dict:
    """The collection's cloud entry for S3 on the local cloud (the S3 driver always signs with SigV4)."""
    return {
        'storage_provider': 's3',
        'key': TEST_KEY,
        'secret': TEST_SECRET,
        'region': region,
        'host': host,
        'port': port,
        'secure': False,
        'options': {},
    }


def _server_env() -> dict:
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(filter(None, (str(REPO_ROOT), env.get('PYTHONPATH'))))
    # MotoWireFix rewrites signed requests; moto checks signatures only when this is set.
    env.pop('INITIAL_NO_AUTH_ACTION_COUNT', None)
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


def serve(host: str, port: int, port_file: str | None = None, parent_pid: int | None = None) -> None:
    """Run the wrapped moto server in the foreground until SIGTERM or SIGINT (or until ``parent_pid`` dies)."""
    from moto.server import MotoRequestHandler
    from werkzeug.serving import make_server

    from tests.harness.moto_wire import make_app

    # werkzeug logs every request at INFO; keep warnings and errors only.
    logging.getLogger('werkzeug').setLevel(logging.WARNING)
    server = make_server(host, port, make_app(), threaded=True, request_handler=MotoRequestHandler)
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
        serve(args.host, args.port, args.port_file, args.parent_pid)
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
