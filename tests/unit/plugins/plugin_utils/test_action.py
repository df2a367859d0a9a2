# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError
from ansible_collections.cloudmesh.libcloud.plugins.plugin_utils.action import find_cloud_entry

CLOUDS = {'aws': {'provider': 'ec2', 'key': 'AKIDSECRETISH', 'secret': 'hunter2'}, 'lab': {'provider': 'openstack'}}


def test_find_cloud_entry_returns_a_copy():
    entry = find_cloud_entry('aws', CLOUDS)
    entry['region'] = 'x'
    assert 'region' not in CLOUDS['aws']


def test_unknown_cloud_lists_names_only():
    with pytest.raises(LibcloudModuleError) as caught:
        find_cloud_entry('prod', CLOUDS)
    message = caught.value.message
    assert message == "unknown cloud 'prod'; known clouds in libcloud_clouds: aws, lab"
    assert 'hunter2' not in message and 'AKID' not in message


def test_undefined_clouds_variable_says_how_to_define_it():
    with pytest.raises(LibcloudModuleError, match='libcloud_clouds is not defined'):
        find_cloud_entry('aws', None)


def test_malformed_clouds_variable():
    with pytest.raises(LibcloudModuleError, match='must be a dict of named cloud entries'):
        find_cloud_entry('aws', ['aws'])
    with pytest.raises(LibcloudModuleError, match=r"libcloud_clouds\['aws'\] must be a dict"):
        find_cloud_entry('aws', {'aws': 'ec2'})
