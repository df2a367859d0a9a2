#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: libcloud_bucket
short_description: Create or delete a bucket of any libcloud storage provider
version_added: 0.1.0
description:
  - Makes sure a bucket (a libcloud I(container)) exists or does not exist, on S3, S3-compatible stores, OpenStack
    Swift, Azure Blobs, Google Storage, the V(local) folder driver and every other libcloud storage provider.
  - Bucket names are checked before any request. For S3 and the S3-compatible drivers AWS's rules apply
    (3 to 63 characters, lower-case letters, digits, dots and hyphens); for the V(local) driver a bucket is a folder,
    so names with C(/) and the names C(.) and C(..) are refused.
author:
  - cloudmesh.libcloud developers (@cloudmesh)
extends_documentation_fragment:
  - cloudmesh.libcloud.connection
  - cloudmesh.libcloud.attributes
options:
  name:
    description:
      - The name of the bucket.
      - Checked before any request where the provider has rules of its own. S3 and the S3-compatible stores take 3 to 63
        lower-case letters, digits, dots and hyphens; Azure Blobs 3 to 63 lower-case letters, digits and hyphens, no
        two hyphens in a row.
    type: str
    required: true
  state:
    description:
      - V(present) creates the bucket when it does not exist. V(absent) deletes it when it exists.
    type: str
    choices: [present, absent]
    default: present
  force:
    description:
      - With O(state=absent), delete every object of the bucket first (in parallel), then the bucket.
      - Without it, deleting a bucket that holds objects fails and deletes nothing.
    type: bool
    default: false
notes:
  - The connection uses the O(storage_provider) field, not O(provider).
  - For an S3 region other than V(us-east-1), set O(region); the bucket is created there.
'''

EXAMPLES = r'''
- name: A bucket for the build artifacts
  cloudmesh.libcloud.libcloud_bucket:
    cloud: aws-prod              # an entry of the (vaulted) variable libcloud_clouds with storage_provider: s3
    name: build-artifacts-2026

- name: A bucket on the local disk (a folder under /srv/buckets)
  cloudmesh.libcloud.libcloud_bucket:
    storage_provider: local
    key: /srv/buckets
    name: reports

- name: Delete a bucket and everything in it
  cloudmesh.libcloud.libcloud_bucket:
    cloud: aws-prod
    name: build-artifacts-2025
    state: absent
    force: true
'''

RETURN = r'''
bucket:
  description: The bucket after the task (in check mode, as it would be).
  returned: always
  type: dict
  contains:
    name:
      description: The bucket's name.
      type: str
      sample: build-artifacts-2026
    exists:
      description: Whether the bucket exists.
      type: bool
      sample: true
    extra:
      description: The provider-specific details of libcloud's C(extra), made JSON-safe (empty for a new S3 bucket).
      type: dict
      sample: {}
'''

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.base import LibcloudModule
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.buckets import ensure_bucket
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.objects import Store, empty_bucket


class BucketModule(LibcloudModule):
    argument_spec = dict(
        name=dict(type='str', required=True),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        force=dict(type='bool', default=False),
    )
    module_kwargs = dict(supports_check_mode=True)
    kind = 'storage'

    def run(self):
        store = Store(self.driver, self.new_driver, self.check_mode)
        return ensure_bucket(self.driver, self.params['name'], self.params['state'], force=self.params['force'],
                             check_mode=self.check_mode, delete_objects=lambda container: empty_bucket(store, container))


def main():
    BucketModule()()


if __name__ == '__main__':
    main()
