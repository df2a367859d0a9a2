# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every emulator of the harness shares: where it is installed, free ports, and one server subprocess.

The OpenStack emulators (mimic, Swift) live in a venv of their own (``.venv-emulators``, from
``requirements-emulators.txt``) and Azurite in ``tests/harness/azurite/node_modules`` (from its lock file); the
Makefile installs both. ``LOCAL_CLOUDS_VENV`` points the harness at another venv.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
EMULATORS_VENV = Path(os.environ.get('LOCAL_CLOUDS_VENV') or REPO_ROOT / '.venv-emulators')
AZURITE_DIR = Path(__file__).resolve().parent / 'azurite'
HOST = '127.0.0.1'
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0


class EmulatorMissing(RuntimeError):
    """An emulator is not installed: the message says which command installs it."""


def emulator_command(name: str) -> str:
    """The path of an emulator's program (``twistd``, ``swift-proxy-server``, ``azurite-blob``, ``memcached``)."""
    if name == 'azurite-blob':
        path = AZURITE_DIR / 'node_modules' / '.bin' / name
        hint = 'run make venv (it runs npm ci in tests/harness/azurite; Node.js must be installed)'
    elif name == 'memcached':
        found = shutil.which(name)
        path = Path(found) if found else Path('/usr/bin/memcached')
        hint = 'install the Debian package memcached (.ci/run does it when run as root)'
    else:
        path = EMULATORS_VENV / 'bin' / name
        hint = 'run make venv (it makes %s from requirements-emulators.txt)' % EMULATORS_VENV.name
    if not os.access(path, os.X_OK):
        raise EmulatorMissing('%s not found at %s: %s' % (name, path, hint))
    return str(path)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (for servers that cannot report the port they bound themselves)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, deadline: float, process: subprocess.Popen | None = None) -> None:
    """Return once 127.0.0.1:``port`` accepts connections; raise if ``process`` exits or the deadline passes."""
    while True:
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return
        except OSError:
            if process is not None and process.poll() is not None:
                raise RuntimeError('server exited with status %s' % process.returncode)
            if time.monotonic() >= deadline:
                raise TimeoutError('nothing listens on %s:%d' % (HOST, port))
            time.sleep(0.05)


class ServerProcess:
    """One server program in a subprocess (its own process group), its output kept in an anonymous file."""

    def __init__(self, name: str, command: list[str], cwd: str | None = None, env: dict | None = None):
        self.name = name
        self.command = command
        self.cwd = cwd
        self.env = env
        self.process: subprocess.Popen | None = None
        self._log = None

    def start(self) -> ServerProcess:
        self._log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(self.command, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL, stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def log_tail(self, size: int = 4000) -> str:
        if self._log is None:
            return ''
        self._log.flush()
        self._log.seek(0, os.SEEK_END)
        self._log.seek(max(0, self._log.tell() - size))
        return self._log.read().decode('utf-8', 'replace')

    def stop(self) -> None:
        """Terminate the server's whole process group, then kill it if it does not go. Safe to call twice."""
        if self.process is not None:
            _signal_group(self.process, signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                _signal_group(self.process, signal.SIGKILL)
                self.process.wait()
            self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass


class Emulator:
    """Base of the emulators: a set of ServerProcess started together, stopped together, and a start that fails
    with the servers' own output when one of them does not come up."""

    name = 'emulator'

    def __init__(self):
        self.servers: list[ServerProcess] = []
        self.workdir: str | None = None
        # The port that clients use (the proxy's, for Swift), set by _launch.
        self.port: int | None = None

    def _launch(self) -> None:
        raise NotImplementedError

    def start(self) -> Emulator:
        self.workdir = tempfile.mkdtemp(prefix='%s-' % self.name)
        try:
            self._launch()
        except EmulatorMissing:
            self.stop()
            raise
        except Exception as error:
            logs = '\n'.join('--- %s\n%s' % (server.name, server.log_tail()) for server in self.servers)
            self.stop()
            raise RuntimeError('%s did not start: %s\n%s' % (self.name, error, logs)) from error
        except BaseException:
            self.stop()
            raise
        return self

    def _serve(self, name: str, command: list[str], port: int, deadline: float, **kwargs) -> ServerProcess:
        server = ServerProcess(name, command, cwd=self.workdir, **kwargs).start()
        self.servers.append(server)
        wait_for_port(port, deadline, server.process)
        return server

    def stop(self) -> None:
        for server in reversed(self.servers):
            server.stop()
        self.servers = []
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


class ObjectStore(Emulator):
    """An emulator of object storage: ``driver()`` is libcloud's own driver for it, ``reset()`` empties it."""

    def driver(self):
        raise NotImplementedError

    def reset(self) -> None:
        """Delete every container and its objects: an empty store for the next test."""
        driver = self.driver()
        for container in driver.list_containers():
            for obj in driver.iterate_container_objects(container):
                driver.delete_object(obj)
            driver.delete_container(container)
