#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: libcloud_bucket_object
short_description: Upload, sync, download or delete objects of any libcloud storage provider
version_added: 0.1.0
description:
  - Declares what a bucket holds. V(present) uploads a file, inline content, or a whole folder (only what changed,
    in parallel); V(absent) deletes an object or everything under a prefix; V(downloaded) writes an object to a local file.
  - Change detection never downloads an object. On upload the sha256 of the content is stored in the object's
    metadata (key C(sha256); on S3 the header C(x-amz-meta-sha256)), and size and sha256 are compared. An object
    without a stored sha256 is compared by its MD5 where the provider tells it (the S3 or Swift ETag of a single PUT,
    not a multipart C(-N) one; the Content-MD5 on Azure Blobs, whose ETag is a version); otherwise it counts as
    different. The V(local) driver stores no metadata and its hash comes from the file's modification time, so there
    the stored file is read and hashed (a local read).
  - Memory stays bounded whatever the size. Files below 16 MiB go up in one PUT streamed from disk (their S3 ETag
    is their MD5, which one listing shows for every object); larger ones as an S3 multipart upload streamed from
    disk. Downloads are streamed into a temporary file next to O(dest), checked (size and stored sha256), synced to
    disk and renamed over O(dest), so an interrupted download leaves O(dest) as it was.
  - On the V(local) driver an upload is written under a folder that listings skip and then renamed into place, so
    a failed upload leaves no object under the final name.
author:
  - cloudmesh.libcloud developers (@cloudmesh)
extends_documentation_fragment:
  - cloudmesh.libcloud.connection
  - cloudmesh.libcloud.attributes
options:
  bucket:
    description:
      - The bucket (libcloud container) that holds the objects.
    type: str
    required: true
  name:
    description:
      - The object's name (its key), for example V(reports/2026/q1.csv).
      - Required with O(src) a file, O(content) or O(content_base64), and with O(state=downloaded).
      - With O(state=absent), give O(name) or O(prefix).
      - On the V(local) driver, names that would leave the bucket (absolute paths, C(..) segments) are refused.
    type: str
  state:
    description:
      - V(present) makes the object hold O(src), O(content) or O(content_base64) (exactly one of them).
      - V(absent) deletes the object O(name), or every object whose name starts with O(prefix).
      - V(downloaded) makes the local file O(dest) hold the object's bytes.
    type: str
    choices: [present, absent, downloaded]
    default: present
  src:
    description:
      - A local file to upload as O(name).
      - Or a folder, to sync it. Every file under it becomes the object O(prefix) + its path relative to O(src)
        (with C(/) separators; O(name) is not used). Only changed files are uploaded, up to 8 at a time. Symbolic
        links to files are followed, links to folders are not.
      - A relative path is looked for on the controller as M(ansible.builtin.copy) looks for its O(ignore:src), in the
        C(files/) folder of the role, the role's folder, the C(files/) folder of the playbook and the playbook's folder,
        then in the working directory of C(ansible-playbook).
      - The module runs on the task's host (normally C(localhost)), which must see the file at that path.
    type: path
  content:
    description:
      - Text to store as the object O(name), encoded as UTF-8.
    type: str
  content_base64:
    description:
      - Binary content to store as the object O(name), base64-encoded. Whitespace is ignored; anything else
        that is not base64 fails.
    type: str
  prefix:
    description:
      - With O(src) a folder, what every object name starts with, for example V(site/) (include the C(/)).
      - With O(state=absent), delete every object whose name starts with it. It must not be empty there.
    type: str
  delete_extra:
    description:
      - With O(src) a folder, also delete the objects under O(prefix) that have no file under O(src) any more.
        Without a O(prefix), that is every other object of the bucket.
    type: bool
    default: false
  metadata:
    description:
      - User metadata of the object. When given, the stored metadata must equal it, and a difference is a change
        (the object is written again). Keys are stored in lower case, as S3 returns them; values must be printable ASCII.
      - Keys a provider would refuse or drop fail the task. OpenStack Swift drops keys that hold C(_) (use C(-));
        Azure Blobs takes only C# identifiers (letters, digits and C(_), not starting with a digit). Letters and
        digits alone are kept everywhere.
      - When omitted, the metadata of an existing object is kept when its content is replaced.
      - The key C(sha256) is reserved. The V(local) driver stores no metadata; there it is ignored, with a warning.
    type: dict
  content_type:
    description:
      - The object's content type. When given, a different stored content type is a change.
      - When omitted, an existing object keeps its content type and a new one gets a type guessed from its name.
      - The V(local) driver stores no content type; there it is ignored, with a warning.
    type: str
  overwrite:
    description:
      - V(different) writes only when the content, metadata or content type differ. V(always) writes every time.
        V(never) writes only what does not exist yet.
      - Applies to uploads and, with O(state=downloaded), to O(dest).
    type: str
    choices: [different, always, never]
    default: different
  create_bucket:
    description:
      - Create the bucket when it does not exist. Without it, a missing bucket fails the task.
    type: bool
    default: false
  dest:
    description:
      - With O(state=downloaded), the local file to write. Its folder must exist and be writable.
    type: path
  mode:
    description:
      - With O(state=downloaded), the file mode of O(dest), octal (V('0644')) or symbolic (V(u=rw,g=r,o=)).
      - When omitted, a replaced O(dest) keeps its mode and a new one gets the default mode under the umask.
    type: raw
