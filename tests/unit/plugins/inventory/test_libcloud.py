# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory plugin's logic (plugins/plugin_utils/inventory.py) and the plugin called directly on a cache.

Behaviour against a real cloud is in tests/integration/test_inventory*.py; here only pure logic, plain fakes
for the fetch function, and the plugin serving a cache (which must need no cloud at all).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from ansible.parsing.vault import EncryptedString, VaultLib, VaultSecret, VaultSecretsContext

from ansible_collections.cloudmesh.libcloud.plugins.inventory import libcloud as plugin_module
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError
from ansible_collections.cloudmesh.libcloud.plugins.plugin_utils import inventory as inv

REPO_ROOT = Path(__file__).resolve().parents[4]
SECRET = 'unit-secret-DO-NOT-USE'
KEY = 'AKIDUNITKEY'


def node(ident, name=None, state='running', public=(), private=(), tags=None):
    """A node dict as node_to_dict makes them."""
    return {'id': ident, 'name': name if name is not None else ident, 'state': state, 'public_ips': list(public),
            'private_ips': list(private), 'image': 'ami-1', 'size': 't3.micro', 'location': 'us-east-1a',
            'tags': dict(tags or {}), 'extra': {'instance_type': 't3.micro'}}


# --- cloud entries -----------------------------------------------------------------------------------------

def test_inline_entry_becomes_one_task_per_region():
    tasks = inv.entries_to_tasks([{'name': 'aws', 'provider': 'ec2', 'key': KEY, 'secret': SECRET,
                                   'regions': ['us-east-1', 'eu-west-1'], 'port': '8080'}], environ={})
    assert [(task.cloud, task.provider, task.region) for task in tasks] == [('aws', 'ec2', 'us-east-1'), ('aws', 'ec2', 'eu-west-1')]
    assert tasks[1].connection == {'provider': 'ec2', 'key': KEY, 'secret': SECRET, 'region': 'eu-west-1', 'port': 8080}


def test_task_repr_never_shows_credentials():
    task = inv.entries_to_tasks([{'name': 'aws', 'provider': 'ec2', 'key': KEY, 'secret': SECRET}], environ={})[0]
    assert SECRET not in repr(task) and KEY not in repr(task)


def test_region_without_regions_and_provider_default():
    tasks = inv.entries_to_tasks([{'name': 'a', 'provider': 'ec2', 'region': 'eu-west-1'}, {'name': 'b', 'provider': 'dummy'}], environ={})
    assert [task.region for task in tasks] == ['eu-west-1', None]


def test_file_entry_by_name_with_fields_overridden():
    file_clouds = {'prod': {'provider': 'ec2', 'key': KEY, 'secret': SECRET, 'region': 'us-east-1'}}
    tasks = inv.entries_to_tasks([{'cloud': 'prod', 'regions': ['eu-west-1']}, {'cloud': 'prod', 'name': 'prod-again', 'port': 1}],
                                 file_clouds, environ={})
    assert [(task.cloud, task.region) for task in tasks] == [('prod', 'eu-west-1'), ('prod-again', 'us-east-1')]
    assert tasks[0].connection['secret'] == SECRET
    assert tasks[1].connection['port'] == 1


def test_without_clouds_every_compute_entry_of_the_file_is_listed():
    file_clouds = {'a': {'provider': 'ec2'}, 'bucket': {'storage_provider': 's3'}, 'b': {'provider': 'dummy'}}
    assert [task.cloud for task in inv.entries_to_tasks(None, file_clouds, environ={})] == ['a', 'b']


