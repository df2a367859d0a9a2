# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The credential layer: precedence, cleaning, provider names and drivers (libcloud's real dummy drivers)."""

from __future__ import annotations

import pytest

from ansible_collections.cloudmesh.libcloud.plugins.module_utils import connection
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError


class Vaulted:
    """Stands in for ansible's EncryptedString: a str-convertible value that is not a str."""

    def __init__(self, plain):
        self.plain = plain

    def __str__(self):
        return self.plain


def test_explicit_options_win_over_the_cloud_entry():
    explicit = dict.fromkeys(connection.CONNECTION_FIELDS)
    explicit.update(region='eu-west-1', port=9000)
    merged = connection.merge_cloud_entry(explicit, {'provider': 'ec2', 'region': 'us-east-1', 'port': 1, 'key': 'k'})
    assert merged['region'] == 'eu-west-1'
    assert merged['port'] == 9000
    assert merged['provider'] == 'ec2'
    assert merged['key'] == 'k'


def test_cloud_entry_values_are_cleaned():
    entry = {'provider': 'ec2', 'secret': Vaulted('s3cr3t'), 'port': '8080', 'secure': 'false', 'options': '{"signature_version": "4"}'}
    cleaned = connection.clean_entry(entry)
    assert cleaned == {'provider': 'ec2', 'secret': 's3cr3t', 'port': 8080, 'secure': False, 'options': {'signature_version': '4'}}
    assert isinstance(cleaned['secret'], str)


def test_unknown_entry_field_names_the_allowed_ones():
    with pytest.raises(LibcloudModuleError) as caught:
        connection.clean_entry({'provider': 'ec2', 'pasword': 'x'})
    assert 'pasword' in caught.value.message
    assert 'storage_provider' in caught.value.message
    assert 'x' not in caught.value.message.split(';')[0].replace('pasword', '')


def test_cloud_must_be_a_dict():
    with pytest.raises(LibcloudModuleError, match='must be the name'):
        connection.clean_entry(['ec2'])


@pytest.mark.parametrize('value, expected', [(None, {}), ('', {}), ({'a': 1}, {'a': 1}), ('{"timeout": 5}', {'timeout': 5})])
def test_parse_options(value, expected):
    assert connection.parse_options(value) == expected


def test_parse_options_rejects_non_objects():
    with pytest.raises(LibcloudModuleError, match='JSON object'):
        connection.parse_options('[1, 2]')


def test_secret_values_include_sensitive_options():
    conn = {'key': 'AKID', 'secret': 'shh', 'options': {'token': 'tok', 'signature_version': '4'}}
    assert sorted(connection.secret_values(conn)) == ['AKID', 'shh', 'tok']


def test_provider_names_are_case_insensitive():
    assert connection.driver_class('compute', 'EC2').__name__ == 'EC2NodeDriver'
    assert connection.driver_class('storage', 'Local').__name__ == 'LocalStorageDriver'


@pytest.mark.parametrize('kind, name, value', [
    ('compute', 'DIGITAL_OCEAN', 'digitalocean'), ('compute', 'digital_ocean', 'digitalocean'), ('compute', 'EC2', 'ec2'),
    ('compute', 'AuroraCompute', 'aurora_compute'), ('storage', 'S3_US_EAST2', 's3_us_east_2'),
    ('storage', 's3_us_east2', 's3_us_east_2'), ('storage', ' S3_AP_NORTHEAST1 ', 's3_ap_northeast_1'),
])
def test_a_libcloud_provider_constants_name_is_accepted_as_well_as_its_value(kind, name, value):
    assert connection.driver_class(kind, name) is connection.driver_class(kind, value)


def test_a_constant_whose_driver_is_gone_stays_unknown():
    # libcloud keeps the names of removed drivers (EC2_US_EAST: one EC2 driver per region, before `region`).
    with pytest.raises(LibcloudModuleError, match=r"^unknown provider 'EC2_US_EAST'; .*\bec2\b"):
        connection.driver_class('compute', 'EC2_US_EAST')


def test_close_matches_name_each_provider_once_by_its_value():
    with pytest.raises(LibcloudModuleError) as caught:
        connection.driver_class('storage', 's3_us_east_3')
    close = caught.value.message.split('closest valid: ')[1].split(', ')
    assert 's3_us_east_2' in close
    assert 's3_us_east2' not in close and len(close) == len(set(close))


def test_unknown_provider_names_the_closest_valid_ones():
    with pytest.raises(LibcloudModuleError) as caught:
        connection.driver_class('compute', 'ec3')
    message = caught.value.message
    assert message.startswith("unknown provider 'ec3'")
    assert 'ec2' in message
    assert '\n' not in message


