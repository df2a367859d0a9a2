# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cut transfers leave nothing half-written (issue #10, acceptance item 2).

A download cut midway must leave ``dest`` exactly as it was (bytes, mode, mtime) and no stray temporary file; an
upload cut midway must leave no object under the final name (and no S3 multipart upload in progress) and an
object that existed keeps its old content; a re-run completes the transfer and the run after it changes nothing.

Every scenario runs the real module, cloudmesh.libcloud.libcloud_bucket_object, in a real ``ansible-playbook``,
and checks the end state independently of the module's report (boto3 straight on moto, or the filesystem):

- S3 (moto through tests/harness/fault_proxy.py): ``cut`` sends half of the object's GET answer then resets;
  ``cut_upload`` reads half of a PUT (the single PUT below MULTIPART_THRESHOLD, one part of a multipart upload
  above it) then resets. With ``retries: 1`` the task fails in one line; with the default retries one cut is
  survived. A module stopped by SIGTERM in the middle of a multipart upload aborts it, and an abort whose
  answer is lost is retried (libcloud sends it once).
- LOCAL: there is no HTTP to cut, so the cut is real at the file and process level: the source file grows while
  it is uploaded, or the module's own process gets SIGTERM, SIGINT or SIGKILL while the staged or temporary file
  is half written (SIGSTOP holds the module while the test checks that it really is midway). SIGTERM and SIGINT
  run the cleanup and fail in one line (objects.interruptible); after SIGKILL nothing can clean up, and an upload's
  staged file stays in the hidden folder that listings skip.
- A task ``timeout``: Ansible does not signal the module then (it only stops waiting for it): the orphaned
  module carries on until it finishes or ansible-playbook's exit stops it, and ``dest`` is still only ever the old
  or the whole new content.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs

import botocore.exceptions
import pytest
import yaml

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.local import STAGING_FOLDER as LOCAL_STAGING_FOLDER
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.s3 import MULTIPART_THRESHOLD
from tests.harness.ansible_run import BIN_DIR, PlaybookRun, ansible_env, run_playbook
from tests.harness.fault_proxy import Fault, FaultProxy

MIB = 1024 * 1024
BUCKET = 'cut-transfers'
MULTIPART_SIZE = 24 * MIB  # libcloud sends 5 MiB parts: five of them
SINGLE_PUT_SIZE = MULTIPART_THRESHOLD - MIB
LOCAL_SIZE = 300 * MIB  # large enough that a transfer on the local disk lasts long enough to be caught midway
OLD_MTIME = 1600000000  # dest's old modification time: a rewrite of dest would show in it
TIMEOUT = 20
MODULE = 'AnsiballZ_libcloud_bucket_object'

assert MULTIPART_SIZE >= MULTIPART_THRESHOLD > SINGLE_PUT_SIZE


# --- files -------------------------------------------------------------------------------------------------------

def write_random(path, size, seed):
    """``size`` seeded random bytes, written 1 MiB at a time."""
    rng = random.Random(seed)
    with open(path, 'wb') as handle:
        for offset in range(0, size, MIB):
            handle.write(rng.randbytes(min(MIB, size - offset)))
    return path


def write_sparse(path, size, seed):
    """A large file that costs no time to make: random first and last MiB, a hole between them."""
    rng = random.Random(seed)
    with open(path, 'wb') as handle:
        handle.write(rng.randbytes(MIB))
        handle.seek(size - MIB)
        handle.write(rng.randbytes(MIB))
    return path


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for chunk in iter(lambda: handle.read(MIB), b''):
            digest.update(chunk)
    return digest.hexdigest()


def old_dest(folder, name='app.bin'):
    """``dest`` as it was before: other bytes, mode 0600 (the tasks ask for 0640), an old mtime."""
    path = Path(folder, name)
    path.write_bytes(b'the old content of dest\n' * 1000)
    path.chmod(0o600)
    os.utime(path, (OLD_MTIME, OLD_MTIME))
    return path


