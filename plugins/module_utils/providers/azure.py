# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What we do differently on Azure: how its two compute drivers are built from a cloud entry.

Classic (``provider: azure``, the Service Management API the seed uses): ``key`` is the subscription id,
``secret`` the management certificate, which libcloud takes only as a PEM file path. Given as the PEM's contents
(a vaulted value), it is written to a private temporary file for the driver's life (see ``secret_files``).

Resource Manager (``provider: azure_arm``): ``key`` is the application (client) id, ``secret`` its client secret,
``options.tenant_id`` and ``options.subscription_id`` the rest. The driver logs in (asks Azure AD for a token)
while it is being built.

Blob storage (``storage_provider: azure_blobs``): key the account, secret its key.

- A listing carries each blob's metadata, content type and Content-MD5: a folder sync needs no HEAD.
- The ETag is a version, not a content hash: the Content-MD5 tells whether the bytes are the same.
- Container names and metadata keys follow Azure's rules, checked before any request: Azure answers a lookup of a
  container name it does not allow with a bare 400, and refuses metadata keys that are not C# identifiers.
- An empty file goes up as an empty block list (libcloud's single PUT of an empty file is refused).
"""

from __future__ import annotations

import re

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers import secret_files
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.generic import PLAIN_MD5, GenericAdapter

# Each hyphen between two letters or digits; plus three names Azure reserves.
_CONTAINER = re.compile(r'^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$')
_SPECIAL_CONTAINERS = ('$root', '$web', '$logs')
CONTAINER_RULES = ('Azure container names have 3 to 63 characters: lower-case letters, digits and hyphens, starting and '
                   'ending with a letter or a digit, no two hyphens in a row')
_METADATA_KEY = re.compile(r'^[a-z_][a-z0-9_]*$')


class AzureClassicAdapter(GenericAdapter):

    @classmethod
    def new_driver(cls, driver_class, key, kwargs):
        kwargs = dict(kwargs)
        certificate = kwargs.pop('secret', None)
        if not certificate:
            raise LibcloudModuleError('provider azure needs secret: the management certificate, as the path of its PEM file '
                                      'or (vaulted) its contents')
        # The driver always speaks https and passes `secure` on itself: given twice, the call would fail.
        kwargs.pop('secure', None)
        return secret_files.driver_with_file(lambda path: driver_class(key, path, **kwargs), certificate)


class AzureArmAdapter(GenericAdapter):

    @classmethod
    def new_driver(cls, driver_class, key, kwargs):
        missing = ['options.%s' % name for name in ('tenant_id', 'subscription_id') if not kwargs.get(name)]
        if missing:
            raise LibcloudModuleError('provider azure_arm needs %s (key is the application id, secret its client secret)'
                                      % ' and '.join(missing))
        # Its constructor takes tenant_id and subscription_id first: the key goes by name.
        return driver_class(key=key, **kwargs)


class AzureBlobsAdapter(GenericAdapter):

    listing_has_details = True

    def bucket_name_problem(self, name):
        # Azure answers a lookup of a container name it does not allow with a bare 400 (libcloud: "Unexpected status
        # code: 400"), and check mode would predict a bucket that cannot be created: say which rule the name breaks.
        if name in _SPECIAL_CONTAINERS or _CONTAINER.match(name):
            return None
        return CONTAINER_RULES

    def metadata_key_problem(self, key):
        # Azure refuses (400 InvalidMetadata) any metadata name that is not a C# identifier.
        if not _METADATA_KEY.match(key):
            return 'Azure metadata keys must be C# identifiers: letters, digits and "_", not starting with a digit'
        return None

    def content_md5(self, obj):
        # The ETag ("0x8D...") changes on every write, whatever the bytes. The Content-MD5 (libcloud's
        # extra['md5_hash'], in hex) is the content's: set by Azure on a single PUT, by libcloud on a block list commit.
        value = (obj.extra or {}).get('md5_hash')
        return value if value and PLAIN_MD5.match(value) else None

    def upload_file(self, driver, container, name, path, digest, extra):
        if digest.size == 0:
            # libcloud sends an empty file with both Content-Length: 0 and Transfer-Encoding: chunked (requests streams
            # a zero-length file object chunked), which HTTP/1.1 forbids and Azurite refuses (400). An empty block
            # list commits the empty blob, with its metadata, content type and Content-MD5, in one request.
            return driver.upload_object_via_stream(iter(()), container, name, extra=extra)
        return super().upload_file(driver, container, name, path, digest, extra)
