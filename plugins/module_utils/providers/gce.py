# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What we do differently on Google Cloud (``provider: gce``, ``storage_provider: google_storage``).

- ``key`` is a service account's client email, ``secret`` its key: the path of the JSON (or PEM) key file, or
  (vaulted) its contents; libcloud reads either, so no file is written. ``options.project`` names the project
  (required for GCE); ``region`` is GCE's default zone, which libcloud calls ``datacenter`` (``us-central1-a``).
- libcloud picks the login from the key. A key that is neither a service account's email nor a Cloud Storage
  HMAC key (``GOOG...``) makes it probe the GCE metadata server, then start an installed-application login that
  waits for a code typed on a terminal: a task would hang. Such a key is refused unless ``options.auth_type``
  says which login is meant (``GCE`` on a Google VM).
- Building either driver asks Google for an OAuth token, unless libcloud's token cache holds a fresh one
  (``~/.google_libcloud_auth.<project>`` for GCE, ``.<client email>`` for Cloud Storage; libcloud writes it, 0600).
- A node's tags are its GCE labels (``ex_set_node_labels``).
- Cloud Storage is libcloud's S3 driver underneath (see ``s3``), but its bucket names are not held to S3's rules
  (Google allows ``_``, for one), and libcloud gives it no multipart upload.
"""

from __future__ import annotations

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.generic import GenericAdapter
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.s3 import S3Adapter


def check_login(key, kwargs):
    """Refuse a key that would make libcloud wait for a login typed on a terminal."""
    if kwargs.get('auth_type') or key.endswith('.gserviceaccount.com') or key.startswith('GOOG'):
        return
    raise LibcloudModuleError('a Google cloud entry needs a service account\'s client email as key (...@PROJECT.iam.gserviceaccount.com) '
                              'and its key file or contents as secret; for another login set options.auth_type')


class GceAdapter(GenericAdapter):

    @classmethod
    def new_driver(cls, driver_class, key, kwargs):
        check_login(key, kwargs)
        kwargs = dict(kwargs)
        if not kwargs.get('project'):
            raise LibcloudModuleError('provider gce needs options.project: the id of the Google Cloud project')
        # GCE calls its default zone the datacenter; our entries call it region.
        region = kwargs.pop('region', None)
        if region and kwargs.get('datacenter') and region != kwargs['datacenter']:
            raise LibcloudModuleError('region %r and options.datacenter %r disagree: give one of them' % (region, kwargs['datacenter']))
        if region:
            kwargs['datacenter'] = region
        # The compute driver calls its secret `key` (and the client email `user_id`).
        return driver_class(key, key=kwargs.pop('secret', None), **kwargs)

    def tag_method(self):
        return 'labels'


class GoogleStorageAdapter(S3Adapter):

    bucket_name_problem = GenericAdapter.bucket_name_problem
    complete_credentials = GenericAdapter.complete_credentials  # no AWS profiles for Google

    @classmethod
    def new_driver(cls, driver_class, key, kwargs):
        check_login(key, kwargs)
        return driver_class(key, **kwargs)
