# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Objects in buckets: change detection that never downloads, streamed and atomic transfers, directory sync.

Whether a stored object holds the same bytes as a local file is decided, in this order:

1. the sizes differ: different;
2. the object carries the sha256 that an upload by this collection stores in its metadata: compare it;
3. the provider can read the stored bytes with no request (LOCAL, which stores no metadata and whose hash comes
   from the file's mtime: a local read): compare their sha256;
4. the provider tells the content's MD5 (the S3 or Swift ETag of a single PUT, Azure's Content-MD5): compare MD5;
5. otherwise (a multipart ETag without a stored sha256, ...): different.

A bucket listing carries sizes and hashes but, except on Azure, no metadata, so a directory sync decides most files
from one listing and asks for the object's headers (a HEAD) only where the listing cannot decide.

What a provider does differently (what its hash means, which names and metadata keys it takes, how a file goes
up) is its adapter's business (module_utils/providers/); nothing here asks which provider it talks to.
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

from ansible_collections.cloudmesh.libcloud.plugins.module_utils import retries
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.buckets import check_bucket_name, find_bucket
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError, describe_exception, shown
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers import adapter_for
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.generic import CHUNK_SIZE, remove_file
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.workers import MAX_WORKERS, DriverPool

SHA256_KEY = 'sha256'
DEFAULT_CONTENT_TYPE = 'application/octet-stream'
OVERWRITE_CHOICES = ('different', 'always', 'never')
# upload_reason() answers this when only the object's headers (a HEAD) can decide.
NEEDS_DETAILS = 'needs-details'

_METADATA_KEY = re.compile(r'^[a-z0-9][a-z0-9_.-]*$')

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


def object_name_problem(name, adapter):
    """Why ``name`` cannot name an object on ``adapter``'s provider, or None when it can."""
    if not name:
        return 'an object name must not be empty'
    if '\x00' in name or '\n' in name:
        return 'an object name must not hold NUL or newline characters'
    if len(name.encode('utf-8')) > 1024:
        return 'an object name must not be longer than 1024 bytes'
    return adapter.object_name_problem(name)


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
        self.adapter = adapter_for(driver)
        self.stores_metadata = self.adapter.metadata_not_stored is None
        self.pool = DriverPool(driver, driver_factory, workers=self.adapter.transfer_workers(workers))
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
        problem = object_name_problem(name, self.adapter)
        if problem:
            raise LibcloudModuleError('invalid object %s %s: %s' % (option, shown(name), problem))

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
        """The objects under ``prefix`` by name, from one listing."""
        if container is None:
            return {}
        objects = self.driver.iterate_container_objects(container, prefix=prefix or None)
        detailed = self.adapter.listing_has_details
        return collections.OrderedDict((obj.name, RemoteObject(obj, detailed=detailed, stores_metadata=self.stores_metadata))
                                       for obj in objects)

    def read_sha256(self, remote):
        """``remote``'s sha256: the one its metadata holds, else read from the stored bytes where the provider can
        with no request (LOCAL); None when neither."""
        if remote.sha256 is None:
            remote.sha256 = self.adapter.content_sha256(remote.obj)
        return remote.sha256

    def same_content(self, digest, remote):
        """Whether ``remote`` holds the bytes that ``digest`` describes; None when only a HEAD can tell."""
        if remote.size != digest.size:
            return False
        if self.read_sha256(remote):
            return remote.sha256 == digest.sha256
        stored_md5 = self.adapter.content_md5(remote.obj)
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
        if not self.stores_metadata and (wanted.metadata or wanted.content_type):
            self.warn_once('%s: metadata and content_type are ignored' % self.adapter.metadata_not_stored)

    def check_metadata_keys(self, wanted):
        """Refuse the metadata keys that this provider would refuse or silently drop."""
        for key in sorted(wanted.metadata or {}):
            problem = self.adapter.metadata_key_problem(key)
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


def put_file(store, driver, container, name, path, digest, metadata, content_type):
    """Write the file ``path`` (described by ``digest``) as ``name``, memory bounded; returns the object dict."""
    meta_data = dict(metadata)
    meta_data[SHA256_KEY] = digest.sha256
    stored = store.adapter.upload_file(driver, container, name, path, digest, {'content_type': content_type, 'meta_data': meta_data})
    if not store.stores_metadata:
        metadata, content_type = {}, None
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
        if not store.stores_metadata:
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
    if remote is not None:
        store.read_sha256(remote)  # LOCAL: a local read, so that the diff shows what is stored
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
        remove_file(temp_path)
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
    elif reason:
        store.read_sha256(remote)  # LOCAL: a local read, so that check mode shows what would be written
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
        if found is not None:
            store.read_sha256(found)
        return [found.to_dict()] if found is not None else []
    listed = list(store.listing(container, prefix).values())
    if details and not store.adapter.listing_has_details:
        outcomes = store.map(lambda driver, item: Outcome(item.name, obj=store.head(driver, container, item.name)), listed)
        _raise_failures(outcomes, 'read', {})
        listed = [outcome.obj for outcome in outcomes if outcome.obj is not None]
    elif details:
        for item in listed:
            store.read_sha256(item)
    return [item.to_dict() for item in listed]
