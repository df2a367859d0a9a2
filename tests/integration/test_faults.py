# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Throttling and transient faults injected between the collection and the local cloud (tests/harness/fault_proxy.py).

Each scenario runs the real modules or the inventory through a FaultProxy in front of moto and checks the end
state with boto3 straight on moto, past the proxy: with faults on about one request in ten everything succeeds
with the right ``changed`` and no duplicate; with faults that outlast the retry budget each fails in one line
naming the fault, within its deadline.
"""

from __future__ import annotations

import collections
import json
import time

import pytest
import yaml

from tests.harness.ansible_run import run_ansible, run_playbook, unwrap_unsafe
from tests.harness.fault_proxy import Fault, FaultProxy

# A stall holds a request for longer than the client's time-out, which is short here so that it costs little.
TIMEOUT = 3
STALL_SECONDS = TIMEOUT + 2
FLEET_REGION = 'eu-north-1'
TRANSIENT_KINDS = (Fault.THROTTLE, Fault.RESET, Fault.ERROR500)


@pytest.fixture
def proxy(local_cloud):
    with FaultProxy(local_cloud.port) as started:
        started.stall_seconds = STALL_SECONDS
        yield started


def through(entry, proxy, **fields):
    """``entry`` (a cloud entry of the local cloud) sent through ``proxy``."""
    return dict(entry, port=proxy.port, timeout=TIMEOUT, **fields)


def play(tasks, **variables):
    return yaml.safe_dump([{'hosts': 'localhost', 'gather_facts': False, 'vars': variables, 'tasks': tasks}], sort_keys=False)


def task(title, module, ignore_errors=False, cloud='local', **args):
    item = {'name': title, 'cloudmesh.libcloud.' + module: dict(cloud=cloud, **args)}
    if ignore_errors:
        item['ignore_errors'] = True
    return item


def live_by_name(client):
    found = collections.defaultdict(list)
    for page in client.get_paginator('describe_instances').paginate():
        for reservation in page['Reservations']:
            for instance in reservation['Instances']:
                if instance['State']['Name'] not in ('terminated', 'shutting-down'):
                    name = next((tag['Value'] for tag in instance.get('Tags', []) if tag['Key'] == 'Name'), None)
                    found[name].append(instance['State']['Name'])
    return found


def report(scenario, proxy):
    """One line for the record (shown with ``pytest -s``): how many requests went through and what was injected."""
    print('\n%s: %d requests, faults injected %s' % (scenario, proxy.requests, dict(sorted(proxy.injected.items()))))


def assert_one_line_failure(result, *words):
    assert result['failed'] is True
    message = result['msg']
    assert '\n' not in message and 'Traceback' not in message, message
    for word in words:
        assert word in message, message


def test_fleet_of_20_survives_faults_with_no_duplicate(fresh_cloud, proxy, tmp_path):
    local_cloud = fresh_cloud
    client = local_cloud.boto3_client('ec2', FLEET_REGION)
    image = client.describe_images(Owners=['amazon'])['Images'][0]['ImageId']
    fleet = task('fleet', 'libcloud_node', name='faulty', count=20, state='running', image=image, size='t3.micro')
    text = play([fleet], libcloud_clouds={'local': through(local_cloud.ec2_cloud_entry(FLEET_REGION), proxy)})

    # Creates whose answers are lost after moto made the node, a throttled and a reset create, one stalled and one
    # throttled listing; on top of those, a random fault on about one request in ten.
    proxy.inject(Fault.RESET_AFTER, Fault.THROTTLE, Fault.RESET_AFTER, Fault.RESET, Fault.ERROR500,
                 match=FaultProxy.ec2_action('RunInstances'))
    proxy.inject(Fault.STALL, Fault.THROTTLE, match=FaultProxy.ec2_action('DescribeInstances'))
    proxy.set_rate(0.1, kinds=TRANSIENT_KINDS + (Fault.RESET_AFTER,), seed=10)
    first = run_playbook(text, tmp_path / 'first')
    assert first.rc == 0, first.output
    assert first.result('fleet')['changed'] is True
    assert len(first.result('fleet')['nodes']) == 20
    injected_first = sum(proxy.injected.values())

    second = run_playbook(text, tmp_path / 'second')
    assert second.rc == 0, second.output
    assert second.result('fleet')['changed'] is False

    live = live_by_name(client)
    assert sorted(live) == sorted('faulty-%d' % number for number in range(1, 21))
    assert all(states == ['running'] for states in live.values()), 'duplicates or wrong states: %s' % dict(live)
    report('fleet of 20, created and re-run', proxy)
    assert proxy.injected[Fault.RESET_AFTER] >= 2 and proxy.injected[Fault.STALL] == 1, proxy.injected
    assert injected_first >= 7, proxy.injected


def test_sync_of_1000_files_survives_faults(local_cloud, proxy, tmp_path, boto3_s3):
    folder = tmp_path / 'site'
    for number in range(1000):
        path = folder / ('d%d' % (number % 10)) / ('f%04d.txt' % number)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('file %d\n' % number)
    bucket = 'faulty-sync'
    sync = task('sync', 'libcloud_bucket_object', bucket=bucket, src=str(folder), create_bucket=True)
    text = play([sync], libcloud_clouds={'local': through(local_cloud.s3_cloud_entry(), proxy)})

    proxy.set_rate(0.1, kinds=TRANSIENT_KINDS + (Fault.CUT_UPLOAD,), seed=20)
    proxy.inject(Fault.STALL, match=FaultProxy.method('PUT'))
    first = run_playbook(text, tmp_path / 'first')
    assert first.rc == 0, first.output
    result = first.result('sync')
    assert result['changed'] is True and len(result['uploaded']) == 1000
    report('1,000-file sync, first run', proxy)
    assert proxy.injected[Fault.STALL] == 1 and sum(proxy.injected.values()) >= 50, proxy.injected

    second = run_playbook(text, tmp_path / 'second')
    assert second.rc == 0, second.output
    assert second.result('sync')['changed'] is False and len(second.result('sync')['unchanged']) == 1000

    client = boto3_s3()
    stored = {}
    for page in client.get_paginator('list_objects_v2').paginate(Bucket=bucket):
        stored.update((item['Key'], item['Size']) for item in page.get('Contents', []))
    assert len(stored) == 1000
    assert client.get_object(Bucket=bucket, Key='d7/f0987.txt')['Body'].read() == b'file 987\n'


def test_inventory_of_several_regions_survives_faults(fresh_cloud, proxy, tmp_path):
    # Every node of these regions must be listed: nothing that other tests of this worker made may be there.
    local_cloud = fresh_cloud
    regions = ['us-west-1', 'ap-south-1', 'sa-east-1']
    expected = {}
    for region in regions:
        client = local_cloud.boto3_client('ec2', region)
        image = client.describe_images(Owners=['amazon'])['Images'][0]['ImageId']
        reservation = client.run_instances(ImageId=image, MinCount=15, MaxCount=15, InstanceType='t3.micro')
        expected[region] = sorted(instance['InstanceId'] for instance in reservation['Instances'])
    entry = through(local_cloud.ec2_cloud_entry(), proxy, name='faulty', regions=regions)
    entry.pop('region')
    config = tmp_path / 'faulty.libcloud.yml'
    config.write_text(yaml.safe_dump({'plugin': 'cloudmesh.libcloud.libcloud', 'clouds': [entry], 'fail_on_errors': True,
                                      'hostnames': ['id']}))

    proxy.set_rate(0.1, kinds=TRANSIENT_KINDS + (Fault.CUT,), seed=30)
    proxy.inject(Fault.THROTTLE, Fault.RESET, Fault.STALL, match=FaultProxy.ec2_action('DescribeInstances'))
    run = run_ansible(['ansible-inventory', '-i', config, '--list'], tmp_path, env={'ANSIBLE_INVENTORY_UNPARSED_FAILED': '1'})
    assert run.returncode == 0, run.stdout + run.stderr
    inventory = unwrap_unsafe(json.loads(run.stdout))
    hostvars = inventory['_meta']['hostvars']
    for region, ids in expected.items():
        assert sorted(host for host, values in hostvars.items() if values['libcloud_region'] == region) == ids
    assert sorted(inventory['faulty']['hosts']) == sorted(sum(expected.values(), []))
    report('inventory of 3 regions', proxy)
    assert proxy.injected[Fault.STALL] == 1 and proxy.injected[Fault.THROTTLE] >= 1, proxy.injected


def test_faults_that_outlast_the_budget_fail_in_one_line_within_the_deadline(local_cloud, proxy, tmp_path):
    client = local_cloud.boto3_client('ec2', FLEET_REGION)
    image = client.describe_images(Owners=['amazon'])['Images'][0]['ImageId']
    proxy.always(Fault.THROTTLE)
    clouds = {'local': through(local_cloud.ec2_cloud_entry(FLEET_REGION), proxy, retries=3),
              'store': through(local_cloud.s3_cloud_entry(), proxy, retries=3)}
    folder = tmp_path / 'few'
    folder.mkdir()
    (folder / 'a.txt').write_text('a')
    tasks = [
        task('fleet', 'libcloud_node', ignore_errors=True, name='throttled', count=3, image=image, size='t3.micro'),
        task('sync', 'libcloud_bucket_object', ignore_errors=True, cloud='store', bucket='throttled', src=str(folder), create_bucket=True),
    ]
    started = time.monotonic()
    run = run_playbook(play(tasks, libcloud_clouds=clouds), tmp_path)
    elapsed = time.monotonic() - started
    assert_one_line_failure(run.result('fleet'), 'RequestLimitExceeded', 'gave up after 3 attempts')
    assert_one_line_failure(run.result('sync'), '503', 'gave up after 3 attempts')
    # Three tries each with waits of at most 0.5 and 1 s, plus ansible's own start-up.
    assert elapsed < 30
    assert not live_by_name(client).get('throttled-1')

    config = tmp_path / 'throttled.libcloud.yml'
    entry = through(local_cloud.ec2_cloud_entry(), proxy, name='throttled', retries=3)
    config.write_text(yaml.safe_dump({'plugin': 'cloudmesh.libcloud.libcloud', 'clouds': [entry]}))
    started = time.monotonic()
    inventory = run_ansible(['ansible-inventory', '-i', config, '--list'], tmp_path)
    assert time.monotonic() - started < 20
    warnings = [line for line in inventory.stderr.splitlines() if 'throttled' in line]
    assert warnings and 'RequestLimitExceeded' in ' '.join(warnings) and 'gave up after 3 attempts' in ' '.join(warnings), inventory.stderr
    assert 'Traceback' not in inventory.stderr


def test_a_stalled_server_fails_at_the_timeout_not_never(local_cloud, proxy, tmp_path):
    proxy.always(Fault.STALL)
    proxy.stall_seconds = 60
    info = task('listing', 'libcloud_node_info', ignore_errors=True)
    started = time.monotonic()
    run = run_playbook(play([info], libcloud_clouds={'local': through(local_cloud.ec2_cloud_entry(), proxy, retries=2)}), tmp_path)
    elapsed = time.monotonic() - started
    assert_one_line_failure(run.result('listing'), 'timed out', 'gave up after 2 attempts')
    # Two tries of TIMEOUT seconds and one short wait, not the proxy's 60 s stall.
    assert elapsed < 2 * TIMEOUT + 15


def test_writes_whose_answers_are_lost_end_in_the_wanted_state(local_cloud, proxy, tmp_path, boto3_s3):
    """The server acted, the answer was lost, the retry finds the work done: no error, no duplicate, honest changed."""
    client = local_cloud.boto3_client('ec2', FLEET_REGION)
    image = client.describe_images(Owners=['amazon'])['Images'][0]['ImageId']
    clouds = {'local': through(local_cloud.ec2_cloud_entry(FLEET_REGION), proxy),
              'store': through(local_cloud.s3_cloud_entry(), proxy)}
    bucket = 'lost-answers'
    tasks = [
        task('create node', 'libcloud_node', name='lost', image=image, size='t3.micro', wait=False),
        task('create bucket', 'libcloud_bucket', cloud='store', name=bucket),
        task('put object', 'libcloud_bucket_object', cloud='store', bucket=bucket, name='a.txt', content='a'),
        task('delete object', 'libcloud_bucket_object', cloud='store', bucket=bucket, name='a.txt', state='absent'),
        task('delete bucket', 'libcloud_bucket', cloud='store', name=bucket, state='absent'),
        task('delete node', 'libcloud_node', name='lost', state='absent'),
    ]
    proxy.inject(Fault.RESET_AFTER, match=FaultProxy.ec2_action('RunInstances'))
    proxy.inject(Fault.RESET_AFTER, match=FaultProxy.ec2_action('TerminateInstances'))
    proxy.inject(Fault.RESET_AFTER, match=lambda info: info.service == 's3' and info.method == 'PUT' and info.path.rstrip('/') == '/' + bucket)
    proxy.inject(Fault.RESET_AFTER, match=lambda info: info.service == 's3' and info.method == 'PUT' and info.path.endswith('/a.txt'))
    proxy.inject(Fault.RESET_AFTER, match=lambda info: info.service == 's3' and info.method == 'DELETE' and info.path.endswith('/a.txt'))
    proxy.inject(Fault.RESET_AFTER, match=lambda info: info.service == 's3' and info.method == 'DELETE' and info.path.rstrip('/') == '/' + bucket)
    run = run_playbook(play(tasks, libcloud_clouds=clouds), tmp_path)
    assert run.rc == 0, run.output
    for name, _outcome in run.task_results():
        assert run.result(name)['changed'] is True, (name, run.result(name))
    report('lost answers of writes', proxy)
    assert proxy.injected[Fault.RESET_AFTER] == 6, proxy.log
    assert not live_by_name(client).get('lost')
    assert bucket not in [item['Name'] for item in boto3_s3().list_buckets()['Buckets']]
