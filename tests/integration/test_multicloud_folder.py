# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/multicloud_folder.yml, as shipped: the demo folder in S3 (moto), OpenStack Swift and Azure Blobs
(Azurite), each store checked through libcloud's own driver; a second run changes nothing; state=absent removes
what the playbook put there and keeps a bucket that holds something else."""

from __future__ import annotations

import hashlib
import tempfile

import pytest

from tests.harness.ansible_run import REPO_ROOT, run_playbook

PLAYBOOK = REPO_ROOT / 'playbooks' / 'multicloud_folder.yml'
SITE = REPO_ROOT / 'playbooks' / 'files' / 'site'
BUCKET = 'cloudmesh-demo-site'  # the playbook's default
CLOUDS = ('demo-aws', 'demo-swift', 'demo-azure')  # the playbook's default cloud names


def s3_driver(entry):
    from libcloud.storage.providers import get_driver

    return get_driver('s3')(entry['key'], entry['secret'], host=entry['host'], port=entry['port'], secure=entry['secure'],
                            region=entry['region'])


def contents(driver, bucket=BUCKET):
    """{object name: sha256 of its bytes} as the store holds them, or None when the bucket does not exist."""
    from libcloud.storage.types import ContainerDoesNotExistError

    try:
        container = driver.get_container(bucket)
    except ContainerDoesNotExistError:
        return None
    return dict((obj.name, hashlib.sha256(b''.join(driver.download_object_as_stream(obj))).hexdigest())
                for obj in driver.iterate_container_objects(container))


def put(driver, name, data, bucket=BUCKET):
    """An object written by someone else, straight through libcloud."""
    with tempfile.NamedTemporaryFile() as handle:
        handle.write(data)
        handle.flush()
        driver.upload_object(handle.name, driver.get_container(bucket), name)


@pytest.fixture(scope='module')
def runs(local_cloud, swift_cloud, azurite_cloud, tmp_path_factory):
    local_cloud.reset()
    swift_cloud.reset()
    azurite_cloud.reset()
    entries = {'demo-aws': local_cloud.s3_cloud_entry(), 'demo-swift': swift_cloud.cloud_entry(), 'demo-azure': azurite_cloud.cloud_entry()}
    drivers = {'demo-aws': s3_driver(entries['demo-aws']), 'demo-swift': swift_cloud.driver(), 'demo-azure': azurite_cloud.driver()}
    # Swift already holds the bucket with a page the folder no longer has (delete_extra removes it); Azure with an
    # object outside the prefix (kept, and with it the bucket when the playbook removes its folder).
    drivers['demo-swift'].create_container(BUCKET)
    put(drivers['demo-swift'], 'site/removed.html', b'<p>gone from the folder</p>\n')
    drivers['demo-azure'].create_container(BUCKET)
    put(drivers['demo-azure'], 'notes.txt', b'not part of the folder\n')

    workdir = tmp_path_factory.mktemp('multicloud')
    extra_vars = {'libcloud_clouds': entries}
    found = {}

    def run(title, **kwargs):
        result = run_playbook(PLAYBOOK, workdir, extra_vars=dict(extra_vars, **kwargs.pop('extra', {})), env={'ANSIBLE_PIPELINING': '1'},
                              **kwargs)
        assert result.rc == 0, '%s: %s' % (title, result.output[-4000:])
        found[title] = (result, dict((cloud, contents(driver)) for cloud, driver in drivers.items()))

    run('first')
    run('second')
    run('absent', extra={'multicloud_folder_state': 'absent'})
    return found


def folder_objects():
    return dict(('site/' + path.relative_to(SITE).as_posix(), hashlib.sha256(path.read_bytes()).hexdigest())
                for path in sorted(SITE.rglob('*')) if path.is_file())


def test_the_same_folder_lands_in_every_store(runs):
    first, stores = runs['first']
    wanted = folder_objects()
    assert len(wanted) >= 3
    assert stores['demo-aws'] == wanted
    assert stores['demo-swift'] == wanted  # site/removed.html is gone: delete_extra
    assert stores['demo-azure'] == dict(wanted, **{'notes.txt': hashlib.sha256(b'not part of the folder\n').hexdigest()})
    syncs = first.result('Sync the folder into each store')['results']
    assert [item['multicloud_folder_cloud'] for item in syncs] == list(CLOUDS)
    assert all(item['changed'] and sorted(item['uploaded']) == sorted(wanted) for item in syncs)
    assert [item['deleted'] for item in syncs] == [[], ['site/removed.html'], []]
    assert first.result('Check that every store holds the same objects')['msg'] == '%s hold the same %d objects' % (
        ', '.join(CLOUDS), len(wanted))


def test_the_second_run_changes_nothing(runs):
    second, stores = runs['second']
    assert second.stats['changed'] == 0, second.stats
    assert all(item['unchanged'] and not item['uploaded'] for item in second.result('Sync the folder into each store')['results'])
    assert stores == runs['first'][1]


def test_absent_removes_the_folder_and_keeps_a_bucket_that_holds_more(runs):
    removed, stores = runs['absent']
    assert [item['deleted'] for item in removed.result('Delete the objects under the prefix in each store')['results']] == [
        sorted(folder_objects())] * 3
    deleted = removed.result('Delete each bucket that holds nothing else')['results']
    assert [(item['multicloud_folder_leftover']['multicloud_folder_cloud'], item.get('skipped', False)) for item in deleted] == [
        ('demo-aws', False), ('demo-swift', False), ('demo-azure', True)]
    assert stores == {'demo-aws': None, 'demo-swift': None,
                      'demo-azure': {'notes.txt': hashlib.sha256(b'not part of the folder\n').hexdigest()}}
