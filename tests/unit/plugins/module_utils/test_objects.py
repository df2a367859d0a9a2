# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Change detection, names, and atomic transfers. Comparisons use plain fakes; transfers the real LOCAL driver."""

from __future__ import annotations

import base64
import hashlib
import os
import stat
import threading

import pytest
from libcloud.storage.base import Object
from libcloud.storage.drivers.local import LocalStorageDriver
from libcloud.storage.drivers.s3 import S3StorageDriver

from ansible_collections.cloudmesh.libcloud.plugins.module_utils import objects
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.generic import GenericAdapter
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.local import STAGING_FOLDER

DATA = b'hello object storage\n'
SHA256 = hashlib.sha256(DATA).hexdigest()
MD5 = hashlib.md5(DATA).hexdigest()
KEEP = objects.Wanted(None, None, 'different')


def s3_store(check_mode=False):
    return objects.Store(S3StorageDriver('key', 'secret'), check_mode=check_mode)


def s3_object(size=len(DATA), etag=MD5, meta=None, content_type=None, name='a.txt'):
    extra = {'content_type': content_type} if content_type else {}
    return Object(name, size, '"%s"' % etag, extra, meta or {}, None, None)


def digest_of(data=DATA):
    return objects.Digest(len(data), hashlib.sha256(data).hexdigest(), hashlib.md5(data).hexdigest())


@pytest.fixture
def local(tmp_path):
    """The real LOCAL driver on a temporary folder, with a bucket ``b``."""
    root = tmp_path / 'store'
    root.mkdir()
    driver = LocalStorageDriver(str(root))
    return objects.Store(driver), driver.create_container('b'), root / 'b'


def test_file_digest_streams_sha256_and_md5(tmp_path):
    path = tmp_path / 'f'
    data = os.urandom(3 * objects.CHUNK_SIZE + 17)
    path.write_bytes(data)
    assert objects.file_digest(str(path)) == digest_of(data)
    (tmp_path / 'empty').write_bytes(b'')
    assert objects.file_digest(str(tmp_path / 'empty')).size == 0


def test_decode_content():
    assert objects.decode_content(content='héllo') == 'héllo'.encode('utf-8')
    encoded = base64.b64encode(bytes(range(256))).decode()
    assert objects.decode_content(content_base64=encoded[:40] + '\n  ' + encoded[40:]) == bytes(range(256))
    with pytest.raises(LibcloudModuleError, match='^content_base64 is not valid base64: '):
        objects.decode_content(content_base64='not base64!')
    with pytest.raises(LibcloudModuleError, match='^content_base64 is not valid base64: '):
        objects.decode_content(content_base64='é')


def test_normalize_metadata():
    assert objects.normalize_metadata(None) is None
    assert objects.normalize_metadata({'Owner': 'alice', 'n': 3, 'empty': None}) == {'owner': 'alice', 'n': '3', 'empty': ''}
    for metadata, message in (({'sha256': 'x'}, 'reserved'), ({'bad key': 'x'}, 'invalid metadata key'),
                              ({'k': 'naïve'}, 'printable ASCII'), ({'k': 'a\nb'}, 'printable ASCII')):
        with pytest.raises(LibcloudModuleError, match=message):
            objects.normalize_metadata(metadata)


@pytest.mark.parametrize('name, problem', [
    ('../x', None),  # a legal S3 key: only LOCAL maps names to paths (its rules: test_providers)
    ('a//b', None),
    ('', 'must not be empty'),
    ('a\nb', 'NUL or newline'),
    ('x' * 1025, '1024 bytes'),
])
def test_object_names(name, problem):
    found = objects.object_name_problem(name, GenericAdapter(None))
    assert found is None if problem is None else problem in found


def test_remote_object_from_a_head_and_from_a_listing():
    head = objects.RemoteObject(s3_object(meta={'sha256': SHA256, 'Owner': 'bob'}, content_type='text/plain'), detailed=True)
    assert head.to_dict() == {'name': 'a.txt', 'size': len(DATA), 'hash': MD5, 'sha256': SHA256,
                              'metadata': {'owner': 'bob'}, 'content_type': 'text/plain'}
    # An S3 listing's meta_data holds the owner, not user metadata: it must not be read as metadata.
    listed = objects.RemoteObject(s3_object(meta={'owner': {'id': '1'}}), detailed=False)
    assert listed.metadata is None and listed.sha256 is None and listed.content_type is None


@pytest.mark.parametrize('remote, detailed, same', [
    (s3_object(size=1), True, False),                                  # sizes differ
    (s3_object(etag='f' * 32 + '-3', meta={'sha256': SHA256}), True, True),   # stored sha256 decides
    (s3_object(meta={'sha256': '0' * 64}), True, False),               # stored sha256 differs, even with a matching MD5
    (s3_object(), False, True),                                        # plain MD5 ETag from a listing
    (s3_object(etag='0' * 32), False, False),
    (s3_object(etag='f' * 32 + '-3'), False, None),                    # multipart ETag: only a HEAD can tell
    (s3_object(etag='f' * 32 + '-3'), True, False),                    # ... and without a stored sha256: different
])
def test_same_content_on_s3(remote, detailed, same):
    assert s3_store().same_content(digest_of(), objects.RemoteObject(remote, detailed)) is same