def test_unknown_storage_provider_names_the_field():
    with pytest.raises(LibcloudModuleError, match="unknown storage_provider 'S4'.*s3"):
        connection.driver_class('storage', 'S4')


@pytest.mark.parametrize('missing', ['provider', 'key'])
def test_missing_field_says_where_it_may_come_from(missing):
    conn = {'provider': 'dummy', 'key': 'k'}
    del conn[missing]
    with pytest.raises(LibcloudModuleError) as caught:
        connection.build_driver(conn, 'compute')
    message = caught.value.message
    assert 'no %s given' % missing in message
    assert connection.ENV_VARS[missing] in message
    assert 'cloud entry' in message


def test_build_driver_drops_arguments_a_driver_cannot_take():
    # libcloud's dummy compute driver takes only `creds`: region, timeout etc. must not be passed.
    driver = connection.build_driver({'provider': 'dummy', 'key': 'k', 'region': 'r1', 'secure': False}, 'compute')
    assert driver.list_nodes()


def test_build_storage_driver_local(tmp_path):
    driver = connection.build_driver({'storage_provider': 'local', 'key': str(tmp_path)}, 'storage')
    assert driver.create_container('b1').name == 'b1'
    assert (tmp_path / 'b1').is_dir()


def test_s3_outside_us_east_1_gets_its_location_constraint():
    driver = connection.build_driver({'storage_provider': 's3', 'key': 'k', 'secret': 's', 'region': 'eu-west-1'}, 'storage')
    assert driver.ex_location_name == 'eu-west-1'


def test_argument_spec_marks_secrets_no_log_and_reads_the_environment():
    spec = connection.connection_argument_spec()
    assert spec['key']['no_log'] and spec['secret']['no_log']
    assert not spec['cloud'].get('no_log')
    for field, env_name in connection.ENV_VARS.items():
        assert spec[field]['fallback'][1] == [env_name]


def test_named_entry_lists_names_only_and_copies():
    clouds = {'aws': {'provider': 'ec2', 'secret': 'hunter2'}, 'lab': 'openstack'}
    entry = connection.named_entry('aws', clouds, 'clouds_file')
    entry['region'] = 'x'
    assert 'region' not in clouds['aws']
    with pytest.raises(LibcloudModuleError, match=r"^unknown cloud 'prod'; known clouds in clouds_file: aws, lab$"):
        connection.named_entry('prod', clouds, 'clouds_file')
    with pytest.raises(LibcloudModuleError, match=r"^clouds_file\['lab'\] must be a dict of connection fields$"):
        connection.named_entry('lab', clouds, 'clouds_file')


@pytest.mark.parametrize('field, value', [('port', 'notaport'), ('port', '0'), ('port', '70000'), ('port', True), ('port', 80.5),
                                          ('retries', 'many'), ('retries', '0'), ('retries', '101'), ('timeout', '-1'), ('timeout', 'soon')])
def test_integer_fields_fail_in_one_line_naming_the_field(field, value):
    # Before: int('notaport') escaped the action plugin as "Task failed: invalid literal for int()".
    with pytest.raises(LibcloudModuleError) as caught:
        connection.clean_entry({'provider': 'ec2', field: value})
    message = caught.value.message
    assert message.startswith('cloud entry field %s must be a whole number from ' % field)
    assert '\n' not in message


def test_integer_fields_accept_numbers_and_numeric_text():
    assert connection.clean_entry({'port': '8080', 'retries': 3, 'timeout': ' 45 '}) == {'port': 8080, 'retries': 3, 'timeout': 45}


@pytest.mark.parametrize('conn, seconds', [
    ({}, connection.DEFAULT_TIMEOUT),
    ({'options': {'timeout': 7}}, 7),
    ({'timeout': 5, 'options': {'timeout': 7}}, 5),
])
def test_request_timeout_field_wins_over_options(conn, seconds):
    assert connection.request_timeout(conn) == seconds


def test_deadline_covers_every_attempt_of_one_request():
    assert connection.deadline_seconds({'retries': 3, 'timeout': 5}) == 15
    assert connection.deadline_seconds({}) == 10 * connection.DEFAULT_TIMEOUT


def test_every_driver_gets_the_retry_policy_and_timeout():
    driver = connection.build_driver({'provider': 'ec2', 'key': 'k', 'secret': 's', 'region': 'us-east-1', 'retries': 4, 'timeout': 9,
                                      'options': {'timeout': 60}})
    assert driver.connection.retry_policy.attempts == 4
    assert driver.connection.timeout == 9
    storage = connection.build_driver({'storage_provider': 's3', 'key': 'k', 'secret': 's'}, 'storage')
    assert storage.connection.retry_policy.attempts == 10
