# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Placement by id or name (subnet, networks, security groups) where no server is needed: the lookup in a listing,
the forms ``extra`` may give, and the one-line refusals. OpenStack drivers are built offline, their listings are set
on the driver (mimic has none that libcloud can read, see tests/integration/test_node_placement.py); EC2's lookups
run on moto in that file."""

from __future__ import annotations

import pytest
from libcloud.common.exceptions import BaseHTTPError
from libcloud.common.types import LibcloudError
from libcloud.compute.drivers.dummy import DummyNodeDriver
from libcloud.compute.drivers.openstack import OpenStackNetwork, OpenStackSecurityGroup

from ansible_collections.cloudmesh.libcloud.plugins.module_utils import nodes
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.connection import build_driver
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers import adapter_for
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.generic import resolve_listed

PRIVATE, PUBLIC, TWIN_A, TWIN_B = ('0c1e7a4e-0000-4000-8000-00000000000%d' % number for number in range(4))


def openstack_driver(api_version=None):
    options = {'ex_force_auth_url': 'http://127.0.0.1:1', 'ex_force_auth_version': '2.0_password'}
    if api_version:
        options['api_version'] = api_version
    driver = build_driver({'provider': 'openstack', 'key': 'user', 'secret': 'password', 'options': options})
    driver.ex_list_networks = lambda: [OpenStackNetwork(PRIVATE, 'private', None, driver), OpenStackNetwork(PUBLIC, 'public', None, driver),
                                       OpenStackNetwork(TWIN_A, 'twin', None, driver), OpenStackNetwork(TWIN_B, 'twin', None, driver)]
    driver.ex_list_security_groups = lambda: [OpenStackSecurityGroup('g-1', 't', 'default', '', driver),
                                              OpenStackSecurityGroup('g-2', 't', 'web', '', driver)]
    return driver


def ids(objects):
    return [item.id for item in objects]


def test_networks_by_id_or_name_become_the_drivers_objects_in_order_each_once():
    driver = openstack_driver()
    kwargs = nodes.create_kwargs(driver, {'networks': ['public', PRIVATE, 'private']})
    assert list(kwargs) == ['networks'] and ids(kwargs['networks']) == [PUBLIC, PRIVATE]
    assert all(isinstance(network, OpenStackNetwork) for network in kwargs['networks'])


def test_security_groups_by_id_or_name_become_the_drivers_objects():
    kwargs = nodes.create_kwargs(openstack_driver(), {'security_groups': ['web', 'g-1']})
    assert ids(kwargs['ex_security_groups']) == ['g-2', 'g-1']


@pytest.mark.parametrize('networks', [['private'], 'private'])
def test_names_in_extra_networks_are_looked_up_as_the_option_is(networks):
    kwargs = nodes.create_kwargs(openstack_driver(), {}, {'networks': networks, 'ex_config_drive': True})
    assert ids(kwargs['networks']) == [PRIVATE] and kwargs['ex_config_drive'] is True


@pytest.mark.parametrize('options, extra, message', [
    ({'networks': ['privat']}, None, "unknown network 'privat': no network has this id or exact name; closest: private"),
    ({'networks': ['zzz']}, None, "unknown network 'zzz': no network has this id or exact name; known: %s" % ', '.join(
        sorted([PRIVATE, PUBLIC, TWIN_A, TWIN_B]) + ['private', 'public', 'twin'])),
    ({'networks': ['twin']}, None, "network 'twin' is the name of several networks (%s, %s); give the id instead" % (TWIN_A, TWIN_B)),
    ({}, {'networks': ['privat']}, "unknown network 'privat'"),
    ({'networks': ['public']}, {'networks': ['private']}, 'extra.networks conflicts with the option networks: give one of them'),
    ({'security_groups': ['wbe']}, None, "unknown security group 'wbe': no security group has this id or exact name; closest: web"),
    ({'subnet': 'private'}, None, 'option subnet is not supported by the openstack driver (its create_node takes none of ex_subnet)'),
])
def test_bad_placement_on_openstack_fails_in_one_line(options, extra, message):
    with pytest.raises(LibcloudModuleError) as caught:
        nodes.create_kwargs(openstack_driver(), options, extra)
    assert caught.value.message.startswith(message), caught.value.message
    assert '\n' not in caught.value.message


def test_an_extra_value_that_is_no_id_or_name_goes_to_the_driver_as_it_is():
    driver = openstack_driver()
    driver.ex_list_networks = None  # never asked
    network = {'uuid': PRIVATE}
    assert nodes.create_kwargs(driver, {}, {'networks': [network]}) == {'networks': [network]}


def test_placement_the_driver_cannot_take_is_refused_before_any_lookup():
    class Listing(DummyNodeDriver):
        def ex_list_networks(self):
            raise AssertionError('not asked')

    with pytest.raises(LibcloudModuleError, match=r'^option networks is not supported by the dummy driver \(its create_node takes none of networks\)$'):
        nodes.create_kwargs(Listing(0), {'networks': ['private']})
    with pytest.raises(LibcloudModuleError, match=r'^option subnet is not supported by the dummy driver'):
        nodes.create_kwargs(Listing(0), {'subnet': 'private'})


def test_a_subnet_is_looked_up_on_ec2_only():
    class TakesSubnetNames(DummyNodeDriver):  # as Azure ARM's create_node, whose ex_subnet is a name
        def create_node(self, name, size, image, ex_subnet=None):
            raise AssertionError('not called')

    with pytest.raises(LibcloudModuleError) as caught:
        nodes.create_kwargs(TakesSubnetNames(0), {'subnet': 'private'})
    assert caught.value.message.startswith('option subnet is not supported by the dummy driver (subnets are looked up on EC2 only)')
    # Its own argument still goes through extra, as it is.
    assert nodes.create_kwargs(TakesSubnetNames(0), {}, {'ex_subnet': 'private'}) == {'ex_subnet': 'private'}


def test_the_default_openstack_driver_says_which_setting_lists_neutrons_networks():
    driver = openstack_driver()

    def not_there():
        raise BaseHTTPError(404, 'Not Found')
    driver.ex_list_networks = not_there
    with pytest.raises(LibcloudModuleError) as caught:
        adapter_for(driver).placement_arguments(networks=['private'])
    assert caught.value.message == ("this cloud does not offer networks through libcloud's OpenStack_1_1_NodeDriver (HTTP 404); "
                                    "libcloud reads them from Neutron with the cloud entry's options.api_version: '2.0'")


def test_the_neutron_driver_says_when_the_catalog_has_no_network_endpoint():
    driver = openstack_driver('2.0')

    def no_endpoint():
        raise LibcloudError('Could not find specified endpoint')
    driver.ex_list_security_groups = no_endpoint
    with pytest.raises(LibcloudModuleError) as caught:
        adapter_for(driver).placement_arguments(security_groups=['web'])
    assert type(driver).__name__ == 'OpenStack_2_NodeDriver'
    assert caught.value.message.startswith('libcloud found no network (Neutron) endpoint to list security groups in the Keystone catalog')
    assert caught.value.message.endswith('give its URL as options.ex_force_network_url')


def test_resolve_listed_prefers_an_id_to_a_name():
    first, second = OpenStackNetwork('a', 'b', None, None), OpenStackNetwork('b', 'c', None, None)
    assert resolve_listed('network', ['b'], [first, second]) == [second]   # the id b, not the network named b
