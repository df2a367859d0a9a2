# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The provider adapters (plugins/module_utils/providers/): which driver gets which adapter, what each one does
differently, and the life of a credential written to a file for a task.

The adapters' listings, filters and images on a real API are exercised by tests/integration/test_node*.py and
test_inventory*.py on the local cloud; here only what needs no server.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from ansible.module_utils.testing import patch_module_args
from libcloud.compute.drivers.dummy import DummyNodeDriver
from libcloud.compute.drivers.ec2 import EC2NodeDriver, EucNodeDriver, OutscaleNodeDriver, OutscaleSASNodeDriver
from libcloud.compute.providers import get_driver
from libcloud.storage.providers import get_driver as get_storage_driver

from ansible_collections.cloudmesh.libcloud.plugins.module_utils import nodes
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.base import LibcloudModule
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.connection import build_driver
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers import adapter_class, adapter_for, secret_files
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.azure import AzureArmAdapter, AzureClassicAdapter
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.ec2 import Ec2Adapter, Ec2CompatibleAdapter
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.gce import GceAdapter, GoogleStorageAdapter
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.generic import GenericAdapter
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.openstack import OpenStackAdapter
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.s3 import S3Adapter

REPO_ROOT = Path(__file__).resolve().parents[4]
SUBSCRIPTION = 'providers-subscription-DO-NOT-USE'
PEM_CERTIFICATE = '-----BEGIN CERTIFICATE-----\nMIIBprovidersDONOTUSE\nc2Vjb25kIGxpbmU=\n-----END CERTIFICATE-----\n'


# --- choosing the adapter -------------------------------------------------------------------------------------

@pytest.mark.parametrize('driver_class, expected', [
    (EC2NodeDriver, Ec2Adapter),
    (EucNodeDriver, Ec2CompatibleAdapter),
    (OutscaleNodeDriver, Ec2CompatibleAdapter),
    (get_driver('openstack'), OpenStackAdapter),
    (get_driver('azure'), AzureClassicAdapter),
    (get_driver('azure_arm'), AzureArmAdapter),
    (get_driver('gce'), GceAdapter),
    (DummyNodeDriver, GenericAdapter),
    (get_storage_driver('s3'), S3Adapter),
    (get_storage_driver('s3_us_east_2'), S3Adapter),
    (get_storage_driver('minio'), S3Adapter),
    (get_storage_driver('google_storage'), GoogleStorageAdapter),
    (get_storage_driver('azure_blobs'), GenericAdapter),
    (get_storage_driver('local'), GenericAdapter),
    (SimpleNamespace, GenericAdapter),
])
def test_each_driver_class_gets_the_adapter_of_its_nearest_registered_class(driver_class, expected):
    assert adapter_class(driver_class) is expected


def test_the_openstack_class_libcloud_hands_out_is_a_versioned_subclass():
    driver = build_driver({'provider': 'openstack', 'key': 'user', 'secret': 'password',
                           'options': {'ex_force_auth_url': 'http://127.0.0.1:1', 'ex_force_auth_version': '2.0_password'}})
    assert type(driver).__name__ == 'OpenStack_1_1_NodeDriver'
    assert isinstance(adapter_for(driver), OpenStackAdapter)


def test_choosing_an_adapter_imports_no_libcloud_driver():
    code = ('import sys\n'
            'from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers import adapter_for\n'
            'adapter_for(object())\n'
            'print(sorted(name for name in sys.modules if name.startswith("libcloud")))\n')
    listed = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True,
                            env=dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO_ROOT / 'collections'), str(REPO_ROOT)])))
    assert listed.stdout.strip() == '[]'


# --- what each adapter does differently -------------------------------------------------------------------------

def ec2_driver():
    # Constructing an EC2 driver talks to no server.
    return EC2NodeDriver('key', 'secret', region='us-east-1')


def test_ec2_names_nodes_by_tag_passes_security_group_names_and_tags_key_by_key():
    adapter = adapter_for(ec2_driver())
    assert adapter.name_tag == 'Name'
    assert adapter.security_groups(['web', 'db']) == ['web', 'db']
    assert adapter.tag_method() == 'incremental'


