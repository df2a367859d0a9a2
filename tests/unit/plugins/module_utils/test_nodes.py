# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Node helpers of plugins/module_utils/nodes.py that need no server: libcloud's dummy driver, an EC2 driver
that is never connected, and plain fakes where a driver's capability is the point."""

from __future__ import annotations

from types import SimpleNamespace

from libcloud.compute.base import Node
from libcloud.compute.drivers.dummy import DummyNodeDriver
from libcloud.compute.drivers.ec2 import EC2NodeDriver
from libcloud.compute.types import NodeState
import pytest

from ansible_collections.cloudmesh.libcloud.plugins.module_utils import nodes
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers import ec2


def make_node(name='web-1', state=NodeState.RUNNING, extra=None, driver=None):
    return Node(id='i-1', name=name, state=state, public_ips=[], private_ips=[], driver=driver or DummyNodeDriver(0),
                extra=extra or {})


def ec2_driver():
    # Constructing the driver talks to no server.
    return EC2NodeDriver('key', 'secret', region='us-east-1')


@pytest.mark.parametrize('state, status, expected, live', [
    (NodeState.RUNNING, 'running', 'running', True),
    (NodeState.UNKNOWN, 'stopping', 'stopping', True),
    (NodeState.UNKNOWN, 'shutting-down', 'shutting-down', False),
    (NodeState.TERMINATED, 'terminated', 'terminated', False),
    (NodeState.UNKNOWN, None, 'unknown', True),
    (NodeState.STOPPED, None, 'stopped', True),
])
def test_current_state_uses_the_providers_word_where_libcloud_says_unknown(state, status, expected, live):
    node = make_node(state=state, extra={'status': status} if status else {})
    assert nodes.current_state(node) == expected
    assert nodes.is_live(node) is live


def test_node_matches_glob_state_and_tags():
    node = make_node(extra={'tags': {'env': 'prod', 'Name': 'web-1'}})
    assert nodes.node_matches(node, 'web-*', ['running'], {'env': 'prod'})
    assert not nodes.node_matches(node, 'db-*')
    assert not nodes.node_matches(node, states=['stopped'])
    assert not nodes.node_matches(node, tags={'env': 'dev'})


def test_ec2_filter_values_are_literal():
    assert ec2.literal('a*b?c\\d') == 'a\\*b\\?c\\\\d'


def test_find_named_nodes_on_a_provider_without_server_side_filters():
    driver = DummyNodeDriver(0)
    assert [node.name for node in nodes.find_named_nodes(driver, 'dummy-1')] == ['dummy-1']
    assert sorted(node.name for node in nodes.find_named_nodes(driver, 'dummy', numbered=True)) == ['dummy-1', 'dummy-2']
    assert nodes.find_named_nodes(driver, 'dummy') == []


def test_nodes_by_id():
    driver = DummyNodeDriver(0)
    assert sorted(nodes.nodes_by_id(driver, ['1', '2', 'nope'])) == ['1', '2']
    assert nodes.nodes_by_id(driver, []) == {}


@pytest.mark.parametrize('finder, wanted, found_id', [
    (nodes.find_size, '2', '2'), (nodes.find_size, 'XXL Big', '4'),
    (nodes.find_image, 'Slackware 4', '3'), (nodes.find_image, '1', '1'),
    (nodes.find_location, 'London Loft', '2'),
])
def test_lookup_by_id_or_exact_name(finder, wanted, found_id):
    assert finder(DummyNodeDriver(0), wanted).id == found_id


@pytest.mark.parametrize('finder, wanted, message', [
    (nodes.find_size, 'Smal', "unknown size 'Smal': no size has this id or exact name; closest: Small"),
    (nodes.find_image, 'Ubuntu 9.1', "unknown image 'Ubuntu 9.1': no image has this id or exact name; closest: Ubuntu 9.10, Ubuntu 9.04"),
    (nodes.find_location, 'Mars', "unknown location 'Mars': no location has this id or exact name; nothing close"),
])
def test_lookup_failures_name_the_option_and_close_matches(finder, wanted, message):
    with pytest.raises(LibcloudModuleError) as info:
        finder(DummyNodeDriver(0), wanted)
    assert info.value.message == message


def test_a_name_shared_by_several_items_asks_for_the_id():
    class Driver:
        def list_sizes(self):
            return [make_node(name='twin'), make_node(name='twin')]
    with pytest.raises(LibcloudModuleError, match="size 'twin' is the name of several sizes"):
        nodes.find_size(Driver(), 'twin')


def test_create_kwargs_map_our_options_to_the_ec2_driver():
    # (Security groups and subnets are looked up on the server: tests/integration/test_node_placement.py.)
    kwargs = nodes.create_kwargs(ec2_driver(), {'key_name': 'deploy', 'user_data': '#!/bin/sh', 'security_groups': [],
                                                'tags': {'env': 'prod'}}, {'ex_ebs_optimized': True})
    assert kwargs == {'ex_keyname': 'deploy', 'ex_userdata': '#!/bin/sh', 'ex_metadata': {'env': 'prod'}, 'ex_ebs_optimized': True}
    assert nodes.create_kwargs(ec2_driver(), {'key_name': None, 'tags': {}}) == {}