def test_environment_fills_only_missing_fields():
    environ = {'LIBCLOUD_PROVIDER': 'gce', 'LIBCLOUD_KEY': 'env-key', 'LIBCLOUD_SECRET': 'env-secret', 'LIBCLOUD_PORT': '1',
               'LIBCLOUD_OPTIONS': '{"signature_version": "4"}', 'LIBCLOUD_REGION': 'eu-west-1'}
    task = inv.entries_to_tasks([{'name': 'a', 'provider': 'ec2', 'port': 8080}], environ=environ)[0]
    assert task.connection == {'provider': 'ec2', 'key': 'env-key', 'secret': 'env-secret', 'port': 8080, 'region': 'eu-west-1',
                               'options': {'signature_version': '4'}}
    # `regions` wins over LIBCLOUD_REGION
    tasks = inv.entries_to_tasks([{'name': 'a', 'provider': 'ec2', 'regions': ['us-west-2']}], environ=environ)
    assert [task.region for task in tasks] == ['us-west-2']


def test_templates_are_rendered_and_vaulted_values_decrypted(monkeypatch):
    secret = VaultSecret(b'unit-vault-password')
    monkeypatch.setattr(VaultSecretsContext, '_current', VaultSecretsContext([('default', secret)]))
    ciphertext = VaultLib([('default', secret)]).encrypt(SECRET).decode()
    rendered = []

    def render(value):
        rendered.append(value)
        return value.replace('{{ key }}', KEY)

    tasks = inv.entries_to_tasks([{'name': 'a', 'provider': 'ec2', 'key': '{{ key }}', 'secret': EncryptedString(ciphertext=ciphertext)}],
                                 render=render, environ={})
    assert tasks[0].connection['key'] == KEY
    assert tasks[0].connection['secret'] == SECRET
    assert type(tasks[0].connection['secret']) is str  # pylint: disable=unidiomatic-typecheck


@pytest.mark.parametrize('clouds, file_clouds, message', [
    ([{'provider': 'ec2'}], None, 'clouds item 1 needs a name'),
    ([{'name': 'a'}, {'name': 'a'}], None, "the name 'a' is used twice"),
    ([{'name': 'a', 'secrett': SECRET}], None, 'unknown field(s) secrett; allowed: name, cloud, regions, provider'),
    ([{'cloud': 'prod'}], None, "refers to cloud 'prod', but no clouds_file is set"),
    ([{'cloud': 'prod'}], {'dev': {}, 'lab': {}}, "unknown cloud 'prod'; known clouds in clouds_file: dev, lab"),
    ([{'name': 'a', 'regions': 'us-east-1'}], None, "clouds entry 'a': regions must be a list of region names"),
    ([{'name': 'a', 'port': 'eighty'}], None, "clouds entry 'a'"),
    (['aws'], None, 'clouds item 1 must be a dict'),
    (None, None, 'no clouds to list'),
])
def test_entry_mistakes_are_named_without_values(clouds, file_clouds, message):
    with pytest.raises(LibcloudModuleError) as caught:
        inv.entries_to_tasks(clouds, file_clouds, environ={})
    assert message in caught.value.message
    assert SECRET not in caught.value.message


def test_clouds_file_must_hold_libcloud_clouds():
    assert inv.load_file_clouds({'libcloud_clouds': {'a': {}}}, 'f.yml') == {'a': {}}
    with pytest.raises(LibcloudModuleError, match='must hold a dict libcloud_clouds'):
        inv.load_file_clouds({'clouds': {}}, 'f.yml')


# --- fetching (plain fakes in place of the cloud) ------------------------------------------------------------

def tasks_named(*names):
    return [inv.FetchTask(name, 'ec2', 'r', {'provider': 'ec2', 'key': KEY, 'secret': SECRET}) for name in names]


def test_pages_come_in_task_order_whatever_order_clouds_answer_in():
    delays = {'slow': 0.3, 'fast': 0.0, 'middle': 0.1}

    def fetch(task, result, on_page):
        time.sleep(delays[task.cloud])
        for page in range(2):
            nodes = [node('%s-%d' % (task.cloud, page))]
            result.nodes.extend(nodes)
            on_page(nodes)

    seen = [(result.cloud, page and page[0]['id']) for result, page in inv.fetch_all(tasks_named('slow', 'fast', 'middle'), fetch)]
    assert seen == [('slow', 'slow-0'), ('slow', 'slow-1'), ('slow', None),
                    ('fast', 'fast-0'), ('fast', 'fast-1'), ('fast', None),
                    ('middle', 'middle-0'), ('middle', 'middle-1'), ('middle', None)]


