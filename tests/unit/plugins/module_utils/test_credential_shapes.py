# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every credential shape of docs/providers.md builds its libcloud driver from a vaulted cloud entry, offline.

Each entry is written as in a clouds file (YAML, credentials ``!vault``), resolved as the action plugin resolves
``cloud: NAME`` (find_cloud_entry, merge_cloud_entry) and built by connection.build_driver, while opening any
socket fails the test. Nothing of libcloud is mocked: the assertions read what the real driver holds.

Two kinds of driver reach the network while being built, and their tests show how far they get:
Azure Resource Manager logs in to Azure AD (no constructor argument avoids it); Google's drivers fetch an OAuth
token unless libcloud's token cache holds a fresh one, which the tests put in a temporary HOME.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import stat
import tempfile

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ansible.parsing.dataloader import DataLoader
from ansible.parsing.vault import VaultLib, VaultSecret, VaultSecretsContext

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.connection import (
    CONNECTION_FIELDS,
    build_driver,
    merge_cloud_entry,
    secret_values,
)
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError, describe_exception
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers import secret_files
from ansible_collections.cloudmesh.libcloud.plugins.plugin_utils.action import find_cloud_entry

KEY = 'shape-key-DO-NOT-USE'
SECRET = 'shape-secret-DO-NOT-USE'
CLIENT_EMAIL = 'robot@my-project.iam.gserviceaccount.com'
PEM_CERTIFICATE = '-----BEGIN CERTIFICATE-----\nMIIBshapeDONOTUSE\n-----END CERTIFICATE-----\n'


@pytest.fixture(autouse=True)
def network_attempts(monkeypatch):
    """Every attempt to reach a host (name lookups and connects), each refused."""
    attempts = []

    def refuse(*args):
        attempts.append(args)
        raise OSError('a credential shape test tried the network: %r' % (args,))

    monkeypatch.setattr(socket, 'getaddrinfo', lambda host, port, *rest, **kwargs: refuse(host, port))
    monkeypatch.setattr(socket.socket, 'connect', lambda self, address: refuse(*address))
    return attempts


@pytest.fixture(autouse=True)
def private_tmp(tmp_path, monkeypatch):
    """The folder where credential files would be written (tempfile's default), empty at the start."""
    folder = tmp_path / 'tmp'
    folder.mkdir()
    monkeypatch.setattr(tempfile, 'tempdir', str(folder))
    yield folder
    secret_files.remove_all()


@pytest.fixture
def vault(monkeypatch):
    """``vault(text)``: ``text`` as a ``!vault`` block for a field of a cloud entry."""
    password = VaultSecret(b'shape-vault-password')
    monkeypatch.setattr(VaultSecretsContext, '_current', VaultSecretsContext([('default', password)]))
    vault_lib = VaultLib([('default', password)])

    def block(text):
        lines = vault_lib.encrypt(text).decode().splitlines()
        return '!vault |\n' + ''.join('      %s\n' % line for line in lines)
    return block


def driver_from(clouds_yaml, name, kind='compute'):
    """The driver of entry ``name`` of a clouds file's ``libcloud_clouds``, resolved as a module gets it."""
    clouds = DataLoader().load(clouds_yaml)['libcloud_clouds']
    conn = merge_cloud_entry(dict.fromkeys(CONNECTION_FIELDS), find_cloud_entry(name, clouds))
    return build_driver(conn, kind)


def clouds_file(entries):
    return 'libcloud_clouds:\n' + entries