def test_ec2_sends_a_client_token_where_the_driver_takes_one():
    token = adapter_for(ec2_driver()).idempotency_arguments()['ex_clienttoken']
    assert len(token) == 32 and int(token, 16) >= 0
    assert adapter_for(ec2_driver()).idempotency_arguments() != {'ex_clienttoken': token}  # a new one per create
    # Outscale speaks EC2's API, but its create_node takes no ClientToken.
    assert adapter_for(OutscaleSASNodeDriver('key', 'secret')).idempotency_arguments() == {}


def test_the_generic_adapter_uses_the_common_api_and_shared_ex_methods():
    adapter = adapter_for(DummyNodeDriver(0))
    assert adapter.name_tag is None
    assert adapter.idempotency_arguments() == {}
    assert adapter.tag_method() is None
    assert adapter.security_groups(['web']) == ['web']  # the dummy driver lists no security groups
    assert [node.name for node in adapter.list_nodes()] == ['dummy-1', 'dummy-2']
    assert [[node['name'] for node in page] for page in adapter.node_pages()] == [['dummy-1', 'dummy-2']]
    assert adapter.find_image('Slackware 4').id == '3'


def test_openstack_tags_are_metadata_and_security_groups_its_own_objects():
    group = SimpleNamespace(name='web', id='sg-1')
    driver = build_driver({'provider': 'openstack', 'key': 'user', 'secret': 'password',
                           'options': {'ex_force_auth_url': 'http://127.0.0.1:1', 'ex_force_auth_version': '2.0_password'}})
    driver.ex_list_security_groups = lambda: [group, SimpleNamespace(name='db', id='sg-2')]
    adapter = adapter_for(driver)
    assert adapter.tag_method() == 'metadata'
    assert adapter.security_groups(['web']) == [group]
    with pytest.raises(LibcloudModuleError, match='unknown security_groups: cache; known: db, web'):
        adapter.security_groups(['cache'])


def test_openstack_says_in_one_line_that_it_lacks_a_server_action():
    from libcloud.common.exceptions import BaseHTTPError

    driver = build_driver({'provider': 'openstack', 'key': 'user', 'secret': 'password',
                           'options': {'ex_force_auth_url': 'http://127.0.0.1:1', 'ex_force_auth_version': '2.0_password'}})
    refused = BaseHTTPError(400, 'There is no such action currently supported')

    def stop_node(node):
        raise refused
    driver.stop_node = stop_node
    node = SimpleNamespace(name='web', id='s-1')
    with pytest.raises(LibcloudModuleError) as caught:
        nodes.power(driver, node, 'stop')
    assert caught.value.message == ('cannot stop node web (s-1): this OpenStack cloud does not support stopping nodes '
                                    '(Nova answers: There is no such action currently supported)')
    assert adapter_for(driver).unsupported_action('stop', BaseHTTPError(400, 'Bad flavor')) is None
    assert adapter_for(DummyNodeDriver(0)).unsupported_action('stop', refused) is None


@pytest.mark.parametrize('region, expected', [('eu-west-1', 'eu-west-1'), ('us-east-1', ''), (None, '')])
def test_s3_takes_the_region_as_the_buckets_location_constraint(region, expected):
    conn = {'storage_provider': 's3', 'key': 'key', 'secret': 'secret'}
    if region:
        conn['region'] = region
    assert build_driver(conn, 'storage').ex_location_name == expected


def test_a_regional_s3_provider_keeps_its_own_location_constraint():
    assert build_driver({'storage_provider': 's3_us_east_2', 'key': 'key', 'secret': 'secret'}, 'storage').ex_location_name == 'us-east-2'


def test_gce_tags_are_labels():
    assert GceAdapter(None).tag_method() == 'labels'


@pytest.mark.parametrize('key, options', [
    ('robot@p.iam.gserviceaccount.com', {}),
    ('GOOGHMACKEYDONOTUSE', {}),
    ('default', {'auth_type': 'GCE'}),
])
def test_google_logins_that_need_no_terminal_pass_the_check(key, options):
    GoogleStorageAdapter.new_driver(lambda *args, **kwargs: (args, kwargs), key, dict(options, secret='s'))