def test_clouds_are_fetched_concurrently_in_a_bounded_pool():
    running = []
    peak = []
    lock = threading.Lock()

    def fetch(task, result, on_page):
        with lock:
            running.append(task.cloud)
            peak.append(len(running))
        time.sleep(0.2)
        with lock:
            running.remove(task.cloud)

    started = time.monotonic()
    list(inv.fetch_all(tasks_named(*'abcdef'), fetch, max_workers=3))
    assert max(peak) == 3
    assert time.monotonic() - started < 1.0  # two rounds of 0.2 s, not six


def test_a_failing_cloud_costs_only_itself_and_its_error_hides_the_secret():
    def fetch(task, result, on_page):
        if task.cloud == 'broken':
            raise RuntimeError('auth failed for %s with %s' % (KEY, SECRET))
        result.nodes.append(node('i-1'))
        on_page(result.nodes)

    ends = [result for result, page in inv.fetch_all(tasks_named('ok', 'broken', 'ok2'), fetch) if page is None]
    assert [(result.cloud, bool(result.error)) for result in ends] == [('ok', False), ('broken', True), ('ok2', False)]
    assert ends[1].error == 'RuntimeError: auth failed for ******** with ********'
    assert ends[2].nodes[0]['id'] == 'i-1'


def test_fetch_task_reports_a_bad_provider_as_the_clouds_error():
    task = inv.FetchTask('odd', 'nosuch', None, {'provider': 'nosuch', 'key': KEY, 'secret': SECRET})
    result = inv.FetchResult('odd', 'nosuch', None)
    inv.fetch_task(task, result, lambda page: None)
    assert result.error.startswith("unknown provider 'nosuch'")


def test_fetch_task_lists_a_non_ec2_provider_through_libcloud():
    # libcloud's own dummy driver: a real driver with two nodes and no network.
    task = inv.FetchTask('dummy', 'dummy', None, {'provider': 'dummy', 'key': '0'})
    result = inv.FetchResult('dummy', 'dummy', None)
    pages = []
    inv.fetch_task(task, result, pages.append)
    assert result.error is None
    assert [entry['name'] for entry in result.nodes] == ['dummy-1', 'dummy-2']
    assert pages == [result.nodes]


# --- nodes -> hosts ------------------------------------------------------------------------------------------

def test_filters_are_checked_and_applied():
    filters = inv.check_filters({'state': ['Running'], 'name': 'web-*', 'tags': {'env': 'prod'}})
    assert inv.node_selected(node('i-1', 'web-1', tags={'env': 'prod', 'x': 'y'}), filters)
    assert not inv.node_selected(node('i-2', 'web-2', state='stopped', tags={'env': 'prod'}), filters)
    assert not inv.node_selected(node('i-3', 'db-1', tags={'env': 'prod'}), filters)
    assert not inv.node_selected(node('i-4', 'web-4', tags={'env': 'dev'}), filters)
    assert inv.node_selected(node('i-5'), inv.check_filters({}))
    assert inv.check_filters({'state': 'running'})['state'] == ['running']


@pytest.mark.parametrize('filters, message', [
    ({'status': ['running']}, 'filters: unknown key(s) status; allowed: state, name, tags'),
    ({'state': {'running': 1}}, 'filters.state must be a list'),
    ({'tags': ['env']}, 'filters.tags must be a dict'),
])
def test_bad_filters(filters, message):
    with pytest.raises(LibcloudModuleError) as caught:
        inv.check_filters(filters)
    assert caught.value.message.startswith(message)


