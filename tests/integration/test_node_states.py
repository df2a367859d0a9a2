# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""libcloud_node's five states on the local cloud (EC2 through libcloud's EC2 driver), checked with boto3.

Every transition A -> B between the five states runs on a node of its own, all nodes side by side: one playbook
applies each node's A twice, boto3 reads the server, a second playbook applies each node's B twice, boto3 reads
the server again. Check mode and diff mode get a playbook of their own.
"""

from __future__ import annotations

import sys

import pytest
import yaml

from tests.harness.ansible_run import run_playbook

REGION = 'eu-north-1'
STATES = ('present', 'running', 'stopped', 'restarted', 'absent')

# The server's state after a run that asked for `requested` on a node in `server` state (None: no live node).
AFTER = {'running': 'running', 'restarted': 'running', 'stopped': 'stopped', 'absent': None}


def server_state_after(requested, server):
    if requested == 'present':
        return server or 'running'
    return AFTER[requested]


def changes(requested, server):
    """Whether asking for `requested` on a node in `server` state is a change (restarted always is)."""
    return requested == 'restarted' or server_state_after(requested, server) != server


def euler_circuit(start='absent'):
    """States in an order that passes every transition A -> B (A != B) exactly once (Hierholzer)."""
    edges = dict((state, [other for other in STATES if other != state]) for state in STATES)
    stack, circuit = [start], []
    while stack:
        if edges[stack[-1]]:
            stack.append(edges[stack[-1]].pop(0))
        else:
            circuit.append(stack.pop())
    return circuit[::-1]


# The 20 transitions, cut into PATHS paths of STEPS transitions; each path is one node, all nodes move together.
CIRCUIT = euler_circuit()
PATHS, STEPS = 4, 5
PATH_STATES = [CIRCUIT[path * STEPS:path * STEPS + STEPS + 1] for path in range(PATHS)]
TRANSITIONS = [(path, step) for path in range(PATHS) for step in range(1, STEPS + 1)]


def live_instances(client):
    """{Name: [(id, state)]} of every instance that is not terminated or shutting down, straight from the server."""
    found = {}
    for page in client.get_paginator('describe_instances').paginate():
        for reservation in page['Reservations']:
            for instance in reservation['Instances']:
                if instance['State']['Name'] in ('terminated', 'shutting-down'):
                    continue
                name = next((tag['Value'] for tag in instance.get('Tags', []) if tag['Key'] == 'Name'), None)
                found.setdefault(name, []).append((instance['InstanceId'], instance['State']['Name']))
    return found


def node_task(title, name, state, image, **more):
    args = dict(cloud='local', name=name, state=state, image=image, size='t3.micro', **more)
    return {'name': title, 'cloudmesh.libcloud.libcloud_node': args}


def play(entry, tasks, hosts='localhost', plan=None):
    return yaml.safe_dump([{'hosts': hosts, 'gather_facts': False,
                            'vars': {'libcloud_clouds': {'local': entry}, 'plan': plan or {}}, 'tasks': tasks}], sort_keys=False)


@pytest.fixture(scope='module')
def region(local_cloud):
    client = local_cloud.boto3_client('ec2', REGION)
    image = client.describe_images(Owners=['amazon'])['Images'][0]['ImageId']
    return local_cloud, client, image


@pytest.fixture(scope='module')
def transitions(region, tmp_path_factory):
    """One playbook run per step, each host of the inventory moving its own node; boto3's view after each step.

    Step 0 puts each node in its path's first state (once); every later step asks for the next state twice.
    """
    cloud, client, image = region
    workdir = tmp_path_factory.mktemp('transitions')
    inventory = workdir / 'hosts.ini'
    inventory.write_text('\n'.join(['[nodes]'] + ['h%d node=tr-%d' % (path, path) for path in range(PATHS)]
                                   + ['[nodes:vars]', 'ansible_connection=local', 'ansible_python_interpreter=%s' % sys.executable]) + '\n')
    runs, views = [], []
    for step in range(STEPS + 1):
        plan = dict(('h%d' % path, PATH_STATES[path][step]) for path in range(PATHS))
        tasks = [node_task('apply', '{{ node }}', '{{ plan[inventory_hostname] }}', image)]
        if step:
            tasks.append(node_task('apply again', '{{ node }}', '{{ plan[inventory_hostname] }}', image))
        run = run_playbook(play(cloud.ec2_cloud_entry(REGION), tasks, 'nodes', plan), workdir / str(step), inventory=inventory)
        assert run.rc == 0, run.output[-3000:]
        runs.append(run)
        views.append(live_instances(client))
    return runs, views


def test_the_paths_pass_every_transition_once():
    passed = [(states[step - 1], states[step]) for states in PATH_STATES for step in range(1, STEPS + 1)]
    assert sorted(passed) == sorted((first, then) for first in STATES for then in STATES if first != then)


@pytest.mark.parametrize('path, step', TRANSITIONS,
                         ids=['%s->%s' % (PATH_STATES[path][step - 1], PATH_STATES[path][step]) for path, step in TRANSITIONS])
def test_transition(transitions, path, step):
    runs, views = transitions
    host, name, requested = 'h%d' % path, 'tr-%d' % path, PATH_STATES[path][step]
    before = views[step - 1].get(name, [])
    after = views[step].get(name, [])
    server = before[0][1] if before else None
    expected = server_state_after(requested, server)

    # boto3's view of the server: exactly the expected node, and the same instance as before (never recreated).
    assert [state for _id, state in after] == ([expected] if expected else [])
    if before and after:
        assert after[0][0] == before[0][0]
    first, again = runs[step].result('apply', host), runs[step].result('apply again', host)
    assert first['changed'] is changes(requested, server)
    # The second run changes nothing, except restarted: it restarts again, and says so.
    assert again['changed'] is (requested == 'restarted')
    if after:
        assert again['node']['id'] == after[0][0] and again['node']['state'] == after[0][1]
    else:
        assert again['node'] == {}


@pytest.fixture(scope='module')
def check_and_diff(region, tmp_path_factory):
    """Nodes made with boto3, a check-mode --diff run over every kind of change, and a real --diff run after it."""
    cloud, client, image = region

    def launch(name, tags=None):
        tags = [{'Key': 'Name', 'Value': name}] + [{'Key': key, 'Value': value} for key, value in (tags or {}).items()]
        return client.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType='t3.micro',
                                    TagSpecifications=[{'ResourceType': 'instance', 'Tags': tags}])['Instances'][0]['InstanceId']

    ids = {name: launch(name, {'env': 'dev', 'team': 'a'}) for name in ('cm-running', 'cm-tags', 'cm-absent', 'cm-restarted', 'cm-steady')}
    ids['cm-stopped'] = launch('cm-stopped')
    client.stop_instances(InstanceIds=[ids['cm-stopped']])
    tasks = [
        node_task('create', 'cm-new', 'running', image, tags={'env': 'dev'}),
        node_task('stop', 'cm-running', 'stopped', image),
        node_task('start', 'cm-stopped', 'running', image),
        node_task('tags', 'cm-tags', 'present', image, tags={'env': 'prod', 'new': 'yes'}, purge_tags=True),
        node_task('destroy', 'cm-absent', 'absent', image),
        node_task('restart', 'cm-restarted', 'restarted', image),
        node_task('unchanged', 'cm-steady', 'present', image),
        node_task('count', 'cm-many', 'present', image, count=2),
    ]
    workdir = tmp_path_factory.mktemp('check')
    before = live_instances(client)

    def tag_view():
        return client.describe_tags(Filters=[{'Name': 'resource-id', 'Values': list(ids.values())}])['Tags']

    tags_before = tag_view()
    check_run = run_playbook(play(cloud.ec2_cloud_entry(REGION), tasks), workdir, check=True, diff=True)
    assert check_run.rc == 0, check_run.output[-3000:]
    after_check = live_instances(client)
    tags_after_check = tag_view()
    real_run = run_playbook(play(cloud.ec2_cloud_entry(REGION), tasks), workdir, diff=True)
    assert real_run.rc == 0, real_run.output[-3000:]
    return {'ids': ids, 'before': before, 'after_check': after_check, 'tags_before': tags_before,
            'tags_after_check': tags_after_check, 'check': check_run, 'real': real_run, 'after_real': live_instances(client)}


def test_check_mode_changes_nothing_on_the_server(check_and_diff):
    assert check_and_diff['after_check'] == check_and_diff['before']
    assert check_and_diff['tags_after_check'] == check_and_diff['tags_before']
    assert 'cm-new' not in check_and_diff['after_check']


def test_check_mode_predicts_what_the_real_run_does(check_and_diff):
    check, real = check_and_diff['check'], check_and_diff['real']
    for task in ('create', 'stop', 'start', 'tags', 'destroy', 'restart', 'unchanged', 'count'):
        assert check.result(task)['changed'] is real.result(task)['changed'], task
        assert check.result(task)['diff'] == real.result(task)['diff'], task
    assert [check.result(task)['changed'] for task in ('create', 'stop', 'unchanged')] == [True, True, False]


@pytest.mark.parametrize('task, before, after', [
    ('create', {'state': 'absent', 'tags': {}}, {'state': 'running', 'tags': {'Name': 'cm-new', 'env': 'dev'}}),
    ('stop', {'state': 'running', 'tags': {'Name': 'cm-running', 'env': 'dev', 'team': 'a'}},
     {'state': 'stopped', 'tags': {'Name': 'cm-running', 'env': 'dev', 'team': 'a'}}),
    ('start', {'state': 'stopped', 'tags': {'Name': 'cm-stopped'}}, {'state': 'running', 'tags': {'Name': 'cm-stopped'}}),
    ('tags', {'state': 'running', 'tags': {'Name': 'cm-tags', 'env': 'dev', 'team': 'a'}},
     {'state': 'running', 'tags': {'Name': 'cm-tags', 'env': 'prod', 'new': 'yes'}}),
    ('destroy', {'state': 'running', 'tags': {'Name': 'cm-absent', 'env': 'dev', 'team': 'a'}}, {'state': 'absent', 'tags': {}}),
])
def test_diff_shows_before_and_after(check_and_diff, task, before, after):
    diff = check_and_diff['check'].result(task)['diff']
    assert diff == {'before': before, 'after': after}


def test_diff_with_count_is_keyed_by_node_name(check_and_diff):
    diff = check_and_diff['check'].result('count')['diff']
    assert diff['before'] == {'cm-many-1': {'state': 'absent', 'tags': {}}, 'cm-many-2': {'state': 'absent', 'tags': {}}}
    assert diff['after']['cm-many-2'] == {'state': 'running', 'tags': {'Name': 'cm-many-2'}}


def test_diff_output_is_shown(region, tmp_path):
    """What a user sees with --check --diff: the default callback renders before and after."""
    cloud, _client, image = region
    run = run_playbook(play(cloud.ec2_cloud_entry(REGION), [node_task('shown', 'cm-shown', 'stopped', image, tags={'env': 'dev'})]),
                       tmp_path, check=True, diff=True, callback='default')
    assert run.rc == 0, run.output[-3000:]
    assert 'changed: [localhost]' in run.stdout
    assert '-    "state": "absent",' in run.stdout and '+    "state": "stopped",' in run.stdout
    assert '+        "env": "dev"' in run.stdout


def test_the_real_run_after_check_mode_did_it(check_and_diff):
    after, ids = check_and_diff['after_real'], check_and_diff['ids']
    assert [state for _id, state in after['cm-new']] == ['running']
    assert after['cm-running'] == [(ids['cm-running'], 'stopped')]
    assert after['cm-stopped'] == [(ids['cm-stopped'], 'running')]
    assert 'cm-absent' not in after
