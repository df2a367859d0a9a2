# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The provider adapters (plugins/module_utils/providers/): which driver gets which adapter, what each one does
differently (compute and object storage), and the life of a credential written to a file for a task.

The adapters' listings, filters and images on a real API are exercised by tests/integration/test_node*.py and
test_inventory*.py on the local cloud; here only what needs no server.
"""

from __future__ import annotations

import hashlib
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
from libcloud.storage.base import Object
from libcloud.storage.drivers.cloudfiles import CloudFilesStorageDriver, OpenStackSwiftStorageDriver
from libcloud.storage.drivers.local import LocalStorageDriver
from libcloud.storage.providers import get_driver as get_storage_driver

from ansible_collections.cloudmesh.libcloud.plugins.module_utils import nodes, objects
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.base import LibcloudModule
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.connection import build_driver
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers import adapter_class, adapter_for, secret_files
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.azure import AzureArmAdapter, AzureBlobsAdapter, AzureClassicAdapter
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.ec2 import Ec2Adapter, Ec2CompatibleAdapter
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.gce import GceAdapter, GoogleStorageAdapter
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.generic import GenericAdapter
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.local import LocalAdapter
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.openstack import OpenStackAdapter, SwiftAdapter
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.s3 import MULTIPART_THRESHOLD, S3Adapter

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
    (get_storage_driver('azure_blobs'), AzureBlobsAdapter),
    (get_storage_driver('local'), LocalAdapter),
    (OpenStackSwiftStorageDriver, SwiftAdapter),
    (CloudFilesStorageDriver, SwiftAdapter),
    (get_storage_driver('backblaze_b2'), GenericAdapter),
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


def test_ec2_names_nodes_by_tag_and_tags_key_by_key():
    adapter = adapter_for(ec2_driver())
    assert adapter.name_tag == 'Name'
    assert adapter.extra_by_id_or_name == {'ex_subnet': 'subnet'}  # looked up on the server: test_node_placement.py
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
    # The dummy driver lists no security groups: the names go as they are.
    assert adapter.security_group_arguments(['web'], {}) == {'ex_security_groups': ['web']}
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
    assert adapter.security_group_arguments(['web'], {}) == {'ex_security_groups': [group]}
    with pytest.raises(LibcloudModuleError, match="unknown security group 'cache': no security group has this id or exact name; known: db, sg-1"):
        adapter.security_group_arguments(['cache'], {})


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


@pytest.mark.parametrize('status', [405, 501])
def test_any_provider_says_in_one_line_that_it_lacks_an_action(status):
    """405 Method Not Allowed and 501 Not Implemented mean the same on every provider: the action is not offered."""
    from libcloud.common.exceptions import BaseHTTPError

    driver = DummyNodeDriver(0)
    refused = BaseHTTPError(status, 'Not offered\nhere')

    def stop_node(node):
        raise refused
    driver.stop_node = stop_node
    with pytest.raises(LibcloudModuleError) as caught:
        nodes.power(driver, SimpleNamespace(name='web', id='n-1'), 'stop')
    assert caught.value.message == 'cannot stop node web (n-1): this cloud does not support stopping nodes (HTTP %d: Not offered here)' % status
    for other in (400, 403, 409, 500):
        assert adapter_for(driver).unsupported_action('reboot', BaseHTTPError(other, 'No')) is None


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


OPENSTACK = {'provider': 'openstack', 'key': 'user', 'secret': 'password',
             'options': {'ex_force_auth_url': 'http://127.0.0.1:1', 'ex_force_auth_version': '2.0_password'}}


def flavors(count):
    return {'flavors': [{'id': str(number), 'name': 'flavor-%d' % number, 'ram': 512, 'disk': 10, 'vcpus': 1, 'swap': ''}
                        for number in range(count)]}


def test_openstack_reads_libclouds_pricing_file_once_not_once_per_flavor(monkeypatch):
    import libcloud.pricing

    monkeypatch.setitem(libcloud.pricing.PRICING_DATA, 'compute', {})  # nothing cached yet, as in a new process
    reads = []
    path_of = libcloud.pricing.get_pricing_file_path
    monkeypatch.setattr(libcloud.pricing, 'get_pricing_file_path', lambda file_path=None: reads.append(file_path) or path_of(file_path))
    driver = build_driver(OPENSTACK)
    assert reads == []  # building the driver reads nothing: a task that lists no sizes pays nothing
    # list_sizes() without the request: each flavor priced as the driver prices it.
    sizes = driver._to_sizes(flavors(35))  # pylint: disable=protected-access
    assert len(reads) == 1 and [size.price for size in sizes] == [None] * 35  # no price known: null, not 0.0
    driver._to_sizes(flavors(35))  # pylint: disable=protected-access
    build_driver(OPENSTACK)._to_sizes(flavors(3))  # pylint: disable=protected-access
    assert len(reads) == 1
    # An OpenStack whose api_name has prices (Rackspace's regions, an OpenStack driver too) keeps them.
    driver.api_name = 'rackspacenovaus'
    (priced,) = driver._to_sizes({'flavors': [dict(flavors(1)['flavors'][0], id='performance1-1')]})  # pylint: disable=protected-access
    assert priced.price == 0.04
    assert len(reads) == 2


# --- object storage ---------------------------------------------------------------------------------------------

SWIFT = {'storage_provider': 'openstack_swift', 'key': 'test:tester', 'secret': 'testing',
         'options': {'ex_force_auth_url': 'http://127.0.0.1:1/auth/v1.0', 'ex_force_auth_version': '1.0',
                     'ex_force_base_url': 'http://127.0.0.1:1/v1/AUTH_test'}}
AZURITE = {'storage_provider': 'azure_blobs', 'key': 'devstoreaccount1', 'secret': 'a2V5', 'host': '127.0.0.1', 'port': 1, 'secure': False}
DATA = b'hello object storage\n'
MD5 = hashlib.md5(DATA).hexdigest()


def digest_of(data=DATA):
    return objects.Digest(len(data), hashlib.sha256(data).hexdigest(), hashlib.md5(data).hexdigest())


def stored_object(etag=MD5, extra=None, meta=None, name='a.txt'):
    return Object(name, len(DATA), '"%s"' % etag, extra or {}, meta or {}, None, None)


class UploadRecorder:
    """A storage driver that records how a file goes up; S3's multipart upload where ``multipart``."""

    hash_type = 'md5'

    def __init__(self, multipart=False):
        self.supports_s3_multipart_upload = multipart
        self.calls = []

    def upload_object(self, path, container, name, extra=None):
        self.calls.append(('upload_object', name, extra))
        return stored_object(name=name)

    def upload_object_via_stream(self, iterator, container, name, extra=None):
        self.calls.append(('upload_object_via_stream', name, b''.join(iterator), extra))
        return stored_object(name=name)

    def _abort_multipart(self, container, object_name, upload_id):
        raise RuntimeError('the abort failed too')


