# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Objects in buckets: change detection that never downloads, streamed and atomic transfers, directory sync.

Whether a stored object holds the same bytes as a local file is decided, in this order:

1. the sizes differ: different;
2. the object carries the sha256 that an upload by this collection stores in its metadata: compare it;
3. the LOCAL driver (it stores no metadata and its hash comes from the file's mtime): hash the stored
   file, a local read;
4. the provider tells the content's MD5 (the S3 or Swift ETag of a single PUT, Azure's Content-MD5): compare MD5;
5. otherwise (a multipart ETag without a stored sha256, ...): different.

A bucket listing carries sizes and hashes but, except on Azure, no metadata, so a directory sync decides most files
from one listing and asks for the object's headers (a HEAD) only where the listing cannot decide.

What a provider does differently (what its hash means, which metadata keys survive, which upload call works) is
in one class per provider at the end of this file.
"""

from __future__ import annotations

import base64
import binascii
import collections
import contextlib
import hashlib
import mimetypes
import os
import re
import signal
import tempfile
import threading
import uuid

from ansible_collections.cloudmesh.libcloud.plugins.module_utils import retries
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.buckets import check_bucket_name, find_bucket, is_local_driver
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError, describe_exception, shown
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.workers import MAX_WORKERS, DriverPool

CHUNK_SIZE = 1024 * 1024
# Smaller files go up in one PUT, whose S3 ETag is their MD5 (so a listing can tell them unchanged); larger
# ones as an S3 multipart upload streamed from disk, whose ETag is no content hash: the stored sha256 decides.
MULTIPART_THRESHOLD = 16 * 1024 * 1024
SHA256_KEY = 'sha256'
# Folders that the LOCAL driver's listing skips (libcloud.storage.drivers.local.IGNORE_FOLDERS). Uploads are
# staged in one of them and renamed into place, so a failed upload leaves nothing under the final name.
LOCAL_HIDDEN_FOLDERS = ('.lock', '.hash')
LOCAL_STAGING_FOLDER = '.lock'
DEFAULT_CONTENT_TYPE = 'application/octet-stream'
OVERWRITE_CHOICES = ('different', 'always', 'never')
# upload_reason() answers this when only the object's headers (a HEAD) can decide.
NEEDS_DETAILS = 'needs-details'

_PLAIN_MD5 = re.compile(r'^[0-9a-f]{32}$')
_METADATA_KEY = re.compile(r'^[a-z0-9][a-z0-9_.-]*$')
_AZURE_METADATA_KEY = re.compile(r'^[a-z_][a-z0-9_]*$')

Digest = collections.namedtuple('Digest', 'size sha256 md5')
Wanted = collections.namedtuple('Wanted', 'metadata content_type overwrite')


def _md5():
    try:
        return hashlib.md5(usedforsecurity=False)  # pylint: disable=unexpected-keyword-arg
    except TypeError:  # Python < 3.9
        return hashlib.md5()  # nosec - compared with S3 ETags, not used for security


def file_digest(path):
    """Size, sha256 and MD5 of a file, in one streamed read."""
    sha256, md5, size = hashlib.sha256(), _md5(), 0
    with open(path, 'rb') as handle:
        for chunk in iter(lambda: handle.read(CHUNK_SIZE), b''):
            sha256.update(chunk)
            md5.update(chunk)
            size += len(chunk)
    return Digest(size, sha256.hexdigest(), md5.hexdigest())


def guess_content_type(name):
    return mimetypes.guess_type(name)[0] or DEFAULT_CONTENT_TYPE


def decode_content(content=None, content_base64=None):
    """The bytes of the ``content`` (text, stored as UTF-8) or ``content_base64`` option."""
    if content is not None:
        return content.encode('utf-8')
    try:
        return base64.b64decode(''.join(content_base64.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        problem = str(exc)
    raise LibcloudModuleError('content_base64 is not valid base64: %s' % problem)


def normalize_metadata(metadata):
    """User metadata as stored: lower-case keys (S3 returns them so), string values; None stays None."""
    if metadata is None:
        return None
    result = {}
    for key, value in metadata.items():
        key = str(key).lower()
        if key == SHA256_KEY:
            raise LibcloudModuleError('metadata key %r is reserved: it holds the sha256 of the content, stored on upload' % SHA256_KEY)
        if not _METADATA_KEY.match(key):
            raise LibcloudModuleError('invalid metadata key %r: use letters, digits, "-", "_" and "."' % key)
        value = '' if value is None else str(value)
        if not all(32 <= ord(char) < 127 for char in value):
            raise LibcloudModuleError('invalid value of metadata key %r: only printable ASCII (metadata travels as HTTP headers)' % key)
        result[key] = value
    return result


def object_name_problem(name, local=False):
    """Why ``name`` cannot name an object, or None when it can."""
    if not name:
        return 'an object name must not be empty'
    if '\x00' in name or '\n' in name:
        return 'an object name must not hold NUL or newline characters'
    if len(name.encode('utf-8')) > 1024:
        return 'an object name must not be longer than 1024 bytes'
    if local:
        segments = name.split('/')
        if name.startswith('/') or os.path.isabs(name):
            return 'an absolute path would leave the bucket'
        if '..' in segments:
            return 'a ".." segment would leave the bucket'
        if '' in segments or '.' in segments:
            return 'empty or "." path segments: the local driver would store it under another name'
        if set(segments[:-1]) & set(LOCAL_HIDDEN_FOLDERS):
            return 'the local driver hides folders named %s' % ' and '.join(LOCAL_HIDDEN_FOLDERS)
    return None


class RemoteObject:
    """What is known of a stored object: from a listing (size, hash), or from its headers (also metadata)."""

    def __init__(self, obj, detailed, stores_metadata=True):
        self.obj = obj
        self.name = obj.name
        self.size = int(obj.size)
        self.hash = str(obj.hash or '').strip('"') or None
        self.detailed = detailed
        self.sha256 = None
        self.metadata = None
        self.content_type = None
        if detailed and not stores_metadata:
            self.metadata = {}
        elif detailed:
            stored = dict((str(key).lower(), str(value)) for key, value in (obj.meta_data or {}).items())
            self.sha256 = stored.pop(SHA256_KEY, None)
            self.metadata = stored
            self.content_type = (obj.extra or {}).get('content_type')

    def to_dict(self, sha256=None):
        return object_dict(self.name, self.size, self.hash, self.sha256 or sha256, self.metadata, self.content_type)


def object_dict(name, size, hash_value, sha256, metadata, content_type):
    return {'name': name, 'size': size, 'hash': hash_value, 'sha256': sha256, 'metadata': metadata, 'content_type': content_type}


def _summary(item):
    """Diff entry of an object (a dict from object_dict) or a Digest."""
    if item is None:
        return None
    if isinstance(item, Digest):
        return {'size': item.size, 'sha256': item.sha256}
    return dict((key, value) for key, value in item.items() if key != 'name' and value is not None)


class Outcome:
    """What happened to one object in a batch: ``action`` is uploaded, unchanged or deleted; or ``error``."""

    def __init__(self, name, action=None, obj=None, before=None, error=None):
        self.name = name
        self.action = action
        self.obj = obj
        self.before = before
        self.error = error


class Store:
    """A storage driver, what it can do, and worker threads that each use a driver of their own."""

    def __init__(self, driver, driver_factory=None, check_mode=False, workers=MAX_WORKERS):
        self.driver = driver
        self.check_mode = check_mode
        self.is_local = is_local_driver(driver)
        self.stores_metadata = not self.is_local
        self.provider = storage_provider_of(driver)
        self.multipart = bool(getattr(driver, 'supports_s3_multipart_upload', False))
        # LOCAL runs serially: its delete_object removes emptied parent folders and races with a parallel
        # delete or upload.
        self.pool = DriverPool(driver, driver_factory, workers=1 if self.is_local else workers)
        self.warnings = []

    @property
    def workers(self):
        return self.pool.workers

    def warn_once(self, message):
        if message not in self.warnings:
            self.warnings.append(message)

    def map(self, function, items):
        """``function(driver, item)`` for each item, in parallel where allowed; an exception becomes an Outcome."""
        items = list(items)
        outcomes = self.pool.map(function, items)
        # Items are (name, path) pairs or RemoteObjects; one failure must not stop the others.
        return [Outcome(item[0] if isinstance(item, tuple) else item.name, error=outcome) if isinstance(outcome, Exception) else outcome
                for item, outcome in zip(items, outcomes)]

    def check_name(self, name, option='name'):
        problem = object_name_problem(name, local=self.is_local)
        if problem:
            raise LibcloudModuleError('invalid object %s %s: %s' % (option, shown(name), problem))

    def content_md5(self, remote):
        return None if self.is_local else self.provider.content_md5(remote.obj)

    def head(self, driver, container, name):
        """The object's headers (metadata, content type), or None when it does not exist."""
        from libcloud.storage.types import ObjectDoesNotExistError, ObjectError

        try:
            obj = driver.get_object(container.name, name)
        except ObjectDoesNotExistError:
            return None
        except ObjectError:  # the LOCAL driver's answer for a name that is a folder
            problem = 'it is a folder of other objects'
        else:
            return RemoteObject(obj, detailed=True, stores_metadata=self.stores_metadata)
        raise LibcloudModuleError('object %r cannot be used: %s' % (name, problem))

    def listing(self, container, prefix=None):
        """The objects under ``prefix`` by name, from one listing (on LOCAL a listing is all there is to know)."""
        if container is None:
            return {}
        objects = self.driver.iterate_container_objects(container, prefix=prefix or None)
        detailed = self.is_local or self.provider.listing_has_details
        return collections.OrderedDict((obj.name, RemoteObject(obj, detailed=detailed, stores_metadata=self.stores_metadata))
                                       for obj in objects)

    def stored_sha256(self, remote):
        """LOCAL only: the sha256 of the stored file, read where the driver keeps it."""
        if remote.sha256 is None:
            remote.sha256 = file_digest(self.driver.get_object_cdn_url(remote.obj)).sha256
        return remote.sha256

    def same_content(self, digest, remote):
        """Whether ``remote`` holds the bytes that ``digest`` describes; None when only a HEAD can tell."""
        if remote.size != digest.size:
            return False
        if remote.sha256:
            return remote.sha256 == digest.sha256
        if self.is_local:
            return self.stored_sha256(remote) == digest.sha256
        stored_md5 = self.content_md5(remote)
        if stored_md5:
            return stored_md5 == digest.md5
        return False if remote.detailed else None

    def upload_reason(self, digest, remote, wanted):
        """Why the object must be written (missing, always, content, metadata, content_type), None if not."""
        if remote is None:
            return 'missing'
        if wanted.overwrite == 'never':
            return None
        if wanted.overwrite == 'always':
            return 'always'
        same = self.same_content(digest, remote)
        if same is None:
            return NEEDS_DETAILS
        if not same:
            return 'content'
        if self.stores_metadata and (wanted.metadata is not None or wanted.content_type):
            if not remote.detailed:
                return NEEDS_DETAILS
            if wanted.metadata is not None and remote.metadata != wanted.metadata:
                return 'metadata'
            if wanted.content_type and remote.content_type != wanted.content_type:
                return 'content_type'
        return None

    def note_unstored(self, wanted):
        if self.is_local and (wanted.metadata or wanted.content_type):
            self.warn_once('the local storage driver stores no metadata and no content type: metadata and content_type are ignored')

    def check_metadata_keys(self, wanted):
        """Refuse the metadata keys that this provider would refuse or silently drop."""
        for key in sorted(wanted.metadata or {}):
            problem = self.provider.metadata_key_problem(key)
            if problem:
                raise LibcloudModuleError('invalid metadata key %r: %s' % (key, problem))


