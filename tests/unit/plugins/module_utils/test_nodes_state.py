# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure decisions of libcloud_node (plugins/module_utils/node_state.py), with plain fakes."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import pytest

from ansible_collections.cloudmesh.libcloud.plugins.module_utils import node_state
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError

# (requested, current) -> steps with wait=True. current None: the node does not exist.
PLANS = [
    ('present', None, ('create', 'wait_running')),
    ('present', 'running', ()),
    ('present', 'stopped', ()),
    ('present', 'pending', ()),
    ('present', 'error', ()),
    ('running', None, ('create', 'wait_running')),
    ('running', 'running', ()),
    ('running', 'stopped', ('start', 'wait_running')),
    ('running', 'pending', ('wait_running',)),
    ('running', 'stopping', ('wait_stopped', 'start', 'wait_running')),
    ('running', 'suspended', ('start', 'wait_running')),
    ('stopped', None, ('create', 'wait_running', 'stop', 'wait_stopped')),
    ('stopped', 'running', ('stop', 'wait_stopped')),
    ('stopped', 'stopped', ()),
    ('stopped', 'pending', ('wait_running', 'stop', 'wait_stopped')),
    ('stopped', 'stopping', ('wait_stopped',)),
    ('restarted', None, ('create', 'wait_running')),
    ('restarted', 'running', ('reboot', 'wait_running')),
    ('restarted', 'stopped', ('start', 'wait_running')),
    ('restarted', 'rebooting', ('wait_running', 'reboot', 'wait_running')),
    ('restarted', 'stopping', ('wait_stopped', 'start', 'wait_running')),
    ('absent', None, ()),
    ('absent', 'running', ('destroy', 'wait_gone')),
    ('absent', 'stopped', ('destroy', 'wait_gone')),
    ('absent', 'error', ('destroy', 'wait_gone')),
]


@pytest.mark.parametrize('desired, current, steps', PLANS)
def test_plan(desired, current, steps):
    assert node_state.plan(desired, current) == steps


@pytest.mark.parametrize('desired, current, steps', PLANS)
def test_plan_without_wait_drops_only_the_final_wait(desired, current, steps):
    expected = steps[:-1] if steps and steps[-1].startswith('wait_') else steps
    assert node_state.plan(desired, current, wait=False) == expected
    # A wait between two writes stays: EC2 cannot stop a pending instance.
    if desired == 'stopped' and current is None:
        assert node_state.plan(desired, current, wait=False) == ('create', 'wait_running', 'stop')


@pytest.mark.parametrize('desired, current, changed', [
    ('present', 'running', False), ('running', 'pending', False), ('stopped', 'stopping', False),
    ('running', 'stopped', True), ('restarted', 'running', True), ('absent', None, False), ('absent', 'stopped', True),
])
def test_changes(desired, current, changed):
    assert node_state.changes(node_state.plan(desired, current)) is changed


@pytest.mark.parametrize('desired', ['running', 'stopped', 'restarted'])
@pytest.mark.parametrize('current', ['error', 'unknown'])
def test_unactionable_states_fail_with_one_line(desired, current):
    with pytest.raises(LibcloudModuleError) as info:
        node_state.plan(desired, current, label='node web-1')
    assert info.value.message.startswith('node web-1 is in state %s; it cannot be made %s' % (current, desired))


def test_unknown_requested_state():
    with pytest.raises(LibcloudModuleError, match='state must be one of present, running, stopped, restarted, absent'):
        node_state.plan('started', None)


@pytest.mark.parametrize('desired, current, after', [
    ('present', None, 'running'), ('present', 'stopped', 'stopped'), ('running', 'stopped', 'running'),
    ('restarted', 'stopped', 'running'), ('stopped', None, 'stopped'), ('absent', 'running', 'absent'),
])
def test_predicted_state(desired, current, after):
    assert node_state.predicted_state(desired, current) == after


@pytest.mark.parametrize('step, state, reached', [
    ('wait_running', 'running', True), ('wait_running', 'pending', False), ('wait_running', None, False),
    ('wait_stopped', 'stopped', True), ('wait_stopped', 'stopping', False), ('wait_stopped', 'suspended', True),
    ('wait_gone', None, True), ('wait_gone', 'terminated', True), ('wait_gone', 'shutting-down', False),
])
def test_reached(step, state, reached):
    assert node_state.reached(step, state) is reached


@pytest.mark.parametrize('state', ['terminated', 'shutting-down', 'error'])
def test_reached_fails_when_the_node_will_never_get_there(state):
    with pytest.raises(LibcloudModuleError, match='node a went %s while waiting for it to be running' % state):
        node_state.reached('wait_running', state, 'node a')


def test_tag_changes():
    current = {'Name': 'web-1', 'env': 'dev', 'team': 'a', 'aws:cloudformation:stack': 's'}
    assert node_state.tag_changes(current, None, purge=True) == ({}, [])
    assert node_state.tag_changes(current, {'env': 'prod', 'new': '1'}) == ({'env': 'prod', 'new': '1'}, [])
    assert node_state.tag_changes(current, {'env': 'dev'}, purge=True) == ({}, ['team'])
    assert node_state.tag_changes(current, {}, purge=True) == ({}, ['env', 'team'])
    assert node_state.tag_changes(current, {'env': 'dev', 'team': 'a'}, purge=True) == ({}, [])
    assert node_state.tags_after(current, {'env': 'prod'}, ['team']) == {'Name': 'web-1', 'env': 'prod', 'aws:cloudformation:stack': 's'}