@pytest.mark.parametrize('conn, expected', [
    ({'storage_provider': 's3', 'key': 'key', 'secret': 'secret'}, S3Adapter),
    ({'storage_provider': 'minio', 'key': 'key', 'secret': 'secret', 'host': '127.0.0.1'}, S3Adapter),
    (SWIFT, SwiftAdapter),
    (AZURITE, AzureBlobsAdapter),
    ({'storage_provider': 'backblaze_b2', 'key': 'key', 'secret': 'secret'}, GenericAdapter),
])
def test_a_built_storage_driver_gets_its_providers_adapter_once_for_the_store(conn, expected):
    driver = build_driver(conn, 'storage')
    store = objects.Store(driver)
    assert store.adapter.__class__ is expected and store.adapter.driver is driver


def test_the_local_driver_gets_its_adapter(tmp_path):
    store = objects.Store(LocalStorageDriver(str(tmp_path)))
    assert store.adapter.__class__ is LocalAdapter
    # No metadata stored, a listing tells all, one transfer at a time.
    assert store.stores_metadata is False and store.adapter.listing_has_details and store.workers == 1


@pytest.mark.parametrize('name', ['my-bucket', 'abc', 'a.b-c.1', 'x' * 63])
def test_valid_s3_bucket_names(name):
    assert S3Adapter(None).bucket_name_problem(name) is None


