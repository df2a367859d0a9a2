# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""libcloud_node's count, tags, identity and creation options on the local cloud, checked with boto3.

The count and tag scenarios share one playbook: after each step a task runs a small boto3 script against the
same moto, so that the server's state is recorded step by step, independently of the module.
"""

from __future__ import annotations

import json
import shlex
import sys

import pytest
import yaml

from tests.harness.ansible_run import run_playbook
from tests.harness.local_cloud import TEST_KEY, TEST_SECRET

REGION = 'eu-west-3'

# Prints {Name: [[id, state, instance type, {tags}], ...]} of the live instances of a region.
SNAPSHOT_SCRIPT = '''
import json, sys
import boto3
endpoint, region, key, secret = sys.argv[1:5]
client = boto3.client('ec2', endpoint_url=endpoint, region_name=region, aws_access_key_id=key, aws_secret_access_key=secret)
found = {}
for page in client.get_paginator('describe_instances').paginate():
    for reservation in page['Reservations']:
        for instance in reservation['Instances']:
            if instance['State']['Name'] in ('terminated', 'shutting-down'):
                continue
            tags = dict((tag['Key'], tag['Value']) for tag in instance.get('Tags', []))
            found.setdefault(tags.get('Name'), []).append([instance['InstanceId'], instance['State']['Name'],
                                                           instance['InstanceType'], tags])
print(json.dumps(found))
'''


def live_instances(client):
    found = {}
    for page in client.get_paginator('describe_instances').paginate():
        for reservation in page['Reservations']:
            for instance in reservation['Instances']:
                if instance['State']['Name'] not in ('terminated', 'shutting-down'):
                    name = next((tag['Value'] for tag in instance.get('Tags', []) if tag['Key'] == 'Name'), None)
                    found.setdefault(name, []).append(instance)
    return found


@pytest.fixture(scope='module')
def region(local_cloud):
    client = local_cloud.boto3_client('ec2', REGION)
    images = client.describe_images(Owners=['amazon'])['Images']
    return local_cloud, client, images


def node(title, **args):
    return {'name': title, 'cloudmesh.libcloud.libcloud_node': dict(cloud='local', **args)}


def play(cloud, tasks):
    return yaml.safe_dump([{'hosts': 'localhost', 'gather_facts': False,
                            'vars': {'libcloud_clouds': {'local': cloud.ec2_cloud_entry(REGION)}}, 'tasks': tasks}], sort_keys=False)


@pytest.fixture(scope='module')
def steps(region, tmp_path_factory):
    """Count up, unchanged, up, down (stopped), to 0, unchanged; tags added, updated, unchanged, purged; a snapshot after each step."""
    cloud, _client, images = region
    image = images[0]['ImageId']
    workdir = tmp_path_factory.mktemp('count')
    script = workdir / 'snapshot.py'
    script.write_text(SNAPSHOT_SCRIPT)
    base = dict(image=image, size='t3.micro')
    plan = [
        [node('count 3', name='cnt', count=3, **base),
         node('tags added', name='tg', tags={'env': 'dev', 'team': 'a'}, **base)],
        [node('count 3 again', name='cnt', count=3, **base),
         node('tags updated', name='tg', tags={'env': 'prod', 'owner': 'me'})],
        [node('count 5', name='cnt', count=5, **base),
         node('tags unchanged', name='tg', tags={'env': 'prod'})],
        [node('count 2 stopped', name='cnt', count=2, state='stopped'),
         node('tags purged', name='tg', tags={'env': 'prod'}, purge_tags=True)],
        [node('count 2 stopped again', name='cnt', count=2, state='stopped'),
         node('tags purged again', name='tg', tags={'env': 'prod'}, purge_tags=True)],
        [node('count 0', name='cnt', count=0),
         node('purge to nothing', name='tg', tags={}, purge_tags=True)],
        [node('count 0 again', name='cnt', count=0)],
    ]
    tasks = []
    for number, step in enumerate(plan):
        tasks.extend(step)
        # raw: no module wrapper around the script, the cheapest way to run it between two steps.
        tasks.append({'name': 'snapshot %d' % number, 'changed_when': False, 'ansible.builtin.raw': ' '.join(
            shlex.quote(str(part)) for part in (sys.executable, script, cloud.endpoint_url, REGION, TEST_KEY, TEST_SECRET))})
    run = run_playbook(play(cloud, tasks), workdir)
    assert run.rc == 0, run.output[-3000:]
    return run, [json.loads(run.result('snapshot %d' % number)['stdout']) for number in range(len(plan))]


def fleet(snapshot):
    return dict((name, [(ident, state) for ident, state, _type, _tags in found])
                for name, found in snapshot.items() if name and name.startswith('cnt'))


@pytest.mark.parametrize('step, task, changed, states', [
    (0, 'count 3', True, ['running'] * 3),
    (1, 'count 3 again', False, ['running'] * 3),
    (2, 'count 5', True, ['running'] * 5),
    (3, 'count 2 stopped', True, ['stopped'] * 2),
    (4, 'count 2 stopped again', False, ['stopped'] * 2),
    (5, 'count 0', True, []),
    (6, 'count 0 again', False, []),
])
def test_count(steps, step, task, changed, states):
    run, snapshots = steps
    found = fleet(snapshots[step])
    assert sorted(found) == ['cnt-%d' % number for number in range(1, len(states) + 1)]
    assert [found['cnt-%d' % number][0][1] for number in range(1, len(states) + 1)] == states
    assert all(len(instances) == 1 for instances in found.values())
    result = run.result(task)
    assert result['changed'] is changed
    assert [(item['name'], item['id'], item['state']) for item in result['nodes']] == [
        ('cnt-%d' % number, found['cnt-%d' % number][0][0], state) for number, state in enumerate(states, 1)]


def test_count_down_keeps_the_lowest_numbers_and_their_instances(steps):
    _run, snapshots = steps
    assert fleet(snapshots[3])['cnt-1'][0][0] == fleet(snapshots[0])['cnt-1'][0][0]
    assert fleet(snapshots[3])['cnt-2'][0][0] == fleet(snapshots[2])['cnt-2'][0][0]


@pytest.mark.parametrize('step, task, changed, tags', [
    (0, 'tags added', True, {'Name': 'tg', 'env': 'dev', 'team': 'a'}),
    (1, 'tags updated', True, {'Name': 'tg', 'env': 'prod', 'team': 'a', 'owner': 'me'}),
    (2, 'tags unchanged', False, {'Name': 'tg', 'env': 'prod', 'team': 'a', 'owner': 'me'}),
    (3, 'tags purged', True, {'Name': 'tg', 'env': 'prod'}),
    (4, 'tags purged again', False, {'Name': 'tg', 'env': 'prod'}),
    (5, 'purge to nothing', True, {'Name': 'tg'}),
])
def test_tags(steps, step, task, changed, tags):
    run, snapshots = steps
    (instance,) = snapshots[step]['tg']
    assert instance[3] == tags
    result = run.result(task)
    assert result['changed'] is changed
    assert result['node']['tags'] == tags and result['node']['id'] == instance[0]


@pytest.fixture(scope='module')
def identity(region, tmp_path_factory):
    """Duplicates, a terminated namesake, mismatches and every creation option, against nodes made with boto3."""
    cloud, client, images = region
    image, other = images[0], images[1]

    def launch(name, instance_type='t3.micro'):
        return client.run_instances(ImageId=image['ImageId'], MinCount=1, MaxCount=1, InstanceType=instance_type,
                                    TagSpecifications=[{'ResourceType': 'instance', 'Tags': [{'Key': 'Name', 'Value': name}]}]
                                    )['Instances'][0]['InstanceId']

    ids = {'dup': sorted([launch('dup'), launch('dup')]), 'gone': launch('gone'), 'mm': launch('mm')}
    client.terminate_instances(InstanceIds=[ids['gone']])
    client.create_key_pair(KeyName='deploy')
    client.create_security_group(GroupName='web', Description='web')
    base = dict(image=image['ImageId'], size='t3.micro')
    tasks = [
        dict(node('duplicates', name='dup', state='stopped', **base), ignore_errors=True),
        node('terminated namesake', name='gone', **base),
        node('mismatch', name='mm', image=other['Name'], size='t3.large', state='running'),
        node('options', name='opts', image=image['Name'], size='t3.small', location=REGION + 'b', key_name='deploy',
             security_groups=['web'], user_data='#!/bin/sh\necho hello\n', tags={'role': 'web'},
             extra={'ex_ebs_optimized': True}),
    ]
    run = run_playbook(play(cloud, tasks), tmp_path_factory.mktemp('identity'))
    assert run.rc == 0, run.output[-3000:]
    return run, ids, live_instances(client), image, client


def test_duplicate_names_are_refused_and_listed(identity):
    run, ids, live, _image, _client = identity
    result = run.result('duplicates')
    assert result['failed'] is True and result['changed'] is False
    assert result['msg'] == ('several live nodes carry the same name, so the name does not identify one node (dup: %s); '
                             'remove the extra nodes or rename them' % ', '.join(ids['dup']))
    assert sorted((i['InstanceId'], i['State']['Name']) for i in live['dup']) == [(ident, 'running') for ident in ids['dup']]


def test_a_terminated_namesake_does_not_count(identity):
    run, ids, live, _image, _client = identity
    assert run.result('terminated namesake')['changed'] is True
    (instance,) = live['gone']
    assert instance['InstanceId'] != ids['gone'] and instance['State']['Name'] == 'running'


def test_a_differing_image_or_size_is_reported_never_fixed(identity):
    run, ids, live, image, _client = identity
    result = run.result('mismatch')
    assert result['changed'] is False
    assert [(item['option'], item['actual']) for item in result['mismatches']] == [('image', image['ImageId']), ('size', 't3.micro')]
    assert any('has size t3.micro, not the requested t3.large' in warning for warning in result.get('warnings', []))
    (instance,) = live['mm']
    assert (instance['InstanceId'], instance['InstanceType'], instance['ImageId']) == (ids['mm'], 't3.micro', image['ImageId'])


def test_creation_options_reach_the_server(identity):
    run, _ids, live, image, client = identity
    assert run.result('options')['changed'] is True
    (instance,) = live['opts']
    assert instance['ImageId'] == image['ImageId']  # looked up by its name
    assert instance['InstanceType'] == 't3.small'
    assert instance['Placement']['AvailabilityZone'] == REGION + 'b'
    assert instance['KeyName'] == 'deploy'
    assert [group['GroupName'] for group in instance['SecurityGroups']] == ['web']
    assert instance['EbsOptimized'] is True
    assert dict((tag['Key'], tag['Value']) for tag in instance['Tags']) == {'Name': 'opts', 'role': 'web'}
    user_data = client.describe_instance_attribute(InstanceId=instance['InstanceId'], Attribute='userData')['UserData']['Value']
    import base64
    assert base64.b64decode(user_data).decode() == '#!/bin/sh\necho hello\n'
