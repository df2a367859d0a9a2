# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS credentials from a shared credentials file, through real ansible-playbook and ansible-inventory runs against
a local cloud that checks credentials (``auth_cloud``: only its own key and secret are accepted).

As in test_credentials.py, the source that must win carries the cloud's secret and every source that must lose
carries the same key with a wrong secret, so that a task succeeds only when precedence picked the right one:
``key`` over any profile, ``profile`` over ``AWS_PROFILE``, ``AWS_PROFILE`` over ``default``.
"""

from __future__ import annotations

import json

import pytest
import yaml

from tests.harness.ansible_run import run_ansible, run_playbook, unwrap_unsafe
from tests.integration.test_credentials import REFUSED, WRONG_SECRET, launch

NODE_NAME = 'profile-probe'


@pytest.fixture(scope='module')
def profiles(auth_cloud, tmp_path_factory):
    """A node, and a credentials file whose profile ``lab`` holds the cloud's secret and ``default`` and ``other`` a
    wrong one; the environment a run needs to read it."""
    auth_cloud.reset()
    node_id = launch(auth_cloud, 'us-east-1', NODE_NAME)
    workdir = tmp_path_factory.mktemp('profiles')
    credentials = workdir / 'credentials'
    credentials.write_text('[default]\naws_access_key_id = {key}\naws_secret_access_key = {wrong}\n\n'
                           '[lab]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n\n'
                           '[other]\naws_access_key_id = {key}\naws_secret_access_key = {wrong}\n'
                           .format(key=auth_cloud.key, secret=auth_cloud.secret, wrong=WRONG_SECRET))
    # Where the cloud is, and nothing about credentials: those come from the file.
    entry = dict((field, value) for field, value in auth_cloud.ec2_cloud_entry('us-east-1').items() if field not in ('key', 'secret'))
    return auth_cloud, node_id, workdir, credentials, entry


def task(name, args, aws_profile=None, **keywords):
    result = {'name': name, 'cloudmesh.libcloud.libcloud_node_info': dict(args, name=NODE_NAME), 'register': 'out', 'ignore_errors': True}
    if aws_profile:
        result['environment'] = {'AWS_PROFILE': aws_profile}
    result.update(keywords)
    return result


@pytest.fixture(scope='module')
def profile_run(profiles):
    cloud, _node_id, workdir, credentials, entry = profiles
    play = [{'hosts': 'localhost', 'gather_facts': False, 'vars': {'libcloud_clouds': {
        'lab': dict(entry, profile='lab'), 'anonymous': entry, 'both': dict(entry, profile='lab', key=cloud.key, secret=cloud.secret),
        'missing': dict(entry, profile='nope')}}, 'tasks': [
        task('profile over AWS_PROFILE', {'cloud': 'lab'}, aws_profile='other'),
        task('AWS_PROFILE over default', {'cloud': 'anonymous'}, aws_profile='lab'),
        task('key over AWS_PROFILE', {'cloud': 'anonymous', 'key': cloud.key, 'secret': cloud.secret}, aws_profile='other'),
        task('the profile option on the task', {'cloud': 'anonymous', 'profile': 'lab'}),
        task('control: default alone', {'cloud': 'anonymous'}),
        task('control: AWS_PROFILE other alone', {'cloud': 'anonymous'}, aws_profile='other'),
        task('profile and key', {'cloud': 'both'}),
        task('unknown profile', {'cloud': 'missing'}),
    ]}]
    playbook = workdir / 'profiles.yml'
    playbook.write_text(yaml.safe_dump(play, sort_keys=False))
    run = run_playbook(playbook, workdir, env={'AWS_SHARED_CREDENTIALS_FILE': str(credentials), 'LIBCLOUD_RETRIES': '1'})
    assert run.rc == 0, run.output
    return run


@pytest.mark.parametrize('name', ['profile over AWS_PROFILE', 'AWS_PROFILE over default', 'key over AWS_PROFILE',
                                  'the profile option on the task'])
def test_the_winning_source_reaches_the_cloud(profile_run, profiles, name):
    node_id = profiles[1]
    result = profile_run.result(name)
    assert not result.get('failed'), result.get('msg')
    assert [node['id'] for node in result['nodes']] == [node_id]


@pytest.mark.parametrize('name', ['control: default alone', 'control: AWS_PROFILE other alone'])
def test_the_losing_profiles_are_refused_on_their_own(profile_run, name):
    result = profile_run.result(name)
    assert result['failed'] is True and REFUSED in result['msg']


@pytest.mark.parametrize('name, message', [
    ('profile and key', "give either key (with secret) or profile 'lab', not both"),
    ('unknown profile', "AWS profile 'nope' (from profile) is not in %s; profiles there: default, lab, other"),
])
def test_conflicts_and_unknown_profiles_fail_in_one_line(profile_run, profiles, name, message):
    credentials = profiles[3]
    result = profile_run.result(name)
    assert result['failed'] is True
    assert result['msg'].startswith(message.replace('%s', str(credentials))) and '\n' not in result['msg']


def test_no_value_of_the_file_is_shown(profile_run, profiles):
    cloud = profiles[0]
    report = json.dumps(profile_run.report) + profile_run.output
    for value in (cloud.secret, WRONG_SECRET):
        assert value not in report


def test_the_inventory_reads_a_profile(profiles):
    cloud, node_id, workdir, credentials, entry = profiles
    source = workdir / 'aws.libcloud.yml'
    source.write_text(yaml.safe_dump({'plugin': 'cloudmesh.libcloud.libcloud', 'clouds': [dict(entry, name='lab', profile='lab')]}))
    proc = run_ansible(['ansible-inventory', '-i', str(source), '--list'], workdir, env={'AWS_SHARED_CREDENTIALS_FILE': str(credentials)})
    assert proc.returncode == 0, proc.stderr
    listed = unwrap_unsafe(json.loads(proc.stdout))
    assert listed['_meta']['hostvars'][NODE_NAME]['libcloud_id'] == node_id
    assert cloud.secret not in proc.stdout + proc.stderr