def test_normalize_tags():
    assert node_state.normalize_tags(None) is None
    assert node_state.normalize_tags({'a': 1, 'b': None, 3: 'x', 'c': True}) == {'a': '1', 'b': '', '3': 'x', 'c': 'True'}


def test_numbered_names():
    assert node_state.numbered_name('web', 3) == 'web-3'
    assert node_state.number_of('web', 'web-12') == 12
    for other in ('web', 'web-0', 'web-01', 'web-x', 'web-1-a', 'webby-1', 'xweb-1', None):
        assert node_state.number_of('web', other) is None
    assert node_state.number_of('a.b*', 'a.b*-2') == 2
    assert node_state.number_of('a.b*', 'axb*-2') is None


def fake_node(name, ident):
    return SimpleNamespace(name=name, id=ident)


def test_desired_nodes_single():
    node = fake_node('web', 'i-1')
    assert node_state.desired_nodes('web', 'running', None, [node]) == [('web', 'running', node)]
    assert node_state.desired_nodes('web', 'absent', None, []) == [('web', 'absent', None)]


def test_desired_nodes_count_keeps_creates_and_removes_the_surplus():
    live = [fake_node('w-%d' % number, 'i-%d' % number) for number in (1, 3, 4, 10)]
    wanted = node_state.desired_nodes('w', 'stopped', 3, live)
    assert [(name, state, node.id if node else None) for name, state, node in wanted] == [
        ('w-1', 'stopped', 'i-1'), ('w-2', 'stopped', None), ('w-3', 'stopped', 'i-3'),
        ('w-4', 'absent', 'i-4'), ('w-10', 'absent', 'i-10')]
    assert [state for _name, state, _node in node_state.desired_nodes('w', 'running', 0, live)] == ['absent'] * 4


def test_duplicates_are_refused_with_their_ids():
    nodes = [fake_node('a', 'i-2'), fake_node('a', 'i-1'), fake_node('b', 'i-3')]
    assert node_state.duplicates(nodes) == {'a': ['i-1', 'i-2']}
    with pytest.raises(LibcloudModuleError, match=r'several live nodes carry the same name.*\(a: i-1, i-2\)'):
        node_state.refuse_duplicates(nodes)
    node_state.refuse_duplicates(nodes[1:])


@pytest.mark.parametrize('params, message', [
    ({'name': ''}, 'name must be a non-empty string'),
    ({'name': '  '}, 'name must be a non-empty string'),
    ({'name': None}, 'name must be a non-empty string'),
    ({'name': 'a', 'wait_timeout': 0}, 'wait_timeout must be a positive number of seconds, got 0'),
    ({'name': 'a', 'wait_timeout': -5}, 'wait_timeout must be a positive number of seconds, got -5'),
    ({'name': 'a', 'count': -1}, 'count must be 0 or more, got -1'),
    ({'name': 'a', 'count': 2, 'state': 'absent'}, 'count cannot be combined with state=absent'),
    ({'name': 'a', 'tags': {'Name': 'b'}}, 'tags.Name must not differ from name'),
    ({'name': 'a', 'count': 2, 'tags': {'Name': 'a'}}, 'tags.Name cannot be set with count'),
])
def test_validate_refuses_bad_input(params, message):
    with pytest.raises(LibcloudModuleError) as info:
        node_state.validate(params)
    assert info.value.message.startswith(message)


# Input that validate must accept, each beside the nearest input it must refuse: a pair pins the boundary, so
# a check that drifts either way (too strict: the good input fails; too loose: the bad one passes) is caught.
# The params carry every key, None where the task omits it, as AnsibleModule hands them over.
ACCEPTED_BESIDE_REFUSED = [
    ({'wait_timeout': 1}, {'wait_timeout': 0}),
    ({'wait_timeout': 0.5}, {'wait_timeout': -0.5}),
    ({'count': 0}, {'count': -1}),
    ({'count': 0, 'state': 'stopped'}, {'count': 0, 'state': 'absent'}),
    ({'tags': {'Name': 'a', 'x': 1}, 'state': 'running'}, {'tags': {'Name': 'b', 'x': 1}, 'state': 'running'}),
    ({'count': 2, 'tags': {'x': 1}}, {'count': 2, 'tags': {'Name': 'a', 'x': 1}}),
    ({'name': 'a b'}, {'name': ' '}),
]


def module_params(**given):
    params = dict.fromkeys(('name', 'state', 'count', 'tags', 'wait_timeout'))
    params.update(name='a')
    params.update(given)
    return params


@pytest.mark.parametrize('accepted, refused', ACCEPTED_BESIDE_REFUSED, ids=[str(pair[0]) for pair in ACCEPTED_BESIDE_REFUSED])
def test_validate_accepts_good_input(accepted, refused):
    params = module_params(**accepted)
    unchanged = copy.deepcopy(params)
    assert node_state.validate(params) is None
    assert params == unchanged  # validation only reads: it must not normalise what the module goes on to use
    with pytest.raises(LibcloudModuleError):
        node_state.validate(module_params(**refused))
