# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import datetime
import json

from libcloud.compute.drivers.dummy import DummyNodeDriver

from ansible_collections.cloudmesh.libcloud.plugins.module_utils import convert


def test_node_to_dict_is_json_safe_with_the_documented_fields():
    node = DummyNodeDriver(0).list_nodes()[0]
    node.extra['created'] = datetime.datetime(2026, 1, 2, 3, 4, 5)
    node.extra['tags'] = {'env': 'prod', 'empty': None}
    node.extra['image_obj'] = node.image
    data = convert.node_to_dict(node)
    assert sorted(data) == sorted(['id', 'name', 'state', 'public_ips', 'private_ips', 'image', 'size', 'location', 'tags', 'extra'])
    assert data['state'] == 'running'
    assert data['tags'] == {'env': 'prod', 'empty': ''}
    assert data['extra']['created'] == '2026-01-02T03:04:05'
    json.dumps(data)


def test_state_name():
    assert convert.state_name(None) == 'unknown'
    assert convert.state_name('STOPPED') == 'stopped'


def test_images_sizes_locations_to_dict():
    driver = DummyNodeDriver(0)
    json.dumps([convert.image_to_dict(item) for item in driver.list_images()])
    sizes = [convert.size_to_dict(item) for item in driver.list_sizes()]
    assert sizes[0]['ram'] > 0
    locations = [convert.location_to_dict(item) for item in driver.list_locations()]
    assert locations[0]['country']


class FakeNode:
    """Only what node_to_dict reads: no driver, no libcloud."""

    def __init__(self, extra):
        self.id, self.name, self.state = 'i-1', 'web-1', 'running'
        self.public_ips, self.private_ips, self.image, self.size = ['192.0.2.1'], [], None, None
        self.extra = extra


def test_node_to_dict_drops_the_passwords_drivers_put_in_extra():
    # What libcloud 3.9.1's drivers leave in a node's `extra`: OpenStack's create_node answer (Nova's adminPass),
    # Linode's generated root password, Vultr's default_password, OnApp's, Kamatera's, UpCloud's, CloudSigma's and VCL's.
    secrets = {
        'password': 'nova-admin-pass', 'adminPass': 'raw-nova-field', 'default_password': 'vultr-root',
        'generated_password': 'kamatera-root', 'initial_root_password': 'onapp-root',
        'remote_access_password': 'onapp-vnc', 'service_password': 'onapp-service', 'vnc_password': 'upcloud-vnc',
        'pass': 'vcl-login',
    }
    extra = dict(secrets, flavorId='2', metadata={'env': 'prod'}, initial_root_password_encrypted=False)
    data = convert.node_to_dict(FakeNode(extra))
    assert data['extra'] == {'flavorId': '2', 'metadata': {'env': 'prod'}, 'initial_root_password_encrypted': False}
    assert data['size'] == '2' and data['tags'] == {'env': 'prod'}
    dumped = json.dumps(data)
    for value in secrets.values():
        assert value not in dumped
    assert sorted(extra) == sorted(list(secrets) + ['flavorId', 'metadata', 'initial_root_password_encrypted'])


def test_node_to_dict_drops_azure_arms_admin_password_from_the_vm_answer():
    # Azure ARM's extra is the whole VM answer; libcloud documents the generated password at this path.
    os_profile = {'computerName': 'web-1', 'adminUsername': 'azureuser', 'adminPassword': 'generated-by-libcloud'}
    extra = {'properties': {'osProfile': os_profile, 'provisioningState': 'Succeeded'}}
    data = convert.node_to_dict(FakeNode(extra))
    assert data['extra']['properties'] == {'osProfile': {'computerName': 'web-1', 'adminUsername': 'azureuser'},
                                           'provisioningState': 'Succeeded'}
    assert 'generated-by-libcloud' not in json.dumps(data)
    assert os_profile['adminPassword'] == 'generated-by-libcloud'
