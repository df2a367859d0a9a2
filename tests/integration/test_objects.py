# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""libcloud_bucket_object and its info module on S3 (moto, through libcloud's S3 driver) and on LOCAL.

One playbook per backend runs every step; between steps a task runs this file as a script that records the
server's real state (boto3 for S3, the filesystem for LOCAL), so each step is checked independently of the
module's own report.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
import sys
from pathlib import Path

import pytest
import yaml

if __name__ == '__main__':  # run as the snapshot script of the playbooks below
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.harness.ansible_run import run_playbook  # noqa: E402
from tests.harness.local_cloud import TEST_KEY, TEST_SECRET  # noqa: E402

BUCKET = 'objects-scenario'
MIB = 1024 * 1024
BIG_SIZE = 17 * MIB  # above the 16 MiB multipart threshold
TEXT_V1 = 'alpha, first version\n'
TEXT_V2 = 'alpha, second and longer version\n'
BINARY = bytes(range(256)) * 4
SITE = {'index.html': '<h1>home</h1>\n', 'about.html': '<p>about</p>\n', 'old.html': '<p>old</p>\n'}


def sha256(data):
    return hashlib.sha256(data if isinstance(data, bytes) else data.encode()).hexdigest()


def snapshot(kind, location, bucket):
    """The bucket as the server holds it: {exists, objects: {name: {sha256, size, ...}}}."""
    if kind == 'local':
        folder = Path(location, bucket)
        if not folder.is_dir():
            return {'exists': False, 'objects': {}}
        # Every file, hidden staging folders included: a leftover must show up here. The inode and the mtime tell a
        # rewrite of the same bytes from no write at all.
        return {'exists': True, 'objects': {
            path.relative_to(folder).as_posix(): {'sha256': sha256(path.read_bytes()), 'size': path.stat().st_size,
                                                  'inode': path.stat().st_ino, 'mtime_ns': path.stat().st_mtime_ns}
            for path in sorted(folder.rglob('*')) if path.is_file()}}
    import boto3
    import botocore.exceptions

    client = boto3.client('s3', endpoint_url=location, region_name='us-east-1', aws_access_key_id=TEST_KEY,
                          aws_secret_access_key=TEST_SECRET)
    try:
        client.head_bucket(Bucket=bucket)
    except botocore.exceptions.ClientError:
        return {'exists': False, 'objects': {}}
    found = {}
    for page in client.get_paginator('list_objects_v2').paginate(Bucket=bucket):
        for item in page.get('Contents', []):
            got = client.get_object(Bucket=bucket, Key=item['Key'])
            body = got['Body'].read()
            # The ETag and the last-modified time tell a rewrite of the same bytes from no write at all.
            found[item['Key']] = {'sha256': sha256(body), 'size': len(body), 'etag': item['ETag'].strip('"'),
                                  'last_modified': got['LastModified'].isoformat(),
                                  'metadata': got['Metadata'], 'content_type': got['ContentType']}
    return {'exists': True, 'objects': found}


class Backend:
    def __init__(self, kind, entry, location):
        self.kind = kind
        self.entry = entry
        self.location = str(location)

    def state(self, bucket):
        return snapshot(self.kind, self.location, bucket)

    def snapshot_task(self, name, bucket):
        argv = [sys.executable, str(Path(__file__).resolve()), self.kind, self.location, bucket]
        return {'name': name, 'ansible.builtin.command': {'argv': argv}, 'changed_when': False}


def make_backend(kind, local_cloud, root):
    if kind == 's3':
        return Backend('s3', local_cloud.s3_cloud_entry(), local_cloud.endpoint_url)
    root.mkdir()
    return Backend('local', {'storage_provider': 'local', 'key': str(root)}, root)


def obj(task, **args):
    return {'name': task, 'cloudmesh.libcloud.libcloud_bucket_object': args, 'register': 'out'}