@pytest.mark.parametrize('options, extra, message', [
    ({}, {'ex_nonsense': 1}, "extra.ex_nonsense is not an argument of the ec2 driver's create_node; it takes ex_assign_public_ip"),
    ({'key_name': 'a'}, {'ex_keyname': 'b'}, 'extra.ex_keyname conflicts with the option key_name'),
    ({}, {'image': 'x'}, 'extra.image is not allowed: use the option image'),
    ({}, {'ex_maxcount': 3}, 'extra.ex_maxcount is not allowed: use the option count'),
])
def test_create_kwargs_refuse_what_the_ec2_driver_cannot_take(options, extra, message):
    with pytest.raises(LibcloudModuleError) as info:
        nodes.create_kwargs(ec2_driver(), options, extra)
    assert info.value.message.startswith(message)


def test_create_kwargs_refuse_options_the_driver_has_no_argument_for():
    with pytest.raises(LibcloudModuleError, match=r'option key_name is not supported by the dummy driver \(its create_node takes none of ex_keyname'):
        nodes.create_kwargs(DummyNodeDriver(0), {'key_name': 'deploy'})
    with pytest.raises(LibcloudModuleError, match='option tags is not supported by the dummy driver'):
        nodes.create_kwargs(DummyNodeDriver(0), {'tags': {'a': '1'}})


def test_security_groups_become_the_drivers_own_objects_where_it_wants_them():
    group = SimpleNamespace(name='web', id='sg-1')

    class OpenStackLike(DummyNodeDriver):
        def create_node(self, name, size, image, ex_security_groups=None):
            raise AssertionError('not called')

        def ex_list_security_groups(self):
            return [group, SimpleNamespace(name='db', id='sg-2')]

    assert nodes.create_kwargs(OpenStackLike(0), {'security_groups': ['web']}) == {'ex_security_groups': [group]}
    with pytest.raises(LibcloudModuleError, match="unknown security group 'cache': no security group has this id or exact name; known: db, sg-1"):
        nodes.create_kwargs(OpenStackLike(0), {'security_groups': ['cache']})


def test_required_for_create():
    assert nodes.required_for_create(DummyNodeDriver(0)) == ['image', 'size']
    assert nodes.required_for_create(ec2_driver()) == ['image', 'size']


def test_power_falls_back_to_the_ex_variant_and_fails_clearly_without_either():
    calls = []

    class OldDriver(DummyNodeDriver):
        def ex_stop_node(self, node):
            calls.append(('ex_stop_node', node.name))
            return True

    driver = OldDriver(0)
    node = driver.list_nodes()[0]
    nodes.power(driver, node, 'stop')  # the base class's stop_node raises NotImplementedError
    assert calls == [('ex_stop_node', 'dummy-1')]
    with pytest.raises(LibcloudModuleError, match='the dummy driver cannot start nodes'):
        nodes.power(driver, node, 'start')
    nodes.power(driver, node, 'reboot')


def test_power_reports_a_refusal():
    class Refusing(DummyNodeDriver):
        def reboot_node(self, node):
            return False
    driver = Refusing(0)
    with pytest.raises(LibcloudModuleError, match=r'the provider refused to reboot node dummy-1 \(1\)'):
        nodes.power(driver, driver.list_nodes()[0], 'reboot')


class RecordingDriver:
    type = 'fake'

    def __init__(self):
        self.calls = []


class IncrementalTags(RecordingDriver):
    def ex_create_tags(self, resource, tags):
        self.calls.append(('create', dict(tags)))
        return True

    def ex_delete_tags(self, resource, tags):
        self.calls.append(('delete', dict(tags)))
        return True


class MetadataTags(RecordingDriver):
    def ex_set_metadata(self, node, metadata):
        self.calls.append(('set', dict(metadata)))
        return metadata


def test_tag_methods():
    assert nodes.tag_method(ec2_driver()) == 'incremental'
    assert nodes.tag_method(IncrementalTags()) == 'incremental'
    assert nodes.tag_method(MetadataTags()) == 'metadata'
    assert nodes.tag_method(DummyNodeDriver(0)) is None


def test_apply_tags_incrementally_or_by_replacing_the_metadata():
    node = make_node()
    driver = IncrementalTags()
    nodes.apply_tags(driver, node, {'env': 'prod'}, ['old'], {'env': 'dev', 'old': 'x'})
    assert driver.calls == [('create', {'env': 'prod'}), ('delete', {'old': None})]
    driver = MetadataTags()
    nodes.apply_tags(driver, node, {'env': 'prod'}, ['old'], {'env': 'dev', 'old': 'x', 'keep': 'y'})
    assert driver.calls == [('set', {'env': 'prod', 'keep': 'y'})]
    with pytest.raises(LibcloudModuleError, match='the dummy driver cannot change the tags of a node'):
        nodes.apply_tags(DummyNodeDriver(0), node, {'a': '1'}, [], {})
