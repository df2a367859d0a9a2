# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The seed's cloudmesh.yaml, vault-encrypted, drives a playbook and an inventory file against the local clouds.

The file is cm.py's own (its ``azure`` entry as the seed has it); the aws entry holds the local cloud's
credentials and gains ``libcloud:`` overrides pointing at the local cloud, and its default cloud is aws. The cloud
checks credentials (``auth_cloud``), so a task succeeds only if EC2_ACCESS_ID and EC2_SECRET_KEY became the
key and the secret. An ``openstack`` entry with the usual ``OS_*`` names points at mimic (OpenStack Nova); its
``libcloud:`` overrides add the service name that mimic's catalog uses and drop Swift (mimic has none worth using).
"""

from __future__ import annotations

import json

import pytest
import yaml

from tests.harness.ansible_run import run_ansible, run_playbook, unwrap_unsafe, write_config, write_vault

VAULT_PASSWORD = 'cloudmesh-yaml-test-vault-password'
NODE = 'cm-node'
BUCKET = 'cm-bucket'
IMAGE = 'ami-785db401'
# Each entry's provider by name (not the entries themselves: they hold the credentials).
PROVIDERS = '{{ dict(libcloud_clouds | dictsort | map("first") | zip(libcloud_clouds | dictsort | map("last") | map(attribute="provider"))) }}'

# The seed's azure entry, as it is (placeholders, never used over the network here).
AZURE = {'kind': 'azure', 'credentials': {'AZURE_SUBSCRIPTION_ID': 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx',
                                          'AZURE_MANAGEMENT_CERT_PATH': 'C:/Demo/azure_cert.pem'}}


OPENSTACK_NODE = 'cm-os-node'


def cloudmesh_yaml(cloud, default='aws', openstack=None, **aws_fields):
    aws = {'kind': 'aws', 'credentials': {'EC2_ACCESS_ID': cloud.key, 'EC2_SECRET_KEY': cloud.secret},
           'libcloud': {'host': cloud.host, 'port': cloud.port, 'secure': False, 'region': 'us-east-1'}}
    aws.update(aws_fields)
    clouds = {'azure': AZURE, 'aws': aws}
    if openstack is not None:
        clouds['openstack'] = openstack
    return {'cloudmesh': {'default': {'cloud': default}, 'cloud': clouds}}


def openstack_entry(mimic_cloud):
    """The usual OS_* names of an openrc file, for a fresh mimic tenant."""
    fresh = mimic_cloud.fresh_entry()
    options = fresh['options']
    return {'kind': 'openstack',
            'credentials': {'OS_AUTH_URL': mimic_cloud.auth_url + '/v2.0', 'OS_USERNAME': fresh['key'], 'OS_PASSWORD': fresh['secret'],
                            'OS_TENANT_NAME': fresh['options']['ex_tenant_name'], 'OS_REGION_NAME': options['ex_force_service_region']},
            'libcloud': {'storage_provider': None, 'options': {'ex_force_service_name': options['ex_force_service_name']}}}


def openstack_driver(mimic_cloud, openstack):
    """libcloud's own driver for the openstack entry's tenant."""
    credentials = openstack['credentials']
    entry = mimic_cloud.cloud_entry(tenant=credentials['OS_TENANT_NAME'], username=credentials['OS_USERNAME'])
    return mimic_cloud.driver(entry)


def secrets_of(cloud):
    return (cloud.key, cloud.secret)


@pytest.fixture(scope='module')
def cloud(auth_cloud):
    auth_cloud.reset()
    return auth_cloud


@pytest.fixture(scope='module')
def openstack(mimic_cloud):
    return openstack_entry(mimic_cloud)


@pytest.fixture(scope='module')
def vaulted(cloud, openstack, tmp_path_factory):
    """The vault-encrypted cloudmesh.yaml and its password file."""
    workdir = tmp_path_factory.mktemp('cloudmesh-yaml')
    path, password_file = write_vault(workdir, cloudmesh_yaml(cloud, openstack=openstack), VAULT_PASSWORD, name='cloudmesh.yaml')
    for value in secrets_of(cloud) + (openstack['credentials']['OS_PASSWORD'],):
        assert value not in path.read_text()
    return workdir, path, password_file


def play(vars_file, tasks, play_vars=None):
    """A play that loads the cloudmesh.yaml with vars_files: its top-level key `cloudmesh` becomes a variable."""
    return [{'hosts': 'localhost', 'gather_facts': False, 'vars_files': [str(vars_file)],
             'vars': play_vars if play_vars is not None else {
                 'libcloud_clouds': '{{ cloudmesh | cloudmesh.libcloud.cloudmesh_clouds }}',
                 'libcloud_default_cloud': '{{ cloudmesh.default.cloud }}'},
             'tasks': tasks}]


@pytest.fixture(scope='module')
def playbook_run(cloud, vaulted, openstack, mimic_cloud):
    workdir, path, password_file = vaulted
    nova = openstack_driver(mimic_cloud, openstack)
    image, size = nova.list_images()[0].id, nova.list_sizes()[0].id
    tasks = [
        {'name': 'node on aws', 'cloudmesh.libcloud.libcloud_node': {'cloud': 'aws', 'name': NODE, 'image': IMAGE, 'size': 't3.micro'}},
        {'name': 'bucket on aws', 'cloudmesh.libcloud.libcloud_bucket': {'cloud': 'aws', 'name': BUCKET}},
        {'name': 'node on openstack',
         'cloudmesh.libcloud.libcloud_node': {'cloud': 'openstack', 'name': OPENSTACK_NODE, 'image': image, 'size': size, 'wait': False}},
        {'name': 'node info on the default cloud', 'cloudmesh.libcloud.libcloud_node_info': {'name': NODE}},
        {'name': 'what the filter made', 'ansible.builtin.debug': {'msg': PROVIDERS}},
    ]
    run = run_playbook(yaml.safe_dump(play(path, tasks), sort_keys=False), workdir / 'play', vault_password_file=password_file, verbosity=3)
    assert run.rc == 0, run.output[-4000:]
    return run


def test_playbook_creates_a_node_and_a_bucket(cloud, playbook_run):
    assert playbook_run.result('node on aws')['changed'] is True
    assert playbook_run.result('bucket on aws')['changed'] is True
    reservations = cloud.boto3_client('ec2', 'us-east-1').describe_instances()['Reservations']
    names = [tag['Value'] for reservation in reservations for instance in reservation['Instances']
             for tag in instance.get('Tags', []) if tag['Key'] == 'Name']
    assert names == [NODE]
    assert BUCKET in [bucket['Name'] for bucket in cloud.boto3_client('s3', 'us-east-1').list_buckets()['Buckets']]


def test_the_openstack_entry_creates_a_node_on_nova(playbook_run, openstack, mimic_cloud):
    assert playbook_run.result('node on openstack')['changed'] is True
    assert [node.name for node in openstack_driver(mimic_cloud, openstack).list_nodes()] == [OPENSTACK_NODE]


def test_a_task_without_cloud_uses_the_default_cloud(playbook_run):
    result = playbook_run.result('node info on the default cloud')
    assert [node['name'] for node in result['nodes']] == [NODE]
    assert result['invocation']['module_args']['cloud'] == 'aws'


def test_every_cloud_of_the_file_is_mapped(playbook_run):
    assert playbook_run.result('what the filter made')['msg'] == {'aws': 'ec2', 'azure': 'azure', 'openstack': 'openstack'}


def test_credentials_never_appear_in_the_output(cloud, playbook_run):
    report = json.dumps(playbook_run.report) + playbook_run.stderr
    for value in secrets_of(cloud):
        assert value not in report


def test_inventory_lists_the_nodes_from_the_cloudmesh_yaml(cloud, vaulted, openstack, playbook_run):
    workdir, path, password_file = vaulted
    config = write_config(workdir, 'cm', {'plugin': 'cloudmesh.libcloud.libcloud', 'clouds_file': path.name,
                                          'clouds': [{'cloud': 'aws'}, {'cloud': 'openstack'}], 'filters': {'state': ['running', 'pending']}})
    proc = run_ansible(['ansible-inventory', '-i', config, '--list', '-vvv', '--vault-password-file', password_file], workdir)
    assert proc.returncode == 0 and 'Unable to parse' not in proc.stderr, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    data = json.loads('\n'.join(lines[lines.index('{'):]))
    hostvars = unwrap_unsafe(data['_meta']['hostvars'])
    assert sorted(hostvars) == sorted([NODE, OPENSTACK_NODE])
    assert hostvars[NODE]['libcloud_cloud'] == 'aws' and hostvars[NODE]['libcloud_provider'] == 'ec2'
    assert hostvars[OPENSTACK_NODE]['libcloud_cloud'] == 'openstack' and hostvars[OPENSTACK_NODE]['libcloud_provider'] == 'openstack'
    assert data['aws']['hosts'] == [NODE] and data['openstack']['hosts'] == [OPENSTACK_NODE]
    for value in secrets_of(cloud) + (openstack['credentials']['OS_PASSWORD'],):
        assert value not in proc.stdout + proc.stderr


def test_an_unknown_default_cloud_fails_in_one_line_naming_the_known_clouds(cloud, vaulted, tmp_path):
    """The whole document this time (include_vars with a name), and a default that the file does not hold."""
    _workdir, path, password_file = vaulted
    tasks = [{'name': 'load', 'ansible.builtin.include_vars': {'file': str(path), 'name': 'cm'}},
             {'name': 'no cloud', 'cloudmesh.libcloud.libcloud_node_info': {'name': NODE}}]
    play_vars = {'libcloud_clouds': '{{ cm | cloudmesh.libcloud.cloudmesh_clouds }}', 'libcloud_default_cloud': 'gce-lab'}
    playbook = [{'hosts': 'localhost', 'gather_facts': False, 'vars': play_vars, 'tasks': tasks}]
    run = run_playbook(yaml.safe_dump(playbook, sort_keys=False), tmp_path, vault_password_file=password_file, verbosity=3)
    assert run.rc == 2
    message = run.result('no cloud')['msg']
    assert message == "unknown cloud 'gce-lab' (named by libcloud_default_cloud); known clouds in libcloud_clouds: aws, azure, openstack"
    assert 'Traceback' not in run.output
    for value in secrets_of(cloud):
        assert value not in run.output


@pytest.mark.parametrize('aws_fields, message', [
    ({'kind': 'gce'}, 'cloudmesh.cloud.aws: unknown kind \'gce\'; accepted kinds: aws, azure, openstack'),
    ({'credentials': {'EC2_ACCESS_ID': 'AKIDBADFIELD', 'EC2_SECRET': 'bad-field-secret-DO-NOT-USE'}},
     'cloudmesh.cloud.aws.credentials: unknown field(s) EC2_SECRET; accepted for kind aws: EC2_ACCESS_ID, EC2_SECRET_KEY'),
])
def test_a_bad_file_fails_in_one_line_in_a_playbook_and_an_inventory(cloud, tmp_path, aws_fields, message):
    path, password_file = write_vault(tmp_path, cloudmesh_yaml(cloud, **aws_fields), VAULT_PASSWORD, name='cloudmesh.yaml')
    secrets = secrets_of(cloud) + tuple(aws_fields.get('credentials', {}).values())
    tasks = [{'name': 'bad', 'cloudmesh.libcloud.libcloud_node_info': {'cloud': 'aws'}}]
    run = run_playbook(yaml.safe_dump(play(path, tasks), sort_keys=False), tmp_path / 'play', vault_password_file=password_file,
                       verbosity=3)
    assert run.rc == 2
    result = run.result('bad')
    assert message in result['msg']
    assert 'Traceback' not in run.output
    for value in secrets:
        assert value not in run.output

    config = write_config(tmp_path, 'bad', {'plugin': 'cloudmesh.libcloud.libcloud', 'clouds_file': path.name})
    proc = run_ansible(['ansible-inventory', '-i', config, '--list', '-vvv', '--vault-password-file', password_file], tmp_path,
                       env={'ANSIBLE_INVENTORY_UNPARSED_FAILED': '1'})
    assert proc.returncode != 0
    assert message in ' '.join(proc.stderr.split())
    for value in secrets:
        assert value not in proc.stdout + proc.stderr