def scenario_tasks(backend, src, out):
    snap = backend.snapshot_task
    upload = dict(bucket=BUCKET, name='docs/a.txt', src=str(src / 'a.txt'), metadata={'owner': 'alice'}, content_type='text/plain')
    new_owner = dict(upload)
    new_owner['metadata'] = {'owner': 'bob'}
    sync = dict(bucket=BUCKET, src=str(src / 'site'), prefix='site/')
    return [
        {'name': 'create bucket', 'cloudmesh.libcloud.libcloud_bucket': {'name': BUCKET}},
        obj('upload', **upload),
        snap('state after upload', BUCKET),
        # S3's last-modified time counts whole seconds: a rewrite after this pause would show in it.
        {'name': 'let a second pass', 'ansible.builtin.pause': {'seconds': 1}},
        obj('upload again', **upload),
        snap('state after upload again', BUCKET),
        {'name': 'edit the file', 'ansible.builtin.copy': {'content': TEXT_V2, 'dest': str(src / 'a.txt')}},
        dict(obj('upload changed content in check mode', **upload), check_mode=True, diff=True),
        snap('state after check mode', BUCKET),
        obj('upload changed content', **upload),
        snap('state after content change', BUCKET),
        obj('change metadata', **new_owner),
        snap('state after metadata change', BUCKET),
        obj('upload large file', bucket=BUCKET, name='big.bin', src=str(src / 'big.bin')),
        obj('upload large file again', bucket=BUCKET, name='big.bin', src=str(src / 'big.bin')),
        obj('inline content', bucket=BUCKET, name='notes/hello.txt', content='hello\n'),
        obj('inline content again', bucket=BUCKET, name='notes/hello.txt', content='hello\n'),
        obj('inline base64', bucket=BUCKET, name='notes/bin.dat', content_base64=base64.b64encode(BINARY).decode()),
        snap('state after inline content', BUCKET),
        dict(obj('download in check mode', bucket=BUCKET, name='docs/a.txt', state='downloaded', dest=str(out / 'a.txt')),
             check_mode=True, diff=True),
        obj('download', bucket=BUCKET, name='docs/a.txt', state='downloaded', dest=str(out / 'a.txt'), mode='0600'),
        obj('download again', bucket=BUCKET, name='docs/a.txt', state='downloaded', dest=str(out / 'a.txt'), mode='0600'),
        {'name': 'spoil the download', 'ansible.builtin.copy': {'content': 'garbage', 'dest': str(out / 'a.txt'), 'mode': '0600'}},
        obj('download repairs', bucket=BUCKET, name='docs/a.txt', state='downloaded', dest=str(out / 'a.txt'), mode='0600'),
        obj('download large file', bucket=BUCKET, name='big.bin', state='downloaded', dest=str(out / 'big.bin')),
        {'name': 'info on one object', 'cloudmesh.libcloud.libcloud_bucket_object_info': {'bucket': BUCKET, 'name': 'docs/a.txt'},
         'register': 'out'},
        {'name': 'info on a prefix with details', 'register': 'out',
         'cloudmesh.libcloud.libcloud_bucket_object_info': {'bucket': BUCKET, 'prefix': 'notes/', 'details': True}},
        obj('delete', bucket=BUCKET, name='docs/a.txt', state='absent'),
        obj('delete again', bucket=BUCKET, name='docs/a.txt', state='absent'),
        dict(obj('prefix delete in check mode', bucket=BUCKET, prefix='notes/', state='absent'), check_mode=True, diff=True),
        obj('prefix delete', bucket=BUCKET, prefix='notes/', state='absent'),
        snap('state after prefix delete', BUCKET),
        obj('prefix delete again', bucket=BUCKET, prefix='notes/', state='absent'),
        obj('sync', **sync),
        snap('state after sync', BUCKET),
        {'name': 'edit one page and remove another', 'ansible.builtin.shell': {
            'cmd': 'printf "<h1>new home</h1>\\n" > index.html && rm old.html', 'chdir': str(src / 'site')}},
        dict(obj('sync in check mode', delete_extra=True, **sync), check_mode=True),
        snap('state after sync in check mode', BUCKET),
        obj('sync after edits', delete_extra=True, **sync),
        obj('sync again', delete_extra=True, **sync),
    ]