# --- credentials given as file contents ------------------------------------------------------------------------

@pytest.mark.parametrize('value, contents', [
    (PEM_CERTIFICATE, True),
    ('{"type": "service_account"}', True),
    ('/etc/ssl/certs/management.pem', False),
    ('C:/Demo/azure_cert.pem', False),
])
def test_contents_are_told_from_paths(value, contents):
    assert secret_files.is_contents(value) is contents


class CertificateProbe(LibcloudModule):
    """A module that looks at the certificate file of its drivers, then fails or succeeds as asked."""

    argument_spec = dict(fail=dict(type='bool', default=False))
    seen = {}

    def run(self):
        paths = [self.driver.key_file, self.new_driver().key_file]  # a worker thread's driver has a file of its own
        for path in paths:
            with open(path) as stream:
                self.seen[path] = (stat.S_IMODE(os.stat(path).st_mode), stream.read())
        if self.params['fail']:
            # A request that fails: the local host on a port where nothing listens.
            self.driver.list_nodes(ex_cloud_service_name='web')
        return {'changed': False}


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    folder = tmp_path / 'tmp'
    folder.mkdir()
    monkeypatch.setattr(tempfile, 'tempdir', str(folder))
    return folder


@pytest.mark.parametrize('fail', [False, True], ids=['task-ok', 'task-failed'])
def test_a_vaulted_certificate_lives_in_private_files_for_the_task_only(private_tmp, capsys, fail):
    CertificateProbe.seen = {}
    args = {'provider': 'azure', 'key': SUBSCRIPTION, 'secret': PEM_CERTIFICATE, 'host': '127.0.0.1', 'port': 1, 'retries': 1,
            'fail': fail}
    with patch_module_args(args), pytest.raises(SystemExit) as ended:
        CertificateProbe()()
    output = capsys.readouterr().out
    result = json.loads(output)
    assert len(CertificateProbe.seen) == 2
    for path, (mode, contents) in CertificateProbe.seen.items():
        assert os.path.dirname(path) == str(private_tmp)
        assert (mode, contents) == (0o600, PEM_CERTIFICATE)
    assert list(private_tmp.iterdir()) == []  # gone when the task ended
    assert (ended.value.code != 0) is fail and bool(result.get('failed')) is fail
    if fail:
        assert result['msg'].startswith('ConnectionError: ')
    for line in PEM_CERTIFICATE.splitlines():
        assert line not in output or line.startswith('-----')


def test_a_certificate_path_is_used_where_it_is_and_never_removed(tmp_path, private_tmp):
    certificate = tmp_path / 'management.pem'
    certificate.write_text(PEM_CERTIFICATE)
    driver = build_driver({'provider': 'azure', 'key': SUBSCRIPTION, 'secret': str(certificate)})
    assert driver.key_file == str(certificate)
    secret_files.remove_all()
    assert certificate.read_text() == PEM_CERTIFICATE and list(private_tmp.iterdir()) == []


def test_a_missing_certificate_path_is_reported_by_the_driver(private_tmp):
    with pytest.raises(Exception, match='You need an certificate PEM file'):
        build_driver({'provider': 'azure', 'key': SUBSCRIPTION, 'secret': '/nonexistent/management.pem'})
    with pytest.raises(LibcloudModuleError, match='provider azure needs secret: the management certificate'):
        build_driver({'provider': 'azure', 'key': SUBSCRIPTION})


def test_a_driver_that_fails_to_build_leaves_no_file(private_tmp):
    def refuse(path):
        assert os.path.isfile(path)
        raise RuntimeError('refused')
    with pytest.raises(RuntimeError):
        secret_files.driver_with_file(refuse, PEM_CERTIFICATE)
    assert list(private_tmp.iterdir()) == []


def test_a_file_goes_with_its_driver(private_tmp):
    class Holder:
        pass
    holder = secret_files.driver_with_file(lambda path: Holder(), PEM_CERTIFICATE)
    assert len(list(private_tmp.iterdir())) == 1
    del holder
    assert list(private_tmp.iterdir()) == []  # the inventory's drivers: no task end to wait for
