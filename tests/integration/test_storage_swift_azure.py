# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""libcloud_bucket, libcloud_bucket_object and libcloud_bucket_object_info on OpenStack Swift (the real server) and
Azure Blobs (Azurite).

One playbook per store runs every step, both stores at once; between steps a task runs this file as a script that
records the store's real state through libcloud's own driver (never through the collection), so each step is
checked independently of the module's report. The snapshot tells a rewrite of the same bytes from no write at all:
Swift's listing dates each object to the microsecond, Azure gives every write a new ETag.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

if __name__ == '__main__':  # run as the snapshot script of the playbooks below
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.harness.azurite_cloud import AzuriteCloud  # noqa: E402
from tests.harness.swift_cloud import SwiftCloud  # noqa: E402

STORES = ('swift', 'azure')
BUCKET = 'storage-scenario'


def sha256(data):
    return hashlib.sha256(data if isinstance(data, bytes) else data.encode()).hexdigest()


def md5(data):
    return hashlib.md5(data if isinstance(data, bytes) else data.encode()).hexdigest()


def store_driver(kind, port):
    """libcloud's own driver for the store, as the harness builds it (the emulator already runs on ``port``)."""
    cloud = SwiftCloud() if kind == 'swift' else AzuriteCloud()
    cloud.port = int(port)
    return cloud.driver()


def snapshot(kind, port, bucket):
    """The bucket as the store holds it: {exists, objects: {name: {sha256, size, md5, version, metadata, content_type}}}."""
    from libcloud.storage.types import ContainerDoesNotExistError

    driver = store_driver(kind, port)
    try:
        container = driver.get_container(bucket)
    except ContainerDoesNotExistError:
        return {'exists': False, 'objects': {}}
    found = {}
    for listed in driver.iterate_container_objects(container):
        body = b''.join(driver.download_object_as_stream(listed))
        head = driver.get_object(bucket, listed.name)  # a Swift listing carries no metadata
        if kind == 'swift':
            content_md5, version = listed.hash, listed.extra['last_modified']
        else:
            content_md5, version = listed.extra['md5_hash'], listed.hash
        found[listed.name] = {'sha256': sha256(body), 'size': len(body), 'md5': content_md5, 'version': version,
                              'metadata': head.meta_data, 'content_type': head.extra['content_type']}
    return {'exists': True, 'objects': found}


def put_foreign(kind, port, bucket, name, text):
    """Write an object as another tool would: straight through libcloud, no sha256 in its metadata."""
    import tempfile

    driver = store_driver(kind, port)
    with tempfile.NamedTemporaryFile() as handle:
        handle.write(text.encode())
        handle.flush()
        driver.upload_object(handle.name, driver.get_container(bucket), name)
    return {}


if __name__ == '__main__':
    # Before pytest and ansible are imported: this runs once per snapshot.
    print(json.dumps({'snapshot': snapshot, 'put-foreign': put_foreign}[sys.argv[1]](*sys.argv[2:])))
    sys.exit(0)

import base64  # noqa: E402
import concurrent.futures  # noqa: E402
import stat  # noqa: E402

import pytest  # noqa: E402
import yaml  # noqa: E402

from tests.harness.ansible_run import run_playbook  # noqa: E402

TEXT_V1 = 'alpha, first version\n'
TEXT_V2 = 'alpha, second and longer version\n'
FOREIGN = 'written by another tool, no sha256 in its metadata\n'
BINARY = bytes(range(256)) * 4
# An empty file, and a name with a space and non-ASCII letters: both travel differently from a plain name.
ODD_NAME = 'sub dir/ünïcode.txt'
SITE_V1 = {'index.html': '<h1>home</h1>\n', 'about.html': '<p>about</p>\n', 'old.html': '<p>old</p>\n', 'empty.txt': '',
           ODD_NAME: 'odd\n'}
# The folder after one page was edited and another removed.
SITE_V2 = dict(SITE_V1, **{'index.html': '<h1>new home</h1>\n'})
del SITE_V2['old.html']
SITE_OBJECTS = sorted('site/' + page for page in SITE_V1)


