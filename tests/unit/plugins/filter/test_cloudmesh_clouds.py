# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cloudmesh_clouds filter and its mapping (plugins/plugin_utils/cloudmesh_yaml.py), the inventory's clouds_file
reading a cloudmesh.yaml, and the action plugin's default cloud (libcloud_default_cloud).

A real playbook and inventory on the local cloud are in tests/integration/test_cloudmesh_yaml.py.
"""

from __future__ import annotations

import pytest
import yaml

from ansible.errors import AnsibleFilterError
from ansible.parsing.vault import EncryptedString, VaultLib, VaultSecret, VaultSecretsContext

from ansible_collections.cloudmesh.libcloud.plugins.filter import cloudmesh_clouds as filter_module
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.connection import clean_entry
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError
from ansible_collections.cloudmesh.libcloud.plugins.plugin_utils import action
from ansible_collections.cloudmesh.libcloud.plugins.plugin_utils import cloudmesh_yaml as cm
from ansible_collections.cloudmesh.libcloud.plugins.plugin_utils import inventory as inv

# The seed program cm.py's file, verbatim.
SEED = yaml.safe_load('''
cloudmesh:
  default:
    cloud: azure
  cloud:
    azure:
      kind: azure
      credentials:
        AZURE_SUBSCRIPTION_ID: 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx'
        AZURE_MANAGEMENT_CERT_PATH: 'C:/Demo/azure_cert.pem'
    aws:
      kind: aws
      credentials:
        EC2_ACCESS_ID: 'your access id'
        EC2_SECRET_KEY: 'your secret key'
''')

KEY = 'AKIDCLOUDMESHUNIT'
SECRET = 'cloudmesh-unit-secret-DO-NOT-USE'
PASSWORD = 'cloudmesh-unit-password-DO-NOT-USE'


def aws(**fields):
    return dict({'kind': 'aws', 'credentials': {'EC2_ACCESS_ID': KEY, 'EC2_SECRET_KEY': SECRET}}, **fields)


def openstack(auth_url='https://keystone.example.org:5000/v3', **credentials):
    given = {'OS_AUTH_URL': auth_url, 'OS_USERNAME': 'demo', 'OS_PASSWORD': PASSWORD, 'OS_PROJECT_NAME': 'lab'}
    given.update(credentials)
    return {'kind': 'openstack', 'credentials': dict((name, value) for name, value in given.items() if value is not None)}


def mapped(cloud, name='c'):
    return cm.cloudmesh_clouds({'cloudmesh': {'cloud': {name: cloud}}})[name]


def failure(data):
    with pytest.raises(LibcloudModuleError) as caught:
        cm.cloudmesh_clouds(data)
    message = caught.value.message
    assert '\n' not in message
    for value in (KEY, SECRET, PASSWORD):
        assert value not in message
    return message


# --- the seed's file ----------------------------------------------------------------------------------------

def test_the_seed_file_as_it_is():
    assert cm.cloudmesh_clouds(SEED) == {
        'azure': {'provider': 'azure', 'key': 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx', 'secret': 'C:/Demo/azure_cert.pem'},
        'aws': {'provider': 'ec2', 'storage_provider': 's3', 'key': 'your access id', 'secret': 'your secret key'},
    }


def test_the_whole_document_or_its_cloudmesh_key():
    assert cm.cloudmesh_clouds(SEED['cloudmesh']) == cm.cloudmesh_clouds(SEED)


def test_every_entry_is_a_valid_cloud_entry():
    for entry in cm.cloudmesh_clouds(dict(SEED['cloudmesh'], cloud=dict(SEED['cloudmesh']['cloud'], lab=openstack()))).values():
        assert clean_entry(entry) == entry


def test_the_default_is_not_part_of_the_result():
    assert 'default' not in cm.cloudmesh_clouds(SEED)
    assert cm.cloudmesh_clouds({'cloudmesh': {'default': {'cloud': 'aws'}, 'cloud': None}}) == {}


def test_other_top_level_keys_of_cloudmesh_are_ignored():
    assert cm.cloudmesh_clouds({'cloudmesh': {'profile': {'user': 'me'}, 'version': 4, 'cloud': {'a': aws()}}}) == {'a': mapped(aws())}


def test_kind_is_case_insensitive():
    assert mapped(aws(kind='AWS')) == mapped(aws())


# --- openstack ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('auth_url, named, url, version', [
    ('https://keystone.example.org:5000/v3', None, 'https://keystone.example.org:5000', '3.x_password'),
    ('https://keystone.example.org:5000/v3/', None, 'https://keystone.example.org:5000', '3.x_password'),
    ('http://127.0.0.1:8900/identity/v2.0', None, 'http://127.0.0.1:8900/identity', '2.0_password'),
    ('http://127.0.0.1:8900/identity/v2.0/', '2', 'http://127.0.0.1:8900/identity', '2.0_password'),
    ('https://keystone.example.org:5000', None, 'https://keystone.example.org:5000', '3.x_password'),
    ('https://keystone.example.org:5000/', '2.0', 'https://keystone.example.org:5000', '2.0_password'),
    ('https://keystone.example.org/identity', 'v3', 'https://keystone.example.org/identity', '3.x_password'),
])
def test_openstack_auth_url_and_version(auth_url, named, url, version):
    entry = mapped(openstack(auth_url, OS_IDENTITY_API_VERSION=named))
    assert entry['options']['ex_force_auth_url'] == url
    assert entry['options']['ex_force_auth_version'] == version


def test_openstack_entry():
    entry = mapped(openstack(OS_REGION_NAME='RegionOne', OS_USER_DOMAIN_NAME='Users', OS_PROJECT_DOMAIN_ID='default'))
    assert entry == {
        'provider': 'openstack', 'storage_provider': 'openstack_swift', 'key': 'demo', 'secret': PASSWORD,
        'options': {'ex_force_auth_url': 'https://keystone.example.org:5000', 'ex_force_auth_version': '3.x_password',
                    'ex_tenant_name': 'lab', 'ex_force_service_region': 'RegionOne', 'ex_domain_name': 'Users',
                    'ex_tenant_domain_id': 'default'},
    }


def test_openstack_tenant_or_project_name():
    assert mapped(openstack(OS_PROJECT_NAME=None, OS_TENANT_NAME='old'))['options']['ex_tenant_name'] == 'old'
    assert mapped(openstack(OS_TENANT_NAME='lab'))['options']['ex_tenant_name'] == 'lab'


@pytest.mark.parametrize('cloud, message', [
    (openstack(OS_TENANT_NAME='other'), 'cloudmesh.cloud.c: OS_TENANT_NAME and OS_PROJECT_NAME differ; give one of them'),
    (openstack(OS_PROJECT_NAME=None), 'cloudmesh.cloud.c: kind openstack needs OS_PROJECT_NAME (or OS_TENANT_NAME)'),
    (openstack('keystone.example.org:5000/v3'), 'cloudmesh.cloud.c: OS_AUTH_URL must be an http or https URL'),
    (openstack(OS_IDENTITY_API_VERSION='4'), 'cloudmesh.cloud.c: OS_IDENTITY_API_VERSION must be one of 2, 2.0, 3'),
    (openstack(OS_IDENTITY_API_VERSION='2'), 'cloudmesh.cloud.c: OS_IDENTITY_API_VERSION and the version ending OS_AUTH_URL differ'),
    (openstack(OS_PASSWORD=None), 'cloudmesh.cloud.c.credentials: missing OS_PASSWORD; kind openstack needs OS_AUTH_URL, OS_USERNAME, OS_PASSWORD'),
])
def test_openstack_mistakes(cloud, message):
    assert failure({'cloud': {'c': cloud}}) == message


# --- libcloud: overrides ----------------------------------------------------------------------------------------

def test_libcloud_fields_win_and_options_merge_key_by_key():
    entry = mapped(aws(libcloud={'host': '127.0.0.1', 'port': '5000', 'secure': 'false', 'region': 'eu-west-1', 'retries': 3,
                                 'timeout': '20', 'options': {'timeout': 5}}))
    assert entry == {'provider': 'ec2', 'storage_provider': 's3', 'key': KEY, 'secret': SECRET, 'host': '127.0.0.1', 'port': 5000,
                     'secure': False, 'region': 'eu-west-1', 'retries': 3, 'timeout': 20,
                     'options': {'timeout': 5}}


def test_libcloud_option_given_wins_and_null_removes():
    assert mapped(openstack(OS_REGION_NAME='ORD', libcloud=None)) == mapped(openstack(OS_REGION_NAME='ORD'))
    entry = mapped(dict(openstack(OS_REGION_NAME='ORD'), libcloud={
        'storage_provider': None, 'options': {'ex_force_service_region': None, 'ex_force_auth_version': '2.0_password',
                                              'ex_force_service_name': 'cloudServersOpenStack'}}))
    assert 'storage_provider' not in entry
    assert entry['options'] == {'ex_force_auth_url': 'https://keystone.example.org:5000', 'ex_force_auth_version': '2.0_password',
                                'ex_tenant_name': 'lab', 'ex_force_service_name': 'cloudServersOpenStack'}


def test_libcloud_options_as_json_text():
    assert mapped(aws(libcloud={'options': '{"signature_version": "2"}'}))['options'] == {'signature_version': '2'}


@pytest.mark.parametrize('overrides, message', [
    ({'key': 'x'}, 'cloudmesh.cloud.c.libcloud: unknown field(s) key; accepted: provider, storage_provider, region, host, port, secure, '
                   'options, retries, timeout'),
    ({'port': 'http'}, "cloudmesh.cloud.c.libcloud.port must be a whole number from 1 to 65535, got 'http'"),
    ({'secure': 'perhaps'}, "cloudmesh.cloud.c.libcloud.secure must be a boolean, got 'perhaps'"),
    ({'options': ['a']}, 'cloudmesh.cloud.c.libcloud.options must be a dict or a JSON object'),
    ({'host': ['a']}, 'cloudmesh.cloud.c.libcloud.host must be a string, got list'),
    ('host=x', 'cloudmesh.cloud.c.libcloud must be a dict of connection fields, got str'),
])
def test_libcloud_mistakes(overrides, message):
    assert failure({'cloud': {'c': aws(libcloud=overrides)}}) == message


# --- mistakes: one line, names only ---------------------------------------------------------------------------

@pytest.mark.parametrize('data, message', [
    (['aws'], 'a cloudmesh.yaml must be a dict (the whole document or its key cloudmesh), got list'),
    ({'cloudmesh': 'x'}, 'cloudmesh must be a dict holding cloud, got str'),
    ({'clouds': {}}, 'not a cloudmesh.yaml: no cloudmesh.cloud (the dict of named clouds) found'),
    ({'cloud': ['aws']}, 'cloudmesh.cloud must be a dict of named clouds, got list'),
    ({'cloud': {'c': 'aws'}}, 'cloudmesh.cloud.c must be a dict with kind and credentials, got str'),
    ({'cloud': {'c': aws(kind='gce')}}, "cloudmesh.cloud.c: unknown kind 'gce'; accepted kinds: aws, azure, openstack"),
    ({'cloud': {'c': aws(kind=None)}}, 'cloudmesh.cloud.c: unknown kind none; accepted kinds: aws, azure, openstack'),
    ({'cloud': {'c': aws(kind=['aws'])}}, 'cloudmesh.cloud.c: unknown kind a list; accepted kinds: aws, azure, openstack'),
    ({'cloud': {'c': aws(cm={'active': True}, default={'image': 'x'})}},
     'cloudmesh.cloud.c: unknown field(s) cm, default; accepted: kind, credentials, libcloud'),
    ({'cloud': {'c': aws(credentials={'EC2_ACCESS_ID': KEY, 'EC2_SECRET': SECRET})}},
     'cloudmesh.cloud.c.credentials: unknown field(s) EC2_SECRET; accepted for kind aws: EC2_ACCESS_ID, EC2_SECRET_KEY'),
    ({'cloud': {'c': aws(credentials={'EC2_ACCESS_ID': KEY, 'EC2_SECRET_KEY': ''})}},
     'cloudmesh.cloud.c.credentials: missing EC2_SECRET_KEY; kind aws needs EC2_ACCESS_ID, EC2_SECRET_KEY'),
    ({'cloud': {'c': aws(credentials=None)}},
     'cloudmesh.cloud.c.credentials: missing EC2_ACCESS_ID, EC2_SECRET_KEY; kind aws needs EC2_ACCESS_ID, EC2_SECRET_KEY'),
    ({'cloud': {'c': aws(credentials=[KEY, SECRET])}}, 'cloudmesh.cloud.c.credentials must be a dict, got list'),
    ({'cloud': {'c': aws(credentials={'EC2_ACCESS_ID': KEY, 'EC2_SECRET_KEY': [SECRET]})}},
     'cloudmesh.cloud.c.credentials.EC2_SECRET_KEY must be a string, got list'),
    ({'cloud': {'c': {'kind': 'azure', 'credentials': {'AZURE_SUBSCRIPTION_ID': KEY, 'AZURE_CERT': SECRET}}}},
     'cloudmesh.cloud.c.credentials: unknown field(s) AZURE_CERT; accepted for kind azure: AZURE_SUBSCRIPTION_ID, AZURE_MANAGEMENT_CERT_PATH'),
    ({'cloud': {'c': openstack(OS_TOKEN=SECRET)}},
     'cloudmesh.cloud.c.credentials: unknown field(s) OS_TOKEN; accepted for kind openstack: OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, '
     'OS_TENANT_NAME, OS_PROJECT_NAME, OS_REGION_NAME, OS_IDENTITY_API_VERSION, OS_USER_DOMAIN_NAME, OS_PROJECT_DOMAIN_ID'),
])
def test_mistakes_fail_in_one_line_naming_fields_never_values(data, message):
    assert failure(data) == message


# --- vaulted values -------------------------------------------------------------------------------------------

def test_inline_vault_values_pass_through_encrypted(monkeypatch):
    secret = VaultSecret(b'unit-vault-password')
    monkeypatch.setattr(VaultSecretsContext, '_current', VaultSecretsContext([('default', secret)]))
    vault = VaultLib([('default', secret)])
    vaulted_secret = EncryptedString(ciphertext=vault.encrypt(SECRET).decode())
    vaulted_url = EncryptedString(ciphertext=vault.encrypt('http://127.0.0.1:1/v2.0').decode())
    entry = mapped(aws(credentials={'EC2_ACCESS_ID': KEY, 'EC2_SECRET_KEY': vaulted_secret}))
    assert entry['secret'] is vaulted_secret
    # The action plugin and the inventory decrypt it where the driver is built.
    assert clean_entry(entry)['secret'] == SECRET
    entry = mapped(openstack(vaulted_url, OS_PASSWORD=vaulted_secret))
    assert entry['options']['ex_force_auth_url'] == 'http://127.0.0.1:1'
    assert entry['secret'] is vaulted_secret
    with pytest.raises(LibcloudModuleError) as caught:
        mapped(aws(credentials={'EC2_ACCESS_ID': KEY, 'EC2_SECRET_KEY': EncryptedString(ciphertext=vault.encrypt('').decode())}))
    assert caught.value.message.endswith('missing EC2_SECRET_KEY; kind aws needs EC2_ACCESS_ID, EC2_SECRET_KEY')


# --- the filter plugin ------------------------------------------------------------------------------------------

def test_filter_plugin_maps_and_fails_with_one_line_and_no_cause():
    convert = filter_module.FilterModule().filters()['cloudmesh_clouds']
    assert convert(SEED) == cm.cloudmesh_clouds(SEED)
    with pytest.raises(AnsibleFilterError) as caught:
        convert({'cloudmesh': {'cloud': {'c': aws(kind='gce')}}})
    assert caught.value.message == "cloudmesh.cloud.c: unknown kind 'gce'; accepted kinds: aws, azure, openstack"
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_filter_docs_name_every_kind_and_credential():
    docs = yaml.safe_load(filter_module.DOCUMENTATION)
    assert docs['name'] == 'cloudmesh_clouds'
    assert set(docs['options']) == {'_input'}
    text = ' '.join(filter_module.DOCUMENTATION.split())
    for kind in cm.KINDS.values():
        assert 'kind: %s' % kind.name in text
        for name in kind.accepted:
            assert 'C(%s)' % name in text, name
    for field in cm.OVERRIDE_FIELDS:
        assert 'C(%s)' % field in text, field
    yaml.safe_load(filter_module.EXAMPLES)
    assert set(yaml.safe_load(filter_module.RETURN)) == {'_value'}


# --- the inventory's clouds_file --------------------------------------------------------------------------------

def test_clouds_file_may_be_a_cloudmesh_yaml():
    assert inv.load_file_clouds(SEED, 'cloudmesh.yaml') == cm.cloudmesh_clouds(SEED)
    # libcloud_clouds wins in a file that holds both
    assert inv.load_file_clouds(dict(SEED, libcloud_clouds={'a': {}}), 'f.yml') == {'a': {}}


def test_clouds_file_cloudmesh_mistake_names_the_file():
    with pytest.raises(LibcloudModuleError) as caught:
        inv.load_file_clouds({'cloudmesh': {'cloud': {'c': aws(kind='gce')}}}, 'cm.yaml')
    assert caught.value.message == "clouds_file cm.yaml: cloudmesh.cloud.c: unknown kind 'gce'; accepted kinds: aws, azure, openstack"


def test_without_clouds_the_inventory_lists_every_cloudmesh_entry():
    tasks = inv.entries_to_tasks(None, inv.load_file_clouds(SEED, 'cloudmesh.yaml'), environ={})
    assert [(task.cloud, task.provider) for task in tasks] == [('azure', 'azure'), ('aws', 'ec2')]


# --- the default cloud (plugins/plugin_utils/action.py) -----------------------------------------------------------

CLOUDS = {'aws': {'provider': 'ec2', 'key': KEY, 'secret': SECRET}, 'azure': {'provider': 'azure'}}


@pytest.mark.parametrize('args, own', [
    ({}, False),
    ({'name': 'web', 'region': 'eu-west-1', 'secure': False, 'options': {'a': 1}, 'retries': 2, 'timeout': 5}, False),
    ({'cloud': 'aws'}, True),
    ({'cloud': {'provider': 'ec2'}}, True),
    ({'provider': 'ec2'}, True),
    ({'storage_provider': 's3'}, True),
    ({'key': KEY}, True),
    ({'secret': SECRET}, True),
    ({'host': 'h'}, True),
    ({'port': 1}, True),
])
def test_which_tasks_name_their_own_cloud(args, own):
    assert action.names_own_cloud(args) is own


def test_default_cloud_name():
    assert action.default_cloud_name('aws') == 'aws'
    assert action.default_cloud_name(None) is None
    assert action.default_cloud_name('') is None
    with pytest.raises(LibcloudModuleError) as caught:
        action.default_cloud_name(['aws'])
    assert caught.value.message == 'libcloud_default_cloud must be the name of an entry in libcloud_clouds, got list'


def test_unknown_default_cloud_lists_names_only():
    assert action.find_cloud_entry('aws', CLOUDS, action.DEFAULT_CLOUD_VARIABLE) == CLOUDS['aws']
    with pytest.raises(LibcloudModuleError) as caught:
        action.find_cloud_entry('gce', CLOUDS, action.DEFAULT_CLOUD_VARIABLE)
    message = caught.value.message
    assert message == "unknown cloud 'gce' (named by libcloud_default_cloud); known clouds in libcloud_clouds: aws, azure"
    assert KEY not in message and SECRET not in message
    with pytest.raises(LibcloudModuleError, match=r"unknown cloud 'gce' \(named by libcloud_default_cloud\): the variable libcloud_clouds"):
        action.find_cloud_entry('gce', None, action.DEFAULT_CLOUD_VARIABLE)