@pytest.fixture(scope='module')
def service_account():
    """A Google service account key file's JSON (a real RSA key: libcloud checks it)."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return json.dumps({'type': 'service_account', 'project_id': 'my-project', 'client_email': CLIENT_EMAIL,
                       'private_key': pem.decode()})


# --- AWS ------------------------------------------------------------------------------------------------------

def test_ec2(vault):
    driver = driver_from(clouds_file('''
  aws:
    provider: ec2
    key: %s
    secret: %s
    region: eu-west-1
''' % (vault(KEY), vault(SECRET))), 'aws')
    assert type(driver).__name__ == 'EC2NodeDriver'
    assert (driver.key, driver.secret, driver.region_name, driver.signature_version) == (KEY, SECRET, 'eu-west-1', '4')
    assert driver.connection.host == 'ec2.eu-west-1.amazonaws.com'


@pytest.mark.parametrize('storage_provider, region, driver_class, host', [
    ('s3', 'eu-central-1', 'S3StorageDriver', 's3-eu-central-1.amazonaws.com'),
    ('s3_us_east_2', None, 'S3USEast2StorageDriver', 's3-us-east-2.amazonaws.com'),
    # The seed names it by libcloud's constant, Provider.S3_US_EAST2 (value s3_us_east_2).
    ('S3_US_EAST2', None, 'S3USEast2StorageDriver', 's3-us-east-2.amazonaws.com'),
    ('s3_us_east2', None, 'S3USEast2StorageDriver', 's3-us-east-2.amazonaws.com'),
])
def test_s3_and_a_regional_s3_provider(vault, storage_provider, region, driver_class, host):
    driver = driver_from(clouds_file('''
  bucket:
    storage_provider: %s
    key: %s
    secret: %s
''' % (storage_provider, vault(KEY), vault(SECRET)) + ('    region: %s\n' % region if region else '')), 'bucket', 'storage')
    assert type(driver).__name__ == driver_class
    assert (driver.key, driver.secret, driver.connection.host) == (KEY, SECRET, host)
    # The bucket's location constraint: the regional class's own, or the region's.
    assert driver.ex_location_name == (region or 'us-east-2')


# --- Azure ----------------------------------------------------------------------------------------------------

def test_azure_classic_with_the_certificate_file(vault, tmp_path, private_tmp):
    certificate = tmp_path / 'management.pem'
    certificate.write_text(PEM_CERTIFICATE)
    driver = driver_from(clouds_file('''
  azure:
    provider: azure
    key: %s
    secret: %s
''' % (vault(KEY), vault(str(certificate)))), 'azure')
    assert type(driver).__name__ == 'AzureNodeDriver' and type(driver).__module__ == 'libcloud.compute.drivers.azure'
    assert (driver.subscription_id, driver.key_file, driver.connection.keyfile) == (KEY, str(certificate), str(certificate))
    assert list(private_tmp.iterdir()) == []  # the user's own file, used where it is
    secret_files.remove_all()
    assert certificate.read_text() == PEM_CERTIFICATE  # and never removed


def test_azure_classic_with_vaulted_certificate_contents(vault, private_tmp):
    driver = driver_from(clouds_file('''
  azure:
    provider: azure
    key: %s
    secret: %s
''' % (vault(KEY), vault(PEM_CERTIFICATE))), 'azure')
    written = os.path.join(str(private_tmp), os.path.basename(driver.key_file))
    assert (driver.subscription_id, driver.key_file, driver.connection.keyfile) == (KEY, written, written)
    assert stat.S_IMODE(os.stat(written).st_mode) == 0o600
    with open(written) as stream:
        assert stream.read() == PEM_CERTIFICATE
    secret_files.remove_all()
    assert list(private_tmp.iterdir()) == []


def test_azure_arm_logs_in_while_it_is_built(vault, network_attempts):
    """No constructor argument avoids it: AzureResourceManagementConnection.connect() posts the application id
    and secret to Azure AD (port 443 of cloud_environment's activeDirectoryEndpointUrl) for a token."""
    entry = clouds_file('''
  azure-arm:
    provider: azure_arm
    key: %s
    secret: %s
    region: westeurope
    options:
      tenant_id: my-tenant-id
      subscription_id: my-subscription-id
''' % (vault(KEY), vault(SECRET)))
    with pytest.raises(Exception) as caught:
        driver_from(entry, 'azure-arm')
    assert [attempt[:2] for attempt in network_attempts] == [('login.microsoftonline.com', 443)]
    message = describe_exception(caught.value, secret_values({'key': KEY, 'secret': SECRET}))
    assert "host='login.microsoftonline.com'" in message and '/my-tenant-id/oauth2/token' in message
    assert SECRET not in message and KEY not in message


def test_azure_arm_names_the_options_it_lacks():
    with pytest.raises(LibcloudModuleError, match='provider azure_arm needs options.tenant_id and options.subscription_id'):
        build_driver({'provider': 'azure_arm', 'key': KEY, 'secret': SECRET})


def test_azure_blobs_and_azurite(vault):
    account_key = base64.b64encode(b'shape-account-key-DO-NOT-USE').decode()
    entries = clouds_file('''
  blobs:
    storage_provider: azure_blobs
    key: %s
    secret: %s
  azurite:
    storage_provider: azure_blobs
    key: devstoreaccount1
    secret: %s
    host: 127.0.0.1
    port: 10000
    secure: false
''' % (vault('shapeaccount'), vault(account_key), vault(account_key)))
    driver = driver_from(entries, 'blobs', 'storage')
    assert type(driver).__name__ == 'AzureBlobsStorageDriver'
    assert (driver.key, driver.secret, driver.connection.host) == ('shapeaccount', b'shape-account-key-DO-NOT-USE', 'shapeaccount.blob.core.windows.net')
    local = driver_from(entries, 'azurite', 'storage')
    assert (local.connection.host, local.connection.port, local.connection.secure) == ('127.0.0.1', 10000, False)


# --- OpenStack ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('auth_version, more_options, identity_class, identity', [
    ('2.0_password', '', 'OpenStackIdentity_2_0_Connection', {'tenant_name': 'lab'}),
    ('3.x_password', '      ex_domain_name: Default\n      ex_tenant_domain_id: default\n', 'OpenStackIdentity_3_0_Connection',
     {'tenant_name': 'lab', 'domain_name': 'Default', 'tenant_domain_id': 'default'}),
])
def test_openstack_keystone_password(vault, auth_version, more_options, identity_class, identity):
    driver = driver_from(clouds_file('''
  openstack:
    provider: openstack
    key: %s
    secret: %s
    options:
      ex_force_auth_url: https://keystone.example.org:5000
      ex_force_auth_version: %s
      ex_tenant_name: lab
''' % (vault(KEY), vault(SECRET), auth_version) + more_options), 'openstack')
    assert type(driver).__name__ == 'OpenStack_1_1_NodeDriver'
    # The Keystone client the driver logs in with at its first request (built here without a request).
    auth = driver.connection.get_auth_class()
    assert type(auth).__name__ == identity_class
    assert (auth.user_id, auth.key, auth.auth_url) == (KEY, SECRET, 'https://keystone.example.org:5000')
    assert dict((name, getattr(auth, name)) for name in identity) == identity