class Store:
    def __init__(self, kind, cloud):
        self.kind = kind
        self.cloud = cloud
        self.entry = cloud.cloud_entry()
        # A metadata key that S3 keeps and this store would not: Swift drops headers holding "_", Azure wants C# identifiers.
        self.lost_metadata_key = 'build_id' if kind == 'swift' else 'build-id'

    def state(self, bucket=BUCKET):
        return snapshot(self.kind, self.cloud.port, bucket)

    def script_task(self, name, *args):
        argv = [sys.executable, str(Path(__file__).resolve()), args[0], self.kind, str(self.cloud.port)] + list(args[1:])
        return {'name': name, 'ansible.builtin.command': {'argv': argv}, 'changed_when': False}

    def snapshot_task(self, name, bucket=BUCKET):
        return self.script_task(name, 'snapshot', bucket)


def obj(task, **args):
    return {'name': task, 'cloudmesh.libcloud.libcloud_bucket_object': dict({'bucket': BUCKET}, **args), 'register': 'out'}


def bucket(task, **args):
    return {'name': task, 'cloudmesh.libcloud.libcloud_bucket': dict({'name': BUCKET}, **args), 'register': 'out'}


def info(task, **args):
    return {'name': task, 'cloudmesh.libcloud.libcloud_bucket_object_info': dict({'bucket': BUCKET}, **args), 'register': 'out'}


def upload(src, owner='alice', content_type='text/plain'):
    return {'name': 'docs/a.txt', 'src': str(src), 'metadata': {'owner': owner, 'team': 'storage'}, 'content_type': content_type}


def scenario_tasks(store, src, out):
    snap = store.snapshot_task
    v1, v2 = src / 'a-v1.txt', src / 'a-v2.txt'
    sync = dict(src=str(src / 'site-v1'), prefix='site/')
    sync_v2 = dict(src=str(src / 'site-v2'), prefix='site/')
    download = dict(name='foreign.txt', state='downloaded', dest=str(out / 'foreign.txt'), mode='0600')
    # Azure answers a lookup of a container name it does not allow with a bare 400; Swift allows these names.
    refused_names = [dict(bucket('refuse a container name Azure does not allow', name='Bad_Name'), check_mode=True, ignore_errors=True)]
    return refused_names * (store.kind == 'azure') + [
        dict(bucket('create bucket in check mode'), check_mode=True, diff=True),
        snap('state after bucket check mode'),
        bucket('create bucket'),
        bucket('create bucket again'),

        obj('upload', **upload(v1)),
        snap('state after upload'),
        obj('upload again', **upload(v1)),
        dict(obj('upload changed content in check mode', **upload(v2)), check_mode=True, diff=True),
        snap('state after check mode'),
        dict(obj('upload changed content', **upload(v2)), diff=True),
        snap('state after content change'),
        obj('change metadata', **upload(v2, owner='bob')),
        obj('change content type', **upload(v2, owner='bob', content_type='text/markdown')),
        obj('replace content keeping metadata and type', name='docs/a.txt', src=str(v1)),
        snap('state after metadata changes'),

        obj('inline content', name='notes/hello.txt', content='hello\n'),
        obj('inline content again', name='notes/hello.txt', content='hello\n'),
        obj('inline content changed', name='notes/hello.txt', content='hello again\n'),
        obj('inline base64', name='notes/bin.dat', content_base64=base64.b64encode(BINARY).decode()),
        dict(obj('refuse a metadata key the store would lose', name='notes/bad.txt', content='x', metadata={store.lost_metadata_key: '1'}),
             ignore_errors=True),
        snap('state after inline content'),

        # An object without the sha256 that the collection stores: only the store's content MD5 can tell it unchanged.
        store.script_task('another tool writes an object', 'put-foreign', BUCKET, 'foreign.txt', FOREIGN),
        obj('upload the same bytes over a foreign object', name='foreign.txt', content=FOREIGN),
        dict(obj('download in check mode', **download), check_mode=True, diff=True),
        obj('download', **download),
        obj('download again', **download),
        {'name': 'spoil the download', 'ansible.builtin.copy': {'content': 'garbage', 'dest': download['dest'], 'mode': '0600'}},
        dict(obj('download repairs', **download), diff=True),

        info('info on one object', name='docs/a.txt'),
        info('info on a prefix', prefix='notes/'),
        info('info on a prefix with details', prefix='notes/', details=True),

        obj('sync', **sync),
        snap('state after sync'),
        obj('sync a changed folder without delete_extra', **sync_v2),
        snap('state after sync without delete_extra'),
        dict(obj('sync with delete_extra in check mode', delete_extra=True, **sync_v2), check_mode=True, diff=True),
        snap('state after sync in check mode'),
        obj('sync with delete_extra', delete_extra=True, **sync_v2),
        obj('sync with delete_extra again', delete_extra=True, **sync_v2),
        snap('state after sync with delete_extra'),

        obj('delete', name='docs/a.txt', state='absent'),
        obj('delete again', name='docs/a.txt', state='absent'),
        dict(obj('prefix delete in check mode', prefix='notes/', state='absent'), check_mode=True, diff=True),
        obj('prefix delete', prefix='notes/', state='absent'),
        snap('state after deletes'),

        dict(bucket('delete bucket without force', state='absent'), ignore_errors=True),
        dict(bucket('delete bucket with force in check mode', state='absent', force=True), check_mode=True, diff=True),
        snap('state after refused bucket deletes'),
        bucket('delete bucket with force', state='absent', force=True),
        bucket('delete bucket again', state='absent'),
    ]


