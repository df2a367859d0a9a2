# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""libcloud_volume, libcloud_volume_snapshot (and libcloud_cloud_info's volumes and snapshots) on the local cloud
(EC2 through libcloud's EC2 driver), checked with boto3.

One playbook makes its nodes with libcloud_node, then moves volumes and snapshots through their states: create,
unchanged, mismatch, attach, detach, reattach to another node, a snapshot of an attached volume and of a detached
one, listing, bad input, absent (of an attached volume too). Between its steps a raw task records boto3's view of
the server's volumes, attachments, snapshots and nodes. Check mode runs inside it: before a step, the same tasks with
``check_mode: true`` and a view, so the server is seen unchanged after them and the real tasks that follow show what
they predicted (one playbook instead of a check run and a real run of their own: each module run costs ~0.7 s of
CPU, and ``make test`` has two cores).

Every module task has ``ignore_errors``: a wrong outcome fails the tests that read it, not the whole file.
"""

from __future__ import annotations

import json

import pytest
import yaml

from tests.harness.ansible_run import one_line_failure, run_playbook
from tests.harness.views import Views

REGION = 'eu-west-2'   # no other test uses it
ZONE_A, ZONE_B = REGION + 'a', REGION + 'b'


def server_view(client, prefix):
    """The server's view of the volumes, snapshots and live nodes whose Name tag starts with ``prefix``:
    {"volumes": {name: [{id, size, zone, type, state, tags, attachments: [[instance id, device]]}]},
     "snapshots": {name: [{id, volume_id, state, description, size}]}, "nodes": {name: [id]}}."""
    named = [{'Name': 'tag:Name', 'Values': [prefix + '*']}]

    def tags(item):
        return dict((tag['Key'], tag['Value']) for tag in item.get('Tags', []))

    view = {'volumes': {}, 'snapshots': {}, 'nodes': {}}
    for volume in client.describe_volumes(Filters=named)['Volumes']:
        view['volumes'].setdefault(tags(volume)['Name'], []).append({
            'id': volume['VolumeId'], 'size': volume['Size'], 'zone': volume['AvailabilityZone'], 'type': volume['VolumeType'],
            'state': volume['State'], 'tags': tags(volume),
            'attachments': [[item['InstanceId'], item['Device']] for item in volume['Attachments']]})
    # (moto ignores OwnerIds=['self'] and lists every AMI's snapshot, over a thousand: the Name filter keeps this quick)
    for snapshot in client.describe_snapshots(Filters=named)['Snapshots']:
        view['snapshots'].setdefault(tags(snapshot)['Name'], []).append({
            'id': snapshot['SnapshotId'], 'volume_id': snapshot['VolumeId'], 'state': snapshot['State'],
            'description': snapshot.get('Description'), 'size': snapshot['VolumeSize']})
    for reservation in client.describe_instances(Filters=named)['Reservations']:
        for instance in reservation['Instances']:
            if instance['State']['Name'] not in ('terminated', 'shutting-down'):
                view['nodes'].setdefault(tags(instance)['Name'], []).append(instance['InstanceId'])
    return view


def volume(title, diff=False, **args):
    task = {'name': title, 'ignore_errors': True, 'cloudmesh.libcloud.libcloud_volume': dict(cloud='local', **args)}
    if diff:
        task['diff'] = True
    return task


def snapshot(title, register=None, diff=False, **args):
    task = {'name': title, 'ignore_errors': True, 'cloudmesh.libcloud.libcloud_volume_snapshot': dict(cloud='local', **args)}
    if register:
        task['register'] = register
    if diff:
        task['diff'] = True
    return task


def info(title, **args):
    return {'name': title, 'ignore_errors': True, 'cloudmesh.libcloud.libcloud_cloud_info': dict(cloud='local', **args)}


def play(entry, tasks):
    return yaml.safe_dump([{'hosts': 'localhost', 'gather_facts': False, 'vars': {'libcloud_clouds': {'local': entry}},
                            'tasks': tasks}], sort_keys=False)


def succeeded(result):
    assert result.get('failed') is not True, result
    return result


def the(view, kind, name):
    """The one volume or snapshot called ``name`` in a view."""
    found = view[kind].get(name, [])
    assert len(found) == 1, (name, view[kind])
    return found[0]


@pytest.fixture(scope='module')
def image(local_cloud):
    return local_cloud.boto3_client('ec2', REGION).describe_images(Owners=['amazon'])['Images'][0]['ImageId']


# --- the scenario ----------------------------------------------------------------------------------------------

def checked(task):
    """``task`` in check mode and diff mode, under the name 'check ' + its name."""
    return dict(task, name='check ' + task['name'], check_mode=True, diff=True)


def lifecycle(cloud, client, image, workdir):
    def nodes(title, name, zone, **more):
        return {'name': title, 'cloudmesh.libcloud.libcloud_node': dict(
            cloud='local', name=name, image=image, size='t3.micro', location=zone, **more)}

    create = volume('create', name='lv-data', size=2, location=ZONE_A, volume_type='gp3', tags={'env': 'dev'}, diff=True)
    again = volume('create again', name='lv-data', size=2, location=ZONE_A, volume_type='gp3', tags={'env': 'dev'}, diff=True)
    attach = volume('attach', name='lv-data', node='lv-node-1', device='/dev/sdf', diff=True)
    detach = volume('detach', name='lv-data', node='', diff=True)
    reattach = volume('reattach', name='lv-data', node='lv-node-2', device='/dev/sdf', diff=True)
    take = snapshot('snapshot', register='snap', name='lv-snap', volume='lv-data', description='before the change', diff=True)
    remove = volume('absent attached', name='lv-data', state='absent', diff=True)
    plan = [
        # 0: nodes; check mode, no volume yet
        [nodes('nodes in zone a', 'lv-node', ZONE_A, count=2), nodes('node in zone b', 'lv-other', ZONE_B), checked(create)],
        # 1
        [create,
         volume('create plain', name='lv-plain', size=1, location=ZONE_A),
         # Bad input: nothing may be created or attached by any of these.
         volume('size 0', name='lv-bad', size=0, location=ZONE_A),
         volume('unknown node', name='lv-bad', size=1, location=ZONE_A, node='lv-node-missing', device='/dev/sdf'),
         volume('volume in another zone than the node', name='lv-plain', node='lv-other', device='/dev/sdf'),
         volume('location in another zone than the node', name='lv-bad', size=1, location=ZONE_A, node='lv-other',
                device='/dev/sdf'),
         volume('attach without a device', name='lv-plain', node='lv-node-1'),
         snapshot('snapshot of an unknown volume', name='lv-bad-snap', volume='lv-missing')],
        # 2: check mode over lv-data as step 1 left it
        [checked(again), checked(attach)],
        # 3
        [again,
         volume('mismatch', name='lv-data', size=3, volume_type='gp2'),
         attach,
         volume('attach again', name='lv-data', node='lv-node-1', device='/dev/sdf'),
         volume('create attached', name='lv-auto', size=1, node='lv-node-1', device='/dev/sdg')],
        # 4: check mode over lv-data attached to lv-node-1
        [checked(detach), checked(reattach), checked(take), checked(remove)],
        # 5
        [detach,
         volume('detach again', name='lv-data', node='')],
        # 6
        [volume('attach to the first node', name='lv-data', node='lv-node-1', device='/dev/sdf')],
        # 7
        [reattach,
         volume('reattach again', name='lv-data', node='lv-node-2', device='/dev/sdf'),
         take,
         snapshot('snapshot again', name='lv-snap', volume='lv-data', description='before the change'),
         snapshot('snapshot plain', name='lv-snap-plain', volume='lv-plain'),
         snapshot('snapshot name taken', name='lv-snap', volume='lv-plain'),
         info('info', gather=['volumes', 'snapshots'], volume_filter='lv-*', snapshot_filter="{{ snap.snapshot.id | default('none') }}")],
        # 8
        [snapshot('snapshot absent', name='lv-snap', state='absent', diff=True),
         snapshot('snapshot absent again', name='lv-snap', state='absent'),
         remove,
         volume('absent again', name='lv-data', state='absent')],
    ]
    with Views(lambda: server_view(client, 'lv-')) as viewer:
        tasks = []
        for number, step in enumerate(plan):
            tasks.extend(step)
            tasks.append({'name': 'view %d' % number, 'changed_when': False, 'ansible.builtin.raw': viewer.command})
        run = run_playbook(play(cloud.ec2_cloud_entry(REGION), tasks), workdir)
    assert 'view 0' in [name for name, _result in run.task_results()], run.output[-3000:]
    return {'run': run, 'views': [json.loads(run.result('view %d' % number)['stdout']) for number in range(len(plan))]}


@pytest.fixture(scope='module')
def steps(local_cloud, image, tmp_path_factory):
    return lifecycle(local_cloud, local_cloud.boto3_client('ec2', REGION), image, tmp_path_factory.mktemp('volumes'))


# --- volumes: create, unchanged, mismatch ------------------------------------------------------------------------

def test_create_then_unchanged(steps):
    run, views = steps['run'], steps['views']
    server = the(views[1], 'volumes', 'lv-data')
    assert (server['size'], server['zone'], server['type'], server['state'], server['attachments']) == (2, ZONE_A, 'gp3', 'available', [])
    assert server['tags'] == {'Name': 'lv-data', 'env': 'dev'}
    created = succeeded(run.result('create'))
    assert created['changed'] is True
    shown = created['volume']
    assert (shown['id'], shown['name'], shown['size'], shown['location'], shown['volume_type']) == (server['id'], 'lv-data', 2, ZONE_A, 'gp3')
    assert shown['node'] is None and shown['tags']['env'] == 'dev'
    again = succeeded(run.result('create again'))
    assert again['changed'] is False and again['volume']['id'] == server['id']
    assert not again.get('mismatches') and not again.get('warnings')
    assert the(views[3], 'volumes', 'lv-data')['id'] == server['id']


def test_a_differing_size_or_type_is_reported_never_changed(steps):
    run, views = steps['run'], steps['views']
    server = the(views[1], 'volumes', 'lv-data')
    result = succeeded(run.result('mismatch'))
    assert result['changed'] is False
    assert sorted((item['name'], item['id'], item['option'], str(item['requested']), str(item['actual'])) for item in result['mismatches']) == [
        ('lv-data', server['id'], 'size', '3', '2'), ('lv-data', server['id'], 'volume_type', 'gp2', 'gp3')]
    warnings = ' '.join(result.get('warnings', []))
    assert 'size' in warnings and 'volume_type' in warnings, warnings
    later = the(views[3], 'volumes', 'lv-data')
    assert (later['id'], later['size'], later['type']) == (server['id'], 2, 'gp3')


# --- attach, detach, reattach ----------------------------------------------------------------------------------

def test_attach_then_unchanged(steps):
    run, views = steps['run'], steps['views']
    node = views[3]['nodes']['lv-node-1'][0]
    server = the(views[3], 'volumes', 'lv-data')
    assert server['attachments'] == [[node, '/dev/sdf']] and server['state'] == 'in-use'
    attached = succeeded(run.result('attach'))
    assert attached['changed'] is True
    assert (attached['volume']['node'], attached['volume']['node_id'], attached['volume']['device']) == ('lv-node-1', node, '/dev/sdf')
    again = succeeded(run.result('attach again'))
    assert again['changed'] is False and again['volume']['node'] == 'lv-node-1'


def test_create_attached_in_the_nodes_zone(steps):
    run, views = steps['run'], steps['views']
    node = views[3]['nodes']['lv-node-1'][0]
    server = the(views[3], 'volumes', 'lv-auto')
    assert (server['size'], server['zone'], server['attachments']) == (1, ZONE_A, [[node, '/dev/sdg']])
    result = succeeded(run.result('create attached'))
    assert result['changed'] is True
    assert (result['volume']['id'], result['volume']['location'], result['volume']['node']) == (server['id'], ZONE_A, 'lv-node-1')


def test_detach_then_unchanged(steps):
    run, views = steps['run'], steps['views']
    server = the(views[5], 'volumes', 'lv-data')
    assert server['attachments'] == [] and server['state'] == 'available'
    assert server['id'] == the(views[1], 'volumes', 'lv-data')['id']
    detached = succeeded(run.result('detach'))
    assert detached['changed'] is True and detached['volume']['node'] is None
    again = succeeded(run.result('detach again'))
    assert again['changed'] is False and again['volume']['node'] is None


def test_reattach_to_another_node(steps):
    run, views = steps['run'], steps['views']
    first, second = views[6]['nodes']['lv-node-1'][0], views[6]['nodes']['lv-node-2'][0]
    assert the(views[6], 'volumes', 'lv-data')['attachments'] == [[first, '/dev/sdf']]
    assert succeeded(run.result('attach to the first node'))['changed'] is True
    server = the(views[7], 'volumes', 'lv-data')
    assert server['attachments'] == [[second, '/dev/sdf']]
    assert server['id'] == the(views[1], 'volumes', 'lv-data')['id']   # the same volume, moved
    moved = succeeded(run.result('reattach'))
    assert moved['changed'] is True
    assert (moved['volume']['node'], moved['volume']['node_id'], moved['volume']['device']) == ('lv-node-2', second, '/dev/sdf')
    assert succeeded(run.result('reattach again'))['changed'] is False


# --- snapshots -------------------------------------------------------------------------------------------------

def test_snapshot_of_an_attached_volume_completes(steps):
    run, views = steps['run'], steps['views']
    data = the(views[7], 'volumes', 'lv-data')
    assert data['attachments']   # attached while the snapshot was taken
    server = the(views[7], 'snapshots', 'lv-snap')
    assert (server['volume_id'], server['state'], server['description'], server['size']) == (data['id'], 'completed', 'before the change', 2)
    made = succeeded(run.result('snapshot'))
    assert made['changed'] is True
    shown = made['snapshot']
    # libcloud's word for a completed snapshot (its VolumeSnapshotState), as the RETURN docs say.
    assert (shown['id'], shown['name'], shown['volume_id'], shown['state'], shown['description']) == (
        server['id'], 'lv-snap', data['id'], 'available', 'before the change')
    again = succeeded(run.result('snapshot again'))
    assert again['changed'] is False and again['snapshot']['id'] == server['id']


def test_snapshot_of_a_detached_volume(steps):
    run, views = steps['run'], steps['views']
    server = the(views[7], 'snapshots', 'lv-snap-plain')
    assert server['volume_id'] == the(views[7], 'volumes', 'lv-plain')['id'] and server['state'] == 'completed'
    assert succeeded(run.result('snapshot plain'))['changed'] is True


def test_a_snapshot_name_taken_by_another_volume_is_left_alone(steps):
    run, views = steps['run'], steps['views']
    result = succeeded(run.result('snapshot name taken'))
    assert result['changed'] is False
    assert any('lv-snap' in warning for warning in result.get('warnings', [])), result.get('warnings')
    # Still the one snapshot, of lv-data.
    assert the(views[7], 'snapshots', 'lv-snap')['volume_id'] == the(views[7], 'volumes', 'lv-data')['id']


# --- absent ----------------------------------------------------------------------------------------------------

def test_absent_deletes_an_attached_volume_and_a_snapshot(steps):
    run, views = steps['run'], steps['views']
    assert 'lv-snap' not in views[8]['snapshots'] and 'lv-snap-plain' in views[8]['snapshots']
    assert 'lv-data' not in views[8]['volumes']
    assert views[8]['nodes']['lv-node-2'] == views[7]['nodes']['lv-node-2']   # the node it was attached to lives on
    for task in ('snapshot absent', 'absent attached'):
        assert succeeded(run.result(task))['changed'] is True, task
    assert succeeded(run.result('snapshot absent again'))['changed'] is False
    assert run.result('snapshot absent again')['snapshot'] is None
    assert succeeded(run.result('absent again'))['changed'] is False
    assert run.result('absent again')['volume'] is None


# --- bad input -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('task, names', [
    ('size 0', ('size',)),
    ('unknown node', ('lv-node-missing',)),
    ('volume in another zone than the node', (ZONE_A, ZONE_B)),
    ('location in another zone than the node', (ZONE_A, ZONE_B)),
    ('attach without a device', ('device',)),
    ('snapshot of an unknown volume', ('lv-missing',)),
])
def test_bad_input_fails_in_one_line(steps, task, names):
    one_line_failure(steps['run'].result(task), *names)


def test_bad_input_created_and_attached_nothing(steps):
    views = steps['views']
    assert all('lv-bad' not in view['volumes'] and 'lv-bad-snap' not in view['snapshots'] for view in views)
    assert the(views[1], 'volumes', 'lv-plain')['attachments'] == [] and the(views[3], 'volumes', 'lv-plain')['attachments'] == []
    assert 'Traceback' not in steps['run'].output


# --- listing ---------------------------------------------------------------------------------------------------

def test_cloud_info_lists_volumes_and_snapshots_as_the_server_does(steps):
    run, view = steps['run'], steps['views'][7]
    listed = succeeded(run.result('info'))
    nodes = dict((ident, name) for name, (ident,) in view['nodes'].items())
    assert sorted((item['name'], item['id'], item['size'], item['location'], item['node']) for item in listed['volumes']) == sorted(
        (name, item['id'], item['size'], item['zone'], nodes[item['attachments'][0][0]] if item['attachments'] else None)
        for name, (item,) in view['volumes'].items())
    assert sorted(view['volumes']) == ['lv-auto', 'lv-data', 'lv-plain']
    # The snapshots filtered by id: lv-snap alone.
    server = the(view, 'snapshots', 'lv-snap')
    assert [(item['name'], item['id'], item['volume_id'], item['state']) for item in listed['snapshots']] == [
        ('lv-snap', server['id'], server['volume_id'], 'available')]
    assert not listed.get('images') and not listed.get('key_pairs')


# --- check mode and diff mode ----------------------------------------------------------------------------------

CHECKED = ('create', 'create again', 'attach', 'detach', 'reattach', 'snapshot', 'absent attached')


def test_check_mode_changes_nothing_on_the_server(steps):
    views = steps['views']
    assert views[0]['volumes'] == {} and views[0]['snapshots'] == {}
    assert views[2] == views[1]   # create again and attach, in check mode
    assert views[4] == views[3]   # detach, reattach, snapshot, absent, in check mode


def test_check_mode_predicts_what_the_real_run_does(steps):
    run = steps['run']
    for task in CHECKED:
        check, real = succeeded(run.result('check ' + task)), succeeded(run.result(task))
        assert check['changed'] is real['changed'], task
    assert [run.result('check ' + task)['changed'] for task in CHECKED] == [True, False, True, True, True, True, True]
    # The same volume in the same state before the check and the real task: the same diff.
    for task in ('create', 'create again', 'attach', 'detach', 'reattach'):
        assert run.result('check ' + task)['diff'] == run.result(task)['diff'], task


@pytest.mark.parametrize('task, before, after', [
    ('attach', {'node': None, 'device': None}, {'node': 'lv-node-1', 'device': '/dev/sdf'}),
    ('detach', {'node': 'lv-node-1', 'device': '/dev/sdf'}, {'node': None, 'device': None}),
    ('reattach', {'node': 'lv-node-1', 'device': '/dev/sdf'}, {'node': 'lv-node-2', 'device': '/dev/sdf'}),
    ('create again', {'node': None, 'device': None}, {'node': None, 'device': None}),
])
def test_diff_shows_the_attachment_before_and_after(steps, task, before, after):
    diff = steps['run'].result(task)['diff']
    assert set(diff['before']) == set(diff['after']) == {'size', 'location', 'volume_type', 'node', 'device', 'tags'}
    assert dict((key, diff['before'][key] or None) for key in before) == before
    assert dict((key, diff['after'][key] or None) for key in after) == after
    # Nothing else moves.
    for key in ('size', 'location', 'volume_type', 'tags'):
        assert diff['before'][key] == diff['after'][key], key
    assert (diff['before']['size'], diff['before']['location'], diff['before']['volume_type']) == (2, ZONE_A, 'gp3')


def test_diff_of_create_and_absent(steps):
    run = steps['run']
    created = run.result('create')['diff']
    assert created['before'] == {}
    assert (created['after']['size'], created['after']['location'], created['after']['volume_type']) == (2, ZONE_A, 'gp3')
    assert created['after']['tags']['env'] == 'dev' and not created['after']['node']
    removed = run.result('absent attached')['diff']
    assert removed['after'] == {} and removed['before']['size'] == 2 and removed['before']['node'] == 'lv-node-2'
    assert run.result('check absent attached')['diff']['before']['node'] == 'lv-node-1'
    for task in ('snapshot', 'check snapshot'):
        assert run.result(task)['diff']['before'] == {}, task
        assert run.result(task)['diff']['after'], task
    assert run.result('snapshot absent')['diff']['after'] == {} and run.result('snapshot absent')['diff']['before']
