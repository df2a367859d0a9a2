# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""libcloud_node's bad input: one clear line, no traceback, no change, within a bounded time (one playbook)."""

from __future__ import annotations


import pytest
import yaml

from tests.harness.ansible_run import run_playbook
from tests.harness.local_cloud import TEST_KEY, TEST_SECRET

REGION = 'ap-northeast-2'

# Seconds a failing task may take; a refused connection or a bad option must not wait for anything.
BOUND = 10

# (task, arguments beyond the cloud, the start of the one-line message)
CASES = [
    ('unknown image name', {'name': 'e1', 'image': 'Windows_Server-2016-English-Nano-Base', 'size': 't3.micro'},
     "unknown image 'Windows_Server-2016-English-Nano-Base': no image has this id or exact name; closest: "
     'Windows_Server-2016-English-Nano-Base-'),
    ('unknown image id', {'name': 'e2', 'image': 'ami-00000000', 'size': 't3.micro'},
     "unknown image 'ami-00000000': no image has this id or exact name"),
    ('unknown size', {'name': 'e3', 'image': '{{ image }}', 'size': 't3.micr'},
     "unknown size 't3.micr': no size has this id or exact name; closest: t3.micro"),
    ('unknown location', {'name': 'e4', 'image': '{{ image }}', 'size': 't3.micro', 'location': 'ap-northeast-2z'},
     "unknown location 'ap-northeast-2z': no location has this id or exact name; closest: ap-northeast-2"),
    ('negative wait_timeout', {'name': 'e5', 'wait_timeout': -1}, 'wait_timeout must be a positive number of seconds, got -1'),
    ('zero wait_timeout', {'name': 'e5', 'wait_timeout': 0}, 'wait_timeout must be a positive number of seconds, got 0'),
    ('negative count', {'name': 'e6', 'count': -2}, 'count must be 0 or more, got -2'),
    ('missing name', {'state': 'running'}, 'missing required arguments: name'),
    ('empty name', {'name': ''}, 'name must be a non-empty string'),
    ('unknown state', {'name': 'e7', 'state': 'started'}, 'value of state must be one of: present, running, stopped, restarted, absent'),
    ('missing image', {'name': 'e8', 'size': 't3.micro'}, 'image is required to create node e8'),
    ('unknown extra', {'name': 'e9', 'image': '{{ image }}', 'size': 't3.micro', 'extra': {'ex_colour': 'blue'}},
     "extra.ex_colour is not an argument of the ec2 driver's create_node; it takes ex_assign_public_ip"),
    ('count with absent', {'name': 'e10', 'count': 2, 'state': 'absent'}, 'count cannot be combined with state=absent'),
    ('Name tag', {'name': 'e11', 'tags': {'Name': 'other'}}, 'tags.Name must not differ from name'),
    ('unreachable endpoint', {'name': 'e12', 'port': 1}, 'ConnectionError: '),
]


@pytest.fixture(scope='module')
def errors_run(local_cloud, tmp_path_factory):
    client = local_cloud.boto3_client('ec2', REGION)
    image = client.describe_images(Owners=['amazon'])['Images'][0]['ImageId']
    tasks = [{'name': name, 'ignore_errors': True, 'cloudmesh.libcloud.libcloud_node': dict(args, cloud='local')}
             for name, args, _message in CASES]
    play = [{'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks,
             'vars': {'image': image, 'libcloud_clouds': {'local': local_cloud.ec2_cloud_entry(REGION)}}}]
    run = run_playbook(yaml.safe_dump(play, sort_keys=False), tmp_path_factory.mktemp('errors'), verbosity=3)
    assert run.rc == 0, run.output[-3000:]
    reservations = client.describe_instances()['Reservations']
    return run, reservations


@pytest.mark.parametrize('name, args, message', CASES, ids=[case[0] for case in CASES])
def test_bad_input_fails_with_one_line(errors_run, name, args, message):
    run, _reservations = errors_run
    result = run.result(name)
    assert result['failed'] is True
    assert result['msg'].startswith(message), result['msg']
    assert '\n' not in result['msg']
    # ansible-core 2.19 marks every failure with an `exception` key; ours must carry no traceback.
    assert result.get('exception', '(traceback unavailable)') == '(traceback unavailable)'
    assert 'module_stderr' not in result
    assert result.get('changed') in (False, None)
    assert run.task_seconds(name) < BOUND


def test_nothing_was_created_and_nothing_leaked(errors_run):
    run, reservations = errors_run
    assert reservations == []
    assert 'Traceback' not in run.output
    assert TEST_SECRET not in run.output and TEST_KEY not in run.output


def test_unknown_image_suggests_few_names(errors_run):
    message = errors_run[0].result('unknown image name')['msg']
    assert len(message.split('closest: ')[1].split(', ')) <= 5
