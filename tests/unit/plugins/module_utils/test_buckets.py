# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest
from libcloud.storage.drivers.google_storage import GoogleStorageDriver
from libcloud.storage.drivers.local import LocalStorageDriver
from libcloud.storage.drivers.minio import MinIOStorageDriver
from libcloud.storage.drivers.s3 import S3StorageDriver

from ansible_collections.cloudmesh.libcloud.plugins.module_utils import buckets
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.generic import GenericAdapter


@pytest.mark.parametrize('name, problem', [
    ('', 'must not be empty'),
    ('a\tb', 'control characters'),
    ('a/b', 'must not hold "/"'),  # the generic adapter's rule; each provider's own: test_providers
    ('Reports_2026', None),
])
def test_bucket_names_on_any_provider(name, problem):
    found = buckets.bucket_name_problem(name, GenericAdapter(None))
    assert found is None if problem is None else problem in found


def test_rules_follow_the_driver(tmp_path):
    for driver in (S3StorageDriver('key', 'secret'), MinIOStorageDriver('key', 'secret', host='127.0.0.1')):
        with pytest.raises(LibcloudModuleError, match="invalid bucket name 'Bad_Name': S3 bucket names"):
            buckets.check_bucket_name(driver, 'Bad_Name')
    # Without __init__: Google's constructor probes the network for GCE metadata.
    buckets.check_bucket_name(GoogleStorageDriver.__new__(GoogleStorageDriver), 'Bad_Name')
    local = LocalStorageDriver(str(tmp_path))
    buckets.check_bucket_name(local, 'Bad_Name')
    with pytest.raises(LibcloudModuleError, match="invalid bucket name '..': on the local driver a bucket is a folder"):
        buckets.check_bucket_name(local, '..')
    with pytest.raises(LibcloudModuleError, match="invalid bucket name '': a bucket name must not be empty"):
        buckets.check_bucket_name(local, '')


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
