# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What we do differently on S3 and the storage drivers built on libcloud's S3 driver (BaseS3StorageDriver:
the regional S3 providers, Ceph RGW, MinIO, Google Cloud Storage...).

- A region given at runtime becomes the bucket's location constraint: libcloud sends none for it, so creating a
  bucket outside us-east-1 fails; its per-region subclasses (``s3_us_east_2``...) set the same attribute.
- Bucket names follow AWS's rules, which the S3-compatible stores (MinIO, Ceph RGW, Spaces...) follow too.
- Files from ``MULTIPART_THRESHOLD`` up go as a multipart upload streamed from disk (the driver's
  ``upload_object_via_stream``), whose ETag is no content hash: the sha256 we store in the metadata decides.
  Smaller files go up in one PUT, whose ETag is their MD5, so a listing alone can tell them unchanged.
- libcloud aborts a failed multipart upload with one request; we retry that abort (see :func:`retry_multipart_aborts`).
- Credentials may come from a profile of AWS's shared credentials file (see ``aws_credentials``), as for EC2.
- A bucket that answers 403 is not taken for an existing one (libcloud's get_container does so, and a wrong secret
  then reported every bucket as present and unchanged).
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.cloudmesh.libcloud.plugins.module_utils import retries
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers import aws_credentials
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.generic import GenericAdapter, checked_chunks

MULTIPART_THRESHOLD = 16 * 1024 * 1024

# AWS's rules for general purpose buckets.
_BUCKET = re.compile(r'^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$')
_RESERVED_PREFIXES = ('xn--', 'sthree-', 'amzn-s3-demo-')
_RESERVED_SUFFIXES = ('-s3alias', '--ol-s3', '.mrap', '--x-s3')
BUCKET_RULES = ('S3 bucket names have 3 to 63 characters: lower-case letters, digits, dots and hyphens, '
                'starting and ending with a letter or a digit')


def retry_multipart_aborts(driver):
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


class S3Adapter(GenericAdapter):

    @classmethod
    def complete_credentials(cls, conn):
        return aws_credentials.complete(conn)

    @classmethod
    def configure(cls, driver, conn):
        region = conn.get('region')
        if region and region != 'us-east-1':
            driver.ex_location_name = region

    def find_bucket(self, name):
        from libcloud.common.types import InvalidCredsError
        from libcloud.storage.base import Container

        # libcloud's get_container, without its reading of a 403 as "exists".
        try:
            response = self.driver.connection.request('/%s' % name, method='HEAD')
        except InvalidCredsError:
            # A HEAD answer has no body to say which: all three read the same.
            raise LibcloudModuleError('S3 answers 403 Forbidden for bucket %r: the key or secret is refused, the bucket belongs to another '
                                      'account, or the key may not list it (s3:ListBucket)' % name) from None
        if response.status == 404:
            return None
        return Container(name=name, extra=None, driver=self.driver)

    def bucket_name_problem(self, name):
        if not _BUCKET.match(name) or '..' in name:
            return BUCKET_RULES
        if name.startswith(_RESERVED_PREFIXES) or name.endswith(_RESERVED_SUFFIXES):
            return 'S3 reserves bucket names starting with %s or ending with %s' % (', '.join(_RESERVED_PREFIXES), ', '.join(_RESERVED_SUFFIXES))
        try:
            ipaddress.IPv4Address(name)
        except ValueError:
            return None
        return 'S3 bucket names must not look like an IP address'

    def upload_file(self, driver, container, name, path, digest, extra):
        # libcloud's own flag: its Google Cloud Storage driver, S3 underneath, has no multipart upload.
        if digest.size < MULTIPART_THRESHOLD or not getattr(driver, 'supports_s3_multipart_upload', False):
            return super().upload_file(driver, container, name, path, digest, extra)
        retry_multipart_aborts(driver)
        with open(path, 'rb') as handle:
            return driver.upload_object_via_stream(checked_chunks(handle, digest, path), container, name, extra=extra)