def write_files(folder, files):
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)


def run_scenario(store, workdir):
    src, out = workdir / 'src', workdir / 'out'
    write_files(src, {'a-v1.txt': TEXT_V1, 'a-v2.txt': TEXT_V2})
    write_files(src / 'site-v1', SITE_V1)
    write_files(src / 'site-v2', SITE_V2)
    out.mkdir()
    play = [{'hosts': 'localhost', 'gather_facts': False,
             'module_defaults': {'group/cloudmesh.libcloud.libcloud': {'cloud': store.entry}},
             'tasks': scenario_tasks(store, src, out)}]
    # Pipelining only saves each task a temporary folder on the controller: the modules run as they would without it.
    return run_playbook(yaml.safe_dump(play, sort_keys=False) + '\n', workdir, env={'ANSIBLE_PIPELINING': '1'})


@pytest.fixture(scope='module')
def scenarios(swift_cloud, azurite_cloud, tmp_path_factory):
    """Both stores' playbooks, run at the same time; {kind: (store, run, out folder)}."""
    stores = {'swift': Store('swift', swift_cloud), 'azure': Store('azure', azurite_cloud)}
    for store in stores.values():
        store.cloud.reset()
    workdirs = dict((kind, tmp_path_factory.mktemp('storage-%s' % kind)) for kind in STORES)
    with concurrent.futures.ThreadPoolExecutor(len(STORES)) as pool:
        runs = dict((kind, pool.submit(run_scenario, stores[kind], workdirs[kind])) for kind in STORES)
        runs = dict((kind, future.result()) for kind, future in runs.items())
    for kind, run in runs.items():
        failed = [(name, result.get('msg')) for name, result in run.task_results() if result.get('failed')]
        assert run.rc == 0, '%s: %s' % (kind, failed or run.output[-4000:])
    return dict((kind, (stores[kind], runs[kind], workdirs[kind] / 'out')) for kind in STORES)


@pytest.fixture(params=STORES)
def scenario(request, scenarios):
    return scenarios[request.param]


def state(run, task):
    return json.loads(run.result(task)['stdout'])


def objects(run, task):
    return state(run, task)['objects']


