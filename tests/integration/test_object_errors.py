# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input gives one clear line; interrupted downloads and failed uploads leave nothing half-written."""

from __future__ import annotations

import json
import os
import resource
import socket
import socketserver
import subprocess
import threading

import pytest
import yaml

from tests.harness.ansible_run import BIN_DIR, PlaybookRun, ansible_env, run_playbook
from tests.harness.local_cloud import TEST_KEY, TEST_SECRET, seed_object_stores

S3_BUCKET = 'object-errors'
MIB = 1024 * 1024


def play(tasks, defaults=None):
    return yaml.safe_dump([{'hosts': 'localhost', 'gather_facts': False,
                            'module_defaults': {'group/cloudmesh.libcloud.libcloud': defaults or {}},
                            'tasks': tasks}], sort_keys=False) + '\n'


def failing(task, module='libcloud_bucket_object', **args):
    return {'name': task, 'cloudmesh.libcloud.' + module: args, 'ignore_errors': True}


def unwritable_folder(tmp_path):
    """A folder that this user cannot create files in (root ignores permission bits, but not sysfs)."""
    if os.geteuid() == 0:
        return '/sys/kernel'
    folder = tmp_path / 'read-only'
    folder.mkdir()
    folder.chmod(0o500)
    return str(folder)


@pytest.fixture(scope='module')
def bad_input_run(local_cloud, tmp_path_factory):
    workdir = tmp_path_factory.mktemp('object-errors')
    store = seed_object_stores(local_cloud, workdir, S3_BUCKET)
    local = {'cloud': {'storage_provider': 'local', 'key': str(store)}}
    s3 = {'cloud': local_cloud.s3_cloud_entry()}
    src = str(workdir / 'src.txt')
    tasks = [
        failing('missing src', bucket='bucket', name='x', **local),
        failing('src and content', bucket='bucket', name='x', src=src, content='x', **local),
        failing('src that does not exist', bucket='bucket', name='x', src=str(workdir / 'nope'), **local),
        failing('invalid base64', bucket='bucket', name='x', content_base64='@@@ not base64 @@@', **local),
        failing('missing bucket on s3', bucket='no-such-bucket', name='x', content='x', **s3),
        failing('missing bucket on local', bucket='no-such-bucket', name='x', content='x', **local),
        failing('unwritable dest folder', bucket='bucket', name='a.txt', state='downloaded',
                dest=os.path.join(unwritable_folder(workdir), 'a.txt'), **local),
        failing('unwritable dest folder on s3', bucket=S3_BUCKET, name='a.txt', state='downloaded',
                dest=os.path.join(unwritable_folder(workdir), 'a.txt'), **s3),
        failing('empty name', bucket='bucket', name='', content='x', **local),
        failing('empty name on s3', bucket=S3_BUCKET, name='', content='x', **s3),
        failing('parent segments on local', bucket='bucket', name='../../escaped.txt', content='x', **local),
        failing('absolute path on local', bucket='bucket', name=str(workdir / 'escaped.txt'), content='x', **local),
        failing('download of a path-escaping name', bucket='bucket', name='../bucket/a.txt', state='downloaded',
                dest=str(workdir / 'out.txt'), **local),
        failing('invalid bucket name on s3', bucket='Bad_Bucket', name='x', content='x', create_bucket=True, **s3),
        failing('invalid bucket name for libcloud_bucket', 'libcloud_bucket', name='ab', **s3),
        failing('invalid bucket name on local', 'libcloud_bucket', name='../up', **local),
        failing('bad mode', bucket='bucket', name='a.txt', state='downloaded', dest=str(workdir / 'out.txt'), mode='rwx', **local),
        failing('reserved metadata key', bucket='bucket', name='x', content='x', metadata={'SHA256': 'x'}, **local),
        failing('name with a folder src', bucket='bucket', name='x', src=str(workdir), **local),
        failing('empty prefix for absent', bucket='bucket', prefix='', state='absent', **local),
        failing('unknown overwrite', bucket='bucket', name='x', content='x', overwrite='sometimes', **local),
    ]
    run = run_playbook(play(tasks), workdir, verbosity=3)
    assert run.rc == 0, run.output[-3000:]  # every failure ignored
    return run, workdir