def open_bucket(store, bucket, create=False):
    """The bucket's Container; created when ``create`` (None in check mode, where it would be created)."""
    check_bucket_name(store.driver, bucket)
    container = find_bucket(store.driver, bucket)
    if container is not None:
        return container, False
    if not create:
        raise LibcloudModuleError('bucket %r does not exist: create it with cloudmesh.libcloud.libcloud_bucket or set create_bucket=true'
                                  % bucket)
    if store.check_mode:
        return None, True
    return store.driver.create_container(bucket), True


def _remove(path):
    try:
        os.unlink(path)
    except OSError:
        pass


class TransferInterrupted(LibcloudModuleError):
    """SIGTERM or SIGINT during a single-object transfer (see :func:`interruptible`)."""


@contextlib.contextmanager
def interruptible(what):
    """While ``what`` runs, SIGTERM and SIGINT raise :class:`TransferInterrupted` (main thread only).

    By default SIGTERM ends the process at once, so no cleanup runs: a download's temporary file or a LOCAL
    upload's staged file stays behind and an S3 multipart upload is never aborted; SIGINT cleans up but fails the
    task with a traceback. Raised as a LibcloudModuleError instead, the signal runs the cleanup (libcloud aborts a
    multipart upload on any Exception), is never retried, and fails the task in one line. A signal that was
    ignored stays ignored; a second signal acts as it would have without this.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}

    def interrupt(signum, _frame):
        for number, handler in previous.items():
            signal.signal(number, handler)
        raise TransferInterrupted('%s was interrupted by %s: run the task again' % (what, signal.Signals(signum).name))

    for number in (signal.SIGTERM, signal.SIGINT):
        handler = signal.getsignal(number)
        if handler is not signal.SIG_IGN:
            previous[number] = handler if handler is not None else signal.SIG_DFL
    try:
        for number in previous:
            signal.signal(number, interrupt)
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _checked_chunks(handle, digest, path):
    """The file's bytes in chunks; raises at the end, before an upload is committed, if they no longer match."""
    sha256, size = hashlib.sha256(), 0
    for chunk in iter(lambda: handle.read(CHUNK_SIZE), b''):
        sha256.update(chunk)
        size += len(chunk)
        yield chunk
    if size != digest.size or sha256.hexdigest() != digest.sha256:
        raise LibcloudModuleError('%s changed while it was uploaded: run the task again' % path)


