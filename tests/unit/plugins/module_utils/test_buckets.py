# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest
from libcloud.storage.drivers.google_storage import GoogleStorageDriver
from libcloud.storage.drivers.local import LocalStorageDriver
from libcloud.storage.drivers.minio import MinIOStorageDriver
from libcloud.storage.drivers.s3 import S3StorageDriver

from ansible_collections.cloudmesh.libcloud.plugins.module_utils import buckets
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError


@pytest.mark.parametrize('name', ['my-bucket', 'abc', 'a.b-c.1', 'x' * 63])
def test_valid_s3_bucket_names(name):
    assert buckets.bucket_name_problem(name, s3_rules=True) is None


@pytest.mark.parametrize('name, problem', [
    ('', 'must not be empty'),
    ('ab', '3 to 63 characters'),
    ('x' * 64, '3 to 63 characters'),
    ('Bad_Name', '3 to 63 characters'),
    ('-start', '3 to 63 characters'),
    ('end-', '3 to 63 characters'),
    ('a..b', '3 to 63 characters'),
    ('xn--bucket', 'reserves'),
    ('data-s3alias', 'reserves'),
    ('192.168.1.10', 'IP address'),
    ('a\tb', 'control characters'),
])
def test_invalid_s3_bucket_names(name, problem):
    assert problem in buckets.bucket_name_problem(name, s3_rules=True)


@pytest.mark.parametrize('name, problem', [
    ('Reports_2026', None),
    ('a', None),
    ('a/b', 'folder'),
    ('a\\b', 'folder'),
    ('..', 'folder'),
    ('.', 'folder'),
    ('', 'empty'),
])
def test_local_bucket_names_are_path_safe(name, problem):
    found = buckets.bucket_name_problem(name, local=True)
    assert found is None if problem is None else problem in found


def test_rules_follow_the_driver(tmp_path):
    assert buckets.follows_s3_naming(S3StorageDriver('key', 'secret'))
    assert buckets.follows_s3_naming(MinIOStorageDriver('key', 'secret', host='127.0.0.1'))
    # Without __init__: Google's constructor probes the network for GCE metadata.
    assert not buckets.follows_s3_naming(GoogleStorageDriver.__new__(GoogleStorageDriver))
    local = LocalStorageDriver(str(tmp_path))
    assert buckets.is_local_driver(local) and not buckets.follows_s3_naming(local)
    with pytest.raises(LibcloudModuleError, match="invalid bucket name 'Bad_Name': S3 bucket names"):
        buckets.check_bucket_name(S3StorageDriver('key', 'secret'), 'Bad_Name')
    buckets.check_bucket_name(local, 'Bad_Name')


def test_ensure_bucket_on_the_local_driver(tmp_path):
    driver = LocalStorageDriver(str(tmp_path))
    predicted = buckets.ensure_bucket(driver, 'b1', 'present', check_mode=True)
    assert predicted['changed'] and predicted['bucket']['exists'] and not (tmp_path / 'b1').exists()
    assert buckets.ensure_bucket(driver, 'b1', 'present')['changed']
    assert (tmp_path / 'b1').is_dir()
    assert not buckets.ensure_bucket(driver, 'b1', 'present')['changed']
    (tmp_path / 'b1' / 'x').write_text('x')
    with pytest.raises(LibcloudModuleError, match="bucket 'b1' is not empty: set force=true"):
        buckets.ensure_bucket(driver, 'b1', 'absent')
    emptied = []
    result = buckets.ensure_bucket(driver, 'b1', 'absent', force=True,
                                   delete_objects=lambda container: emptied.append((tmp_path / 'b1' / 'x').unlink()))
    assert result['changed'] and emptied and not (tmp_path / 'b1').exists()
    assert result['diff']['before']['exists'] and not result['diff']['after']['exists']
    assert not buckets.ensure_bucket(driver, 'b1', 'absent')['changed']
