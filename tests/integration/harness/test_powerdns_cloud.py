# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The harness's PowerDNS: it starts on 127.0.0.1, its API answers, what the API makes resolves on its DNS port
(dnspython), reset empties it, stop leaves no process; and what libcloud 3.9.1's powerdns driver does to it (the
facts the collection's PowerDNS adapter works around, pinned so that a libcloud upgrade that changes them shows)."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
import urllib.error
from pathlib import Path

import pytest
from libcloud.common.exceptions import BaseHTTPError
from libcloud.common.types import InvalidCredsError
from libcloud.dns.providers import get_driver

from tests.harness import powerdns_cloud as harness
from tests.harness.powerdns_cloud import PowerDnsCloud
from tests.harness.server_process import REPO_ROOT, EmulatorMissing


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path('/proc/%d/stat' % pid)
    return not state.exists() or state.read_text().rsplit(')', 1)[1].split()[0] != 'Z'


def test_starts_answers_and_stops_leaving_nothing():
    cloud = PowerDnsCloud().start()
    try:
        pid, workdir = cloud.servers[0].process.pid, cloud.workdir
        assert _alive(pid) and cloud.port != cloud.dns_port
        assert cloud.api.server()['version'].startswith('4.')
        assert cloud.api.zones() == []
        # No zone yet: the server refuses every name rather than denying it.
        assert cloud.resolve('www.example.test') == []
        entry = cloud.cloud_entry()
        assert entry == {'dns_provider': 'powerdns', 'key': cloud.api_key, 'host': '127.0.0.1', 'port': cloud.port, 'secure': False}
    finally:
        cloud.stop()
    assert not _alive(pid)
    assert not Path(workdir).exists()


def test_what_the_api_makes_resolves_and_reset_empties_it(fresh_powerdns):
    api = fresh_powerdns.api
    api.create_zone('Example.Test', nameservers=['ns1.example.test'])
    api.set_rrset('example.test', 'www.example.test', 'A', ['192.0.2.2', '192.0.2.1'], ttl=123)
    api.set_rrset('example.test', 'alias.example.test', 'CNAME', ['www.example.test.'])
    api.set_rrset('example.test', 'example.test', 'TXT', ['"hello world"', '"a" "b"'])
    api.set_rrset('example.test', 'example.test', 'MX', ['10 mail.example.test.'])
    assert api.zones() == ['example.test']
    assert api.rrsets('example.test')[('www.example.test', 'A')] == {'ttl': 123, 'values': ['192.0.2.1', '192.0.2.2']}

    assert fresh_powerdns.resolve('www.example.test') == ['192.0.2.1', '192.0.2.2']
    assert fresh_powerdns.resolve_ttl('www.example.test.') == 123
    assert fresh_powerdns.resolve('alias.example.test', 'CNAME') == ['www.example.test.']
    assert fresh_powerdns.resolve('alias.example.test') == ['192.0.2.1', '192.0.2.2']
    assert fresh_powerdns.resolve('example.test', 'TXT') == ['"a" "b"', '"hello world"']
    assert fresh_powerdns.resolve('example.test', 'MX') == ['10 mail.example.test.']
    assert fresh_powerdns.resolve('example.test', 'NS') == ['ns1.example.test.']
    assert fresh_powerdns.resolve('nothing.example.test') == []
    assert fresh_powerdns.resolve('www.example.test', 'AAAA') == []

    # A change is answered at once: the harness runs PowerDNS without its answer caches.
    api.set_rrset('example.test', 'www.example.test', 'A', ['192.0.2.9'], ttl=60)
    assert fresh_powerdns.resolve('www.example.test') == ['192.0.2.9']
    assert fresh_powerdns.resolve_ttl('www.example.test') == 60
    api.delete_rrset('example.test', 'www.example.test', 'A')
    assert fresh_powerdns.resolve('www.example.test') == []

    fresh_powerdns.reset()
    assert api.zones() == []
    assert api.zone('example.test') is None
    assert fresh_powerdns.resolve('example.test', 'MX') == []


def test_a_wrong_api_key_is_refused(powerdns_cloud):
    with pytest.raises(urllib.error.HTTPError) as refused:
        harness.PowerDnsApi(powerdns_cloud.port, 'wrong-key').zones()
    assert refused.value.code == 401
    with pytest.raises(InvalidCredsError):
        get_driver('powerdns')('wrong-key', host='127.0.0.1', port=powerdns_cloud.port, secure=False, api_version='v1').list_zones()


def test_missing_packages_are_named(monkeypatch, tmp_path):
    monkeypatch.setenv('PATH', str(tmp_path))
    monkeypatch.setattr(harness, 'PDNS_SERVER', str(tmp_path / 'pdns_server'))
    with pytest.raises(EmulatorMissing, match=r'pdns_server not found at .*: install the Debian packages pdns-server and pdns-backend-sqlite3'):
        PowerDnsCloud().start()


