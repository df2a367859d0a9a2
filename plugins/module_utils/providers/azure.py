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

Blob storage (``storage_provider: azure_blobs``) needs nothing of its own: key the account, secret its key.
"""

from __future__ import annotations

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers import secret_files
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.generic import GenericAdapter


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