@pytest.mark.parametrize('options, auth_version', [
    ('      ex_force_auth_url: https://keystone.example.org:5000\n      ex_force_auth_version: 3.x_password\n'
     '      ex_tenant_name: lab\n      ex_domain_name: Default\n', '3.x_password'),
    ('      ex_force_auth_url: http://127.0.0.1:8080/auth/v1.0\n      ex_force_auth_version: "1.0"\n'
     '      ex_force_base_url: http://127.0.0.1:8080/v1/AUTH_test\n', '1.0'),
])
def test_swift(vault, options, auth_version):
    driver = driver_from(clouds_file('''
  swift:
    storage_provider: openstack_swift
    key: %s
    secret: %s
    region: RegionOne
    options:
''' % (vault(KEY), vault(SECRET)) + options), 'swift', 'storage')
    assert type(driver).__name__ == 'OpenStackSwiftStorageDriver'
    assert (driver.key, driver.secret, driver.region) == (KEY, SECRET, 'RegionOne')
    assert driver.connection._ex_force_service_region == 'RegionOne'  # pylint: disable=protected-access
    assert driver.connection.get_auth_class().user_id == KEY


# --- Google ---------------------------------------------------------------------------------------------------

@pytest.fixture
def google_token_cache(tmp_path, monkeypatch):
    """libcloud's OAuth token cache in a temporary HOME, holding a fresh token for ``name``: a Google driver built
    with it asks Google for nothing."""
    monkeypatch.setenv('HOME', str(tmp_path))

    def fill(name):
        token = {'access_token': 'shape-token-DO-NOT-USE', 'token_type': 'Bearer', 'expire_time': '2099-01-01T00:00:00Z'}
        (tmp_path / ('.google_libcloud_auth.%s' % name)).write_text(json.dumps(token))
    return fill