@pytest.mark.parametrize('task, message', [
    ('missing src', 'state is present but any of the following are missing: src, content, content_base64'),
    ('src and content', 'parameters are mutually exclusive: src|content|content_base64'),
    ('src that does not exist', 'src %(workdir)s/nope is neither a file nor a folder'),
    ('invalid base64', 'content_base64 is not valid base64: '),
    ('missing bucket on s3', "bucket 'no-such-bucket' does not exist: create it with cloudmesh.libcloud.libcloud_bucket or set create_bucket=true"),
    ('missing bucket on local', "bucket 'no-such-bucket' does not exist: create it with cloudmesh.libcloud.libcloud_bucket"),
    ('unwritable dest folder', 'the folder of dest '),
    ('unwritable dest folder on s3', 'the folder of dest '),
    ('empty name', "invalid object name '': an object name must not be empty"),
    ('empty name on s3', "invalid object name '': an object name must not be empty"),
    ('parent segments on local', "invalid object name '../../escaped.txt': a \"..\" segment would leave the bucket"),
    ('absolute path on local', "invalid object name '%(workdir)s/escaped.txt': an absolute path would leave the bucket"),
    ('download of a path-escaping name', "invalid object name '../bucket/a.txt': a \"..\" segment would leave the bucket"),
    ('invalid bucket name on s3', "invalid bucket name 'Bad_Bucket': S3 bucket names have 3 to 63 characters"),
    ('invalid bucket name for libcloud_bucket', "invalid bucket name 'ab': S3 bucket names have 3 to 63 characters"),
    ('invalid bucket name on local', "invalid bucket name '../up': on the local driver a bucket is a folder"),
    ('bad mode', "mode must be octal like '0644' or symbolic like 'u=rw,g=r,o=', got 'rwx'"),
    ('reserved metadata key', "metadata key 'sha256' is reserved"),
    ('name with a folder src', 'name is not used when src is a folder'),
    ('empty prefix for absent', 'prefix must not be empty with state=absent'),
    ('unknown overwrite', 'value of overwrite must be one of: different, always, never, got: sometimes'),
])
def test_bad_input_fails_with_one_clear_line(bad_input_run, task, message):
    run, workdir = bad_input_run
    result = run.result(task)
    assert result['failed'] is True
    assert result['msg'].startswith(message % {'workdir': workdir}), result['msg']
    assert '\n' not in result['msg']
    # ansible-core 2.19 marks every failure at -vvv with an `exception` key; ours must carry no traceback.
    assert result.get('exception', '(traceback unavailable)') == '(traceback unavailable)'
    assert result.get('changed') is not True


def test_bad_input_writes_nothing(bad_input_run, local_cloud):
    run, workdir = bad_input_run
    assert 'Traceback' not in run.output and TEST_SECRET not in run.output and TEST_KEY not in run.output
    assert sorted(path.relative_to(workdir / 'store').as_posix() for path in (workdir / 'store').rglob('*')) == ['bucket', 'bucket/a.txt']
    assert not (workdir / 'escaped.txt').exists() and not (workdir / 'out.txt').exists()
    names = [bucket['Name'] for bucket in local_cloud.boto3_client('s3').list_buckets()['Buckets']]
    assert 'Bad_Bucket' not in names and 'no-such-bucket' not in names


