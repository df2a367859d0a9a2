# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One inventory file listing EC2 (moto) and OpenStack (mimic) nodes together, credentials in a vaulted clouds_file.

The nodes are made with boto3 and with libcloud's own OpenStack driver, and the hosts, hostvars and groups that
``ansible-inventory`` shows are compared with what those two say, not with what the collection says.
"""

from __future__ import annotations

import json

import pytest

from tests.harness.ansible_run import run_ansible, unwrap_unsafe, write_config, write_vault
from tests.harness.local_cloud import TEST_KEY, TEST_SECRET

REGION = 'eu-central-1'
IMAGE = 'CentOS 7 (PVHVM)'
SIZE = '2'
VAULT_PASSWORD = 'mixed-inventory-vault-password'

# name: (tags, stopped afterwards); the same names on both clouds, each cloud with its own prefix.
NODES = {'web': ({'env': 'prod', 'role': 'web'}, False), 'db': ({'env': 'dev'}, True)}


@pytest.fixture(scope='module')
def clouds(local_cloud, mimic_cloud):
    """Two nodes on each cloud: EC2's ``db`` stopped (mimic cannot stop a node)."""
    local_cloud.reset()
    ec2 = local_cloud.boto3_client('ec2', REGION)
    ami = ec2.describe_images(Owners=['amazon'])['Images'][0]['ImageId']
    for name, (tags, stopped) in NODES.items():
        tag_list = [{'Key': 'Name', 'Value': 'ec2-' + name}] + [{'Key': key, 'Value': value} for key, value in tags.items()]
        ident = ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1, InstanceType='t3.micro',
                                  TagSpecifications=[{'ResourceType': 'instance', 'Tags': tag_list}])['Instances'][0]['InstanceId']
        if stopped:
            ec2.stop_instances(InstanceIds=[ident])
    instances = dict((next(tag['Value'] for tag in item['Tags'] if tag['Key'] == 'Name'), item)
                     for reservation in ec2.describe_instances()['Reservations'] for item in reservation['Instances'])

    openstack = mimic_cloud.fresh_entry()
    driver = mimic_cloud.driver(openstack)
    image = next(image for image in driver.list_images() if image.name == IMAGE)
    passwords = [driver.create_node(name='os-' + name, image=image, size=driver.ex_get_size(SIZE), ex_metadata=tags).extra['password']
                 for name, (tags, _stopped) in NODES.items()]
    servers = dict((item.name, item) for item in driver.list_nodes())
    return {'ec2': local_cloud.ec2_cloud_entry(REGION), 'instances': instances, 'openstack': openstack, 'servers': servers,
            'passwords': passwords}


@pytest.fixture(scope='module')
def inventory_file(clouds, tmp_path_factory):
    workdir = tmp_path_factory.mktemp('mixed')
    clouds_file, password_file = write_vault(workdir, {'libcloud_clouds': {'aws': clouds['ec2'], 'openstack': clouds['openstack']}},
                                             VAULT_PASSWORD)
    assert TEST_SECRET not in clouds_file.read_text() and clouds['openstack']['secret'] not in clouds_file.read_text()
    path = write_config(workdir, 'mixed', {
        'plugin': 'cloudmesh.libcloud.libcloud',
        'clouds_file': clouds_file.name,
        'clouds': [{'cloud': 'aws'}, {'cloud': 'openstack'}],
        'keyed_groups': [{'key': 'libcloud_provider', 'prefix': 'provider'}, {'key': 'libcloud_state', 'prefix': 'state'},
                         {'key': "libcloud_tags.env | default('none')", 'prefix': 'env'}],
        'groups': {'webservers': "libcloud_tags.role | default('') == 'web'"},
        'fail_on_errors': True,
    })
    return workdir, path, ('--vault-password-file', password_file)


