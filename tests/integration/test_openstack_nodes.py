# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""libcloud_node, libcloud_node_info and libcloud_cloud_info on OpenStack (mimic's Nova), checked with libcloud.

Every check of the cloud's state goes through libcloud's own OpenStack driver (``mimic_cloud.driver(entry)``, or
the same driver built by a small script between two steps of a playbook), never through the collection. Each
scenario has a tenant of its own (``fresh_entry()``: mimic has no reset), and the scenarios' playbooks run side
by side: mimic's hard reboot takes about 6 s, and waiting for one restart at a time would double this file's time.

mimic has no stop action (os-stop answers 400): ``state: stopped`` must fail at once, in one line, saying so.
Nova puts a new server's root password in the create answer (libcloud's ``extra['password']``); it must never
show in any output.
"""

from __future__ import annotations

import fnmatch
import json
import shlex
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml

from tests.harness.ansible_run import run_playbook

IMAGE = 'CentOS 7 (PVHVM)'   # by name: every mimic process makes new image ids
SIZE = '2'                   # by id: '512MB Standard Instance'
STOP_TIMEOUT = 300

# Prints {name: [[id, state, metadata, updated], ...]} of the tenant's nodes, with libcloud's OpenStack driver
# built exactly as mimic_cloud.driver(entry) builds it; the entry is read from a file (it holds the password).
SNAPSHOT_SCRIPT = '''
import json, sys
from libcloud.compute.providers import get_driver
with open(sys.argv[1]) as handle:
    entry = json.load(handle)
driver = get_driver('openstack')(entry['key'], entry['secret'], **entry['options'])
found = {}
for node in driver.list_nodes():
    state = str(getattr(node.state, 'value', node.state)).lower()
    found.setdefault(node.name, []).append([node.id, state, node.extra.get('metadata'), node.extra.get('updated')])
print(json.dumps(found))
'''


def node(title, **args):
    return {'name': title, 'cloudmesh.libcloud.libcloud_node': dict(cloud='os', **args)}


def play(entry, tasks):
    return yaml.safe_dump([{'hosts': 'localhost', 'gather_facts': False, 'vars': {'libcloud_clouds': {'os': entry}}, 'tasks': tasks}],
                          sort_keys=False)


def live_nodes(driver):
    """{name: [(id, state, metadata)]} straight from the cloud."""
    found = {}
    for item in driver.list_nodes():
        found.setdefault(item.name, []).append((item.id, str(getattr(item.state, 'value', item.state)).lower(), item.extra.get('metadata')))
    return found


def create_directly(driver, name, metadata=None):
    """A node made with libcloud itself; its root password, which only this answer carries."""
    image = next(image for image in driver.list_images() if image.name == IMAGE)
    # One flavor, not list_sizes(): libcloud re-reads its 4.5 MB price file for every flavor it lists (~2.5 s here).
    made = driver.create_node(name=name, image=image, size=driver.ex_get_size(SIZE), ex_metadata=metadata or {})
    assert len(made.extra['password']) >= 8
    return made.id, made.extra['password']


def passwords_shown(value):
    """Every non-empty value of a key called ``password`` anywhere in a result."""
    if isinstance(value, dict):
        return [item for key, item in value.items() if key == 'password' and item] + \
            [found for item in value.values() for found in passwords_shown(item)]
    if isinstance(value, list):
        return [found for item in value for found in passwords_shown(item)]
    return []


# --- the scenarios: each one a tenant of its own, all run at the same time --------------------------------------

def stepwise(mimic_cloud, workdir, plan):
    """Run ``plan``, a list of steps (lists of tasks) on a new tenant; after each step libcloud's view of the tenant,
    taken by a script with libcloud's own driver."""
    entry = mimic_cloud.fresh_entry()
    entry_file = workdir / 'entry.json'
    entry_file.write_text(json.dumps(entry))
    script = workdir / 'snapshot.py'
    script.write_text(SNAPSHOT_SCRIPT)
    tasks = []
    for number, step in enumerate(plan):
        tasks.extend(step)
        # raw: no module wrapper around the script, the cheapest way to run it between two steps.
        tasks.append({'name': 'snapshot %d' % number, 'changed_when': False,
                      'ansible.builtin.raw': ' '.join(shlex.quote(str(part)) for part in (sys.executable, script, entry_file))})
    run = run_playbook(play(entry, tasks), workdir)
    assert run.rc == 0, run.output[-3000:]
    snapshots = [json.loads(run.result('snapshot %d' % number)['stdout']) for number in range(len(plan))]
    return {'run': run, 'snapshots': snapshots, 'final': live_nodes(mimic_cloud.driver(entry))}


