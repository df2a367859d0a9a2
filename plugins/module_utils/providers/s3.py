# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What we do differently on S3 and the storage drivers built on libcloud's S3 driver (BaseS3StorageDriver:
the regional S3 providers, Ceph RGW, MinIO, Google Cloud Storage...).

- A region given at runtime becomes the bucket's location constraint: libcloud sends none for it, so creating a
  bucket outside us-east-1 fails; its per-region subclasses (``s3_us_east_2``...) set the same attribute.
"""

from __future__ import annotations

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.generic import GenericAdapter


class S3Adapter(GenericAdapter):

    @classmethod
    def configure(cls, driver, conn):
        region = conn.get('region')
        if region and region != 'us-east-1':
            driver.ex_location_name = region
