# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cloudmesh.libcloud.libcloud inventory plugin through real ``ansible-inventory`` runs on the local cloud.

Each scenario is one ``ansible-inventory`` run (module-scoped fixture); the tests read its output and compare it
with boto3's own view of the same moto server.
"""

from __future__ import annotations

import json

import pytest

from tests.harness.ansible_run import run_ansible, unwrap_unsafe, write_config, write_vault
from tests.harness.local_cloud import TEST_KEY, TEST_SECRET, LocalCloud

REGIONS = ('us-east-1', 'eu-west-1')
FLEET = 110          # one-instance reservations in us-east-1: more than moto's page of 100
VAULT_PASSWORD = 'inventory-test-vault-password'


def launch(client, image, name, env=None, count=1, **more_tags):
    tags = [{'Key': 'Name', 'Value': name}] + ([{'Key': 'env', 'Value': env}] if env else [])
    tags += [{'Key': key, 'Value': value} for key, value in more_tags.items()]
    reservation = client.run_instances(ImageId=image, MinCount=count, MaxCount=count, InstanceType='t3.micro',
                                       TagSpecifications=[{'ResourceType': 'instance', 'Tags': tags}])
    return [instance['InstanceId'] for instance in reservation['Instances']]


def boto3_instances(client):
    """Every instance moto has in the client's region, following boto3's own paging."""
    return [instance for page in client.get_paginator('describe_instances').paginate()
            for reservation in page['Reservations'] for instance in reservation['Instances']]


@pytest.fixture(scope='module')
def fleet(local_cloud):
    """Named and tagged nodes in two regions, a stopped one, a name used twice, and >100 reservations."""
    local_cloud.reset()
    ids = {}
    clients = dict((region, local_cloud.boto3_client('ec2', region)) for region in REGIONS)
    image = clients['us-east-1'].describe_images(Owners=['amazon'])['Images'][0]['ImageId']
    east, west = clients['us-east-1'], clients['eu-west-1']
    for name, env in (('web-1', 'prod'), ('web-2', 'prod'), ('db-1', 'dev')):
        ids[name] = launch(east, image, name, env)[0]
    east.stop_instances(InstanceIds=[ids['web-2']])
    ids['web-eu'] = launch(west, image, 'web-eu', 'prod', owner='Zoë Ørsted')[0]
    ids['dup-east'] = launch(east, image, 'dup')[0]
    ids['dup-west'] = launch(west, image, 'dup')[0]
    for number in range(FLEET):
        launch(east, image, 'fleet-%d' % number, 'fleet')
    reservations = sum(len(page['Reservations']) for page in east.get_paginator('describe_instances').paginate())
    assert reservations > 100
    instances = dict((region, dict((item['InstanceId'], item) for item in boto3_instances(client))) for region, client in clients.items())
    return {'ids': ids, 'instances': instances, 'cloud': local_cloud}


def ec2_entry(cloud, **fields):
    entry = cloud.ec2_cloud_entry()
    entry.pop('region')
    entry.update(fields)
    return entry


def vault_encrypt_string(workdir, secret):
    """`!vault` block text for ``secret``, made by ansible-vault itself."""
    password_file = workdir / 'vault-password.txt'
    password_file.write_text(VAULT_PASSWORD + '\n')
    proc = run_ansible(['ansible-vault', 'encrypt_string', '--vault-password-file', password_file, secret], workdir)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith('!vault |')
    return proc.stdout.strip(), password_file


def inventory(workdir, source, *args, env=None):
    proc = run_ansible(['ansible-inventory', '-i', source] + list(args), workdir, env=env)
    return proc


def json_output(proc):
    """The JSON document of ansible-inventory's stdout (with -v, ansible prints its messages there first)."""
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    return json.loads('\n'.join(lines[lines.index('{'):]))


def listing(proc):
    data = json_output(proc)
    return unwrap_unsafe(data['_meta']['hostvars']), data


def group_hosts(data, group):
    return sorted(data.get(group, {}).get('hosts', []))


# --- the main scenario: two regions, inline vault secret, template key, a dead cloud, constructed options -------