def test_hostnames_first_usable_wins_and_duplicates_fall_back_to_the_id():
    result = inv.FetchResult('aws', 'ec2', 'us-east-1')
    namer = inv.HostNamer(inv.check_filters({}), inv.check_hostnames(['public_ip', 'name']))
    nodes = [node('i-1', 'web', public=['1.1.1.1']), node('i-2', 'web'), node('i-3', 'web'), node('i-4', '')]
    assert [name for name, variables in namer.hosts(result, nodes)] == ['1.1.1.1', 'web', 'i-3', 'i-4']
    # the same instance through another cloud entry
    other = inv.FetchResult('aws-again', 'ec2', 'us-east-1')
    assert [name for name, variables in namer.hosts(other, [node('i-3', 'web')])] == ['i-3_aws-again']


def test_unknown_hostname_source():
    with pytest.raises(LibcloudModuleError, match='hostnames: unknown value.s. ip; allowed: name, public_ip, private_ip, id'):
        inv.check_hostnames(['ip'])
    assert inv.check_hostnames(None) == ['name', 'public_ip', 'private_ip', 'id']


def test_host_vars():
    result = inv.FetchResult('aws', 'ec2', 'us-east-1')
    variables = inv.host_vars(node('i-1', 'web', public=['1.1.1.1'], private=['10.0.0.1'], tags={'env': 'prod'}), result)
    assert variables == {
        'libcloud_id': 'i-1', 'libcloud_name': 'web', 'libcloud_state': 'running', 'libcloud_public_ips': ['1.1.1.1'],
        'libcloud_private_ips': ['10.0.0.1'], 'libcloud_image': 'ami-1', 'libcloud_size': 't3.micro',
        'libcloud_location': 'us-east-1a', 'libcloud_tags': {'env': 'prod'}, 'libcloud_extra': {'instance_type': 't3.micro'},
        'libcloud_cloud': 'aws', 'libcloud_provider': 'ec2', 'libcloud_region': 'us-east-1', 'ansible_host': '1.1.1.1',
    }
    assert inv.host_vars(node('i-2', private=['10.0.0.2']), result)['ansible_host'] == '10.0.0.2'
    assert 'ansible_host' not in inv.host_vars(node('i-3'), result)


def test_cache_payload_round_trip_holds_no_connection_field():
    result = inv.FetchResult('aws', 'ec2', 'us-east-1', [node('i-1')])
    payload = json.loads(json.dumps(inv.cache_payload([result])))
    assert payload == {'version': inv.CACHE_VERSION, 'results': [{'cloud': 'aws', 'provider': 'ec2', 'region': 'us-east-1', 'nodes': [node('i-1')]}]}
    assert inv.results_from_cache(payload)[0].nodes == [node('i-1')]
    assert inv.results_from_cache({'version': 0, 'results': []}) is None
    assert inv.results_from_cache(['not', 'a', 'payload']) is None


# --- the plugin -----------------------------------------------------------------------------------------------

def test_verify_file_accepts_only_libcloud_configs(tmp_path):
    plugin = plugin_module.InventoryModule()
    for name, wanted in (('a.libcloud.yml', True), ('a.libcloud.yaml', True), ('a.aws_ec2.yml', False), ('libcloud.yml', False)):
        (tmp_path / name).write_text('plugin: cloudmesh.libcloud.libcloud\n')
        assert plugin.verify_file(str(tmp_path / name)) is wanted


def test_examples_are_valid_configurations():
    documents = [yaml.safe_load(text) for text in plugin_module.EXAMPLES.split('\n\n')]
    assert len(documents) == 2
    for config in documents:
        assert config['plugin'] == 'cloudmesh.libcloud.libcloud'
        assert set(config) <= set(yaml.safe_load(plugin_module.DOCUMENTATION)['options']) | {
            'cache', 'cache_plugin', 'cache_connection', 'cache_timeout', 'cache_prefix', 'compose', 'groups', 'keyed_groups', 'strict'}