def file_state(path):
    """Everything a write to ``path`` would change."""
    stat = os.stat(path)
    return {'sha256': sha256_of(path), 'mode': stat.st_mode & 0o7777, 'mtime_ns': stat.st_mtime_ns, 'inode': stat.st_ino}


def files_under(folder):
    """Every file under ``folder``, hidden folders included, relative to it."""
    return sorted(path.relative_to(folder).as_posix() for path in Path(folder).rglob('*') if path.is_file())


# --- playbooks ---------------------------------------------------------------------------------------------------

def play(tasks, clouds):
    return yaml.safe_dump([{'hosts': 'localhost', 'gather_facts': False, 'vars': {'libcloud_clouds': clouds},
                            'tasks': tasks}], sort_keys=False)


def task(title, cloud, ignore_errors=True, timeout=None, **args):
    item = {'name': title, 'cloudmesh.libcloud.libcloud_bucket_object': dict(cloud=cloud, bucket=BUCKET, **args)}
    if ignore_errors:
        item['ignore_errors'] = True
    if timeout:
        item['timeout'] = timeout
    return item


def start_playbook(text, workdir):
    """``ansible-playbook`` started in the background (as run_playbook runs it); :func:`finish` waits for it."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / 'playbook.yml'
    path.write_text(text)
    command = [str(BIN_DIR / 'ansible-playbook'), str(path), '-i', 'localhost,', '-c', 'local']
    return subprocess.Popen(command, cwd=str(workdir), env=ansible_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def finish(proc, timeout=120):
    stdout, stderr = proc.communicate(timeout=timeout)
    try:
        report = json.loads(stdout[stdout.index('{'):])
    except ValueError:
        report = {}
    return PlaybookRun(proc.returncode, stdout, stderr, report)


def assert_one_line_failure(run, title, *words):
    result = run.result(title)
    assert result.get('failed') is True, result
    message = result['msg']
    assert '\n' not in message and 'Traceback' not in message, message
    assert 'Traceback' not in json.dumps(result), result
    for word in words:
        assert word in message, message
    return message


def assert_ok(run, title, changed):
    result = run.result(title)
    assert not result.get('failed'), result.get('msg')
    assert result['changed'] is changed, result
    return result


# --- processes ---------------------------------------------------------------------------------------------------

def _parents():
    parents = {}
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                with open('/proc/%s/stat' % entry) as handle:
                    parents[int(entry)] = int(handle.read().rsplit(')', 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass  # gone meanwhile
    return parents


def module_pid(root_pid):
    """The pid of the module's Python process among ``root_pid``'s descendants (never another test's), or None."""
    parents = _parents()
    for pid in parents:
        ancestor = parents.get(pid)
        while ancestor is not None and ancestor != root_pid:
            ancestor = parents.get(ancestor)
        if ancestor != root_pid:
            continue
        try:
            with open('/proc/%d/cmdline' % pid, 'rb') as handle:
                argv = handle.read().split(b'\0')
        except OSError:
            continue
        if b'python' in os.path.basename(argv[0]) and len(argv) > 1 and MODULE.encode() in argv[1]:
            return pid
    return None


def alive(pid):
    try:
        with open('/proc/%d/stat' % pid) as handle:
            return handle.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except OSError:
        return False


def wait_for(what, predicate, timeout=60.0, step=0.002):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, 'timed out waiting for %s' % what
        time.sleep(step)


def being_written(paths):
    """The first of ``paths`` that holds some bytes already (a file may be gone by the time it is looked at)."""
    for path in paths:
        try:
            if path.stat().st_size > 0:
                return path
        except FileNotFoundError:
            pass
    return None


def interrupt_midway(proc, partial, full_size, signum):
    """Once ``partial()`` (the staged or temporary file) is being written, stop the module, check that the file is
    really half written, send ``signum`` and let the module go on; returns the bytes written by then."""
    path = wait_for('the partial file', lambda: being_written(partial()))
    pid = wait_for('the module process', lambda: module_pid(proc.pid))
    os.kill(pid, signal.SIGSTOP)
    try:
        written = path.stat().st_size
        assert 0 < written < full_size, 'not midway: %d of %d bytes' % (written, full_size)
        os.kill(pid, signum)
    finally:
        try:
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            pass  # SIGKILL: gone, and already reaped by its parent
    return written


# --- S3 through the fault proxy ----------------------------------------------------------------------------------

@pytest.fixture
def proxy(fresh_cloud):
    with FaultProxy(fresh_cloud.port) as started:
        yield started


@pytest.fixture
def s3(fresh_cloud, boto3_s3):
    client = boto3_s3()
    client.create_bucket(Bucket=BUCKET)
    return client


def clouds_through(local_cloud, proxy):
    """``once`` tries each transfer once; ``retrying`` has the default retries."""
    entry = dict(local_cloud.s3_cloud_entry(), port=proxy.port, timeout=TIMEOUT)
    return {'once': dict(entry, retries=1), 'retrying': entry}


def object_get(key):
    return lambda info: info.method == 'GET' and info.path.endswith('/' + key)


def single_put(key):
    return lambda info: info.method == 'PUT' and info.path.endswith('/' + key) and 'partNumber' not in parse_qs(info.query)


def part_put(key, number=3):
    return lambda info: info.method == 'PUT' and info.path.endswith('/' + key) and parse_qs(info.query).get('partNumber') == [str(number)]


def stored(client, key):
    """(head, sha256 of the body) of the object as moto holds it, or None when there is none."""
    try:
        head = client.head_object(Bucket=BUCKET, Key=key)
    except botocore.exceptions.ClientError as exc:
        assert exc.response['Error']['Code'] in ('404', 'NoSuchKey'), exc
        return None
    body = client.get_object(Bucket=BUCKET, Key=key)['Body'].read()
    return head, hashlib.sha256(body).hexdigest()


def uploads_in_progress(client):
    return [(item['Key'], item['UploadId']) for item in client.list_multipart_uploads(Bucket=BUCKET).get('Uploads', [])]


def test_s3_download_cut_midway_leaves_dest_untouched(local_cloud, proxy, s3, tmp_path):
    key = 'big.bin'
    data = write_random(tmp_path / 'object.bin', MULTIPART_SIZE, seed=1).read_bytes()
    s3.put_object(Bucket=BUCKET, Key=key, Body=data, Metadata={'sha256': hashlib.sha256(data).hexdigest()})
    out = tmp_path / 'out'
    out.mkdir()
    dest = old_dest(out)
    before = file_state(dest)
    clouds = clouds_through(local_cloud, proxy)

    def download(title, cloud):
        return task(title, cloud, name=key, state='downloaded', dest=str(dest), mode='0640')

    proxy.inject(Fault.CUT, match=object_get(key))
    cut = run_playbook(play([download('download', 'once')], clouds), tmp_path / 'cut')
    assert proxy.injected[Fault.CUT] == 1, proxy.log
    assert_one_line_failure(cut, 'download')
    assert file_state(dest) == before
    assert os.listdir(out) == ['app.bin']

    rerun = run_playbook(play([download('download', 'once'), download('download again', 'once')], clouds), tmp_path / 'rerun')
    assert_ok(rerun, 'download', changed=True)
    assert_ok(rerun, 'download again', changed=False)
    assert sha256_of(dest) == hashlib.sha256(data).hexdigest() and dest.stat().st_mode & 0o7777 == 0o640
    assert os.listdir(out) == ['app.bin']

    # With the default retries, one cut costs one more try, not the task.
    dest = old_dest(out)
    proxy.inject(Fault.CUT, match=object_get(key))
    retried = run_playbook(play([download('download', 'retrying')], clouds), tmp_path / 'retried')
    assert_ok(retried, 'download', changed=True)
    assert proxy.injected[Fault.CUT] == 2, proxy.log
    assert sha256_of(dest) == hashlib.sha256(data).hexdigest() and os.listdir(out) == ['app.bin']


@pytest.mark.parametrize('path, size, cut', [
    ('single-put', SINGLE_PUT_SIZE, single_put),
    ('multipart', MULTIPART_SIZE, part_put),
], ids=['single-put', 'multipart'])
def test_s3_upload_cut_midway_leaves_no_partial_object(local_cloud, proxy, s3, tmp_path, path, size, cut):
    key = 'big-%s.bin' % path
    src = write_random(tmp_path / 'src.bin', size, seed=2)
    clouds = clouds_through(local_cloud, proxy)

    def upload(title, cloud):
        return task(title, cloud, name=key, src=str(src))

    # A new object: nothing under its name after the cut, no multipart upload left in progress.
    proxy.inject(Fault.CUT_UPLOAD, match=cut(key))
    first = run_playbook(play([upload('upload', 'once')], clouds), tmp_path / 'cut-new')
    assert proxy.injected[Fault.CUT_UPLOAD] == 1, proxy.log
    assert_one_line_failure(first, 'upload')
    assert stored(s3, key) is None
    assert uploads_in_progress(s3) == []

    rerun = run_playbook(play([upload('upload', 'once'), upload('upload again', 'once')], clouds), tmp_path / 'rerun')
    assert_ok(rerun, 'upload', changed=True)
    assert_ok(rerun, 'upload again', changed=False)
    head, body_sha256 = stored(s3, key)
    assert body_sha256 == sha256_of(src)
    assert ('-' in head['ETag']) is (path == 'multipart'), head['ETag']  # the path under test was taken

    # An object that existed: it keeps its old content, not even rewritten (ETag and last-modified time).
    write_random(src, size, seed=3)
    proxy.inject(Fault.CUT_UPLOAD, match=cut(key))
    second = run_playbook(play([upload('upload', 'once')], clouds), tmp_path / 'cut-existing')
    assert proxy.injected[Fault.CUT_UPLOAD] == 2, proxy.log
    assert_one_line_failure(second, 'upload')
    after_head, after_sha256 = stored(s3, key)
    assert after_sha256 == body_sha256
    assert (after_head['ETag'], after_head['LastModified']) == (head['ETag'], head['LastModified'])
    assert uploads_in_progress(s3) == []

    # With the default retries, one cut costs one more try, not the task.
    proxy.inject(Fault.CUT_UPLOAD, match=cut(key))
    retried = run_playbook(play([upload('upload', 'retrying')], clouds), tmp_path / 'retried')
    assert_ok(retried, 'upload', changed=True)
    assert proxy.injected[Fault.CUT_UPLOAD] == 3, proxy.log
    assert stored(s3, key)[1] == sha256_of(src)
    assert uploads_in_progress(s3) == []


def test_s3_multipart_upload_stopped_by_sigterm_is_aborted(local_cloud, proxy, s3, tmp_path):
    key = 'big-sigterm.bin'
    src = write_random(tmp_path / 'src.bin', MULTIPART_SIZE, seed=4)
    clouds = clouds_through(local_cloud, proxy)
    proxy.stall_seconds = TIMEOUT + 10  # the third part hangs until the module is stopped
    proxy.inject(Fault.STALL, match=part_put(key))
    proc = start_playbook(play([task('upload', 'retrying', name=key, src=str(src))], clouds), tmp_path / 'sigterm')
    try:
        wait_for('the stalled part', lambda: proxy.injected[Fault.STALL] == 1, step=0.02)
        assert len(uploads_in_progress(s3)) == 1
        os.kill(wait_for('the module process', lambda: module_pid(proc.pid)), signal.SIGTERM)
    finally:
        run = finish(proc)
    assert_one_line_failure(run, 'upload', 'interrupted by SIGTERM')
    assert stored(s3, key) is None
    assert uploads_in_progress(s3) == []

    rerun = run_playbook(play([task('upload', 'once', name=key, src=str(src))], clouds), tmp_path / 'rerun')
    assert_ok(rerun, 'upload', changed=True)
    assert stored(s3, key)[1] == sha256_of(src)


def test_task_timeout_does_not_stop_the_module_and_dest_is_never_half_written(local_cloud, proxy, s3, tmp_path):
    """Ansible's task ``timeout`` fails the task but does not stop the module: it finishes, or ansible-playbook's own
    exit stops it later; dest is only ever the old or the whole new content, and no temporary file stays."""
    key = 'big.bin'
    data = write_random(tmp_path / 'object.bin', MULTIPART_SIZE, seed=5).read_bytes()
    s3.put_object(Bucket=BUCKET, Key=key, Body=data)
    out = tmp_path / 'out'
    out.mkdir()
    dest = old_dest(out)
    old_sha256 = sha256_of(dest)
    proxy.stall_seconds = 6  # the GET hangs past the task's timeout, then the module's retry fetches the object
    proxy.inject(Fault.STALL, match=object_get(key))
    download = task('download', 'retrying', timeout=2, name=key, state='downloaded', dest=str(dest))
    proc = start_playbook(play([download], clouds_through(local_cloud, proxy)), tmp_path / 'timeout')
    try:
        pid = wait_for('the module process', lambda: module_pid(proc.pid))
    finally:
        run = finish(proc)
    assert_one_line_failure(run, 'download', 'Timed out after 2 second')
    # The module usually outlives its task (Ansible sends it no signal); on a slow machine its retry may already
    # have finished by the time ansible-playbook exits. Either way dest is only ever the old or the whole new content.
    seen = set()
    while alive(pid):  # the orphaned module: dest is only ever the old or the whole new content
        seen.add(sha256_of(dest))
        time.sleep(0.05)
        assert len(seen) <= 2
    # Whether the orphan finished (dest new) or ansible-playbook's exit stopped it with SIGTERM (dest old, cleaned
    # up by objects.interruptible) depends on timing; both happen here, and both keep dest whole.
    assert seen | {sha256_of(dest)} <= {old_sha256, hashlib.sha256(data).hexdigest()}
    assert os.listdir(out) == ['app.bin']


# --- LOCAL: the cut is a changed file or a signal to the module's process ----------------------------------------

@pytest.fixture
def local(tmp_path):
    """A LOCAL store with the bucket made: (clouds, bucket folder). Afterwards, the large files go (pytest keeps
    the last runs' folders: gigabytes otherwise); the rest stays for a look after a failure."""
    root = tmp_path / 'store'
    (root / BUCKET).mkdir(parents=True)
    yield {'local': {'storage_provider': 'local', 'key': str(root)}}, root / BUCKET
    for path in tmp_path.rglob('*'):
        if path.is_file() and path.stat().st_size >= MIB:
            path.unlink()


def staged(bucket_folder):
    return lambda: sorted(Path(bucket_folder, LOCAL_STAGING_FOLDER).glob('upload-*'))


def test_local_upload_of_a_file_that_grows_midway(local, tmp_path):
    clouds, folder = local
    src = write_sparse(tmp_path / 'src.bin', LOCAL_SIZE, seed=6)
    upload = task('upload', 'local', name='big.bin', src=str(src))
    proc = start_playbook(play([upload], clouds), tmp_path / 'grows')
    try:
        path = wait_for('the staged file', lambda: being_written(staged(folder)()))
        pid = wait_for('the module process', lambda: module_pid(proc.pid))
        os.kill(pid, signal.SIGSTOP)
        try:
            assert 0 < path.stat().st_size < LOCAL_SIZE
            with open(src, 'ab') as handle:
                handle.write(b'appended while it was uploaded\n')
        finally:
            os.kill(pid, signal.SIGCONT)
    finally:
        run = finish(proc)
    assert_one_line_failure(run, 'upload', 'changed while it was uploaded')
    assert files_under(folder) == []  # no object, nothing staged

    rerun = run_playbook(play([upload, dict(upload, name='upload again')], clouds), tmp_path / 'rerun')
    assert_ok(rerun, 'upload', changed=True)
    assert_ok(rerun, 'upload again', changed=False)
    assert files_under(folder) == ['big.bin'] and sha256_of(folder / 'big.bin') == sha256_of(src)


@pytest.mark.parametrize('signum', [signal.SIGTERM, signal.SIGINT, signal.SIGKILL], ids=lambda signum: signum.name)
def test_local_upload_interrupted_by_a_signal(local, tmp_path, signum):
    clouds, folder = local
    src = write_sparse(tmp_path / 'src.bin', LOCAL_SIZE, seed=7)
    upload = task('upload', 'local', name='big.bin', src=str(src))
    proc = start_playbook(play([upload], clouds), tmp_path / 'interrupted')
    try:
        interrupt_midway(proc, staged(folder), LOCAL_SIZE, signum)
    finally:
        run = finish(proc)
    assert not (folder / 'big.bin').exists()
    if signum == signal.SIGKILL:
        # Nothing can clean up after SIGKILL: the staged file stays in the hidden folder that listings skip.
        assert_one_line_failure(run, 'upload')
        assert [name.split('/')[0] for name in files_under(folder)] == [LOCAL_STAGING_FOLDER]
    else:
        assert_one_line_failure(run, 'upload', 'interrupted by %s' % signum.name)
        assert files_under(folder) == []

    listing = {'name': 'listing', 'register': 'listing',
               'cloudmesh.libcloud.libcloud_bucket_object_info': {'cloud': 'local', 'bucket': BUCKET}}
    rerun = run_playbook(play([listing, upload, dict(upload, name='upload again')], clouds), tmp_path / 'rerun')
    assert rerun.result('listing')['objects'] == []  # a leftover of SIGKILL is invisible
    assert_ok(rerun, 'upload', changed=True)
    assert_ok(rerun, 'upload again', changed=False)
    assert sha256_of(folder / 'big.bin') == sha256_of(src)
    assert 'big.bin' in files_under(folder)


@pytest.mark.parametrize('signum', [signal.SIGTERM, signal.SIGINT], ids=lambda signum: signum.name)
def test_local_download_interrupted_by_a_signal(local, tmp_path, signum):
    clouds, folder = local
    stored_file = write_sparse(folder / 'big.bin', LOCAL_SIZE, seed=8)
    out = tmp_path / 'out'
    out.mkdir()
    dest = old_dest(out)
    before = file_state(dest)
    download = task('download', 'local', name='big.bin', state='downloaded', dest=str(dest), mode='0640')
    proc = start_playbook(play([download], clouds), tmp_path / 'interrupted')
    try:
        interrupt_midway(proc, lambda: sorted(out.glob('.app.bin.*.part')), LOCAL_SIZE, signum)
    finally:
        run = finish(proc)
    assert_one_line_failure(run, 'download', 'interrupted by %s' % signum.name)
    assert file_state(dest) == before
    assert os.listdir(out) == ['app.bin']

    rerun = run_playbook(play([download, dict(download, name='download again')], clouds), tmp_path / 'rerun')
    assert_ok(rerun, 'download', changed=True)
    assert_ok(rerun, 'download again', changed=False)
    assert sha256_of(dest) == sha256_of(stored_file) and dest.stat().st_mode & 0o7777 == 0o640
    assert os.listdir(out) == ['app.bin']


def abort_of(key):
    return lambda info: info.method == 'DELETE' and info.path.endswith('/' + key) and 'uploadId' in parse_qs(info.query)


def test_s3_multipart_upload_whose_abort_is_lost_too(local_cloud, proxy, s3, tmp_path):
    """libcloud sends the abort once; providers.s3.retry_multipart_aborts retries it, so no upload stays in progress."""
    key = 'big-lost-abort.bin'
    src = write_random(tmp_path / 'src.bin', MULTIPART_SIZE, seed=9)
    proxy.inject(Fault.CUT_UPLOAD, match=part_put(key))
    proxy.inject(Fault.RESET, match=abort_of(key))
    run = run_playbook(play([task('upload', 'retrying', name=key, src=str(src))], clouds_through(local_cloud, proxy)),
                       tmp_path / 'lost-abort')
    assert_ok(run, 'upload', changed=True)
    assert proxy.injected == {Fault.CUT_UPLOAD: 1, Fault.RESET: 1}, proxy.log
    assert stored(s3, key)[1] == sha256_of(src)
    assert uploads_in_progress(s3) == []
