# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""DNS record sets: the plan that decides ``changed`` (and that check mode shares), the bad input that fails before any
request, and the generic adapter on libcloud's own dummy DNS driver (one libcloud Record per value)."""

from __future__ import annotations

import pytest
from libcloud.dns.base import Record
from libcloud.dns.drivers.dummy import DummyDNSDriver

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.connection import build_driver
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.dns_records import DEFAULT_TTL, RecordReconciler, plan
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.dns_zones import content
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers import adapter_for
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.generic import GenericAdapter
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.powerdns import PowerDnsAdapter

SET = {'ttl': 300, 'values': ['192.0.2.1', '192.0.2.2']}


@pytest.mark.parametrize('before, state, values, ttl, after', [
    (None, 'present', ['192.0.2.1'], None, {'ttl': DEFAULT_TTL, 'values': ['192.0.2.1']}),
    (None, 'present', ['192.0.2.1'], 60, {'ttl': 60, 'values': ['192.0.2.1']}),
    (SET, 'present', SET['values'], None, SET),                                  # unchanged: keeps its ttl
    (SET, 'present', SET['values'], 300, SET),
    (SET, 'present', SET['values'], 60, {'ttl': 60, 'values': SET['values']}),   # TTL change
    (SET, 'present', ['192.0.2.3'], None, {'ttl': 300, 'values': ['192.0.2.3']}),
    ({'ttl': None, 'values': ['x']}, 'present', ['x'], None, {'ttl': None, 'values': ['x']}),  # a provider that tells no TTL
    (None, 'absent', None, None, None),
    (SET, 'absent', None, None, None),
    (SET, 'absent', ['192.0.2.2'], None, {'ttl': 300, 'values': ['192.0.2.1']}),  # one value of two
    (SET, 'absent', ['192.0.2.9'], None, SET),                                     # not there: unchanged
    (SET, 'absent', SET['values'], None, None),
])
def test_plan(before, state, values, ttl, after):
    assert plan(before, state, values, ttl, overwrite=True) == after


@pytest.mark.parametrize('values, ttl', [(['192.0.2.3'], None), (SET['values'], 60)])
def test_without_overwrite_a_differing_set_fails(values, ttl):
    with pytest.raises(LibcloudModuleError, match=r"holds '192.0.2.1, 192.0.2.2 \(ttl 300\)', not .*; overwrite: true replaces it"):
        plan(SET, 'present', values, ttl, overwrite=False)


def test_without_overwrite_the_same_set_or_a_new_one_is_fine():
    assert plan(SET, 'present', SET['values'], None, overwrite=False) == SET
    assert plan(None, 'present', ['192.0.2.1'], None, overwrite=False)['values'] == ['192.0.2.1']


def params(**given):
    return dict(dict(zone='example.org', name='www', type='A', value=None, ttl=None, state='present', overwrite=True), **given)


@pytest.mark.parametrize('given, words', [
    (dict(type='AA'), "type 'AA' is not a DNS record type"),
    (dict(value='192.0.2'), "value '192.0.2' (type A) is not an IPv4 address"),
    (dict(name='www.example.com.', value='192.0.2.1'), "name 'www.example.com.' is outside the zone example.org"),
    (dict(value=None), 'value is required with state present'),
    (dict(value=[]), 'value is an empty list'),
    (dict(type='CNAME', value=['a.example.org', 'b.example.org']), 'a CNAME holds one name, got 2'),
    (dict(type='SOA', value='x'), 'type SOA'),
    (dict(value='192.0.2.1', ttl=-1), 'ttl must be a whole number of seconds'),
    (dict(zone='example..org'), "zone 'example..org' is not a domain name"),
])
def test_bad_input_fails_before_any_request(given, words):
    # No driver at all: validation needs none.
    reconciler = RecordReconciler(None, params(**given))
    reconciler.adapter = None
    with pytest.raises(LibcloudModuleError) as caught:
        reconciler.validate()
    assert words in caught.value.message and '\n' not in caught.value.message


def test_zone_content_leaves_out_the_apex_soa_and_ns():
    sets = {('@', 'SOA'): {}, ('@', 'NS'): {}, ('@', 'MX'): {}, ('www', 'A'): {}, ('sub', 'NS'): {}}
    assert content(sets) == ['@ MX', 'sub NS', 'www A']


# --- the generic adapter on libcloud's dummy DNS driver ---------------------------------------------------------

class RecordPerValueDriver(DummyDNSDriver):
    """libcloud's dummy DNS driver keeps one record per name; most providers keep one per value (Route 53 in one
    record set, Cloudflare and DigitalOcean as records of their own), which this one does too."""

    def create_record(self, name, zone, type, data, extra=None):
        record = Record(id='%s %s %s' % (name, type, data), name=name, type=type, data=data, extra=extra, zone=zone, driver=self)
        self._zones[zone.id]['records'][record.id] = record
        return record


@pytest.fixture
def dummy():
    driver = RecordPerValueDriver('key', 'secret')
    return driver, adapter_for(driver)


def test_dummy_driver_gets_the_generic_adapter(dummy):
    assert dummy[1].__class__ is GenericAdapter