@pytest.fixture(scope='module')
def main_config(fleet, tmp_path_factory):
    workdir = tmp_path_factory.mktemp('inventory-main')
    vaulted, password_file = vault_encrypt_string(workdir, TEST_SECRET)
    cloud = fleet['cloud']
    config = {
        'plugin': 'cloudmesh.libcloud.libcloud',
        'clouds': [
            ec2_entry(cloud, name='local', regions=list(REGIONS), key="{{ lookup('env', 'INVENTORY_TEST_KEY') }}",
                      secret='VAULTED_SECRET'),
            ec2_entry(cloud, name='dead', region='us-east-1', port=1, key=TEST_KEY, secret=TEST_SECRET),
        ],
        'keyed_groups': [{'key': 'libcloud_tags.env', 'prefix': 'env'}],
        'compose': {'ansible_host': 'libcloud_private_ips | first'},
        'groups': {'webservers': "libcloud_name is match('web-')"},
    }
    path = write_config(workdir, 'main', config, {'VAULTED_SECRET': vaulted})
    assert 'secret: !vault |' in path.read_text()
    args = ('--vault-password-file', password_file)
    return workdir, path, args, {'INVENTORY_TEST_KEY': TEST_KEY}


@pytest.fixture(scope='module')
def main_run(main_config):
    workdir, path, args, env = main_config
    proc = inventory(workdir, path, '--list', '-vvvv', *args, env=env)
    hostvars, data = listing(proc)
    return proc, hostvars, data


def test_every_node_of_both_regions_is_listed(main_run, fleet):
    _proc, hostvars, _data = main_run
    listed = dict((variables['libcloud_id'], variables) for variables in hostvars.values())
    for region in REGIONS:
        expected = set(fleet['instances'][region])
        assert expected <= set(listed), region
        assert all(listed[ident]['libcloud_region'] == region for ident in expected)
    assert len(hostvars) == sum(len(instances) for instances in fleet['instances'].values())
    assert len(fleet['instances']['us-east-1']) > 100


def test_hostvars_of_a_node(main_run, fleet):
    _proc, hostvars, _data = main_run
    variables = hostvars['web-1']
    moto = fleet['instances']['us-east-1'][fleet['ids']['web-1']]
    assert variables['libcloud_id'] == moto['InstanceId']
    assert variables['libcloud_name'] == 'web-1'
    assert variables['libcloud_state'] == 'running'
    assert variables['libcloud_public_ips'] == [moto['PublicIpAddress']]
    assert variables['libcloud_private_ips'] == [moto['PrivateIpAddress']]
    assert variables['libcloud_image'] == moto['ImageId']
    assert variables['libcloud_size'] == 't3.micro'
    assert variables['libcloud_location'] == moto['Placement']['AvailabilityZone']
    assert variables['libcloud_tags'] == {'Name': 'web-1', 'env': 'prod'}
    assert variables['libcloud_extra']['vpc_id'] == moto['VpcId']
    assert (variables['libcloud_cloud'], variables['libcloud_provider'], variables['libcloud_region']) == ('local', 'ec2', 'us-east-1')
    # compose replaced the default (the public address) by the private one
    assert variables['ansible_host'] == moto['PrivateIpAddress']
    assert hostvars['web-2']['libcloud_state'] == 'stopped'


def test_groups_cloud_keyed_and_composed(main_run, fleet):
    _proc, hostvars, data = main_run
    assert len(group_hosts(data, 'local')) == len(hostvars)
    assert group_hosts(data, 'env_prod') == ['web-1', 'web-2', 'web-eu']
    assert group_hosts(data, 'env_dev') == ['db-1']
    assert len(group_hosts(data, 'env_fleet')) == FLEET
    assert group_hosts(data, 'webservers') == ['web-1', 'web-2', 'web-eu']
    assert 'dead' not in data


def test_a_name_used_twice_falls_back_to_the_id(main_run, fleet):
    _proc, hostvars, _data = main_run
    ids = fleet['ids']
    # us-east-1 is listed first, so its node keeps the name
    assert hostvars['dup']['libcloud_id'] == ids['dup-east']
    assert hostvars[ids['dup-west']]['libcloud_name'] == 'dup'


def test_dead_cloud_warns_by_name_and_the_rest_is_listed(main_run):
    proc, hostvars, _data = main_run
    assert 'cloud dead (region us-east-1) was not listed: ConnectionError' in ' '.join(proc.stderr.split())
    assert len(hostvars) > 100


def test_secret_and_key_never_appear_at_vvvv(main_run):
    proc, _hostvars, _data = main_run
    assert 'Loading collection cloudmesh.libcloud' in proc.stdout  # -vvvv really was on
    assert TEST_SECRET not in proc.stdout + proc.stderr
    assert TEST_KEY not in proc.stdout + proc.stderr


