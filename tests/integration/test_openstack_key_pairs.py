# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""libcloud_key_pair and libcloud_cloud_info's key_pairs on OpenStack (mimic's Nova), checked with libcloud.

Every check of the cloud's state goes through libcloud's own OpenStack driver (``mimic_cloud.driver(entry)``, read by
a raw task between two steps of the playbook), never through the collection. The scenario has a tenant of its own
(``fresh_entry()``: mimic has no reset).

mimic gives every key pair the same fingerprint (``aa:aa:...``): telling two keys apart needs their public key text,
which Nova lists. It offers no volumes: the 1.1 driver's Nova has no os-volumes, and through Cinder (the 2.0 driver,
``mimic_cloud.cinder_entry``) volumes are listed (none) but a create is refused; libcloud_volume must say so in one line.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.harness.ansible_run import run_playbook
from tests.harness.views import Views


def keygen(folder, name, kind='rsa'):
    """A real OpenSSH key pair made by ssh-keygen; its public key text."""
    path = Path(folder) / name
    command = ['ssh-keygen', '-q', '-t', kind, '-N', '', '-f', str(path)] + (['-b', '2048'] if kind == 'rsa' else [])
    subprocess.run(command, check=True, capture_output=True)
    return (path.parent / (name + '.pub')).read_text().strip()


def same_key(listed, text):
    """Whether a listed public key is the key ``text`` (type and base64 body; a comment may differ)."""
    return bool(listed) and listed.split()[:2] == text.split()[:2]


def pair(title, **args):
    return {'name': title, 'ignore_errors': True, 'cloudmesh.libcloud.libcloud_key_pair': dict(cloud='os', **args)}


@pytest.fixture(scope='module')
def keys(tmp_path_factory):
    folder = tmp_path_factory.mktemp('keys')
    return {'a': keygen(folder, 'a'), 'b': keygen(folder, 'b'), 'ed': keygen(folder, 'ed', 'ed25519')}


@pytest.fixture(scope='module')
def steps(mimic_cloud, keys, tmp_path_factory):
    """Import, unchanged, mismatch, force, absent, a listing and a volume, with libcloud's view after each step."""
    workdir = tmp_path_factory.mktemp('os-key-pairs')
    entry = mimic_cloud.fresh_entry()
    driver = mimic_cloud.driver(entry)
    plan = [
        [pair('import', name='os-imp', public_key=keys['a']),
         pair('import ed25519', name='os-ed', public_key=keys['ed']),
         {'name': 'volume', 'ignore_errors': True,
          'cloudmesh.libcloud.libcloud_volume': {'cloud': 'os', 'name': 'os-vol', 'size': 1}},
         # Through Cinder (the 2.0 driver): mimic lists volumes (none) but refuses to create one.
         {'name': 'cinder volumes', 'ignore_errors': True,
          'cloudmesh.libcloud.libcloud_cloud_info': {'cloud': 'cinder', 'gather': ['volumes']}},
         {'name': 'cinder volume', 'ignore_errors': True,
          'cloudmesh.libcloud.libcloud_volume': {'cloud': 'cinder', 'name': 'os-vol', 'size': 1}}],
        [pair('import again', name='os-imp', public_key=keys['a']),
         pair('different key', name='os-imp', public_key=keys['b']),
         {'name': 'info', 'ignore_errors': True,
          'cloudmesh.libcloud.libcloud_cloud_info': {'cloud': 'os', 'gather': ['key_pairs'], 'key_pair_filter': 'os-*'}},
         {'name': 'info by name', 'ignore_errors': True,
          'cloudmesh.libcloud.libcloud_cloud_info': {'cloud': 'os', 'gather': ['key_pairs'], 'key_pair_filter': 'os-e?'}}],
        [pair('force', name='os-imp', public_key=keys['b'], force=True),
         pair('force again', name='os-imp', public_key=keys['b'], force=True)],
        [pair('absent', name='os-ed', state='absent'),
         pair('absent again', name='os-ed', state='absent')],
    ]
    with Views(lambda: dict((item.name, [item.fingerprint, item.public_key]) for item in driver.list_key_pairs())) as viewer:
        tasks = []
        for number, step in enumerate(plan):
            tasks.extend(step)
            tasks.append({'name': 'view %d' % number, 'changed_when': False, 'ansible.builtin.raw': viewer.command})
        clouds = {'os': entry, 'cinder': mimic_cloud.cinder_entry(entry)}
        run = run_playbook(yaml.safe_dump([{'hosts': 'localhost', 'gather_facts': False, 'vars': {'libcloud_clouds': clouds},
                                            'tasks': tasks}], sort_keys=False), workdir)
    views = [json.loads(run.result('view %d' % number)['stdout']) for number in range(len(plan))]
    final = dict((item.name, item.public_key) for item in driver.list_key_pairs())
    return {'run': run, 'views': views, 'final': final}


