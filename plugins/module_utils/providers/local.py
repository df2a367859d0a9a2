# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What we do differently on libcloud's LOCAL storage driver (``storage_provider: local``): buckets are folders
under the folder ``key`` names, objects are files in them.

- It stores no metadata and no content type, and its hash comes from the file's mtime, not from its content: the
  stored file's sha256, a local read, tells whether the bytes are the same, and a listing is all there is to know.
- Names are paths: a bucket name is one folder; an object name must stay inside its bucket, name the file it
  says and not pass through the folders that the driver's listing skips.
- Uploads are atomic: staged in a folder that listings skip, then renamed over the final name (the driver writes
  straight to the final path, so a failed upload would leave a partial object).
- Transfers run one at a time: the driver's delete_object removes emptied parent folders, which races with a
  parallel delete or upload.
"""

from __future__ import annotations

import hashlib
import os
import uuid

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.generic import CHUNK_SIZE, GenericAdapter, checked_chunks, remove_file

# Folders that the driver's listing skips (libcloud.storage.drivers.local.IGNORE_FOLDERS).
HIDDEN_FOLDERS = ('.lock', '.hash')
STAGING_FOLDER = '.lock'


class LocalAdapter(GenericAdapter):

    listing_has_details = True
    metadata_not_stored = 'the local storage driver stores no metadata and no content type'

    def transfer_workers(self, wanted):
        return 1

    def bucket_name_problem(self, name):
        if '/' in name or '\\' in name or name in ('.', '..'):
            return 'on the local driver a bucket is a folder: no "/" or "\\", not "." or ".."'
        return None

    def object_name_problem(self, name):
        segments = name.split('/')
        if name.startswith('/') or os.path.isabs(name):
            return 'an absolute path would leave the bucket'
        if '..' in segments:
            return 'a ".." segment would leave the bucket'
        if '' in segments or '.' in segments:
            return 'empty or "." path segments: the local driver would store it under another name'
        if set(segments[:-1]) & set(HIDDEN_FOLDERS):
            return 'the local driver hides folders named %s' % ' and '.join(HIDDEN_FOLDERS)
        return None

    def content_md5(self, obj):
        return None  # the hash is the MD5 of the file's mtime

    def content_sha256(self, obj):
        sha256 = hashlib.sha256()
        with open(self.driver.get_object_cdn_url(obj), 'rb') as handle:
            for chunk in iter(lambda: handle.read(CHUNK_SIZE), b''):
                sha256.update(chunk)
        return sha256.hexdigest()

    def upload_file(self, driver, container, name, path, digest, extra):
        # No extra: the driver would store none of it.
        container_path = driver.get_container_cdn_url(container, check=True)
        staging_name = '%s/upload-%s' % (STAGING_FOLDER, uuid.uuid4().hex)
        staging_path = os.path.join(container_path, staging_name)
        final_path = os.path.join(container_path, name)
        try:
            with open(path, 'rb') as handle:
                driver.upload_object_via_stream(checked_chunks(handle, digest, path), container, staging_name)
            descriptor = os.open(staging_path, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
            if not os.path.isdir(os.path.dirname(final_path)):
                os.makedirs(os.path.dirname(final_path))
            os.replace(staging_path, final_path)
        except BaseException:
            remove_file(staging_path)
            raise
        finally:
            try:
                os.rmdir(os.path.dirname(staging_path))
            except OSError:
                pass  # another upload is staging there
        return driver.get_object(container.name, name)
