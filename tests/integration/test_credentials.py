# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Credential precedence, secrecy and errors, through real ansible-playbook runs against the local cloud."""

from __future__ import annotations

import json

import boto3
import pytest
import yaml

from tests.harness.ansible_run import run_ansible, run_playbook
from tests.harness.local_cloud import TEST_KEY, TEST_SECRET

NODE_NAME = 'cred-probe'


def ec2_client(cloud, region):
    return boto3.client('ec2', region_name=region, endpoint_url=cloud.endpoint_url,
                        aws_access_key_id=TEST_KEY, aws_secret_access_key=TEST_SECRET)


def launch(cloud, region, name):
    client = ec2_client(cloud, region)
    image = client.describe_images(Owners=['amazon'])['Images'][0]['ImageId']
    reservation = client.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType='t3.micro',
                                       TagSpecifications=[{'ResourceType': 'instance', 'Tags': [{'Key': 'Name', 'Value': name}]}])
    return reservation['Instances'][0]['InstanceId']


def write_vault(workdir, data):
    """A vault-encrypted vars file and its password file, made with ansible-vault itself."""
    password_file = workdir / 'vault-password.txt'
    password_file.write_text('test-vault-password\n')
    vars_file = workdir / 'clouds.vault.yml'
    vars_file.write_text(yaml.safe_dump(data))
    proc = run_ansible(['ansible-vault', 'encrypt', '--vault-password-file', password_file, vars_file], workdir)
    assert proc.returncode == 0, proc.stderr
    assert vars_file.read_text().startswith('$ANSIBLE_VAULT;')
    return vars_file, password_file


@pytest.fixture(scope='module')
def cloud_with_nodes(local_cloud):
    local_cloud.reset()
    ids = {region: launch(local_cloud, region, NODE_NAME) for region in ('us-east-1', 'eu-west-1')}
    return local_cloud, ids


def node_info_task(name, args):
    task = {'name': name, 'cloudmesh.libcloud.libcloud_node_info': dict(args, name=NODE_NAME), 'register': 'out'}
    return task


@pytest.fixture(scope='module')
def precedence_run(cloud_with_nodes, tmp_path_factory):
    """One playbook holding every way of passing credentials; each test reads its task's result."""
    cloud, _ids = cloud_with_nodes
    workdir = tmp_path_factory.mktemp('precedence')
    entry = cloud.ec2_cloud_entry('us-east-1')
    dead_entry = dict(cloud.ec2_cloud_entry('eu-west-1'), port=1)
    vars_file, password_file = write_vault(workdir, {'libcloud_clouds': {'local': entry, 'dead': dead_entry}})
    play = {
        'hosts': 'localhost', 'gather_facts': False, 'vars_files': [str(vars_file)],
        'tasks': [
            node_info_task('vaulted cloud by name', {'cloud': 'local'}),
            node_info_task('inline cloud dict', {'cloud': entry}),
            node_info_task('explicit options win', {'cloud': 'dead', 'port': cloud.port, 'region': 'us-east-1'}),
            node_info_task('explicit region wins', {'cloud': 'local', 'region': 'eu-west-1'}),
            {'name': 'module_defaults group', 'module_defaults': {'group/cloudmesh.libcloud.libcloud': {'cloud': 'local'}},
             'cloudmesh.libcloud.libcloud_node_info': {'name': NODE_NAME}, 'register': 'out'},
            {'name': 'module_defaults overridden by the task', 'module_defaults': {'group/cloudmesh.libcloud.libcloud': {'cloud': 'dead'}},
             'cloudmesh.libcloud.libcloud_node_info': {'name': NODE_NAME, 'cloud': 'local'}, 'register': 'out'},
        ],
    }
    playbook = workdir / 'precedence.yml'
    playbook.write_text(yaml.safe_dump([play], sort_keys=False))
    run = run_playbook(playbook, workdir, vault_password_file=password_file)
    assert run.rc == 0, run.output
    return run


@pytest.mark.parametrize('task, region', [
    ('vaulted cloud by name', 'us-east-1'),
    ('inline cloud dict', 'us-east-1'),
    ('explicit options win', 'us-east-1'),
    ('explicit region wins', 'eu-west-1'),
    ('module_defaults group', 'us-east-1'),
    ('module_defaults overridden by the task', 'us-east-1'),
])
def test_credential_sources(precedence_run, cloud_with_nodes, task, region):
    _cloud, ids = cloud_with_nodes
    result = precedence_run.result(task)
    assert [node['id'] for node in result['nodes']] == [ids[region]]
    assert result['changed'] is False


