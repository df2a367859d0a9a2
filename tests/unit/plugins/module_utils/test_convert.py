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