@pytest.mark.parametrize('name, problem', [
    ('ab', '3 to 63 characters'),
    ('x' * 64, '3 to 63 characters'),
    ('Bad_Name', '3 to 63 characters'),
    ('-start', '3 to 63 characters'),
    ('end-', '3 to 63 characters'),
    ('a..b', '3 to 63 characters'),
    ('xn--bucket', 'reserves'),
    ('data-s3alias', 'reserves'),
    ('192.168.1.10', 'IP address'),
])
def test_invalid_s3_bucket_names(name, problem):
    assert problem in S3Adapter(None).bucket_name_problem(name)


def test_google_cloud_storage_is_s3_underneath_but_not_held_to_s3_bucket_names():
    assert GoogleStorageAdapter(None).bucket_name_problem('Reports_2026') is None
    assert GoogleStorageAdapter(None).bucket_name_problem('a/b') == 'a bucket name must not hold "/"'


@pytest.mark.parametrize('name, problem', [
    ('reports-2026', None),
    ('$logs', None),
    ('Bad_Name', 'Azure container names'),
    ('a--b', 'Azure container names'),
    ('ab', 'Azure container names'),
])
def test_azure_container_names(name, problem):
    found = AzureBlobsAdapter(None).bucket_name_problem(name)
    assert found is None if problem is None else problem in found


@pytest.mark.parametrize('name, problem', [
    ('Reports_2026', None),
    ('a/b', 'folder'),
    ('a\\b', 'folder'),
    ('..', 'folder'),
    ('.', 'folder'),
])
def test_local_bucket_names_are_path_safe(name, problem):
    found = LocalAdapter(None).bucket_name_problem(name)
    assert found is None if problem is None else problem in found


@pytest.mark.parametrize('name, problem', [
    ('a/b.txt', None),
    ('.lock', None),
    ('../x', 'leave the bucket'),
    ('a/../../x', 'leave the bucket'),
    ('/etc/passwd', 'absolute path'),
    ('a//b', 'empty or "." path segments'),
    ('./a', 'empty or "." path segments'),
    ('a/', 'empty or "." path segments'),
    ('.lock/x', 'hides folders'),
])
def test_local_object_names_are_paths_inside_the_bucket(name, problem):
    found = LocalAdapter(None).object_name_problem(name)
    assert found is None if problem is None else problem in found
    assert GenericAdapter(None).object_name_problem(name) is None  # elsewhere a name is just a key


@pytest.mark.parametrize('adapter, key, problem', [
    (GenericAdapter(None), 'build_id', None),
    (SwiftAdapter(None), 'build-id', None),
    (SwiftAdapter(None), 'build_id', 'Swift drops metadata keys that hold "_"'),
    (AzureBlobsAdapter(None), 'build_id', None),
    (AzureBlobsAdapter(None), 'build-id', 'Azure metadata keys must be C# identifiers'),
    (AzureBlobsAdapter(None), '2nd', 'Azure metadata keys must be C# identifiers'),
])
def test_metadata_keys_a_provider_would_refuse_or_lose(adapter, key, problem):
    found = adapter.metadata_key_problem(key)
    assert found is None if problem is None else found.startswith(problem)