def test_cloud_name_stays_readable_and_secrets_are_masked(precedence_run):
    result = precedence_run.result('vaulted cloud by name')
    args = result['invocation']['module_args']
    assert args['cloud'] == 'local'
    assert args['secret'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
    assert TEST_SECRET not in json.dumps(precedence_run.report)


def test_environment_only(cloud_with_nodes, tmp_path):
    cloud, ids = cloud_with_nodes
    env = {
        'LIBCLOUD_PROVIDER': 'ec2', 'LIBCLOUD_KEY': TEST_KEY, 'LIBCLOUD_SECRET': TEST_SECRET, 'LIBCLOUD_REGION': 'eu-west-1',
        'LIBCLOUD_HOST': cloud.host, 'LIBCLOUD_PORT': cloud.port, 'LIBCLOUD_SECURE': 'false',
        'LIBCLOUD_OPTIONS': json.dumps({'signature_version': '4'}),
    }
    play = [{'hosts': 'localhost', 'gather_facts': False, 'tasks': [node_info_task('from the environment', {})]}]
    run = run_playbook(yaml.safe_dump(play) + '\n', tmp_path, env=env)
    assert run.rc == 0, run.output
    assert [node['id'] for node in run.result('from the environment')['nodes']] == [ids['eu-west-1']]


def test_cloud_entry_wins_over_the_environment(cloud_with_nodes, tmp_path):
    cloud, ids = cloud_with_nodes
    env = {'LIBCLOUD_REGION': 'eu-west-1', 'LIBCLOUD_PORT': '1', 'LIBCLOUD_PROVIDER': 'gce'}
    play = [{'hosts': 'localhost', 'gather_facts': False,
             'tasks': [node_info_task('entry over env', {'cloud': cloud.ec2_cloud_entry('us-east-1')})]}]
    run = run_playbook(yaml.safe_dump(play) + '\n', tmp_path, env=env)
    assert run.rc == 0, run.output
    assert [node['id'] for node in run.result('entry over env')['nodes']] == [ids['us-east-1']]


def test_secret_never_appears_at_vvvv(cloud_with_nodes, tmp_path):
    """The default callback at -vvvv, with vaulted, inline and environment credentials, and a failing task."""
    cloud, _ids = cloud_with_nodes
    entry = cloud.ec2_cloud_entry('us-east-1')
    vars_file, password_file = write_vault(tmp_path, {'libcloud_clouds': {'local': entry}})
    play = [{'hosts': 'localhost', 'gather_facts': False, 'vars_files': [str(vars_file)], 'tasks': [
        node_info_task('vaulted', {'cloud': 'local'}),
        node_info_task('inline', {'cloud': entry}),
        node_info_task('environment', {}),
        dict(node_info_task('failing', {'cloud': 'local', 'port': 1}), ignore_errors=True),
        {'name': 'cloud info', 'cloudmesh.libcloud.libcloud_cloud_info': {'cloud': 'local', 'gather': ['sizes']}},
    ]}]
    env = {'LIBCLOUD_PROVIDER': 'ec2', 'LIBCLOUD_KEY': TEST_KEY, 'LIBCLOUD_SECRET': TEST_SECRET, 'LIBCLOUD_HOST': cloud.host,
           'LIBCLOUD_PORT': cloud.port, 'LIBCLOUD_SECURE': 'no', 'LIBCLOUD_OPTIONS': '{"signature_version": "4"}'}
    run = run_playbook(yaml.safe_dump(play) + '\n', tmp_path, env=env, verbosity=4, callback='default',
                       vault_password_file=password_file)
    assert run.rc == 0, run.output[-3000:]
    assert 'ok=5' in run.output and 'ignored=1' in run.output
    assert 'invocation' in run.output  # -vvvv really shows the module arguments
    assert TEST_SECRET not in run.output
    assert TEST_KEY not in run.output


@pytest.mark.parametrize('args, message', [
    ({'provider': 'ec3', 'key': 'test-access-key'}, "unknown provider 'ec3'; closest valid: ec2"),
    ({'cloud': 'nope'}, "unknown cloud 'nope'; known clouds in libcloud_clouds: local"),
    ({'provider': 'ec2'}, 'no key given: set the option key, the field key of the cloud entry, or the environment variable LIBCLOUD_KEY'),
    ({'key': 'test-access-key'}, 'no provider given: set the option provider'),
    ({'cloud': {'provider': 'ec2', 'key': 'test-access-key', 'passwd': TEST_SECRET}}, 'unknown field(s) in cloud entry: passwd'),
])
def test_errors_are_one_line_without_traceback(tmp_path, args, message):
    play = [{'hosts': 'localhost', 'gather_facts': False, 'vars': {'libcloud_clouds': {'local': {'provider': 'ec2'}}},
             'tasks': [{'name': 'bad', 'cloudmesh.libcloud.libcloud_node_info': args}]}]
    run = run_playbook(yaml.safe_dump(play) + '\n', tmp_path, verbosity=3)
    assert run.rc == 2
    result = run.result('bad')
    assert result['failed'] is True
    assert result['msg'].startswith(message)
    assert '\n' not in result['msg']
    # ansible-core 2.19 marks every failure at -vvv with an `exception` key; ours must carry no traceback.
    assert result.get('exception', '(traceback unavailable)') == '(traceback unavailable)'
    assert 'Traceback' not in run.output
    assert TEST_SECRET not in run.output


def test_unreachable_endpoint_fails_fast_with_one_line(tmp_path):
    play = [{'hosts': 'localhost', 'gather_facts': False, 'tasks': [{'name': 'dead', 'cloudmesh.libcloud.libcloud_node_info': {
        'provider': 'ec2', 'key': TEST_KEY, 'secret': TEST_SECRET, 'host': '127.0.0.1', 'port': 1, 'secure': False}}]}]
    run = run_playbook(yaml.safe_dump(play) + '\n', tmp_path)
    assert run.rc == 2
    message = run.result('dead')['msg']
    assert 'Connection refused' in message or 'ConnectionError' in message
    assert '\n' not in message and TEST_SECRET not in message


def test_environment_fills_fields_a_named_entry_lacks(cloud_with_nodes, tmp_path):
    """The demo's case: the vaulted entry names no port, LIBCLOUD_PORT supplies it."""
    cloud, ids = cloud_with_nodes
    entry = cloud.ec2_cloud_entry('us-east-1')
    del entry['port']
    play = [{'hosts': 'localhost', 'gather_facts': False, 'vars': {'libcloud_clouds': {'local': entry}},
             'tasks': [node_info_task('port from env', {'cloud': 'local'})]}]
    run = run_playbook(yaml.safe_dump(play) + '\n', tmp_path, env={'LIBCLOUD_PORT': cloud.port})
    assert run.rc == 0, run.output
    assert [node['id'] for node in run.result('port from env')['nodes']] == [ids['us-east-1']]
