# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The harness's other local clouds: each starts on 127.0.0.1, answers libcloud's own driver, and leaves no
process behind; a missing emulator fails with the command that installs it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.harness import server_process
from tests.harness.azurite_cloud import AzuriteCloud
from tests.harness.mimic_cloud import MimicCloud
from tests.harness.server_process import REPO_ROOT, EmulatorMissing
from tests.harness.swift_cloud import SwiftCloud


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path('/proc/%d/stat' % pid)
    return not state.exists() or state.read_text().rsplit(')', 1)[1].split()[0] != 'Z'


def _pids(cloud):
    return [server.process.pid for server in cloud.servers]


@pytest.mark.parametrize('cloud_class', [SwiftCloud, AzuriteCloud], ids=['swift', 'azurite'])
def test_a_store_starts_answers_and_stops(cloud_class):
    cloud = cloud_class().start()
    try:
        pids = _pids(cloud)
        workdir = cloud.workdir
        assert cloud.port and all(_alive(pid) for pid in pids)
        driver = cloud.driver()
        container = driver.create_container('harness-check')
        driver.upload_object(__file__, container, 'self.py', extra={'meta_data': {'origin': 'harness'}})
        assert driver.get_object('harness-check', 'self.py').meta_data == {'origin': 'harness'}
        cloud.reset()
        assert driver.list_containers() == []
    finally:
        cloud.stop()
    assert not any(_alive(pid) for pid in pids)
    assert not Path(workdir).exists()


def test_mimic_keeps_tenants_apart_and_stops():
    with MimicCloud() as cloud:
        pids = _pids(cloud)
        first = cloud.driver(cloud.fresh_entry())
        node = first.create_node(name='harness-check', size=first.list_sizes()[0], image=first.list_images()[0])
        assert [n.id for n in first.list_nodes()] == [node.id]
        # A fresh entry is an empty cloud: that is how tests get one (mimic has no reset).
        assert cloud.driver(cloud.fresh_entry()).list_nodes() == []
    assert not any(_alive(pid) for pid in pids)


def test_a_missing_emulator_names_the_command_that_installs_it(monkeypatch, tmp_path):
    monkeypatch.setattr(server_process, 'EMULATORS_VENV', tmp_path / 'no-venv')
    with pytest.raises(EmulatorMissing, match=r'twistd not found at .*no-venv/bin/twistd: run make venv'):
        MimicCloud().start()


def test_serve_writes_the_ports_and_stops_everything_on_sigterm(tmp_path):
    server = subprocess.Popen([sys.executable, '-m', 'tests.harness.emulators', 'serve', '--state-dir', str(tmp_path), 'swift', 'azurite'],
                              cwd=str(REPO_ROOT), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / 'ports.json').exists():
            assert server.poll() is None and time.monotonic() < deadline, server.stdout.read() if server.poll() is not None else 'no ports'
            time.sleep(0.1)
        ports = json.loads((tmp_path / 'ports.json').read_text())
        assert sorted(ports) == ['azurite', 'swift']
        children = subprocess.run(['pgrep', '-P', str(server.pid)], capture_output=True, text=True, check=False).stdout.split()
        assert len(children) == 1 + 4 + 1, 'memcached, four Swift servers and Azurite'
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(30) == 0
    assert not any(_alive(int(pid)) for pid in children)