@pytest.mark.parametrize('as_file', [False, True], ids=['vaulted-contents', 'key-file'])
@pytest.mark.parametrize('kind, field, provider, driver_class, cache_name', [
    ('compute', 'provider', 'gce', 'GCENodeDriver', 'my-project'),
    ('storage', 'storage_provider', 'google_storage', 'GoogleStorageDriver', CLIENT_EMAIL),
])
def test_google_service_account(vault, tmp_path, private_tmp, google_token_cache, service_account, as_file,
                                kind, field, provider, driver_class, cache_name):
    google_token_cache(cache_name)
    secret = service_account
    if as_file:
        secret = str(tmp_path / 'service-account.json')
        with open(secret, 'w') as stream:
            stream.write(service_account)
    driver = driver_from(clouds_file('''
  google:
    %s: %s
    key: %s
    secret: %s
    options:
      project: my-project
''' % (field, provider, CLIENT_EMAIL, vault(secret))), 'google', kind)
    assert type(driver).__name__ == driver_class
    assert (driver.key, driver.secret, driver.project) == (CLIENT_EMAIL, secret, 'my-project')
    credential = driver.connection.oauth2_credential
    assert (credential.auth_type, credential.user_id, credential.access_token) == ('SA', CLIENT_EMAIL, 'shape-token-DO-NOT-USE')
    assert list(private_tmp.iterdir()) == []  # libcloud reads a key's contents itself: no file is written


@pytest.mark.parametrize('provider, kind', [('gce', 'compute'), ('google_storage', 'storage')])
def test_google_refuses_a_key_that_would_wait_for_a_typed_login(provider, kind, network_attempts):
    field = 'provider' if kind == 'compute' else 'storage_provider'
    with pytest.raises(LibcloudModuleError, match="needs a service account's client email as key"):
        build_driver({field: provider, 'key': 'someone', 'secret': SECRET, 'options': {'project': 'my-project'}}, kind)
    assert network_attempts == []  # not even the metadata server's probe


# --- local ----------------------------------------------------------------------------------------------------

def test_local_folder(tmp_path):
    folder = tmp_path / 'objects'
    folder.mkdir()
    driver = driver_from(clouds_file('''
  local:
    storage_provider: local
    key: %s
''' % folder), 'local', 'storage')
    assert type(driver).__name__ == 'LocalStorageDriver'
    assert driver.base_path == str(folder)


# --- the entries of docs/providers.md, as written there ---------------------------------------------------------

PROVIDERS_GUIDE = os.path.join(os.path.dirname(__file__), *(['..'] * 4), 'docs', 'providers.md')


def documented_entries():
    """Every cloud entry of the guide's YAML blocks, by name, placeholders (``<...>``) and all."""
    import re

    import yaml

    with open(PROVIDERS_GUIDE) as stream:
        text = stream.read()
    entries = {}
    for block in re.findall(r'```yaml\n(.*?)```', text.split('## Cloud entries', 1)[1], re.S):
        if not block.startswith('libcloud_clouds:'):
            block = 'libcloud_clouds:\n' + block
        entries.update(yaml.safe_load(block)['libcloud_clouds'])
    return entries


def documented(name, vault, **values):
    """The guide's entry ``name`` as a clouds file, each placeholder replaced by ``values`` (by its words, spaces as
    underscores), key, secret and token vaulted; a placeholder without a value fails the test."""
    import re

    import yaml

    def fill(value):
        if isinstance(value, dict):
            return dict((key, fill(item)) for key, item in value.items())
        if isinstance(value, str):
            return re.sub(r'<([^>]+)>', lambda match: values[re.sub(r'\W+', '_', match.group(1).split(',')[0].strip())], value)
        return value
    entry = fill(documented_entries()[name])
    vaulted = dict((field, entry.pop(field)) for field in ('key', 'secret', 'token') if field in entry)
    plain = ''.join('  %s\n' % line for line in yaml.safe_dump({name: entry}, default_flow_style=False).splitlines())
    return clouds_file(plain + ''.join('    %s: %s' % (field, vault(str(value))) for field, value in vaulted.items()))


def test_every_documented_entry_is_tested_here():
    assert sorted(documented_entries()) == ['aws', 'aws-profile', 'azure', 'azure-arm', 'azurite', 'blobs', 'gce', 'local',
                                            'openstack-v2', 'openstack-v3', 'swift']


