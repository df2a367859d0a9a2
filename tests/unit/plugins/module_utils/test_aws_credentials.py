# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The precedence of AWS credentials (docs/credentials.md): explicit key, then profile, then AWS_PROFILE, then default;
and the drivers built from them, offline (nothing of libcloud is mocked)."""

from __future__ import annotations

import pytest

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.connection import build_driver, complete_credentials, secret_values
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.aws_credentials import complete

FILE = '''[default]
aws_access_key_id = DEFAULT-KEY
aws_secret_access_key = default-secret

[lab]
aws_access_key_id = LAB-KEY
aws_secret_access_key = lab-secret
aws_session_token = lab-token

[broken]
aws_access_key_id = ONLY-A-KEY
'''


@pytest.fixture
def environ(tmp_path):
    path = tmp_path / 'credentials'
    path.write_text(FILE)
    return {'AWS_SHARED_CREDENTIALS_FILE': str(path)}


def test_an_explicit_key_wins_over_every_profile(environ):
    conn = {'key': 'TASK-KEY', 'secret': 'task-secret'}
    assert complete(conn, dict(environ, AWS_PROFILE='lab')) == conn


def test_profile_then_aws_profile_then_default(environ):
    assert complete({'profile': 'lab'}, dict(environ, AWS_PROFILE='default')) == {
        'profile': None, 'key': 'LAB-KEY', 'secret': 'lab-secret', 'token': 'lab-token'}
    assert complete({}, dict(environ, AWS_PROFILE='lab'))['key'] == 'LAB-KEY'
    assert complete({}, environ) == {'profile': None, 'key': 'DEFAULT-KEY', 'secret': 'default-secret'}


def test_home_file_is_the_default_location(tmp_path, monkeypatch):
    (tmp_path / '.aws').mkdir()
    (tmp_path / '.aws' / 'credentials').write_text(FILE)
    monkeypatch.setenv('HOME', str(tmp_path))
    assert complete({'profile': 'lab'}, {})['key'] == 'LAB-KEY'


def test_nothing_asked_and_no_file_leaves_the_key_missing(tmp_path):
    nowhere = {'AWS_SHARED_CREDENTIALS_FILE': str(tmp_path / 'none')}
    assert complete({'region': 'eu-west-1'}, nowhere) == {'region': 'eu-west-1'}
    assert complete({'secret': 's'}, nowhere) == {'secret': 's'}  # the caller's "no key given" says it best
    with pytest.raises(LibcloudModuleError, match=r'^no key given: .*LIBCLOUD_KEY \(AWS: or a profile of the shared credentials file\)$'):
        build_driver({'provider': 'ec2'}, 'compute')


@pytest.mark.parametrize('conn, env, message', [
    ({'key': 'K', 'profile': 'lab'}, {}, "give either key (with secret) or profile 'lab', not both"),
    ({'key': 'K'}, {}, 'no secret given: set the option secret, the field secret of the cloud entry, or the environment variable LIBCLOUD_SECRET'),
    ({'secret': 's'}, {}, "secret given without key: give key with it, or take key, secret and token from AWS profile 'default'"),
    ({'token': 't', 'profile': 'lab'}, {}, 'token given without key'),
    ({'profile': 'nope'}, {}, "AWS profile 'nope' (from profile) is not in %s; profiles there: broken, default, lab"),
    ({}, {'AWS_PROFILE': 'gone'}, "AWS profile 'gone' (from AWS_PROFILE) is not in %s"),
    ({'profile': 'broken'}, {}, "AWS profile 'broken' in %s needs aws_access_key_id and aws_secret_access_key"),
])
def test_one_line_errors_that_name_no_value(environ, conn, env, message):
    path = environ['AWS_SHARED_CREDENTIALS_FILE']
    with pytest.raises(LibcloudModuleError) as caught:
        complete(conn, dict(environ, **env))
    assert caught.value.message.startswith(message.replace('%s', path))
    for value in ('DEFAULT-KEY', 'default-secret', 'LAB-KEY', 'lab-secret', 'lab-token', 'ONLY-A-KEY'):
        assert value not in caught.value.message


def test_an_unreadable_file_is_named_without_its_contents(tmp_path):
    path = tmp_path / 'credentials'
    path.write_text('aws_secret_access_key = leaked-if-quoted\n')  # no section header: configparser quotes the line
    with pytest.raises(LibcloudModuleError) as caught:
        complete({'profile': 'lab'}, {'AWS_SHARED_CREDENTIALS_FILE': str(path)})
    assert caught.value.message == 'cannot read the AWS shared credentials file %s (MissingSectionHeaderError)' % path


def test_drivers_built_from_a_profile_carry_its_token_and_sign_with_version_4(environ, monkeypatch):
    monkeypatch.setenv('AWS_SHARED_CREDENTIALS_FILE', environ['AWS_SHARED_CREDENTIALS_FILE'])
    ec2 = build_driver({'provider': 'ec2', 'profile': 'lab', 'region': 'us-east-1'})
    assert (ec2.key, ec2.secret, ec2.token, ec2.signature_version) == ('LAB-KEY', 'lab-secret', 'lab-token', '4')
    s3 = build_driver({'storage_provider': 's3', 'profile': 'lab'}, 'storage')
    assert (s3.key, s3.secret, s3.connection.token) == ('LAB-KEY', 'lab-secret', 'lab-token')
    # What masks secrets in messages sees the file's values too.
    completed = complete_credentials({'provider': 'ec2', 'profile': 'lab'})
    assert set(secret_values(completed)) == {'LAB-KEY', 'lab-secret', 'lab-token'}


@pytest.mark.parametrize('region', ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-east-1', 'sa-east-1'])
def test_ec2_signs_with_version_4_in_every_region_unless_options_say_otherwise(region):
    assert build_driver({'provider': 'ec2', 'key': 'K', 'secret': 's', 'region': region}).signature_version == '4'
    assert build_driver({'provider': 'ec2', 'key': 'K', 'secret': 's', 'region': region,
                         'options': {'signature_version': '2'}}).signature_version == '2'


def test_a_token_only_for_drivers_that_take_one():
    assert build_driver({'provider': 'ec2', 'key': 'K', 'secret': 's', 'token': 't'}).token == 't'
    refused = r"^token \(a session token\) is not taken by libcloud's OpenStackNodeDriver: leave it out for provider openstack$"
    with pytest.raises(LibcloudModuleError, match=refused):
        build_driver({'provider': 'openstack', 'key': 'K', 'secret': 's', 'token': 't',
                      'options': {'ex_force_auth_url': 'http://127.0.0.1:1', 'ex_force_auth_version': '2.0_password'}})


def test_profile_is_refused_outside_aws():
    with pytest.raises(LibcloudModuleError, match=r"^profile 'lab': profiles of the shared credentials file are read for AWS clouds"):
        complete_credentials({'provider': 'openstack', 'profile': 'lab'})
    with pytest.raises(LibcloudModuleError, match=r'^profile'):
        complete_credentials({'storage_provider': 'google_storage', 'profile': 'lab'}, 'storage')


def test_a_completed_connection_completes_to_itself(environ):
    """The module completes its connection, then each driver it builds completes it again: the profile is used once."""
    once = complete({'profile': 'lab'}, environ)
    assert complete(once, environ) == once
