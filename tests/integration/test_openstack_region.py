# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An OpenStack entry's ``region`` reaches libcloud's driver (as ``ex_force_service_region``): mimic's catalog has
Nova endpoints in ORD, DFW and IAD, each with servers of its own, and libcloud alone would use the first one.
Checked with libcloud's own driver per region, never through the collection."""

from __future__ import annotations

import yaml

from tests.harness.ansible_run import run_playbook

IMAGE = 'CentOS 7 (PVHVM)'
SIZE = '2'


def by_region(mimic_cloud, entry, region):
    options = dict(entry['options'], ex_force_service_region=region)
    return sorted(node.name for node in mimic_cloud.driver(dict(entry, options=options)).list_nodes())


def test_the_entry_region_picks_the_catalog_region(mimic_cloud, tmp_path):
    entry = mimic_cloud.fresh_entry()
    del entry['options']['ex_force_service_region']
    entry['region'] = 'DFW'
    tasks = [
        {'name': 'create', 'cloudmesh.libcloud.libcloud_node': {'cloud': 'os', 'name': 'in-dfw', 'image': IMAGE, 'size': SIZE, 'wait': False}},
        {'name': 'info in DFW', 'register': 'dfw', 'cloudmesh.libcloud.libcloud_node_info': {'cloud': 'os'}},
        {'name': 'info in IAD', 'register': 'iad', 'cloudmesh.libcloud.libcloud_node_info': {'cloud': 'os', 'region': 'IAD'}},
    ]
    play = [{'hosts': 'localhost', 'gather_facts': False, 'vars': {'libcloud_clouds': {'os': entry}}, 'tasks': tasks}]
    run = run_playbook(yaml.safe_dump(play, sort_keys=False), tmp_path)
    assert run.rc == 0, run.output[-3000:]
    assert by_region(mimic_cloud, entry, 'DFW') == ['in-dfw']
    assert by_region(mimic_cloud, entry, 'ORD') == [] and by_region(mimic_cloud, entry, 'IAD') == []
    assert [node['name'] for node in run.result('info in DFW')['nodes']] == ['in-dfw']
    assert run.result('info in IAD')['nodes'] == []


def test_a_region_the_catalog_lacks_is_named_with_the_ones_it_has(mimic_cloud, tmp_path):
    entry = mimic_cloud.fresh_entry()
    del entry['options']['ex_force_service_region']
    entry['region'] = 'RegionOne'
    tasks = [{'name': 'info', 'cloudmesh.libcloud.libcloud_node_info': {'cloud': 'os'}, 'ignore_errors': True}]
    play = [{'hosts': 'localhost', 'gather_facts': False, 'vars': {'libcloud_clouds': {'os': entry}}, 'tasks': tasks}]
    run = run_playbook(yaml.safe_dump(play, sort_keys=False), tmp_path)
    assert run.rc == 0, run.output[-3000:]
    message = run.result('info')['msg']
    assert message.startswith("Keystone's catalog has no compute endpoint named 'cloudServersOpenStack' in region 'RegionOne'; "
                              "its compute regions: DFW, IAD, ORD"), message
    assert '\n' not in message