def test_graph(main_config):
    workdir, path, args, env = main_config
    proc = inventory(workdir, path, '--graph', *args, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = [line.strip(' |-') for line in proc.stdout.splitlines()]
    for group in ('@local:', '@env_prod:', '@webservers:'):
        assert group in lines
    assert 'web-1' in lines and 'web-eu' in lines


def test_host_shows_plain_values(main_config, fleet):
    workdir, path, args, env = main_config
    proc = inventory(workdir, path, '--host', 'web-eu', *args, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    variables = json.loads(proc.stdout)
    assert variables['libcloud_id'] == fleet['ids']['web-eu']
    assert variables['libcloud_region'] == 'eu-west-1'
    assert variables['libcloud_tags'] == {'Name': 'web-eu', 'env': 'prod', 'owner': 'Zoë Ørsted'}
    assert TEST_SECRET not in proc.stdout + proc.stderr


# --- filters and hostnames ------------------------------------------------------------------------------------

def test_filters_and_hostname_preference(fleet, tmp_path):
    cloud = fleet['cloud']
    path = write_config(tmp_path, 'filtered', {
        'plugin': 'cloudmesh.libcloud.libcloud',
        'clouds': [ec2_entry(cloud, name='local', regions=list(REGIONS))],
        'filters': {'state': ['running'], 'name': 'web-*', 'tags': {'env': 'prod'}},
        'hostnames': ['private_ip', 'name'],
        'fail_on_errors': True,   # nothing fails: the hosts are built once every cloud has answered
    })
    hostvars, data = listing(inventory(tmp_path, path, '--list'))
    east, west = fleet['instances']['us-east-1'], fleet['instances']['eu-west-1']
    web_1, web_eu = east[fleet['ids']['web-1']], west[fleet['ids']['web-eu']]
    assert sorted(hostvars) == sorted([web_1['PrivateIpAddress'], web_eu['PrivateIpAddress']])
    assert hostvars[web_1['PrivateIpAddress']]['libcloud_name'] == 'web-1'
    # no compose here: ansible_host is the first public address
    assert hostvars[web_1['PrivateIpAddress']]['ansible_host'] == web_1['PublicIpAddress']
    assert group_hosts(data, 'local') == sorted(hostvars)


# --- credentials from a vault-encrypted clouds_file, and from the environment ----------------------------------

def test_vault_encrypted_clouds_file(fleet, tmp_path):
    cloud = fleet['cloud']
    clouds = {'libcloud_clouds': {'local-us': cloud.ec2_cloud_entry('us-east-1'), 'local-eu': cloud.ec2_cloud_entry('eu-west-1')}}
    clouds_file, password_file = write_vault(tmp_path, clouds, VAULT_PASSWORD)
    assert TEST_SECRET not in clouds_file.read_text()
    path = write_config(tmp_path, 'filed', {
        'plugin': 'cloudmesh.libcloud.libcloud',
        'clouds_file': 'clouds.vault.yml',   # relative to this file
        'clouds': [{'cloud': 'local-us'}, {'cloud': 'local-eu', 'name': 'europe'}],
    })
    # Run from another folder: the relative clouds_file is found next to the configuration file, not in the cwd.
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    proc = inventory(elsewhere, path, '--list', '-vvv', '--vault-password-file', password_file)
    hostvars, data = listing(proc)
    assert len(group_hosts(data, 'local_us')) == len(fleet['instances']['us-east-1'])
    assert group_hosts(data, 'europe') == sorted(['web-eu', fleet['ids']['dup-west']])
    assert hostvars['web-eu']['libcloud_cloud'] == 'europe'
    assert TEST_SECRET not in proc.stdout + proc.stderr


def test_environment_fills_missing_fields_and_entry_fields_win(fleet, tmp_path):
    cloud = fleet['cloud']
    env = {'LIBCLOUD_PROVIDER': 'ec2', 'LIBCLOUD_KEY': TEST_KEY, 'LIBCLOUD_SECRET': TEST_SECRET, 'LIBCLOUD_HOST': cloud.host,
           'LIBCLOUD_PORT': '1', 'LIBCLOUD_SECURE': 'false', 'LIBCLOUD_OPTIONS': '{"timeout": 25}',
           'LIBCLOUD_REGION': 'us-east-1'}
    path = write_config(tmp_path, 'env', {'plugin': 'cloudmesh.libcloud.libcloud',
                                          'clouds': [{'name': 'from-env', 'regions': ['eu-west-1'], 'port': cloud.port}]})
    proc = inventory(tmp_path, path, '--list', '-vvvv', env=env)
    hostvars, _data = listing(proc)
    assert sorted(variables['libcloud_id'] for variables in hostvars.values()) == sorted(fleet['instances']['eu-west-1'])
    assert TEST_SECRET not in proc.stdout + proc.stderr


def test_fail_on_errors_fails_the_source_naming_the_cloud(fleet, tmp_path):
    cloud = fleet['cloud']
    path = write_config(tmp_path, 'strict', {
        'plugin': 'cloudmesh.libcloud.libcloud', 'fail_on_errors': True,
        'clouds': [ec2_entry(cloud, name='local', region='eu-west-1'), ec2_entry(cloud, name='dead', region='eu-west-1', port=1)],
    })
    proc = inventory(tmp_path, path, '--list', '-vvvv', env={'ANSIBLE_INVENTORY_UNPARSED_FAILED': '1'})
    assert proc.returncode != 0
    assert 'cloud dead (region eu-west-1) failed: ConnectionError' in ' '.join(proc.stderr.split())
    assert TEST_SECRET not in proc.stdout + proc.stderr and TEST_KEY not in proc.stdout + proc.stderr
    # Without that setting ansible goes on, but the failed source has added no host at all.
    proc = inventory(tmp_path, path, '--list')
    assert 'cloud dead (region eu-west-1) failed' in ' '.join(proc.stderr.split())
    assert listing(proc)[0] == {}


# --- the cache: a hit needs no server -------------------------------------------------------------------------

def test_cache_hit_with_the_server_stopped(tmp_path):
    with LocalCloud() as cloud:
        client = cloud.boto3_client('ec2', 'us-east-1')
        image = client.describe_images(Owners=['amazon'])['Images'][0]['ImageId']
        ids = launch(client, image, 'cached', 'prod', count=3)
        cache_dir = tmp_path / 'cache'
        path = write_config(tmp_path, 'cached', {
            'plugin': 'cloudmesh.libcloud.libcloud', 'cache': True, 'cache_plugin': 'ansible.builtin.jsonfile',
            'cache_connection': str(cache_dir), 'cache_timeout': 3600,
            'clouds': [ec2_entry(cloud, name='local', region='us-east-1')],
            'keyed_groups': [{'key': 'libcloud_tags.env', 'prefix': 'env'}],
        })
        filled = inventory(tmp_path, path, '--list')
        assert filled.returncode == 0, filled.stderr[-3000:]
    # the server is gone now
    hit = inventory(tmp_path, path, '--list', '-vvv')
    assert hit.returncode == 0, hit.stderr[-3000:]
    assert 'served from the cache' in hit.stdout
    assert json_output(hit) == json_output(filled)
    hostvars, data = listing(hit)
    assert sorted(variables['libcloud_id'] for variables in hostvars.values()) == sorted(ids)
    assert len(group_hosts(data, 'env_prod')) == 3

    cache_files = [item for item in cache_dir.rglob('*') if item.is_file()]
    assert cache_files
    for item in cache_files:
        text = item.read_text()
        assert TEST_SECRET not in text and TEST_KEY not in text
        assert ids[0] in text

    # --flush-cache must ask the (dead) cloud: it warns, and keeps the cache it could not refresh
    before = [item.read_text() for item in cache_files]
    flushed = inventory(tmp_path, path, '--list', '--flush-cache')
    assert flushed.returncode == 0
    assert 'cloud local (region us-east-1) was not listed' in ' '.join(flushed.stderr.split())
    assert listing(flushed)[0] == {}
    assert [item.read_text() for item in cache_files] == before


def test_ansible_doc_renders(tmp_path):
    proc = run_ansible(['ansible-doc', '-t', 'inventory', 'cloudmesh.libcloud.libcloud'], tmp_path, env={'PAGER': 'cat'})
    assert proc.returncode == 0, proc.stderr
    assert 'not found' not in proc.stderr
    for text in ('clouds_file', 'fail_on_errors', 'hostnames', 'keyed_groups', 'cache_plugin', 'regions', 'EXAMPLES'):
        assert text in proc.stdout


def test_a_driver_without_regions_lists_each_node_once(tmp_path):
    """libcloud's dummy driver takes no region: with two regions it would list its two nodes twice (the second
    time under their ids). It is listed once, without a region, and a warning says why."""
    source = write_config(tmp_path, 'dummy', {'plugin': 'cloudmesh.libcloud.libcloud', 'cache': False,
                                              'clouds': [{'name': 'dummy', 'provider': 'dummy', 'key': '0', 'regions': ['a', 'b']}]})
    proc = inventory(tmp_path, str(source), '--list')
    hostvars, _data = listing(proc)
    assert sorted(hostvars) == ['dummy-1', 'dummy-2']
    assert all(host['libcloud_region'] is None for host in hostvars.values())
    assert "libcloud's dummy driver takes no region, so its nodes are listed once, not per region (a, b)" in ' '.join(proc.stderr.split())