def lifecycle(mimic_cloud, workdir):
    """One node through present, running, restarted, tags (metadata) and absent."""
    base = dict(image=IMAGE, size=SIZE)
    return stepwise(mimic_cloud, workdir, [
        [node('create', name='life', tags={'env': 'dev', 'team': 'a'}, **base)],
        [node('create again', name='life', tags={'env': 'dev', 'team': 'a'}, **base),
         node('running', name='life', state='running')],
        [node('restarted', name='life', state='restarted')],
        [node('restarted again', name='life', state='restarted')],
        [node('tags updated', name='life', tags={'env': 'prod', 'owner': 'me'})],
        [node('tags unchanged', name='life', tags={'env': 'prod'})],
        [node('tags purged', name='life', tags={'env': 'prod'}, purge_tags=True),
         node('tags purged again', name='life', tags={'env': 'prod'}, purge_tags=True)],
        [node('purge to nothing', name='life', tags={}, purge_tags=True)],
        [node('absent', name='life', state='absent'),
         node('absent again', name='life', state='absent')],
    ])


def counting(mimic_cloud, workdir):
    """A numbered fleet counted up, down and to nothing."""
    base = dict(image=IMAGE, size=SIZE)
    return stepwise(mimic_cloud, workdir, [
        [node('count 3', name='fleet', count=3, **base)],
        [node('count 3 again', name='fleet', count=3, **base)],
        [node('count 5', name='fleet', count=5, **base)],
        [node('count 2', name='fleet', count=2)],
        [node('count 2 again', name='fleet', count=2)],
        [node('count 0', name='fleet', count=0),
         node('count 0 again', name='fleet', count=0)],
    ])


def check_and_diff(mimic_cloud, workdir):
    """Nodes made with libcloud, a --check --diff run over every kind of change, then the same run for real."""
    entry = mimic_cloud.fresh_entry()
    driver = mimic_cloud.driver(entry)
    made = dict((name, create_directly(driver, name, metadata)) for name, metadata in (
        ('cm-tags', {'env': 'dev', 'team': 'a'}), ('cm-absent', {'env': 'dev'}), ('cm-restarted', None), ('cm-steady', {'env': 'dev'})))
    base = dict(image=IMAGE, size=SIZE)
    tasks = [
        node('create', name='cm-new', state='running', tags={'env': 'dev'}, **base),
        node('tags', name='cm-tags', tags={'env': 'prod', 'new': 'yes'}, purge_tags=True),
        node('destroy', name='cm-absent', state='absent'),
        node('restart', name='cm-restarted', state='restarted'),
        node('unchanged', name='cm-steady', tags={'env': 'dev'}, **base),
        node('count', name='cm-many', count=2, **base),
    ]
    before = live_nodes(driver)
    check_run = run_playbook(play(entry, tasks), workdir / 'check', check=True, diff=True)
    assert check_run.rc == 0, check_run.output[-3000:]
    after_check = live_nodes(driver)
    # What a user sees: the default callback renders before and after (tasks that need no size lookup).
    shown = run_playbook(play(entry, tasks[1:3]), workdir / 'shown', check=True, diff=True, callback='default')
    assert shown.rc == 0, shown.output[-3000:]
    real_run = run_playbook(play(entry, tasks), workdir / 'real', diff=True)
    assert real_run.rc == 0, real_run.output[-3000:]
    return {'made': made, 'before': before, 'after_check': after_check, 'check': check_run, 'shown': shown, 'real': real_run,
            'after_real': live_nodes(driver)}