# The plugin needs ansible's collection loader, which refuses a collection that this test process already
# imported the ordinary way; so each of these tests calls the plugin in a fresh interpreter.
PRELUDE = """
import json, sys
from ansible.plugins.loader import init_plugin_loader, inventory_loader
init_plugin_loader([sys.argv[1]])
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible_collections.cloudmesh.libcloud.plugins.plugin_utils import inventory as inv
CONFIG = sys.argv[2]


def new_plugin():
    return inventory_loader.get('cloudmesh.libcloud.libcloud')


def parse(cache=True, loader=None):
    inventory = InventoryData()
    new_plugin().parse(inventory, loader or DataLoader(), CONFIG, cache=cache)
    return inventory


def fill_cache(results):
    plugin = new_plugin()
    plugin.loader = DataLoader()
    plugin._read_config_data(CONFIG)
    plugin._cache[plugin.get_cache_key(CONFIG)] = inv.cache_payload([inv.FetchResult(**result) for result in results])
    plugin.update_cache_if_changed()


def report(inventory):
    hosts = dict((name, {'groups': sorted(group.name for group in host.get_groups()), 'vars': host.vars})
                 for name, host in inventory.hosts.items())
    print(json.dumps({'hosts': hosts, 'libcloud_loaded': sorted(name for name in sys.modules if name.split('.')[0] == 'libcloud')},
                     default=str))
"""


def call_plugin(config, body):
    """Run PRELUDE + ``body`` in a fresh interpreter with ``config`` as the source; return what it reported."""
    proc = subprocess.run([sys.executable, '-c', PRELUDE + body, str(REPO_ROOT / 'collections'), str(config)],
                          capture_output=True, text=True, check=False, cwd=str(config.parent))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def write_config(tmp_path, **options):
    config = tmp_path / 'c.libcloud.yml'
    config.write_text(yaml.safe_dump(dict({'plugin': 'cloudmesh.libcloud.libcloud'}, **options)))
    return config


CACHE_OPTIONS = {'cache': True, 'cache_plugin': 'ansible.builtin.jsonfile', 'cache_timeout': 3600}


def test_cache_hit_builds_hosts_groups_and_constructed_vars(tmp_path):
    config = write_config(tmp_path, cache_connection=str(tmp_path / 'cache'), clouds=[{'name': 'aws-prod', 'provider': 'ec2', 'port': 1}],
                          filters={'state': ['running']}, compose={'ansible_host': 'libcloud_private_ips[0]'},
                          keyed_groups=[{'key': 'libcloud_tags.env', 'prefix': 'env'}], groups={'web': "libcloud_name.startswith('web')"},
                          **CACHE_OPTIONS)
    nodes = [node('i-1', 'web-1', public=['1.1.1.1'], private=['10.0.0.1'], tags={'env': 'prod'}),
             node('i-2', 'db-1', state='stopped', private=['10.0.0.2'], tags={'env': 'prod'})]
    body = 'fill_cache(%r)\nreport(parse())\n' % [{'cloud': 'aws-prod', 'provider': 'ec2', 'region': 'us-east-1', 'nodes': nodes}]
    hosts = call_plugin(config, body)['hosts']
    assert sorted(hosts) == ['web-1']
    assert hosts['web-1']['groups'] == ['aws_prod', 'env_prod', 'web']
    variables = hosts['web-1']['vars']
    assert variables['libcloud_cloud'] == 'aws-prod' and variables['libcloud_region'] == 'us-east-1'
    assert variables['ansible_host'] == '10.0.0.1'  # compose wins over the default, the public address
    assert variables['libcloud_tags'] == {'env': 'prod'}


def test_cache_hit_imports_no_libcloud_and_decrypts_no_credential(tmp_path):
    """A hit must not import libcloud, nor need the vault password of the vaulted secret (none is given)."""
    config = tmp_path / 'c.libcloud.yml'
    config.write_text('plugin: cloudmesh.libcloud.libcloud\ncache: true\ncache_plugin: ansible.builtin.jsonfile\n'
                      'cache_connection: %s\nclouds:\n  - name: aws\n    provider: ec2\n    secret: !vault |\n'
                      '      $ANSIBLE_VAULT;1.1;AES256\n      3132\n' % (tmp_path / 'cache'))
    body = 'fill_cache(%r)\nreport(parse())\n' % [{'cloud': 'aws', 'provider': 'ec2', 'region': 'us-east-1', 'nodes': [node('i-1', 'web-1')]}]
    reported = call_plugin(config, body)
    assert sorted(reported['hosts']) == ['web-1']
    assert reported['libcloud_loaded'] == []