notes:
  - The connection uses the O(storage_provider) field, not O(provider).
  - "Requests: one object costs a HEAD of the bucket and of the object, plus the transfer. A folder sync costs one
    listing; a HEAD is added only for an object the listing cannot decide (a multipart upload), for an object whose
    O(metadata) or O(content_type) must be compared, and before replacing an object (to keep its metadata). An Azure
    Blobs listing carries metadata and content type: there a sync needs no HEAD."
seealso:
  - module: cloudmesh.libcloud.libcloud_bucket
  - module: cloudmesh.libcloud.libcloud_bucket_object_info
'''

EXAMPLES = r'''
- name: Upload a file with metadata
  cloudmesh.libcloud.libcloud_bucket_object:
    cloud: aws-prod              # an entry of the (vaulted) variable libcloud_clouds with storage_provider: s3
    bucket: build-artifacts-2026
    name: releases/app-1.4.2.tar.gz
    src: dist/app-1.4.2.tar.gz
    metadata:
      commit: 3f2c1e9

- name: Store inline text, creating the bucket if needed
  cloudmesh.libcloud.libcloud_bucket_object:
    cloud: aws-prod
    bucket: build-artifacts-2026
    name: releases/LATEST
    content: "1.4.2\n"
    content_type: text/plain
    create_bucket: true

- name: Sync a folder; remove objects whose file is gone
  cloudmesh.libcloud.libcloud_bucket_object:
    cloud: aws-prod
    bucket: www-example-org
    src: site/public/
    prefix: "v2/"
    delete_extra: true
  register: sync

- name: Show what was uploaded
  ansible.builtin.debug:
    var: sync.uploaded

- name: Download an object
  cloudmesh.libcloud.libcloud_bucket_object:
    cloud: aws-prod
    bucket: build-artifacts-2026
    name: releases/app-1.4.2.tar.gz
    state: downloaded
    dest: /opt/app/app.tar.gz
    mode: "0640"

- name: Delete everything under a prefix
  cloudmesh.libcloud.libcloud_bucket_object:
    cloud: aws-prod
    bucket: build-artifacts-2026
    prefix: "tmp/"
    state: absent
'''

RETURN = r'''
object:
  description:
    - The object after the task (in check mode, as it would be), for O(state=present) with a file or content and
      for O(state=downloaded).
  returned: when O(state=present) without a folder, or O(state=downloaded)
  type: dict
  contains:
    name:
      description: The object's name.
      type: str
      sample: releases/app-1.4.2.tar.gz
    size:
      description: Its size in bytes.
      type: int
      sample: 1048576
    hash:
      description:
        - The provider's hash (S3 or Swift ETag; on Azure Blobs the ETag, a version that changes on every write; on the V(local)
          driver a hash of the modification time). Null in check mode.
      type: str
      sample: 9e107d9d372bb6826bd81d3542a419d6
    sha256:
      description: The sha256 of the content, where known (stored in the metadata, or verified against the local file).
      type: str
      sample: d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592
    metadata:
      description: The user metadata (without the reserved C(sha256) key); empty on the V(local) driver.
      type: dict
      sample: {"commit": "3f2c1e9"}
    content_type:
      description: The content type; null on the V(local) driver.
      type: str
      sample: application/gzip
uploaded:
  description: With O(src) a folder, the objects written (in check mode, those that would be).
  returned: when O(src) is a folder
  type: list
  elements: str
  sample: ["v2/index.html"]
unchanged:
  description:
    - With O(src) a folder, the objects that already matched their file (not written).
    - Not called C(skipped), because Ansible reads a C(skipped) key in a result as the status of the task itself.
  returned: when O(src) is a folder
  type: list
  elements: str
  sample: ["v2/logo.png"]