def stop_refused(mimic_cloud, workdir):
    """state=stopped on a running node and on a missing one, where the cloud has no stop action."""
    entry = mimic_cloud.fresh_entry()
    driver = mimic_cloud.driver(entry)
    made = {'st-running': create_directly(driver, 'st-running')}
    tasks = [
        dict(node('stop a running node', name='st-running', state='stopped', wait_timeout=STOP_TIMEOUT), ignore_errors=True),
        dict(node('stop a new node', name='st-new', state='stopped', wait_timeout=STOP_TIMEOUT, image=IMAGE, size=SIZE),
             ignore_errors=True),
    ]
    run = run_playbook(play(entry, tasks), workdir, verbosity=3)
    return {'run': run, 'made': made, 'after': live_nodes(driver)}


def info(mimic_cloud, workdir):
    """Nodes made with libcloud, listed and filtered by libcloud_node_info; the offer listed by libcloud_cloud_info; at -vvv."""
    entry = mimic_cloud.fresh_entry()
    driver = mimic_cloud.driver(entry)
    made = dict((name, create_directly(driver, name, metadata)) for name, metadata in (
        ('web-1', {'env': 'prod'}), ('web-2', {'env': 'dev'}), ('db-1', {'env': 'prod'})))

    def task(title, module, **args):
        return {'name': title, 'cloudmesh.libcloud.' + module: dict(args, cloud='os')}

    tasks = [
        task('all', 'libcloud_node_info'),
        task('by name', 'libcloud_node_info', name='web-1'),
        task('by name glob', 'libcloud_node_info', name='web-*'),
        task('by tags', 'libcloud_node_info', tags={'env': 'prod'}),
        task('by state', 'libcloud_node_info', state=['running']),
        task('by state none', 'libcloud_node_info', state=['stopped']),
        task('offer', 'libcloud_cloud_info'),
        task('filtered', 'libcloud_cloud_info', gather=['images', 'sizes'], image_filter='CentOS*', size_filter='*GB Standard*'),
    ]
    run = run_playbook(play(entry, tasks), workdir, check=True, verbosity=3)
    assert run.rc == 0, run.output[-3000:]
    # The flavors as Nova lists them, read through libcloud's connection: list_sizes() would re-read libcloud's
    # 4.5 MB price file once per flavor (~2.5 s of CPU here), for prices that no OpenStack has.
    flavors = driver.connection.request('/flavors/detail').object['flavors']
    offer = {'images': driver.list_images(), 'sizes': [(str(item['id']), item['name'], item['ram'], item['disk']) for item in flavors],
             'locations': driver.list_locations()}
    return {'run': run, 'made': made, 'live': live_nodes(driver), 'offer': offer}


SCENARIOS = {'lifecycle': lifecycle, 'counting': counting, 'check_and_diff': check_and_diff, 'stop_refused': stop_refused, 'info': info}


@pytest.fixture(scope='module')
def scenarios(mimic_cloud, tmp_path_factory):
    """Every scenario started at once; a failed one fails only the tests that read it."""
    with ThreadPoolExecutor(len(SCENARIOS)) as pool:
        futures = dict((name, pool.submit(scenario, mimic_cloud, tmp_path_factory.mktemp(name))) for name, scenario in SCENARIOS.items())
    return futures


@pytest.fixture(scope='module')
def steps(scenarios):
    return scenarios['lifecycle'].result()


@pytest.fixture(scope='module')
def counted(scenarios):
    return scenarios['counting'].result()


@pytest.fixture(scope='module')
def check_mode(scenarios):
    return scenarios['check_and_diff'].result()


@pytest.fixture(scope='module')
def stop(scenarios):
    return scenarios['stop_refused'].result()


@pytest.fixture(scope='module')
def listed(scenarios):
    return scenarios['info'].result()


# --- present, running, restarted, absent ------------------------------------------------------------------------