def test_upload_reasons():
    store = s3_store()
    remote = objects.RemoteObject(s3_object(meta={'sha256': SHA256, 'owner': 'bob'}, content_type='text/plain'), detailed=True)
    digest = digest_of()
    assert store.upload_reason(digest, None, KEEP) == 'missing'
    assert store.upload_reason(digest, remote, KEEP) is None
    assert store.upload_reason(digest_of(b'other'), remote, KEEP) == 'content'
    assert store.upload_reason(digest_of(b'other'), remote, objects.Wanted(None, None, 'never')) is None
    assert store.upload_reason(digest, remote, objects.Wanted(None, None, 'always')) == 'always'
    assert store.upload_reason(digest, remote, objects.Wanted({'owner': 'bob'}, 'text/plain', 'different')) is None
    assert store.upload_reason(digest, remote, objects.Wanted({'owner': 'alice'}, None, 'different')) == 'metadata'
    assert store.upload_reason(digest, remote, objects.Wanted({}, None, 'different')) == 'metadata'
    assert store.upload_reason(digest, remote, objects.Wanted(None, 'text/html', 'different')) == 'content_type'
    listed = objects.RemoteObject(s3_object(), detailed=False)
    assert store.upload_reason(digest, listed, KEEP) is None
    assert store.upload_reason(digest, listed, objects.Wanted({'owner': 'bob'}, None, 'different')) == objects.NEEDS_DETAILS


def test_local_compares_the_stored_bytes(local):
    store, container, folder = local
    (folder / 'a.txt').write_bytes(DATA)
    (listed,) = store.listing(container).values()
    assert listed.detailed and listed.metadata == {}
    assert store.same_content(digest_of(), listed) is True
    assert listed.sha256 == SHA256
    (folder / 'a.txt').write_bytes(DATA.upper())
    (listed,) = store.listing(container).values()
    assert store.same_content(digest_of(), listed) is False
    # Metadata cannot be stored: asking for it is no change, and a warning.
    assert store.upload_reason(digest_of(DATA.upper()), listed, objects.Wanted({'a': '1'}, 'text/plain', 'different')) is None
    store.note_unstored(objects.Wanted({'a': '1'}, None, 'different'))
    assert store.warnings == ['the local storage driver stores no metadata and no content type: metadata and content_type are ignored']


def test_local_upload_is_atomic(local, tmp_path):
    store, container, folder = local
    src = tmp_path / 'src.bin'
    src.write_bytes(DATA)
    result = objects.ensure_file(store, 'b', 'dir/a.bin', str(src), KEEP)
    assert result['changed'] and (folder / 'dir' / 'a.bin').read_bytes() == DATA
    assert result['object']['sha256'] == SHA256
    assert not (folder / STAGING_FOLDER).exists()
    assert not objects.ensure_file(store, 'b', 'dir/a.bin', str(src), KEEP)['changed']
    # The source changes between hashing and uploading: the upload fails and leaves no object behind.
    stale = digest_of(b'what the file held when it was hashed')
    src.write_bytes(b'x' * len(stale.sha256))
    with pytest.raises(LibcloudModuleError, match='changed while it was uploaded'):
        objects.put_file(store, store.driver, container, 'dir/new.bin', str(src), stale, {}, None)
    assert sorted(store.listing(container)) == ['dir/a.bin']
    assert sorted(path.name for path in folder.rglob('*')) == ['a.bin', 'dir']


def test_check_mode_writes_nothing(local, tmp_path):
    _store, _container, folder = local
    store = objects.Store(_store.driver, check_mode=True)
    src = tmp_path / 'site'
    (src / 'sub').mkdir(parents=True)
    (src / 'sub' / 'x.txt').write_bytes(DATA)
    result = objects.sync_directory(store, 'new-bucket', str(src), 'p/', KEEP, create_bucket=True)
    assert result['changed'] and result['uploaded'] == ['p/sub/x.txt']
    assert not (folder.parent / 'new-bucket').exists()
    with pytest.raises(LibcloudModuleError, match="bucket 'missing' does not exist: create it with cloudmesh.libcloud.libcloud_bucket"):
        objects.ensure_file(store, 'missing', 'a', str(src / 'sub' / 'x.txt'), KEEP)


def test_local_files_are_named_by_prefix_and_relative_path(tmp_path):
    (tmp_path / 'b' / 'c').mkdir(parents=True)
    for relative in ('a.txt', 'b/c/d.txt', 'b/e.txt'):
        (tmp_path / relative).write_text(relative)
    names = [name for name, _path in objects.local_files(str(tmp_path), 'site/')]
    assert names == ['site/a.txt', 'site/b/c/d.txt', 'site/b/e.txt']