def test_bucket_present_is_idempotent_and_check_mode_creates_nothing(scenario):
    _store, run, _out = scenario
    predicted = run.result('create bucket in check mode')
    assert predicted['changed'] is True
    assert predicted['diff']['before']['exists'] is False and predicted['diff']['after']['exists'] is True
    assert state(run, 'state after bucket check mode') == {'exists': False, 'objects': {}}
    created = run.result('create bucket')
    assert created['changed'] is True and created['bucket'] == dict(created['bucket'], name=BUCKET, exists=True)
    assert run.result('create bucket again')['changed'] is False
    assert state(run, 'state after upload')['exists'] is True


def test_azure_container_names_are_checked_before_any_request(scenarios):
    _store, run, _out = scenarios['azure']
    refused = run.result('refuse a container name Azure does not allow')
    assert refused['failed'] is True
    assert refused['msg'] == ("invalid bucket name 'Bad_Name': Azure container names have 3 to 63 characters: lower-case letters, "
                              "digits and hyphens, starting and ending with a letter or a digit, no two hyphens in a row")


def test_upload_from_a_file_then_unchanged_rerun(scenario):
    _store, run, _out = scenario
    result = run.result('upload')
    assert result['changed'] is True
    assert result['object']['sha256'] == sha256(TEXT_V1) and result['object']['size'] == len(TEXT_V1)
    assert result['object']['metadata'] == {'owner': 'alice', 'team': 'storage'} and result['object']['content_type'] == 'text/plain'
    stored = objects(run, 'state after upload')
    assert list(stored) == ['docs/a.txt']
    assert stored['docs/a.txt']['sha256'] == sha256(TEXT_V1) and stored['docs/a.txt']['md5'] == md5(TEXT_V1)
    # The sha256 is stored beside the user's metadata, which round-trips as given.
    assert stored['docs/a.txt']['metadata'] == {'owner': 'alice', 'team': 'storage', 'sha256': sha256(TEXT_V1)}
    assert stored['docs/a.txt']['content_type'] == 'text/plain'
    again = run.result('upload again')
    assert again['changed'] is False and again['object']['sha256'] == sha256(TEXT_V1)
    # Taken after the re-run and a check-mode run: neither wrote anything, not even the same bytes (same version).
    assert objects(run, 'state after check mode') == stored


def test_check_mode_and_diff_of_a_content_change(scenario):
    _store, run, _out = scenario
    predicted = run.result('upload changed content in check mode')
    assert predicted['changed'] is True
    assert predicted['diff']['before']['sha256'] == sha256(TEXT_V1) and predicted['diff']['before']['size'] == len(TEXT_V1)
    assert predicted['diff']['after']['sha256'] == sha256(TEXT_V2) and predicted['diff']['after']['size'] == len(TEXT_V2)
    assert predicted['diff']['before']['metadata'] == predicted['diff']['after']['metadata'] == {'owner': 'alice', 'team': 'storage'}
    changed = run.result('upload changed content')
    assert changed['changed'] is True and changed['diff']['after']['sha256'] == sha256(TEXT_V2)
    stored = objects(run, 'state after content change')['docs/a.txt']
    assert stored['sha256'] == sha256(TEXT_V2) and stored['md5'] == md5(TEXT_V2)
    assert stored['metadata'] == {'owner': 'alice', 'team': 'storage', 'sha256': sha256(TEXT_V2)}


def test_metadata_and_content_type_round_trip(scenario):
    _store, run, _out = scenario
    assert run.result('change metadata')['changed'] is True
    changed_type = run.result('change content type')
    assert changed_type['changed'] is True and changed_type['object']['content_type'] == 'text/markdown'
    # New content without metadata or content_type keeps the stored ones.
    kept = run.result('replace content keeping metadata and type')
    assert kept['changed'] is True
    assert kept['object']['metadata'] == {'owner': 'bob', 'team': 'storage'} and kept['object']['content_type'] == 'text/markdown'
    stored = objects(run, 'state after metadata changes')['docs/a.txt']
    assert stored['sha256'] == sha256(TEXT_V1)
    assert stored['metadata'] == {'owner': 'bob', 'team': 'storage', 'sha256': sha256(TEXT_V1)}
    assert stored['content_type'] == 'text/markdown'