def test_present_creates_then_changes_nothing(steps):
    run, snapshots = steps['run'], steps['snapshots']
    ((ident, state, metadata, _updated),) = snapshots[0]['life']
    assert (state, metadata) == ('running', {'env': 'dev', 'team': 'a'})
    first = run.result('create')
    assert first['changed'] is True
    assert (first['node']['id'], first['node']['name'], first['node']['state']) == (ident, 'life', 'running')
    assert first['node']['tags'] == {'env': 'dev', 'team': 'a'}
    # The second run and state=running on a running node: the same server, nothing written.
    assert [item[:3] for item in snapshots[1]['life']] == [[ident, 'running', {'env': 'dev', 'team': 'a'}]]
    for task in ('create again', 'running'):
        assert run.result(task)['changed'] is False, task
        assert run.result(task)['node']['id'] == ident, task


def test_restarted_restarts_each_time_and_the_node_runs_after(steps):
    run, snapshots = steps['run'], steps['snapshots']
    ((ident, _state, _metadata, created),) = snapshots[1]['life']
    ((ident_1, state_1, _metadata, updated_1),) = snapshots[2]['life']
    ((ident_2, state_2, _metadata, updated_2),) = snapshots[3]['life']
    assert ident_1 == ident_2 == ident
    assert state_1 == state_2 == 'running'
    # Nova stamps `updated` when a reboot ends: two restarts, two new stamps.
    assert created < updated_1 < updated_2
    for task in ('restarted', 'restarted again'):
        result = run.result(task)
        assert result['changed'] is True, task
        assert (result['node']['id'], result['node']['state']) == (ident, 'running'), task


def test_absent_destroys_then_changes_nothing(steps):
    run, snapshots = steps['run'], steps['snapshots']
    assert 'life' in snapshots[-2]
    assert 'life' not in snapshots[-1] and 'life' not in steps['final']
    assert run.result('absent')['changed'] is True
    assert run.result('absent again')['changed'] is False
    assert run.result('absent again')['node'] == {}


# --- count -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('step, task, changed, size', [
    (0, 'count 3', True, 3),
    (1, 'count 3 again', False, 3),
    (2, 'count 5', True, 5),
    (3, 'count 2', True, 2),
    (4, 'count 2 again', False, 2),
    (5, 'count 0', True, 0),
    (5, 'count 0 again', False, 0),
])
def test_count(counted, step, task, changed, size):
    run, snapshot = counted['run'], counted['snapshots'][step]
    fleet = dict((name, found) for name, found in snapshot.items() if name.startswith('fleet'))
    assert sorted(fleet) == sorted('fleet-%d' % number for number in range(1, size + 1))
    assert all(len(found) == 1 and found[0][1] == 'running' for found in fleet.values())
    result = run.result(task)
    assert result['changed'] is changed
    assert [(item['name'], item['id'], item['state']) for item in result['nodes']] == [
        ('fleet-%d' % number, fleet['fleet-%d' % number][0][0], 'running') for number in range(1, size + 1)]


def test_count_keeps_its_nodes_and_scales_down_from_the_top(counted):
    snapshots = counted['snapshots']

    def ident(step, name):
        return snapshots[step][name][0][0]

    assert [ident(1, 'fleet-%d' % number) for number in (1, 2, 3)] == [ident(0, 'fleet-%d' % number) for number in (1, 2, 3)]
    assert [ident(3, 'fleet-%d' % number) for number in (1, 2)] == [ident(2, 'fleet-%d' % number) for number in (1, 2)]
    assert not counted['final']


# --- tags as OpenStack metadata ---------------------------------------------------------------------------------