class FakeStreamDriver:
    """A driver whose download yields ``chunks``, then raises ``error`` if one is given (a cut connection)."""

    def __init__(self, chunks, error=None):
        self.chunks = chunks
        self.error = error

    def download_object_as_stream(self, obj, chunk_size=None):
        yield from self.chunks
        if self.error:
            raise self.error


def remote_of(data, sha256=True):
    meta = {'sha256': hashlib.sha256(data).hexdigest()} if sha256 else {}
    return objects.RemoteObject(s3_object(size=len(data), meta=meta), detailed=True)


@pytest.mark.parametrize('chunks, error, message', [
    ([DATA[:5]], ConnectionError('connection reset by peer'), 'connection reset'),
    ([DATA[:5]], None, 'stopped after 5 of %d bytes' % len(DATA)),
    ([DATA.upper()], None, 'does not match its stored sha256'),
])
def test_interrupted_download_leaves_dest_untouched(tmp_path, chunks, error, message):
    dest = tmp_path / 'dest.txt'
    dest.write_bytes(b'old content')
    os.chmod(dest, 0o640)
    with pytest.raises(Exception, match=message):
        objects.download_to(FakeStreamDriver(chunks, error), remote_of(DATA), str(dest))
    assert dest.read_bytes() == b'old content'
    assert os.listdir(tmp_path) == ['dest.txt']


def test_download_replaces_dest_keeping_its_mode(tmp_path):
    dest = tmp_path / 'dest.txt'
    dest.write_bytes(b'old content')
    os.chmod(dest, 0o640)
    digest = objects.download_to(FakeStreamDriver([DATA[:4], DATA[4:]]), remote_of(DATA), str(dest))
    assert digest.sha256 == SHA256 and dest.read_bytes() == DATA
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o640
    assert os.listdir(tmp_path) == ['dest.txt']


def test_download_to_an_unwritable_folder_is_one_clear_line(tmp_path):
    with pytest.raises(LibcloudModuleError, match='^the folder of dest /proc is not writable: '):
        objects.download_to(FakeStreamDriver([DATA]), remote_of(DATA), '/proc/no-such-file')


def test_ensure_download_on_the_local_driver(local, tmp_path):
    store, _container, folder = local
    (folder / 'a.txt').write_bytes(DATA)
    dest = tmp_path / 'out.txt'
    result = objects.ensure_download(store, 'b', 'a.txt', str(dest))
    assert result['changed'] and dest.read_bytes() == DATA and result['object']['sha256'] == SHA256
    assert not objects.ensure_download(store, 'b', 'a.txt', str(dest))['changed']
    dest.write_bytes(b'changed locally')
    assert objects.ensure_download(store, 'b', 'a.txt', str(dest), overwrite='never')['changed'] is False
    assert objects.ensure_download(store, 'b', 'a.txt', str(dest))['changed']
    assert dest.read_bytes() == DATA
    with pytest.raises(LibcloudModuleError, match="object 'nope' does not exist in bucket 'b'"):
        objects.ensure_download(store, 'b', 'nope', str(dest))
    with pytest.raises(LibcloudModuleError, match='is a folder'):
        objects.ensure_download(store, 'b', 'a.txt', str(tmp_path))


def test_a_folder_is_no_object_on_the_local_driver(local):
    store, container, folder = local
    (folder / 'docs').mkdir()
    (folder / 'docs' / 'a.txt').write_bytes(DATA)
    with pytest.raises(LibcloudModuleError, match="object 'docs' cannot be used: it is a folder of other objects"):
        store.head(store.driver, container, 'docs')


def test_workers_each_get_a_driver_of_their_own_and_failures_are_reported_together():
    built = []

    def factory():
        built.append(S3StorageDriver('key', 'secret'))
        return built[-1]

    store = objects.Store(factory(), driver_factory=factory)
    seen = {}

    def work(driver, item):
        seen.setdefault(threading.get_ident(), set()).add(id(driver))
        if item[0] == 'bad':
            raise ValueError('boom')
        return objects.Outcome(item[0], 'uploaded')

    outcomes = store.map(work, [('bad', 'x')] + [('n%d' % number, 'x') for number in range(40)])
    assert [outcome.name for outcome in outcomes][:2] == ['bad', 'n0']
    assert all(len(drivers) == 1 for drivers in seen.values())  # one driver per thread, never shared
    assert len(set().union(*seen.values())) == len(seen) <= objects.MAX_WORKERS
    with pytest.raises(LibcloudModuleError, match='^1 of 41 objects could not be uploaded; first, bad: ValueError: boom$') as failure:
        objects._raise_failures(outcomes, 'uploaded', {'uploaded': ['n0']})  # pylint: disable=protected-access
    assert failure.value.result == {'failed': ['bad'], 'uploaded': ['n0']}
    # The LOCAL driver runs serially, on the module's own driver.
    assert objects.Store(LocalStorageDriver('/tmp'), driver_factory=factory).workers == 1