def test_libcloud_powerdns_driver_as_measured(fresh_powerdns):
    """The facts in powerdns_cloud.py's docstring that the collection's adapter depends on."""
    driver = fresh_powerdns.driver()
    # PowerDNS 4 has no 'experimental' API (libcloud's default): every request is a 404.
    with pytest.raises(BaseHTTPError, match='Not Found'):
        get_driver('powerdns')(fresh_powerdns.api_key, host='127.0.0.1', port=fresh_powerdns.port, secure=False).list_zones()

    # create_zone: without the dot PowerDNS refuses; with it the zone is made, but the returned Zone's id has two dots.
    with pytest.raises(BaseHTTPError, match="not canonical"):
        driver.create_zone('example.test', extra={'nameservers': []})
    with pytest.raises(ValueError, match='nameservers'):
        driver.create_zone('example.test.')
    returned = driver.create_zone('example.test.', extra={'nameservers': []})
    assert returned.id == 'example.test..'
    assert fresh_powerdns.api.zones() == ['example.test']
    assert driver.delete_zone(returned) is False
    with pytest.raises(BaseHTTPError, match='Conflict'):
        driver.create_zone('example.test.', extra={'nameservers': []})

    zone = driver.get_zone('example.test')
    assert (zone.id, zone.domain, zone.ttl) == ('example.test.', 'example.test.', None)
    assert [(r.name, r.type) for r in driver.list_records(zone)] == [('example.test.', 'SOA')]

    # Names must be fully qualified with the dot; a second value of a set replaces the first.
    with pytest.raises(BaseHTTPError, match='not canonical'):
        driver.create_record('www', zone, 'A', '192.0.2.1', extra={'ttl': 300})
    driver.create_record('www.example.test.', zone, 'A', '192.0.2.1', extra={'ttl': 300})
    driver.create_record('www.example.test.', zone, 'A', '192.0.2.2', extra={'ttl': 300})
    assert fresh_powerdns.resolve('www.example.test') == ['192.0.2.2']

    # list_records: one Record per value, names fully qualified with the dot, id None.
    fresh_powerdns.api.set_rrset('example.test', 'www.example.test', 'A', ['192.0.2.1', '192.0.2.2'], ttl=60)
    records = [r for r in driver.list_records(zone) if r.type == 'A']
    expected = [('www.example.test.', '192.0.2.1', 60, None), ('www.example.test.', '192.0.2.2', 60, None)]
    assert sorted((r.name, r.data, r.ttl, r.id) for r in records) == expected
    # delete_record of one value deletes the whole set.
    assert driver.delete_record(records[0]) is True
    assert fresh_powerdns.resolve('www.example.test') == []

    # Values in presentation format: TXT quoted, targets with their dot.
    with pytest.raises(BaseHTTPError, match='should start with quote'):
        driver.create_record('txt.example.test.', zone, 'TXT', 'hello world', extra={'ttl': 300})
    driver.create_record('txt.example.test.', zone, 'TXT', '"hello world"', extra={'ttl': 300})
    assert fresh_powerdns.resolve('txt.example.test', 'TXT') == ['"hello world"']
    with pytest.raises(BaseHTTPError, match='Not in expected format'):
        driver.create_record('alias.example.test.', zone, 'CNAME', 'www.example.test', extra={'ttl': 300})
    with pytest.raises(BaseHTTPError, match='Conflicts with pre-existing RRset'):
        driver.create_record('txt.example.test.', zone, 'CNAME', 'www.example.test.', extra={'ttl': 300})


def test_serve_writes_both_ports_and_the_key_and_stops_on_sigterm(tmp_path):
    env = dict(os.environ, LOCAL_POWERDNS_API_KEY='demo-key-DO-NOT-USE')
    server = subprocess.Popen([sys.executable, '-m', 'tests.harness.emulators', 'serve', '--state-dir', str(tmp_path), 'powerdns'],
                              cwd=str(REPO_ROOT), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    children = []
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / 'ports.json').exists():
            assert server.poll() is None and time.monotonic() < deadline, server.stdout.read() if server.poll() is not None else 'no ports'
            time.sleep(0.1)
        ports = json.loads((tmp_path / 'ports.json').read_text())
        assert sorted(ports) == ['powerdns', 'powerdns_dns']
        key_file = tmp_path / 'powerdns_api_key'
        assert key_file.read_text() == 'demo-key-DO-NOT-USE'
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert harness.PowerDnsApi(ports['powerdns'], 'demo-key-DO-NOT-USE').zones() == []
        children = subprocess.run(['pgrep', '-P', str(server.pid)], capture_output=True, text=True, check=False).stdout.split()
        assert len(children) == 1, 'pdns_server'
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(30) == 0
    assert not any(_alive(int(pid)) for pid in children)