def test_generic_record_sets_group_one_record_per_value(dummy):
    driver, adapter = dummy
    zone = adapter.create_zone('example.org', 300, {})
    assert adapter.find_zone('example.org') is zone and adapter.find_zone('other.org') is None
    adapter.set_record_set(zone, 'www', 'A', None, ['192.0.2.1', '192.0.2.2'])
    adapter.set_record_set(zone, '@', 'MX', None, ['10 mail.example.org.'])
    adapter.set_record_set(zone, '@', 'TXT', None, ['v=spf1 -all'])
    records = dict(((record.name, record.type), record) for record in driver.list_records(zone))
    # libcloud's convention: relative names ('' for the apex), the MX target in data and its priority in extra.
    assert set(records) == {('www', 'A'), ('', 'MX'), ('', 'TXT')}
    assert (records[('', 'MX')].data, records[('', 'MX')].extra['priority']) == ('mail.example.org.', 10)
    assert records[('', 'TXT')].data == 'v=spf1 -all'  # unquoted: the generic adapter sends the text
    assert adapter.record_sets(zone) == {
        ('www', 'A'): {'ttl': None, 'values': ['192.0.2.1', '192.0.2.2']},
        ('@', 'MX'): {'ttl': None, 'values': ['10 mail.example.org.']},
        ('@', 'TXT'): {'ttl': None, 'values': ['v=spf1 -all']},
    }
    # Replacing a value deletes only the record that holds the old one.
    adapter.set_record_set(zone, 'www', 'A', None, ['192.0.2.2', '192.0.2.3'])
    assert adapter.record_sets(zone)[('www', 'A')]['values'] == ['192.0.2.2', '192.0.2.3']
    adapter.delete_record_set(zone, 'www', 'A')
    assert ('www', 'A') not in adapter.record_sets(zone)
    adapter.delete_zone(zone)
    assert adapter.zones() == []


def test_generic_reads_fully_qualified_names_too(dummy):
    driver, adapter = dummy
    zone = driver.create_zone('example.org.')
    driver.create_record('www.example.org.', zone, 'CNAME', 'Web.Example.org')
    driver.create_record('example.org.', zone, 'SRV', 'sip.example.org', extra={'priority': 1, 'weight': 2, 'port': 3})
    assert adapter.record_sets(zone) == {('www', 'CNAME'): {'ttl': None, 'values': ['web.example.org.']},
                                         ('@', 'SRV'): {'ttl': None, 'values': ['1 2 3 sip.example.org.']}}


def test_a_delete_the_driver_refuses_fails_in_one_line(dummy, monkeypatch):
    driver, adapter = dummy
    zone = adapter.create_zone('example.org', None, {})
    monkeypatch.setattr(driver, 'delete_zone', lambda zone: False)  # how libcloud's PowerDNS driver reports an error
    with pytest.raises(LibcloudModuleError, match='zone example.org: the provider did not delete it'):
        adapter.delete_zone(zone)


# --- PowerDNS: the driver and the adapter ---------------------------------------------------------------------

POWERDNS = {'dns_provider': 'powerdns', 'key': 'api-key', 'host': '127.0.0.1', 'port': 8081, 'secure': False}


def test_powerdns_uses_api_v1_by_default():
    driver = build_driver(POWERDNS, 'dns')
    assert adapter_for(driver).__class__ is PowerDnsAdapter
    assert driver.api_root == '/api/v1'
    assert (driver.connection.host, driver.connection.port, driver.connection.secure) == ('127.0.0.1', 8081, False)


def test_powerdns_refuses_the_old_api():
    with pytest.raises(LibcloudModuleError, match="options.api_version 'experimental': only v1"):
        build_driver(dict(POWERDNS, options={'api_version': 'experimental'}), 'dns')


def test_dns_needs_its_own_provider_field():
    with pytest.raises(LibcloudModuleError, match='no dns_provider given: .*LIBCLOUD_DNS_PROVIDER'):
        build_driver({'provider': 'ec2', 'key': 'k'}, 'dns')
    with pytest.raises(LibcloudModuleError, match="unknown dns_provider 'powerdsn'; closest valid: powerdns"):
        build_driver({'dns_provider': 'powerdsn', 'key': 'k'}, 'dns')


def test_the_documented_powerdns_entry_builds_its_driver():
    """docs/providers.md's PowerDNS entry, as written there (its placeholder filled in)."""
    import os
    import re

    import yaml

    guide = os.path.join(os.path.dirname(__file__), *(['..'] * 4), 'docs', 'providers.md')
    with open(guide) as stream:
        section = stream.read().split('## DNS zones and records', 1)[1].split('\n## ', 1)[0]
    entry = yaml.safe_load(re.search(r'```yaml\n(.*?)```', section, re.S).group(1))['libcloud_clouds']['dns']
    entry['key'] = entry['key'].replace('<API key>', 'api-key')
    driver = build_driver(entry, 'dns')
    assert (adapter_for(driver).__class__, driver.key, driver.api_root, driver.connection.port) == (PowerDnsAdapter, 'api-key', '/api/v1', 8081)