def test_direct_call_with_an_inline_vault_secret_lists_the_dummy_cloud(tmp_path):
    """The plugin called directly with a vaulted value (VaultSecretsContext set up first, as the CLI does);
    libcloud's dummy driver is a real driver that needs no network."""
    secret = VaultSecret(b'unit-vault-password')
    vaulted = VaultLib([('default', secret)]).encrypt(SECRET).decode()
    config = tmp_path / 'c.libcloud.yml'
    config.write_text('plugin: cloudmesh.libcloud.libcloud\nclouds:\n  - name: lab\n    provider: dummy\n    key: "0"\n'
                      '    secret: !vault |\n%s\n' % '\n'.join('      ' + line for line in vaulted.splitlines()))
    body = """
from ansible.parsing.vault import VaultSecret, VaultSecretsContext
VaultSecretsContext.initialize(VaultSecretsContext([('default', VaultSecret(b'unit-vault-password'))]))
report(parse(cache=False))
"""
    hosts = call_plugin(config, body)['hosts']
    assert sorted(hosts) == ['dummy-1', 'dummy-2']
    assert hosts['dummy-1']['groups'] == ['lab']
    assert hosts['dummy-1']['vars']['libcloud_provider'] == 'dummy'
    assert SECRET not in json.dumps(hosts)


def test_bad_option_fails_the_source_with_one_line(tmp_path):
    config = write_config(tmp_path, clouds=[{'name': 'a'}], hostnames=['ip'])
    body = """
from ansible.errors import AnsibleParserError
try:
    parse(cache=False)
except AnsibleParserError as exc:
    print(json.dumps({'error': str(exc)}))
"""
    assert call_plugin(config, body)['error'].startswith('hostnames: unknown value(s) ip; allowed: name, public_ip')


def test_a_corrupt_cache_is_a_miss_not_a_failure(tmp_path):
    cache_dir = tmp_path / 'cache'
    config = write_config(tmp_path, cache_connection=str(cache_dir), clouds=[{'name': 'lab', 'provider': 'dummy', 'key': '0'}],
                          **CACHE_OPTIONS)
    body = 'fill_cache(%r)\n' % [{'cloud': 'lab', 'provider': 'dummy', 'region': None, 'nodes': [node('i-1', 'stale')]}]
    body += 'import pathlib\nfor item in pathlib.Path(%r).iterdir():\n    item.write_text("{not json")\nreport(parse())\n' % str(cache_dir)
    hosts = call_plugin(config, body)['hosts']
    assert sorted(hosts) == ['dummy-1', 'dummy-2']


def test_a_driver_without_regions_is_listed_once_with_a_warning():
    tasks = inv.entries_to_tasks([{'name': 'd', 'provider': 'dummy', 'key': '0', 'regions': ['a', 'b']},
                                  {'name': 'e', 'provider': 'ec2', 'key': 'k', 'regions': ['eu-west-1', 'us-east-1']}], environ={})
    warnings = []
    kept = inv.once_without_region(tasks, warnings.append)
    assert [(task.cloud, task.region, task.connection['region']) for task in kept] == [
        ('d', None, None), ('e', 'eu-west-1', 'eu-west-1'), ('e', 'us-east-1', 'us-east-1')]
    assert warnings == ["cloud d: libcloud's dummy driver takes no region, so its nodes are listed once, not per region (a, b)"]


def test_an_unknown_provider_is_left_for_the_fetch_to_report():
    tasks = inv.entries_to_tasks([{'name': 'x', 'provider': 'no-such-cloud', 'key': '0', 'regions': ['a', 'b']}], environ={})
    assert inv.once_without_region(tasks, pytest.fail) == tasks