class TruncatingProxy(socketserver.ThreadingTCPServer):
    """A TCP proxy to ``upstream`` that closes each connection after ``limit`` bytes of answers: a cut download."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, upstream, limit):
        self.upstream = upstream
        self.limit = limit
        super().__init__(('127.0.0.1', 0), _ProxyHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


class _ProxyHandler(socketserver.BaseRequestHandler):
    def handle(self):
        upstream = socket.create_connection(self.server.upstream)
        threading.Thread(target=self._pump, args=(self.request, upstream, None), daemon=True).start()
        self._pump(upstream, self.request, self.server.limit)
        for end in (upstream, self.request):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            end.close()

    @staticmethod
    def _pump(source, target, limit):
        sent = 0
        try:
            while limit is None or sent < limit:
                data = source.recv(65536 if limit is None else min(65536, limit - sent))
                if not data:
                    return
                target.sendall(data)
                sent += len(data)
        except OSError:
            return


def test_interrupted_s3_download_leaves_dest_untouched(local_cloud, tmp_path):
    body = os.urandom(4 * MIB)
    client = local_cloud.boto3_client('s3')
    client.create_bucket(Bucket='cut-downloads')
    client.put_object(Bucket='cut-downloads', Key='big.bin', Body=body)
    dest = tmp_path / 'out' / 'big.bin'
    dest.parent.mkdir()
    dest.write_bytes(b'the previous content')
    proxy = TruncatingProxy((local_cloud.host, local_cloud.port), limit=MIB)
    try:
        entry = dict(local_cloud.s3_cloud_entry(), port=proxy.server_address[1])
        tasks = [failing('cut download', bucket='cut-downloads', name='big.bin', state='downloaded', dest=str(dest), cloud=entry)]
        run = run_playbook(play(tasks), tmp_path)
    finally:
        proxy.shutdown()
        proxy.server_close()
    result = run.result('cut download')
    assert result['failed'] is True and '\n' not in result['msg'] and 'Traceback' not in run.output
    assert 'IncompleteRead' in result['msg'] or 'stopped after' in result['msg'], result['msg']
    assert dest.read_bytes() == b'the previous content'
    assert os.listdir(dest.parent) == ['big.bin']  # no temporary file left behind


def run_with_file_size_limit(playbook_text, workdir, limit):
    """ansible-playbook whose writes fail past ``limit`` bytes per file (EFBIG: Python ignores SIGXFSZ)."""
    path = workdir / 'playbook.yml'
    path.write_text(playbook_text)

    def limit_file_size():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))

    command = [str(BIN_DIR / 'ansible-playbook'), str(path), '-i', 'localhost,', '-c', 'local']
    proc = subprocess.run(command, cwd=str(workdir), env=ansible_env(), capture_output=True, text=True, timeout=300,
                          check=False, preexec_fn=limit_file_size)
    return PlaybookRun(proc.returncode, proc.stdout, proc.stderr, json.loads(proc.stdout[proc.stdout.index('{'):]))


def test_local_writes_that_fail_midway_leave_nothing_half_written(tmp_path):
    store, out = tmp_path / 'store', tmp_path / 'out'
    (store / 'bucket').mkdir(parents=True)
    out.mkdir()
    big = os.urandom(8 * MIB)
    (store / 'bucket' / 'big.bin').write_bytes(big)
    (store / 'bucket' / 'kept.bin').write_bytes(b'the stored object')
    (tmp_path / 'src.bin').write_bytes(big)
    (out / 'big.bin').write_bytes(b'the previous content')
    local = {'storage_provider': 'local', 'key': str(store)}
    tasks = [
        failing('download', bucket='bucket', name='big.bin', state='downloaded', dest=str(out / 'big.bin')),
        failing('upload under a new name', bucket='bucket', name='new/big.bin', src=str(tmp_path / 'src.bin')),
        failing('upload over an object', bucket='bucket', name='kept.bin', src=str(tmp_path / 'src.bin')),
    ]
    run = run_with_file_size_limit(play(tasks, {'cloud': local}), tmp_path, limit=2 * MIB)
    for task in ('download', 'upload under a new name', 'upload over an object'):
        result = run.result(task)
        assert result['failed'] is True and 'File too large' in result['msg'] and '\n' not in result['msg'], result
    assert (out / 'big.bin').read_bytes() == b'the previous content'
    assert os.listdir(out) == ['big.bin']
    # No object under the final names, the old object intact, no staging leftovers.
    stored = sorted(path.relative_to(store / 'bucket').as_posix() for path in (store / 'bucket').rglob('*'))
    assert stored == ['big.bin', 'kept.bin']
    assert (store / 'bucket' / 'kept.bin').read_bytes() == b'the stored object'