def test_inline_content(scenario):
    _store, run, _out = scenario
    assert run.result('inline content')['changed'] is True
    assert run.result('inline content again')['changed'] is False
    assert run.result('inline content changed')['changed'] is True
    assert run.result('inline base64')['changed'] is True
    stored = objects(run, 'state after inline content')
    assert 'notes/bad.txt' not in stored
    assert stored['notes/hello.txt']['sha256'] == sha256('hello again\n')
    assert stored['notes/hello.txt']['content_type'] == 'text/plain'  # guessed from the name
    assert stored['notes/bin.dat']['sha256'] == sha256(BINARY) and stored['notes/bin.dat']['size'] == len(BINARY)


def test_a_metadata_key_the_store_would_lose_is_refused(scenario):
    store, run, _out = scenario
    refused = run.result('refuse a metadata key the store would lose')
    assert refused['failed'] is True
    rule = ('Swift drops metadata keys that hold "_" (its servers ignore such headers); use "-" instead' if store.kind == 'swift' else
            'Azure metadata keys must be C# identifiers: letters, digits and "_", not starting with a digit')
    assert refused['msg'] == 'invalid metadata key %r: %s' % (store.lost_metadata_key, rule)


def test_an_object_written_by_another_tool_is_compared_by_its_md5(scenario):
    """No sha256 in its metadata: the store's content MD5 decides (on Azure not the ETag, which is no content hash)."""
    _store, run, _out = scenario
    assert run.result('upload the same bytes over a foreign object')['changed'] is False
    assert run.result('download again')['changed'] is False
    assert objects(run, 'state after sync')['foreign.txt']['metadata'] == {}  # nothing rewrote it


def test_download_is_atomic_and_idempotent(scenario):
    _store, run, out = scenario
    predicted = run.result('download in check mode')
    assert predicted['changed'] is True and predicted['diff']['before']['exists'] is False
    assert predicted['diff']['after']['size'] == len(FOREIGN)
    downloaded = run.result('download')
    assert downloaded['changed'] is True  # so the check-mode run wrote nothing
    assert downloaded['object']['sha256'] == sha256(FOREIGN) and downloaded['dest'] == str(out / 'foreign.txt')
    assert run.result('download again')['changed'] is False
    repaired = run.result('download repairs')
    assert repaired['changed'] is True
    assert repaired['diff']['before']['sha256'] == sha256('garbage') and repaired['diff']['after']['size'] == len(FOREIGN)
    assert (out / 'foreign.txt').read_text() == FOREIGN
    assert stat.S_IMODE((out / 'foreign.txt').stat().st_mode) == 0o600
    assert sorted(path.name for path in out.iterdir()) == ['foreign.txt']  # no temporary file left


def test_info_module(scenario):
    store, run, _out = scenario
    (one,) = run.result('info on one object')['objects']
    assert one['name'] == 'docs/a.txt' and one['size'] == len(TEXT_V1) and one['sha256'] == sha256(TEXT_V1)
    assert one['metadata'] == {'owner': 'bob', 'team': 'storage'} and one['content_type'] == 'text/markdown'
    stored = objects(run, 'state after inline content')
    listed = run.result('info on a prefix')['objects']
    assert [(item['name'], item['size']) for item in listed] == [('notes/bin.dat', len(BINARY)), ('notes/hello.txt', len('hello again\n'))]
    if store.kind == 'swift':
        # A Swift listing's hash is the content MD5; it carries no metadata (that takes a HEAD each: details).
        assert [item['hash'] for item in listed] == [md5(BINARY), md5('hello again\n')]
        assert [item['metadata'] for item in listed] == [None, None]
    else:
        # An Azure listing's hash is the ETag (a version), and it carries metadata and content type.
        assert [item['hash'] for item in listed] == [stored[item['name']]['version'].strip('"') for item in listed]
        assert [item['sha256'] for item in listed] == [sha256(BINARY), sha256('hello again\n')]
        assert [item['content_type'] for item in listed] == ['application/octet-stream', 'text/plain']
    detailed = run.result('info on a prefix with details')['objects']
    assert [item['sha256'] for item in detailed] == [sha256(BINARY), sha256('hello again\n')]
    assert [item['metadata'] for item in detailed] == [{}, {}]
    assert [item['content_type'] for item in detailed] == ['application/octet-stream', 'text/plain']