@pytest.fixture(scope='module', params=['s3', 'local'])
def scenario(request, local_cloud, tmp_path_factory):
    workdir = tmp_path_factory.mktemp('objects-%s' % request.param)
    backend = make_backend(request.param, local_cloud, workdir / 'store')
    src, out = workdir / 'src', workdir / 'out'
    (src / 'site').mkdir(parents=True)
    out.mkdir()
    (src / 'a.txt').write_text(TEXT_V1)
    big = os.urandom(BIG_SIZE)
    (src / 'big.bin').write_bytes(big)
    for page, text in SITE.items():
        (src / 'site' / page).write_text(text)
    play = [{'hosts': 'localhost', 'gather_facts': False,
             'module_defaults': {'group/cloudmesh.libcloud.libcloud': {'cloud': backend.entry}},
             'tasks': scenario_tasks(backend, src, out)}]
    run = run_playbook(yaml.safe_dump(play, sort_keys=False) + '\n', workdir)
    assert run.rc == 0, run.output[-4000:]
    # The last step changes nothing: the final state is the state after the sync with edits.
    final_state = backend.state(BUCKET)['objects']
    return backend, run, out, sha256(big), final_state


def state(run, task):
    return json.loads(run.result(task)['stdout'])['objects']


def test_upload_then_unchanged_reruns(scenario):
    backend, run, _out, _big, _final = scenario
    assert run.result('create bucket')['changed'] is True
    result = run.result('upload')
    assert result['changed'] is True
    assert result['object']['sha256'] == sha256(TEXT_V1) and result['object']['size'] == len(TEXT_V1)
    # Taken after the unchanged re-run and a check-mode run: neither wrote anything.
    stored = state(run, 'state after check mode')
    assert list(stored) == ['docs/a.txt'] and stored['docs/a.txt']['sha256'] == sha256(TEXT_V1)
    if backend.kind == 's3':
        assert stored['docs/a.txt']['metadata'] == {'owner': 'alice', 'sha256': sha256(TEXT_V1)}
        assert stored['docs/a.txt']['content_type'] == 'text/plain'
        assert stored['docs/a.txt']['etag'] == hashlib.md5(TEXT_V1.encode()).hexdigest()  # a single PUT
        assert result['object']['metadata'] == {'owner': 'alice'}
    # The re-run wrote nothing: not even the same bytes again (ETag and last-modified time, inode and mtime).
    assert state(run, 'state after upload again') == state(run, 'state after upload')
    assert run.result('upload again')['changed'] is False


def test_check_mode_predicts_a_content_change_and_writes_nothing(scenario):
    _backend, run, _out, _big, _final = scenario
    result = run.result('upload changed content in check mode')
    assert result['changed'] is True
    assert result['diff']['before']['sha256'] == sha256(TEXT_V1)
    assert result['diff']['after']['sha256'] == sha256(TEXT_V2)
    assert state(run, 'state after check mode')['docs/a.txt']['sha256'] == sha256(TEXT_V1)


def test_content_change(scenario):
    backend, run, _out, _big, _final = scenario
    assert run.result('upload changed content')['changed'] is True
    stored = state(run, 'state after content change')['docs/a.txt']
    assert stored['sha256'] == sha256(TEXT_V2)
    if backend.kind == 's3':
        assert stored['metadata'] == {'owner': 'alice', 'sha256': sha256(TEXT_V2)}


def test_metadata_change(scenario):
    backend, run, _out, _big, _final = scenario
    result = run.result('change metadata')
    stored = state(run, 'state after metadata change')['docs/a.txt']
    assert stored['sha256'] == sha256(TEXT_V2)
    if backend.kind == 's3':
        assert result['changed'] is True
        assert stored['metadata'] == {'owner': 'bob', 'sha256': sha256(TEXT_V2)}
    else:
        # LOCAL stores no metadata: no change on every run, but a warning.
        assert result['changed'] is False
        assert any('stores no metadata' in warning for warning in result['warnings'])


def test_large_file_streams_and_compares_by_stored_sha256(scenario):
    backend, run, out, big_sha256, _final = scenario
    assert run.result('upload large file')['changed'] is True
    assert run.result('upload large file again')['changed'] is False
    stored = state(run, 'state after inline content')['big.bin']
    assert stored['sha256'] == big_sha256 and stored['size'] == BIG_SIZE
    if backend.kind == 's3':
        assert stored['etag'].endswith('-4')  # a multipart upload: the ETag is no content hash
        assert stored['metadata'] == {'sha256': big_sha256}
    assert run.result('download large file')['changed'] is True
    assert sha256((out / 'big.bin').read_bytes()) == big_sha256