def test_documented_aws_signs_with_version_4(vault):
    entry = documented('aws', vault, access_key_id=KEY, secret_access_key=SECRET)
    driver = driver_from(entry, 'aws')
    assert (type(driver).__name__, driver.key, driver.secret, driver.region_name, driver.signature_version) == (
        'EC2NodeDriver', KEY, SECRET, 'eu-west-1', '4')
    storage = driver_from(entry, 'aws', 'storage')
    assert (type(storage).__name__, storage.key, storage.ex_location_name) == ('S3StorageDriver', KEY, 'eu-west-1')


def test_documented_aws_profile(vault, tmp_path, monkeypatch):
    credentials = tmp_path / 'credentials'
    credentials.write_text('[lab]\naws_access_key_id = %s\naws_secret_access_key = %s\naws_session_token = shape-token\n' % (KEY, SECRET))
    monkeypatch.setenv('AWS_SHARED_CREDENTIALS_FILE', str(credentials))
    driver = driver_from(documented('aws-profile', vault, profile_name='lab'), 'aws-profile')
    assert (driver.key, driver.secret, driver.token, driver.region_name, driver.signature_version) == (KEY, SECRET, 'shape-token', 'eu-west-1', '4')


@pytest.mark.parametrize('name', ['openstack-v2', 'openstack-v3'])
def test_documented_openstack_region_is_the_catalog_region(vault, name):
    entry = documented(name, vault, user_name=KEY, password=SECRET, tenant='lab', project_name='lab', service_region='DFW',
                       compute_service_name='nova', user_domain_name='Default', project_domain_id='default')
    driver = driver_from(entry, name)
    assert driver.connection._ex_force_service_region == 'DFW'  # pylint: disable=protected-access
    assert driver.connection.get_auth_class().user_id == KEY


def test_openstack_region_and_a_different_service_region_option_disagree():
    with pytest.raises(LibcloudModuleError, match=r"^region 'DFW' and options.ex_force_service_region 'ORD' disagree: give one of them$"):
        build_driver({'provider': 'openstack', 'key': KEY, 'secret': SECRET, 'region': 'DFW',
                      'options': {'ex_force_auth_url': 'http://127.0.0.1:1', 'ex_force_auth_version': '2.0_password',
                                  'ex_force_service_region': 'ORD'}})


def test_documented_gce_zone_and_project(vault, google_token_cache, service_account, network_attempts):
    """libcloud looks the zone (its datacenter) up while it builds the GCE driver: that lookup, in the project, is the
    one request it tries."""
    google_token_cache('my-project')
    entry = documented('gce', vault, client_email='robot', project='my-project', project_id='my-project', zone='europe-west1-b',
                       path_of_the_JSON_key_file=service_account)
    with pytest.raises(Exception) as caught:
        driver_from(entry, 'gce')
    assert [attempt[:2] for attempt in network_attempts] == [('www.googleapis.com', 443)]
    assert '/compute/v1/projects/my-project/zones' in describe_exception(caught.value, [SECRET])
    # Without the zone, the same entry builds offline.
    driver = driver_from(entry.replace('region: europe-west1-b', ''), 'gce')
    assert (type(driver).__name__, driver.key, driver.project, driver.zone) == ('GCENodeDriver', CLIENT_EMAIL, 'my-project', None)


def test_gce_without_a_project_names_the_option():
    with pytest.raises(LibcloudModuleError, match=r'^provider gce needs options.project: the id of the Google Cloud project$'):
        build_driver({'provider': 'gce', 'key': CLIENT_EMAIL, 'secret': SECRET})


def test_documented_azure_arm_logs_in_to_the_tenant_as_the_application(vault, network_attempts):
    entry = documented('azure-arm', vault, application_client_id=KEY, client_secret=SECRET, tenant_id='my-tenant-id',
                       subscription_id='my-subscription-id')
    with pytest.raises(Exception) as caught:
        driver_from(entry, 'azure-arm')
    assert [attempt[:2] for attempt in network_attempts] == [('login.microsoftonline.com', 443)]
    assert '/my-tenant-id/oauth2/token' in describe_exception(caught.value, [KEY, SECRET])