def succeeded(result):
    assert result.get('failed') is not True, result
    return result


def test_import_then_unchanged(steps, keys):
    run, views = steps['run'], steps['views']
    assert sorted(views[0]) == ['os-ed', 'os-imp']
    assert same_key(views[0]['os-imp'][1], keys['a']) and same_key(views[0]['os-ed'][1], keys['ed'])
    for task, name in (('import', 'os-imp'), ('import ed25519', 'os-ed')):
        result = succeeded(run.result(task))
        assert result['changed'] is True, task
        assert result['key_pair']['name'] == name
        assert result['key_pair']['fingerprint'] == views[0][name][0]
    again = succeeded(run.result('import again'))
    assert again['changed'] is False and again.get('mismatch') in (False, None) and not again.get('warnings')


def test_a_different_key_is_reported_and_left_alone(steps, keys):
    """mimic's fingerprints are all alike: the module must tell the keys apart by their public key text."""
    run, views = steps['run'], steps['views']
    result = succeeded(run.result('different key'))
    assert result['changed'] is False and result['mismatch'] is True
    assert any('os-imp' in warning for warning in result.get('warnings', [])), result.get('warnings')
    assert same_key(views[1]['os-imp'][1], keys['a'])


def test_force_replaces_the_key(steps, keys):
    run, views = steps['run'], steps['views']
    assert same_key(views[2]['os-imp'][1], keys['b'])
    assert succeeded(run.result('force'))['changed'] is True
    again = succeeded(run.result('force again'))
    assert again['changed'] is False and again.get('mismatch') in (False, None)


def test_absent_removes_then_changes_nothing(steps):
    run, views = steps['run'], steps['views']
    assert 'os-ed' in views[2] and 'os-ed' not in views[3] and 'os-ed' not in steps['final']
    assert succeeded(run.result('absent'))['changed'] is True
    again = succeeded(run.result('absent again'))
    assert again['changed'] is False and again['key_pair'] is None


def test_cloud_info_lists_key_pairs_as_nova_does(steps):
    run, view = steps['run'], steps['views'][1]
    listed = succeeded(run.result('info'))
    assert sorted(item['name'] for item in listed['key_pairs']) == sorted(view)
    for item in listed['key_pairs']:
        fingerprint, public_key = view[item['name']]
        assert item['fingerprint'] == fingerprint
        assert same_key(item['public_key'], public_key)
    assert [item['name'] for item in succeeded(run.result('info by name'))['key_pairs']] == ['os-ed']
    assert 'PRIVATE KEY' not in json.dumps(listed)


def test_a_volume_fails_in_one_line(steps):
    """mimic offers no volumes: one line, no traceback, nothing to show."""
    result = steps['run'].result('volume')
    assert result.get('failed') is True, result
    assert result['msg'] and '\n' not in result['msg'], result['msg']
    assert 'Traceback' not in result['msg'] and 'module_stderr' not in result
    assert result.get('exception', '(traceback unavailable)') == '(traceback unavailable)'
    assert result.get('changed') in (False, None)
    assert 'Traceback' not in steps['run'].output


def test_cinder_lists_volumes_and_a_create_it_refuses_fails_in_one_line(steps):
    """Through libcloud's 2.0 driver, mimic's Cinder lists its volumes (none) and answers a create with 405."""
    assert succeeded(steps['run'].result('cinder volumes'))['volumes'] == []
    result = steps['run'].result('cinder volume')
    assert result.get('failed') is True, result
    assert result['msg'] == "this cloud does not offer block volumes through libcloud's OpenStack_2_NodeDriver (HTTP 405)"