@pytest.mark.parametrize('step, task, changed, metadata', [
    (0, 'create', True, {'env': 'dev', 'team': 'a'}),
    (4, 'tags updated', True, {'env': 'prod', 'team': 'a', 'owner': 'me'}),
    (5, 'tags unchanged', False, {'env': 'prod', 'team': 'a', 'owner': 'me'}),
    (6, 'tags purged', True, {'env': 'prod'}),
    (6, 'tags purged again', False, {'env': 'prod'}),
    (7, 'purge to nothing', True, {}),
])
def test_tags_are_metadata(steps, step, task, changed, metadata):
    run, snapshot = steps['run'], steps['snapshots'][step]
    ((ident, _state, found, _updated),) = snapshot['life']
    assert found == metadata
    result = run.result(task)
    assert result['changed'] is changed
    assert result['node']['tags'] == metadata and result['node']['id'] == ident


def test_no_root_password_in_any_result(steps, counted, check_mode, stop):
    """Nodes the modules created: Nova's adminPass must not reach a result (the create answer carries it)."""
    for run in (steps['run'], counted['run'], check_mode['real'], stop['run']):
        assert passwords_shown(run.report) == []


# --- check mode and diff mode ------------------------------------------------------------------------------------

def test_check_mode_changes_nothing_on_the_cloud(check_mode):
    assert check_mode['after_check'] == check_mode['before']
    assert 'cm-new' not in check_mode['after_check']


def test_check_mode_predicts_what_the_real_run_does(check_mode):
    check, real = check_mode['check'], check_mode['real']
    expected = {'create': True, 'tags': True, 'destroy': True, 'restart': True, 'unchanged': False, 'count': True}
    for task, changed in expected.items():
        assert check.result(task)['changed'] is changed, task
        assert real.result(task)['changed'] is changed, task
        assert check.result(task)['diff'] == real.result(task)['diff'], task


def test_the_real_run_after_check_mode_did_it(check_mode):
    after, made = check_mode['after_real'], check_mode['made']
    assert [(state, metadata) for _id, state, metadata in after['cm-new']] == [('running', {'env': 'dev'})]
    assert after['cm-tags'] == [(made['cm-tags'][0], 'running', {'env': 'prod', 'new': 'yes'})]
    assert 'cm-absent' not in after
    assert after['cm-restarted'] == [(made['cm-restarted'][0], 'running', {})]
    assert after['cm-steady'] == [(made['cm-steady'][0], 'running', {'env': 'dev'})]
    assert sorted(name for name in after if name.startswith('cm-many')) == ['cm-many-1', 'cm-many-2']


@pytest.mark.parametrize('task, before, after', [
    ('create', {'state': 'absent', 'tags': {}}, {'state': 'running', 'tags': {'env': 'dev'}}),
    ('tags', {'state': 'running', 'tags': {'env': 'dev', 'team': 'a'}}, {'state': 'running', 'tags': {'env': 'prod', 'new': 'yes'}}),
    ('destroy', {'state': 'running', 'tags': {'env': 'dev'}}, {'state': 'absent', 'tags': {}}),
    ('restart', {'state': 'running', 'tags': {}}, {'state': 'running', 'tags': {}}),
    ('unchanged', {'state': 'running', 'tags': {'env': 'dev'}}, {'state': 'running', 'tags': {'env': 'dev'}}),
])
def test_diff_shows_before_and_after(check_mode, task, before, after):
    """OpenStack keeps the name apart from the metadata: no Name tag appears."""
    assert check_mode['check'].result(task)['diff'] == {'before': before, 'after': after}


def test_diff_with_count_is_keyed_by_node_name(check_mode):
    diff = check_mode['check'].result('count')['diff']
    assert diff['before'] == {'cm-many-1': {'state': 'absent', 'tags': {}}, 'cm-many-2': {'state': 'absent', 'tags': {}}}
    assert diff['after'] == {'cm-many-1': {'state': 'running', 'tags': {}}, 'cm-many-2': {'state': 'running', 'tags': {}}}


def test_diff_output_is_shown(check_mode):
    stdout = check_mode['shown'].stdout
    assert stdout.count('changed: [localhost]') == 2
    assert '-    "state": "running",' in stdout and '+    "state": "absent",' in stdout
    assert '-        "env": "dev",' in stdout and '+        "env": "prod",' in stdout