def test_folder_sync_and_delete_extra(scenario):
    _store, run, _out = scenario
    first = run.result('sync')
    assert first['changed'] is True and first['uploaded'] == SITE_OBJECTS
    synced = objects(run, 'state after sync')
    assert dict((name, synced[name]['sha256']) for name in synced if name.startswith('site/')) == dict(
        ('site/' + page, sha256(text)) for page, text in SITE_V1.items())
    assert synced['site/index.html']['content_type'] == 'text/html'
    assert synced['site/empty.txt']['size'] == 0 and synced['site/empty.txt']['md5'] == md5(b'')

    kept = run.result('sync a changed folder without delete_extra')
    assert kept['changed'] is True and kept['uploaded'] == ['site/index.html'] and kept['deleted'] == []
    assert 'site/old.html' in objects(run, 'state after sync without delete_extra')

    predicted = run.result('sync with delete_extra in check mode')
    assert predicted['changed'] is True and (predicted['uploaded'], predicted['deleted']) == ([], ['site/old.html'])
    assert list(predicted['diff']['before']) == ['site/old.html'] and predicted['diff']['after'] == {}
    assert objects(run, 'state after sync in check mode') == objects(run, 'state after sync without delete_extra')

    pruned = run.result('sync with delete_extra')
    assert pruned['changed'] is True and pruned['uploaded'] == [] and pruned['deleted'] == ['site/old.html']
    again = run.result('sync with delete_extra again')
    assert again['changed'] is False and again['deleted'] == [] and again['uploaded'] == []
    assert again['unchanged'] == [name for name in SITE_OBJECTS if name != 'site/old.html']
    stored = objects(run, 'state after sync with delete_extra')
    assert dict((name, stored[name]['sha256']) for name in stored if name.startswith('site/')) == dict(
        ('site/' + page, sha256(text)) for page, text in SITE_V2.items())
    assert 'docs/a.txt' in stored and 'foreign.txt' in stored  # outside the prefix: never touched


def test_object_and_prefix_delete(scenario):
    _store, run, _out = scenario
    assert run.result('delete')['changed'] is True
    assert run.result('delete again')['changed'] is False
    predicted = run.result('prefix delete in check mode')
    assert predicted['changed'] is True and predicted['deleted'] == ['notes/bin.dat', 'notes/hello.txt']
    assert sorted(predicted['diff']['before']) == ['notes/bin.dat', 'notes/hello.txt'] and predicted['diff']['after'] == {}
    deleted = run.result('prefix delete')
    assert deleted['changed'] is True and deleted['deleted'] == ['notes/bin.dat', 'notes/hello.txt']
    remaining = objects(run, 'state after deletes')
    assert sorted(remaining) == sorted(['foreign.txt'] + ['site/' + page for page in SITE_V2])


def test_bucket_absent(scenario):
    store, run, _out = scenario
    refused = run.result('delete bucket without force')
    assert refused['failed'] is True
    assert refused['msg'] == "bucket '%s' is not empty: set force=true to delete its objects first" % BUCKET
    predicted = run.result('delete bucket with force in check mode')
    assert predicted['changed'] is True and predicted['diff']['after']['exists'] is False
    assert state(run, 'state after refused bucket deletes')['exists'] is True
    deleted = run.result('delete bucket with force')
    assert deleted['changed'] is True and deleted['bucket']['exists'] is False
    assert run.result('delete bucket again')['changed'] is False
    assert store.state() == {'exists': False, 'objects': {}}