def test_inline_content(scenario):
    _backend, run, _out, _big, _final = scenario
    assert run.result('inline content')['changed'] is True
    assert run.result('inline content again')['changed'] is False
    assert run.result('inline base64')['changed'] is True
    stored = state(run, 'state after inline content')
    assert stored['notes/hello.txt']['sha256'] == sha256('hello\n')
    assert stored['notes/bin.dat']['sha256'] == sha256(BINARY)


def test_download(scenario):
    _backend, run, out, _big, _final = scenario
    predicted = run.result('download in check mode')
    assert predicted['changed'] is True and predicted['diff']['before']['exists'] is False
    assert predicted['diff']['after']['sha256'] == sha256(TEXT_V2)
    assert run.result('download')['changed'] is True  # so the check-mode run wrote nothing
    assert run.result('download again')['changed'] is False
    assert run.result('download repairs')['changed'] is True
    assert (out / 'a.txt').read_text() == TEXT_V2
    assert stat.S_IMODE((out / 'a.txt').stat().st_mode) == 0o600
    assert run.result('download')['object']['sha256'] == sha256(TEXT_V2)
    assert sorted(path.name for path in out.iterdir()) == ['a.txt', 'big.bin']  # no temporary file left


def test_info(scenario):
    backend, run, _out, _big, _final = scenario
    (one,) = run.result('info on one object')['objects']
    assert one['name'] == 'docs/a.txt' and one['sha256'] == sha256(TEXT_V2) and one['size'] == len(TEXT_V2)
    listed = run.result('info on a prefix with details')['objects']
    assert [item['name'] for item in listed] == ['notes/bin.dat', 'notes/hello.txt']
    assert [item['sha256'] for item in listed] == [sha256(BINARY), sha256('hello\n')]
    if backend.kind == 's3':
        assert one['metadata'] == {'owner': 'bob'} and one['content_type'] == 'text/plain'


def test_delete_and_prefix_delete(scenario):
    _backend, run, _out, _big, _final = scenario
    assert run.result('delete')['changed'] is True
    assert run.result('delete again')['changed'] is False
    predicted = run.result('prefix delete in check mode')
    assert predicted['changed'] is True and predicted['deleted'] == ['notes/bin.dat', 'notes/hello.txt']
    assert sorted(predicted['diff']['before']) == ['notes/bin.dat', 'notes/hello.txt'] and predicted['diff']['after'] == {}
    result = run.result('prefix delete')  # deletes both: the check-mode run deleted nothing
    assert result['changed'] is True and result['deleted'] == ['notes/bin.dat', 'notes/hello.txt']
    assert sorted(state(run, 'state after prefix delete')) == ['big.bin']
    again = run.result('prefix delete again')
    assert again['changed'] is False and again['deleted'] == []


def test_directory_sync_with_one_edit_and_one_local_deletion(scenario):
    backend, run, _out, _big, final_state = scenario
    first = run.result('sync')
    assert first['changed'] is True
    assert first['uploaded'] == ['site/about.html', 'site/index.html', 'site/old.html']
    synced = state(run, 'state after sync')
    assert dict((name, synced[name]['sha256']) for name in synced if name.startswith('site/')) == dict(
        ('site/' + page, sha256(text)) for page, text in SITE.items())

    predicted = run.result('sync in check mode')
    assert predicted['changed'] is True
    assert (predicted['uploaded'], predicted['deleted']) == (['site/index.html'], ['site/old.html'])
    assert state(run, 'state after sync in check mode') == synced

    result = run.result('sync after edits')
    assert result['changed'] is True
    assert (result['uploaded'], result['unchanged'], result['deleted']) == (['site/index.html'], ['site/about.html'], ['site/old.html'])
    stored = final_state
    assert sorted(stored) == ['big.bin', 'site/about.html', 'site/index.html']
    assert stored['site/index.html']['sha256'] == sha256('<h1>new home</h1>\n')
    if backend.kind == 's3':
        assert stored['site/index.html']['content_type'] == 'text/html'

    again = run.result('sync again')
    assert again['changed'] is False and again['uploaded'] == [] and again['deleted'] == []
    assert again['unchanged'] == ['site/about.html', 'site/index.html']


if __name__ == '__main__':
    print(json.dumps(snapshot(*sys.argv[1:4])))