def test_passwords_of_existing_nodes_never_show(check_mode):
    outputs = ' '.join(check_mode[run].output for run in ('check', 'shown', 'real'))
    for name, (_ident, password) in check_mode['made'].items():
        assert password not in outputs, name


# --- a cloud without a stop action ------------------------------------------------------------------------------

@pytest.mark.parametrize('task', ['stop a running node', 'stop a new node'])
def test_stopped_fails_at_once_in_one_line(stop, task):
    run = stop['run']
    result = run.result(task)
    assert result['failed'] is True
    assert run.task_seconds(task) < 30, 'waited out wait_timeout=%d' % STOP_TIMEOUT
    message = result['msg']
    assert '\n' not in message
    assert 'does not support stopping nodes' in message
    assert 'Traceback' not in run.output and 'Traceback' not in result.get('exception', '')


def test_stopped_leaves_the_nodes_as_they_were(stop):
    after, run = stop['after'], stop['run']
    assert after['st-running'] == [(stop['made']['st-running'][0], 'running', {})]
    assert run.result('stop a running node')['changed'] is False
    # The new node was created before the stop was refused: the result says that something changed.
    assert [state for _id, state, _metadata in after['st-new']] == ['running']
    assert run.result('stop a new node')['changed'] is True


def test_stop_output_shows_no_password(stop):
    assert stop['made']['st-running'][1] not in stop['run'].output
    assert 'ESTABLISH LOCAL CONNECTION' in stop['run'].output  # -vvv really was on


# --- libcloud_node_info and libcloud_cloud_info -------------------------------------------------------------------

def ids_of(result):
    return sorted(item['id'] for item in result['nodes'])


def test_node_info_returns_the_nodes(listed):
    run, live = listed['run'], listed['live']

    def ids(*names):
        return sorted(live[name][0][0] for name in names)

    assert ids_of(run.result('all')) == ids('web-1', 'web-2', 'db-1')
    assert ids_of(run.result('by name')) == ids('web-1')
    assert ids_of(run.result('by name glob')) == ids('web-1', 'web-2')
    assert ids_of(run.result('by tags')) == ids('web-1', 'db-1')
    assert ids_of(run.result('by state')) == ids('web-1', 'web-2', 'db-1')
    assert run.result('by state none')['nodes'] == []


def test_node_info_fields(listed):
    run, live = listed['run'], listed['live']
    (found,) = run.result('by name')['nodes']
    ((ident, state, metadata),) = live['web-1']
    assert (found['id'], found['name'], found['state'], found['tags']) == (ident, 'web-1', state, metadata)
    assert found['size'] == SIZE
    assert found['image'] == next(image.id for image in listed['offer']['images'] if image.name == IMAGE)
    assert found['public_ips'] and found['private_ips']


def test_cloud_info_lists_the_offer(listed):
    offer, result = listed['offer'], listed['run'].result('offer')
    assert len(offer['sizes']) == 35 and len(offer['images']) == 38
    assert [(item['id'], item['name']) for item in result['images']] == [(image.id, image.name) for image in offer['images']]
    assert [(item['id'], item['name'], item['ram'], item['disk']) for item in result['sizes']] == offer['sizes']
    assert [item['id'] for item in result['locations']] == [location.id for location in offer['locations']]


def test_cloud_info_filters_and_gather(listed):
    offer, result = listed['offer'], listed['run'].result('filtered')
    assert [item['id'] for item in result['images']] == [image.id for image in offer['images'] if fnmatch.fnmatchcase(image.name, 'CentOS*')]
    assert [item['id'] for item in result['sizes']] == [ident for ident, name, _ram, _disk in offer['sizes'] if fnmatch.fnmatchcase(name, '*GB Standard*')]
    assert result['images'] and result['sizes'] and 'locations' not in result


def test_info_output_shows_no_password(listed):
    output = listed['run'].output
    assert 'ESTABLISH LOCAL CONNECTION' in output  # -vvv really was on
    for name, (_ident, password) in listed['made'].items():
        assert password not in output, name
    assert passwords_shown(listed['run'].report) == []