deleted:
  description: The objects deleted (in check mode, those that would be), with O(state=absent) or O(delete_extra).
  returned: when O(state=absent), or O(src) is a folder
  type: list
  elements: str
  sample: ["v2/old.html"]
dest:
  description: The absolute path of the downloaded file.
  returned: when O(state=downloaded)
  type: str
  sample: /opt/app/app.tar.gz
'''

import os
import re
import tempfile

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.base import LibcloudModule
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.objects import (
    OVERWRITE_CHOICES,
    Store,
    Wanted,
    decode_content,
    ensure_download,
    ensure_file,
    normalize_metadata,
    remove_objects,
    sync_directory,
)

_CLAUSE = r'[ugoa]*([-+=]([rwxXst]*|[ugo]))+'
_MODE = re.compile(r'^(0?[0-7]{3,4}|%s(,%s)*)$' % (_CLAUSE, _CLAUSE))


class BucketObjectModule(LibcloudModule):
    argument_spec = dict(
        bucket=dict(type='str', required=True),
        name=dict(type='str'),
        state=dict(type='str', choices=['present', 'absent', 'downloaded'], default='present'),
        src=dict(type='path'),
        content=dict(type='str'),
        content_base64=dict(type='str'),
        prefix=dict(type='str'),
        delete_extra=dict(type='bool', default=False),
        metadata=dict(type='dict'),
        content_type=dict(type='str'),
        overwrite=dict(type='str', choices=list(OVERWRITE_CHOICES), default='different'),
        create_bucket=dict(type='bool', default=False),
        dest=dict(type='path'),
        mode=dict(type='raw'),
    )
    module_kwargs = dict(
        supports_check_mode=True,
        mutually_exclusive=[('src', 'content', 'content_base64'), ('name', 'prefix')],
        required_if=[
            ('state', 'present', ('src', 'content', 'content_base64'), True),
            ('state', 'absent', ('name', 'prefix'), True),
            ('state', 'downloaded', ('name', 'dest')),
        ],
    )
    kind = 'storage'

    def run(self):
        params = self.params
        store = Store(self.driver, self.new_driver, self.check_mode)
        if params['state'] == 'present':
            result = self.present(store)
        elif params['state'] == 'absent':
            if params['prefix'] == '':
                raise LibcloudModuleError('prefix must not be empty with state=absent: to delete every object, '
                                          'use cloudmesh.libcloud.libcloud_bucket with state=absent and force=true')
            result = remove_objects(store, params['bucket'], name=params['name'], prefix=params['prefix'])
        else:
            result = ensure_download(store, params['bucket'], params['name'], params['dest'], params['overwrite'], self.mode_setter())
        for warning in store.warnings:
            self.warn(warning)
        return result

    def present(self, store):
        params = self.params
        wanted = Wanted(normalize_metadata(params['metadata']), params['content_type'], params['overwrite'])
        src = params['src']
        if src is not None and os.path.isdir(src):
            if params['name'] is not None:
                raise LibcloudModuleError('name is not used when src is a folder: objects are named prefix + their path under src')
            return sync_directory(store, params['bucket'], src, params['prefix'], wanted, params['delete_extra'], params['create_bucket'])
        if params['prefix'] is not None or params['delete_extra']:
            raise LibcloudModuleError('prefix and delete_extra are only used with state=absent or with src a folder')
        if params['name'] is None:
            raise LibcloudModuleError('name is required with src (a file), content or content_base64')
        if src is not None:
            if not os.path.isfile(src):
                raise LibcloudModuleError('src %s is neither a file nor a folder' % src)
            return ensure_file(store, params['bucket'], params['name'], src, wanted, params['create_bucket'])
        data = decode_content(params['content'], params['content_base64'])
        descriptor, path = tempfile.mkstemp(dir=self.ansible.tmpdir)
        try:
            with os.fdopen(descriptor, 'wb') as handle:
                handle.write(data)
            return ensure_file(store, params['bucket'], params['name'], path, wanted, params['create_bucket'])
        finally:
            os.unlink(path)

    def mode_setter(self):
        """``set_mode(path) -> changed`` for the ``mode`` option (None when not given), through ansible's helper."""
        mode = self.params['mode']
        if mode is None:
            return None
        if not isinstance(mode, int) and not _MODE.match(str(mode)):
            raise LibcloudModuleError("mode must be octal like '0644' or symbolic like 'u=rw,g=r,o=', got %r" % str(mode))
        return lambda path: self.ansible.set_mode_if_different(path, mode, False)


def main():
    BucketObjectModule()()


if __name__ == '__main__':
    main()