def _put_local(driver, container, name, path, digest):
    """LOCAL upload, atomic: staged in a folder that listings skip, then renamed over the final name.

    libcloud's LOCAL driver writes straight to the final path, so a failed upload would leave a partial object.
    """
    container_path = driver.get_container_cdn_url(container, check=True)
    staging_name = '%s/upload-%s' % (LOCAL_STAGING_FOLDER, uuid.uuid4().hex)
    staging_path = os.path.join(container_path, staging_name)
    final_path = os.path.join(container_path, name)
    try:
        with open(path, 'rb') as handle:
            driver.upload_object_via_stream(_checked_chunks(handle, digest, path), container, staging_name)
        descriptor = os.open(staging_path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        if not os.path.isdir(os.path.dirname(final_path)):
            os.makedirs(os.path.dirname(final_path))
        os.replace(staging_path, final_path)
    except BaseException:
        _remove(staging_path)
        raise
    finally:
        try:
            os.rmdir(os.path.dirname(staging_path))
        except OSError:
            pass  # another upload is staging there
    return driver.get_object(container.name, name)


def _retry_multipart_aborts(driver):
    """libcloud aborts a failed multipart upload with one request, and when that fails too its error hides the
    first: the upload stays in progress (its parts kept, and billed), and the user reads about the abort. Here
    the abort is retried on its own and, if it still fails, the upload's own error goes on."""
    abort = getattr(driver, '_abort_multipart', None)
    if abort is None or getattr(abort, 'cloudmesh_retried', False):
        return
    policy = retries.policy_of(driver)

    def retried_abort(container, object_name, upload_id):
        try:
            policy.call_anew(abort, container, object_name, upload_id)
        except Exception:  # pylint: disable=broad-exception-caught
            pass  # the upload's own failure is what the task reports

    retried_abort.cloudmesh_retried = True
    driver._abort_multipart = retried_abort  # pylint: disable=protected-access


def put_file(store, driver, container, name, path, digest, metadata, content_type):
    """Write the file ``path`` (described by ``digest``) as ``name``, memory bounded; returns the object dict."""
    if store.is_local:
        stored = _put_local(driver, container, name, path, digest)
        return object_dict(name, int(stored.size), stored.hash, digest.sha256, {}, None)
    meta_data = dict(metadata)
    meta_data[SHA256_KEY] = digest.sha256
    extra = {'content_type': content_type, 'meta_data': meta_data}
    if store.multipart and digest.size >= MULTIPART_THRESHOLD:
        _retry_multipart_aborts(driver)
        with open(path, 'rb') as handle:
            stored = driver.upload_object_via_stream(_checked_chunks(handle, digest, path), container, name, extra=extra)
    else:
        stored = store.provider.upload_file(driver, container, name, path, digest.size, extra)
    return object_dict(name, digest.size, str(stored.hash or '').strip('"') or None, digest.sha256, dict(metadata), content_type)


def reconcile_file(store, driver, container, name, path, remote, wanted):
    """Upload ``path`` as ``name`` unless the stored object already matches; ``remote`` may be a listing entry."""
    digest = file_digest(path)
    reason = store.upload_reason(digest, remote, wanted)
    # A HEAD where the listing cannot decide, or to keep the metadata and content type of a replaced object.
    if remote is not None and not remote.detailed and reason and (reason == NEEDS_DETAILS or store.stores_metadata):
        remote = store.head(driver, container, name)
        reason = store.upload_reason(digest, remote, wanted)
    before = remote.to_dict() if remote is not None else None
    if reason is None:
        verified = digest.sha256 if wanted.overwrite != 'never' else None
        return Outcome(name, 'unchanged', remote.to_dict(sha256=verified), before)
    metadata = wanted.metadata
    if metadata is None:
        metadata = remote.metadata if remote is not None and remote.metadata else {}
    content_type = wanted.content_type or (remote.content_type if remote is not None else None) or guess_content_type(name)
    if store.check_mode:
        if store.is_local:
            metadata, content_type = {}, None
        obj = object_dict(name, digest.size, None, digest.sha256, metadata, content_type)
    else:
        # A streamed upload cannot be replayed request by request: a cut one is sent again whole, from the file.
        obj = retries.policy_of(driver).call(put_file, store, driver, container, name, path, digest, metadata, content_type)
    return Outcome(name, 'uploaded', obj, before)


def _raise_failures(outcomes, verb, result):
    failed = [outcome for outcome in outcomes if outcome.error is not None]
    if failed:
        first = failed[0]
        raise LibcloudModuleError('%d of %d objects could not be %s; first, %s: %s'
                                  % (len(failed), len(outcomes), verb, first.name, describe_exception(first.error)),
                                  failed=[outcome.name for outcome in failed], **result)


def ensure_file(store, bucket, name, path, wanted, create_bucket=False):
    """``state=present`` for one object from a file (inline content arrives here as a temporary file)."""
    store.check_name(name)
    store.note_unstored(wanted)
    store.check_metadata_keys(wanted)
    container, created = open_bucket(store, bucket, create_bucket)
    remote = store.head(store.driver, container, name) if container is not None else None
    if remote is not None and store.is_local:
        store.stored_sha256(remote)  # a local read, so that the diff shows what is stored
    with interruptible('the upload of %r' % name):
        outcome = reconcile_file(store, store.driver, container, name, path, remote, wanted)
    changed = created or outcome.action == 'uploaded'
    before = _summary(outcome.before) or {}
    diff = dict(before=before, after=_summary(outcome.obj) if outcome.action == 'uploaded' else before)
    return dict(changed=changed, object=outcome.obj, diff=diff)


def local_files(src, prefix=''):
    """(object name, path) of every file under the folder ``src``: ``prefix`` + the path relative to ``src``."""
    files = []
    for folder, subfolders, names in os.walk(src):
        subfolders.sort()
        for base in names:
            path = os.path.join(folder, base)
            if os.path.isfile(path):
                files.append((prefix + os.path.relpath(path, src).replace(os.sep, '/'), path))
    return sorted(files)


def sync_directory(store, bucket, src, prefix, wanted, delete_extra=False, create_bucket=False):
    """``state=present`` with a folder: upload what changed, in parallel; with ``delete_extra`` remove the rest."""
    files = local_files(src, prefix or '')
    for name, _path in files:
        store.check_name(name, 'name (from src)')
    store.note_unstored(wanted)
    store.check_metadata_keys(wanted)
    container, created = open_bucket(store, bucket, create_bucket)
    remote = store.listing(container, prefix)

    outcomes = store.map(lambda driver, item: reconcile_file(store, driver, container, item[0], item[1], remote.get(item[0]), wanted),
                         files)
    uploaded = [outcome.name for outcome in outcomes if outcome.action == 'uploaded']
    result = dict(changed=created or bool(uploaded), uploaded=uploaded,
                  unchanged=[outcome.name for outcome in outcomes if outcome.action == 'unchanged'], deleted=[])
    _raise_failures(outcomes, 'uploaded', result)

    local_names = set(name for name, _path in files)
    extra = [remote[name] for name in remote if name not in local_names] if delete_extra else []
    deletions = store.map(_delete, extra) if not store.check_mode else [Outcome(item.name, 'deleted') for item in extra]
    result['deleted'] = [outcome.name for outcome in deletions if outcome.error is None]
    result['changed'] = result['changed'] or bool(result['deleted'])
    _raise_failures(deletions, 'deleted', result)

    before = dict((outcome.name, _summary(outcome.before)) for outcome in outcomes if outcome.action == 'uploaded' and outcome.before)
    before.update((item.name, _summary(item.to_dict())) for item in extra)
    after = dict((outcome.name, _summary(outcome.obj)) for outcome in outcomes if outcome.action == 'uploaded')
    result['diff'] = dict(before=before, after=after)
    return result


def _delete(driver, remote):
    from libcloud.storage.types import ObjectDoesNotExistError

    try:
        driver.delete_object(remote.obj)
    except ObjectDoesNotExistError:
        pass  # already gone: the wanted state
    return Outcome(remote.name, 'deleted')


def empty_bucket(store, container):
    """Delete every object of ``container`` (before the bucket itself is deleted)."""
    outcomes = store.map(_delete, list(store.listing(container).values()))
    _raise_failures(outcomes, 'deleted', {})


def remove_objects(store, bucket, name=None, prefix=None):
    """``state=absent``: the object ``name``, or every object under ``prefix``."""
    if name is not None:
        store.check_name(name)
    check_bucket_name(store.driver, bucket)
    container = find_bucket(store.driver, bucket)
    if container is None:
        targets = []
    elif name is not None:
        found = store.head(store.driver, container, name)
        targets = [found] if found is not None else []
    else:
        targets = list(store.listing(container, prefix).values())
    outcomes = [Outcome(item.name, 'deleted') for item in targets] if store.check_mode else store.map(_delete, targets)
    deleted = [outcome.name for outcome in outcomes if outcome.error is None]
    result = dict(changed=bool(deleted), deleted=deleted)
    _raise_failures(outcomes, 'deleted', result)
    result['diff'] = dict(before=dict((item.name, _summary(item.to_dict())) for item in targets), after={})
    return result


def _default_mode(dest):
    """The mode a replaced file keeps, or what a new file gets under the current umask."""
    try:
        return os.stat(dest).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_folder(folder):
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def download_to(driver, remote, dest, set_mode=None):
    """Stream ``remote`` into a temporary file beside ``dest``, check size and sha256, then rename it over ``dest``.

    Whatever fails on the way (a cut connection, a full disk, a wrong sha256), ``dest`` stays as it was.
    """
    folder, base = os.path.split(os.path.abspath(dest))
    try:
        descriptor, temp_path = tempfile.mkstemp(dir=folder, prefix='.%s.' % base, suffix='.part')
    except OSError as exc:
        problem = exc.strerror or str(exc)
    else:
        problem = None
    if problem is not None:
        raise LibcloudModuleError('the folder of dest %s is not writable: %s' % (folder, problem))
    try:
        sha256, size = hashlib.sha256(), 0
        with os.fdopen(descriptor, 'wb') as handle:
            for chunk in driver.download_object_as_stream(remote.obj, chunk_size=CHUNK_SIZE):
                handle.write(chunk)
                sha256.update(chunk)
                size += len(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        if size != remote.size:
            raise LibcloudModuleError('the download of %s stopped after %d of %d bytes; %s is unchanged' % (remote.name, size, remote.size, dest))
        if remote.sha256 and sha256.hexdigest() != remote.sha256:
            raise LibcloudModuleError('the download of %s does not match its stored sha256; %s is unchanged' % (remote.name, dest))
        if set_mode is not None:
            set_mode(temp_path)
        else:
            os.chmod(temp_path, _default_mode(dest))
        os.replace(temp_path, dest)
    except BaseException:
        _remove(temp_path)
        raise
    _fsync_folder(folder)
    return Digest(size, sha256.hexdigest(), None)


def ensure_download(store, bucket, name, dest, overwrite='different', set_mode=None):
    """``state=downloaded``: ``dest`` holds the object's bytes; written only when they differ, atomically.

    ``set_mode(path)`` applies the wanted file mode and returns whether it changed anything (check-mode aware).
    """
    store.check_name(name)
    check_bucket_name(store.driver, bucket)
    container = find_bucket(store.driver, bucket)
    if container is None:
        raise LibcloudModuleError('bucket %r does not exist' % bucket)
    remote = store.head(store.driver, container, name)
    if remote is None:
        raise LibcloudModuleError('object %r does not exist in bucket %r' % (name, bucket))
    dest = os.path.abspath(dest)
    folder = os.path.dirname(dest)
    if os.path.isdir(dest):
        raise LibcloudModuleError('dest %s is a folder: give the path of the file to write' % dest)
    if not os.path.isdir(folder):
        raise LibcloudModuleError('the folder of dest %s does not exist' % dest)
    local = file_digest(dest) if os.path.exists(dest) else None
    if local is None:
        reason = 'missing'
    elif overwrite == 'never':
        reason = None
    elif overwrite == 'always':
        reason = 'always'
    else:
        reason = None if store.same_content(local, remote) else 'content'
    if reason and not os.access(folder, os.W_OK):
        raise LibcloudModuleError('the folder of dest %s is not writable' % folder)
    written = None
    if reason and not store.check_mode:
        # Each try starts a fresh temporary file; dest changes only when one completes.
        with interruptible('the download of %r to %s' % (name, dest)):
            written = retries.policy_of(store.driver).call(download_to, store.driver, remote, dest, set_mode)
    elif reason and store.is_local:
        store.stored_sha256(remote)  # a local read, so that check mode shows what would be written
    mode_changed = bool(set_mode is not None and not reason and set_mode(dest))
    sha256 = remote.sha256 or (written.sha256 if written else None) or (local.sha256 if local and not reason and overwrite != 'never' else None)
    before = dict(_summary(local) or {}, path=dest, exists=local is not None)
    after = dict(path=dest, exists=True, size=remote.size, sha256=sha256) if reason else before
    return dict(changed=bool(reason) or mode_changed, object=remote.to_dict(sha256=sha256), dest=dest,
                diff=dict(before=before, after=after))


def list_objects(store, bucket, name=None, prefix=None, details=False):
    """The ``objects`` of the info module: one HEAD for ``name``; one listing (plus a HEAD each with ``details``)."""
    if name is not None:
        store.check_name(name)
    check_bucket_name(store.driver, bucket)
    container = find_bucket(store.driver, bucket)
    if container is None:
        raise LibcloudModuleError('bucket %r does not exist' % bucket)
    if name is not None:
        found = store.head(store.driver, container, name)
        if found is not None and store.is_local:
            store.stored_sha256(found)
        return [found.to_dict()] if found is not None else []
    listed = list(store.listing(container, prefix).values())
    if details and store.is_local:
        for item in listed:
            store.stored_sha256(item)
    elif details and not store.provider.listing_has_details:
        outcomes = store.map(lambda driver, item: Outcome(item.name, obj=store.head(driver, container, item.name)), listed)
        _raise_failures(outcomes, 'read', {})
        listed = [outcome.obj for outcome in outcomes if outcome.obj is not None]
    return [item.to_dict() for item in listed]


# -- What storage providers do differently --------------------------------------------------------------------------
# One class per provider, for the driver class nearest up the driver's hierarchy; generic code above asks
# ``store.provider``. (The LOCAL driver's differences are still the ``is_local`` branches above.)


class GenericStorage:
    """libcloud's common storage API, for every driver without a class of its own (S3 and its compatibles too)."""

    # Whether a listing carries each object's metadata and content type, so that no HEAD is needed for them.
    listing_has_details = False

    def __init__(self, driver):
        self.driver = driver

    def content_md5(self, obj):
        """The MD5 of the object's content, where the provider tells it: its hash when that is a plain MD5 (the S3
        ETag of a single PUT; never a multipart ETag ``...-N``); else None."""
        value = str(obj.hash or '').strip('"')
        if getattr(self.driver, 'hash_type', None) == 'md5' and _PLAIN_MD5.match(value):
            return value
        return None

    def metadata_key_problem(self, key):
        """Why the provider would refuse or lose the (normalized) metadata key ``key``; None when it keeps it."""
        return None

    def upload_file(self, driver, container, name, path, size, extra):
        """Write the file ``path`` of ``size`` bytes, streamed from disk, in one request where the provider allows."""
        # One PUT streamed from the file; libcloud re-reads it and checks the ETag against its MD5.
        return driver.upload_object(path, container, name, extra=extra)


class SwiftStorage(GenericStorage):
    """OpenStack Swift (and Rackspace Cloud Files): the ETag is the content MD5, listings carry no metadata."""

    def metadata_key_problem(self, key):
        # Swift's server (eventlet, as nginx in front of it by default) drops every header whose name holds "_":
        # X-Object-Meta-build_id would vanish without an error, and the task would report a change on every run.
        if '_' in key:
            return 'Swift drops metadata keys that hold "_" (its servers ignore such headers); use "-" instead'
        return None


class AzureBlobsStorage(GenericStorage):
    """Azure Blob storage: listings carry metadata, content type and Content-MD5; the ETag is a version."""

    listing_has_details = True

    def content_md5(self, obj):
        # The ETag ("0x8D...") changes on every write, whatever the bytes. The Content-MD5 (libcloud's
        # extra['md5_hash'], in hex) is the content's: set by Azure on a single PUT, by libcloud on a block list commit.
        value = (obj.extra or {}).get('md5_hash')
        return value if value and _PLAIN_MD5.match(value) else None

    def metadata_key_problem(self, key):
        # Azure refuses (400 InvalidMetadata) any metadata name that is not a C# identifier.
        if not _AZURE_METADATA_KEY.match(key):
            return 'Azure metadata keys must be C# identifiers: letters, digits and "_", not starting with a digit'
        return None

    def upload_file(self, driver, container, name, path, size, extra):
        if size == 0:
            # libcloud sends an empty file with both Content-Length: 0 and Transfer-Encoding: chunked (requests streams
            # a zero-length file object chunked), which HTTP/1.1 forbids and Azurite refuses (400). An empty block
            # list commits the empty blob, with its metadata, content type and Content-MD5, in one request.
            return driver.upload_object_via_stream(iter(()), container, name, extra=extra)
        return super().upload_file(driver, container, name, path, size, extra)


# libcloud storage driver classes by dotted name (choosing imports no libcloud module), and the class of each.
STORAGE_PROVIDERS = {
    'libcloud.storage.drivers.cloudfiles.CloudFilesStorageDriver': SwiftStorage,
    'libcloud.storage.drivers.azure_blobs.AzureBlobsStorageDriver': AzureBlobsStorage,
}


def storage_provider_of(driver):
    """What generic code asks wherever storage providers differ, for ``driver``."""
    names = ('%s.%s' % (cls.__module__, cls.__qualname__) for cls in type(driver).__mro__)
    return next((STORAGE_PROVIDERS[name] for name in names if name in STORAGE_PROVIDERS), GenericStorage)(driver)