def test_where_each_provider_tells_the_contents_md5(tmp_path):
    # S3 and Swift: the ETag of a single PUT; never a multipart ETag, nor the hash of a driver that hashes otherwise.
    generic = GenericAdapter(UploadRecorder())
    assert generic.content_md5(stored_object()) == MD5
    assert generic.content_md5(stored_object(etag=MD5 + '-3')) is None
    assert GenericAdapter(SimpleNamespace(hash_type='sha1')).content_md5(stored_object()) is None
    # Azure: the Content-MD5, never the ETag (a version).
    azure = AzureBlobsAdapter(None)
    assert azure.content_md5(stored_object(etag='0x8D000', extra={'md5_hash': MD5})) == MD5
    assert azure.content_md5(stored_object(extra={})) is None
    # LOCAL: its hash is the MD5 of the file's mtime; the stored bytes themselves are a local read.
    driver = LocalStorageDriver(str(tmp_path))
    container = driver.create_container('b')
    (tmp_path / 'b' / 'a.txt').write_bytes(DATA)
    stored = driver.get_object('b', 'a.txt')
    assert container.name == 'b' and LocalAdapter(driver).content_md5(stored) is None
    assert LocalAdapter(driver).content_sha256(stored) == hashlib.sha256(DATA).hexdigest()
    assert generic.content_sha256(stored) is None


def test_azure_writes_an_empty_file_as_an_empty_block_list(tmp_path):
    driver = UploadRecorder()
    empty, full = tmp_path / 'empty', tmp_path / 'full'
    empty.write_bytes(b'')
    full.write_bytes(DATA)
    adapter = AzureBlobsAdapter(driver)
    adapter.upload_file(driver, None, 'empty', str(empty), digest_of(b''), {'meta_data': {}})
    adapter.upload_file(driver, None, 'full', str(full), digest_of(), {'meta_data': {}})
    assert driver.calls == [('upload_object_via_stream', 'empty', b'', {'meta_data': {}}), ('upload_object', 'full', {'meta_data': {}})]


def test_s3_streams_a_large_file_as_a_multipart_upload_whose_abort_is_retried(tmp_path, monkeypatch):
    from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers import s3

    assert MULTIPART_THRESHOLD == 16 * 1024 * 1024
    monkeypatch.setattr(s3, 'MULTIPART_THRESHOLD', len(DATA))
    src, small = tmp_path / 'src', tmp_path / 'small'
    src.write_bytes(DATA)
    small.write_bytes(DATA[:-1])
    driver = UploadRecorder(multipart=True)
    S3Adapter(driver).upload_file(driver, None, 'big', str(src), digest_of(), {})
    S3Adapter(driver).upload_file(driver, None, 'small', str(small), digest_of(DATA[:-1]), {})
    assert driver.calls == [('upload_object_via_stream', 'big', DATA, {}), ('upload_object', 'small', {})]
    # libcloud's abort of a failed upload, wrapped once: a failed abort no longer hides the upload's own error.
    assert driver._abort_multipart.cloudmesh_retried  # pylint: disable=protected-access
    driver._abort_multipart(None, 'big', 'upload-1')  # pylint: disable=protected-access
    # The file changed after it was hashed: the stream fails before the upload is committed.
    with pytest.raises(LibcloudModuleError, match='changed while it was uploaded'):
        S3Adapter(driver).upload_file(driver, None, 'big', str(src), digest_of(DATA.upper()), {})
    # A driver without multipart upload (libcloud's Google Cloud Storage) sends one PUT.
    single = UploadRecorder(multipart=False)
    GoogleStorageAdapter(single).upload_file(single, None, 'big', str(src), digest_of(), {})
    assert single.calls == [('upload_object', 'big', {})]


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


@pytest.mark.parametrize('fields, named', [({'port': 8080}, 'port'), ({'host': 'swift.example.org', 'port': 8080}, 'host or port')])
def test_swift_refuses_a_host_or_port_in_one_line(fields, named):
    """libcloud's Swift driver fails with a TypeError when given a host or a port: the error says what to give instead."""
    conn = dict({'storage_provider': 'openstack_swift', 'key': 'test:tester', 'secret': 'swift-secret-DO-NOT-USE',
                 'options': {'ex_force_auth_url': 'http://127.0.0.1:1/auth/v1.0', 'ex_force_auth_version': '1.0'}}, **fields)
    with pytest.raises(LibcloudModuleError) as raised:
        build_driver(conn, 'storage')
    message = raised.value.message
    assert message.startswith("libcloud's Swift driver takes no %s " % named)
    assert 'options.ex_force_auth_url' in message and '\n' not in message and 'swift-secret' not in message
