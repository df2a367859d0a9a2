#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: libcloud_bucket_object_info
short_description: Describe the objects of a bucket of any libcloud storage provider
version_added: 0.1.0
description:
  - Returns one object (O(name)), or every object of a bucket whose name starts with O(prefix), with the same
    fields that M(cloudmesh.libcloud.libcloud_bucket_object) returns.
  - "What it costs: O(name) is one HEAD request (it returns the metadata, the content type and the sha256 stored on
    upload). A listing (O(prefix), or neither option) is one request per 1,000 objects and carries only names, sizes
    and hashes; O(details=true) adds one HEAD per object (8 in parallel) to fill in metadata, content type and sha256.
    On Azure Blobs the listing carries them all, and O(details) costs nothing more."
  - On the V(local) driver there is no metadata and no content type; the sha256 is computed by reading the stored
    file, for O(name) and with O(details=true).
author:
  - cloudmesh.libcloud developers (@cloudmesh)
extends_documentation_fragment:
  - cloudmesh.libcloud.connection
  - cloudmesh.libcloud.attributes.info
options:
  bucket:
    description:
      - The bucket (libcloud container). A bucket that does not exist fails the task.
    type: str
    required: true
  name:
    description:
      - The object to describe. An object that does not exist gives an empty O(ignore:objects) list.
    type: str
  prefix:
    description:
      - List only the objects whose name starts with this. Without O(name) and O(prefix), every object is listed.
    type: str
  details:
    description:
      - For a listing, fetch each object's headers too (one HEAD per object; on the V(local) driver, read each file
        to compute its sha256).
    type: bool
    default: false
notes:
  - The connection uses the O(storage_provider) field, not O(provider).
seealso:
  - module: cloudmesh.libcloud.libcloud_bucket_object
'''

EXAMPLES = r'''
- name: Describe one object
  cloudmesh.libcloud.libcloud_bucket_object_info:
    cloud: aws-prod
    bucket: build-artifacts-2026
    name: releases/app-1.4.2.tar.gz
  register: artifact

- name: Check its sha256
  ansible.builtin.assert:
    that: artifact.objects[0].sha256 == expected_sha256

- name: List the releases with their metadata
  cloudmesh.libcloud.libcloud_bucket_object_info:
    cloud: aws-prod
    bucket: build-artifacts-2026
    prefix: releases/
    details: true
'''

RETURN = r'''
objects:
  description: The objects, sorted by name.
  returned: always
  type: list
  elements: dict
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
      description: The provider's hash (S3 or Swift ETag; on Azure Blobs the ETag, a version; on the V(local) driver a hash of the modification time).
      type: str
      sample: 9e107d9d372bb6826bd81d3542a419d6
    sha256:
      description: The sha256 stored in the metadata on upload (computed on the V(local) driver); null when unknown.
      type: str
      sample: d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592
    metadata:
      description: The user metadata without the reserved C(sha256) key; null in a listing without O(details), except on Azure Blobs.
      type: dict
      sample: {"commit": "3f2c1e9"}
    content_type:
      description: The content type; null in a listing without O(details) (except on Azure Blobs) and on the V(local) driver.
      type: str
      sample: application/gzip
'''

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.base import LibcloudModule
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.objects import Store, list_objects


class BucketObjectInfoModule(LibcloudModule):
    argument_spec = dict(
        bucket=dict(type='str', required=True),
        name=dict(type='str'),
        prefix=dict(type='str'),
        details=dict(type='bool', default=False),
    )
    module_kwargs = dict(supports_check_mode=True, mutually_exclusive=[('name', 'prefix')])
    kind = 'storage'

    def run(self):
        store = Store(self.driver, self.new_driver, self.check_mode)
        objects = list_objects(store, self.params['bucket'], name=self.params['name'], prefix=self.params['prefix'],
                               details=self.params['details'])
        return dict(changed=False, objects=sorted(objects, key=lambda item: item['name']))


def main():
    BucketObjectInfoModule()()


if __name__ == '__main__':
    main()