def inventory(inventory_file, *args):
    workdir, path, vault_args = inventory_file
    proc = run_ansible(['ansible-inventory', '-i', path] + list(args) + list(vault_args), workdir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


@pytest.fixture(scope='module')
def listing(inventory_file):
    proc = inventory(inventory_file, '--list', '-vvv')
    lines = proc.stdout.splitlines()
    data = json.loads('\n'.join(lines[lines.index('{'):]))   # -vvv prints ansible's messages first
    return proc, unwrap_unsafe(data['_meta']['hostvars']), data


def group_hosts(data, group):
    return sorted(data.get(group, {}).get('hosts', []))


def test_every_node_of_both_clouds_is_a_host(listing):
    _proc, hostvars, _data = listing
    assert sorted(hostvars) == ['ec2-db', 'ec2-web', 'os-db', 'os-web']


def test_hostvars_of_an_ec2_node(listing, clouds):
    _proc, hostvars, _data = listing
    for name, state in (('ec2-web', 'running'), ('ec2-db', 'stopped')):
        variables, instance = hostvars[name], clouds['instances'][name]
        assert variables['libcloud_id'] == instance['InstanceId']
        assert (variables['libcloud_cloud'], variables['libcloud_provider'], variables['libcloud_region']) == ('aws', 'ec2', REGION)
        assert variables['libcloud_state'] == state
        assert variables['libcloud_image'] == instance['ImageId'] and variables['libcloud_size'] == 't3.micro'
        assert variables['libcloud_tags'] == dict((tag['Key'], tag['Value']) for tag in instance['Tags'])
        assert variables['libcloud_private_ips'] == [instance['PrivateIpAddress']]


def test_hostvars_of_an_openstack_node(listing, clouds):
    _proc, hostvars, _data = listing
    for name in ('os-web', 'os-db'):
        variables, server = hostvars[name], clouds['servers'][name]
        assert variables['libcloud_id'] == server.id
        assert (variables['libcloud_cloud'], variables['libcloud_provider']) == ('openstack', 'openstack')
        assert variables['libcloud_state'] == 'running'
        assert variables['libcloud_tags'] == server.extra['metadata'] == NODES[name[3:]][0]
        assert variables['libcloud_image'] == server.extra['imageId'] and variables['libcloud_size'] == SIZE
        assert variables['libcloud_public_ips'] == server.public_ips and variables['libcloud_private_ips'] == server.private_ips
        assert variables['ansible_host'] == server.public_ips[0]
        assert not variables['libcloud_extra'].get('password')


def test_groups_by_cloud_provider_state_and_tags(listing):
    _proc, _hostvars, data = listing
    assert group_hosts(data, 'aws') == group_hosts(data, 'provider_ec2') == ['ec2-db', 'ec2-web']
    assert group_hosts(data, 'openstack') == group_hosts(data, 'provider_openstack') == ['os-db', 'os-web']
    assert group_hosts(data, 'state_running') == ['ec2-web', 'os-db', 'os-web']
    assert group_hosts(data, 'state_stopped') == ['ec2-db']
    assert group_hosts(data, 'env_prod') == group_hosts(data, 'webservers') == ['ec2-web', 'os-web']
    assert group_hosts(data, 'env_dev') == ['ec2-db', 'os-db']


def test_no_credential_or_root_password_in_the_output(listing, clouds):
    proc, _hostvars, _data = listing
    output = proc.stdout + proc.stderr
    assert 'Parsed ' in output   # -vvv really was on
    for secret in [TEST_KEY, TEST_SECRET, clouds['openstack']['key'], clouds['openstack']['secret']] + clouds['passwords']:
        assert secret not in output


def test_host_shows_plain_values(inventory_file, clouds):
    variables = json.loads(inventory(inventory_file, '--host', 'os-web').stdout)
    assert variables['libcloud_id'] == clouds['servers']['os-web'].id
    assert variables['libcloud_tags'] == {'env': 'prod', 'role': 'web'}
