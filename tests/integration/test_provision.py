# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vault-first workflow: playbooks/provision.yml and teardown.yml with the demo inventory's vaulted clouds."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.harness.ansible_run import REPO_ROOT, run_playbook

INVENTORY = REPO_ROOT / 'playbooks' / 'inventory' / 'demo'
PASSWORD_FILE = INVENTORY / 'DEMO-ONLY-vault-password.txt'
BUCKET = 'cloudmesh-demo-bucket'
NODE_NAMES = {'demo-web-1', 'demo-web-2', 'demo-db'}


def recap(run):
    """The PLAY RECAP counters of localhost, from the default callback's output."""
    match = re.search(r'^localhost\s+:\s+(.*)$', run.stdout, re.MULTILINE)
    assert match, run.output[-2000:]
    return dict((name, int(value)) for name, value in re.findall(r'(\w+)=(\d+)', match.group(1)))


def play(name, local_cloud, workdir, **kwargs):
    return run_playbook(REPO_ROOT / 'playbooks' / name, workdir, inventory=INVENTORY, vault_password_file=PASSWORD_FILE,
                        env={'DEMO_AWS_PORT': local_cloud.port}, callback='default', **kwargs)


def live_nodes(local_cloud):
    client = local_cloud.boto3_client('ec2', 'us-east-1')
    reservations = client.describe_instances(Filters=[{'Name': 'instance-state-name', 'Values': ['pending', 'running', 'stopping', 'stopped']}])
    return {tag['Value']: instance['State']['Name'] for reservation in reservations['Reservations'] for instance in reservation['Instances']
            for tag in instance.get('Tags', []) if tag['Key'] == 'Name'}


def buckets(local_cloud):
    return [bucket['Name'] for bucket in local_cloud.boto3_client('s3', 'us-east-1').list_buckets()['Buckets']]


@pytest.fixture()
def empty_cloud(local_cloud):
    local_cloud.reset()
    return local_cloud


def test_check_mode_on_an_empty_cloud_predicts_and_creates_nothing(empty_cloud, tmp_path):
    run = play('provision.yml', empty_cloud, tmp_path, check=True, diff=True)
    assert run.rc == 0, run.output[-3000:]
    assert recap(run)['changed'] >= 3
    assert live_nodes(empty_cloud) == {}
    assert buckets(empty_cloud) == []


def test_provision_twice_then_teardown(empty_cloud, tmp_path):
    first = play('provision.yml', empty_cloud, tmp_path / 'first')
    assert first.rc == 0, first.output[-3000:]
    assert recap(first)['changed'] > 0
    assert live_nodes(empty_cloud) == dict.fromkeys(NODE_NAMES, 'running')
    s3 = empty_cloud.boto3_client('s3', 'us-east-1')
    keys = sorted(item['Key'] for item in s3.list_objects_v2(Bucket=BUCKET)['Contents'])
    assert keys == ['hello.txt', 'site/about.txt', 'site/css/site.css', 'site/index.html']

    second = play('provision.yml', empty_cloud, tmp_path / 'second')
    assert second.rc == 0, second.output[-3000:]
    assert recap(second)['changed'] == 0

    down = play('teardown.yml', empty_cloud, tmp_path / 'down')
    assert down.rc == 0, down.output[-3000:]
    assert live_nodes(empty_cloud) == {}
    assert BUCKET not in buckets(empty_cloud)


def test_roles_hide_items_that_carry_credentials(empty_cloud, tmp_path):
    """An item with an inline cloud dict would show its secret in the loop results: the roles hide those."""
    entry = empty_cloud.ec2_cloud_entry('us-east-1')
    storage = empty_cloud.s3_cloud_entry('us-east-1')
    play = [{'hosts': 'localhost', 'gather_facts': False, 'vars': {
        'libcloud_nodes': [{'name': 'inline-node', 'cloud': entry, 'image': 'ami-785db401', 'size': 't3.micro'}],
        'libcloud_buckets': [{'name': 'inline-bucket', 'cloud': storage, 'objects': [{'name': 'a.txt', 'content': 'a'}]}],
    }, 'roles': ['cloudmesh.libcloud.libcloud_nodes', 'cloudmesh.libcloud.libcloud_buckets']}]
    run = run_playbook(yaml.safe_dump(play) + '\n', tmp_path, verbosity=3, callback='default')
    assert run.rc == 0, run.output[-3000:]
    assert 'censored' in run.output
    assert entry['secret'] not in run.output
    assert live_nodes(empty_cloud) == {'inline-node': 'running'}
    assert 'inline-bucket' in buckets(empty_cloud)
