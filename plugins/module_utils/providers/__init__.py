# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Provider adapters: everything we do differently on one provider lives in that provider's module here.

Generic code never asks which provider it talks to; it calls :func:`adapter_for` (a driver at hand) or
:func:`adapter_class` (a driver class, to build the driver). Adding a provider means adding a module with an
adapter class (a subclass of ``generic.GenericAdapter``) and one line in ``ADAPTERS``.

One interface serves every kind of driver: compute (nodes, node_reconcile, the inventory), object storage
(buckets, objects) and DNS (dns_zones, dns_records); ``generic`` says what each method means and does by default.
A provider whose compute and storage drivers differ in different ways has one class for each, in its one module
(``openstack``: Nova, Swift).

    ec2        EC2 and the clouds that speak its API
    openstack  OpenStack compute; Swift
    azure      Azure compute, classic and Resource Manager; Blob storage
    gce        Google Compute Engine; Cloud Storage
    s3         S3 and the storage drivers built on libcloud's S3 driver
    local      libcloud's LOCAL storage driver (folders and files)
    powerdns   PowerDNS Authoritative (DNS zones and records)
"""

from __future__ import annotations

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.azure import AzureArmAdapter, AzureBlobsAdapter, AzureClassicAdapter
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.ec2 import Ec2Adapter, Ec2CompatibleAdapter
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.gce import GceAdapter, GoogleStorageAdapter
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.generic import GenericAdapter
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.local import LocalAdapter
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.openstack import OpenStackAdapter, SwiftAdapter
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.powerdns import PowerDnsAdapter
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.s3 import S3Adapter

# libcloud driver classes, by dotted name so that choosing imports no libcloud module, and the adapter of each.
# A driver gets the adapter of the nearest class up its hierarchy: EC2 itself before the EC2-compatible clouds,
# Google Cloud Storage before the other S3-based drivers; OpenStack's Swift driver through its parent, libcloud's
# CloudFiles driver (Rackspace's Swift).
ADAPTERS = {
    'libcloud.compute.drivers.ec2.EC2NodeDriver': Ec2Adapter,
    'libcloud.compute.drivers.ec2.BaseEC2NodeDriver': Ec2CompatibleAdapter,
    'libcloud.compute.drivers.openstack.OpenStackNodeDriver': OpenStackAdapter,
    'libcloud.compute.drivers.azure.AzureNodeDriver': AzureClassicAdapter,
    'libcloud.compute.drivers.azure_arm.AzureNodeDriver': AzureArmAdapter,
    'libcloud.compute.drivers.gce.GCENodeDriver': GceAdapter,
    'libcloud.storage.drivers.s3.BaseS3StorageDriver': S3Adapter,
    'libcloud.storage.drivers.google_storage.GoogleStorageDriver': GoogleStorageAdapter,
    'libcloud.storage.drivers.cloudfiles.CloudFilesStorageDriver': SwiftAdapter,
    'libcloud.storage.drivers.azure_blobs.AzureBlobsStorageDriver': AzureBlobsAdapter,
    'libcloud.storage.drivers.local.LocalStorageDriver': LocalAdapter,
    'libcloud.dns.drivers.powerdns.PowerDNSDriver': PowerDnsAdapter,
}

_chosen = {}


def adapter_class(driver_class):
    """The adapter class for the libcloud driver class ``driver_class`` (before a driver exists: to build it)."""
    if driver_class not in _chosen:
        names = ('%s.%s' % (cls.__module__, cls.__qualname__) for cls in driver_class.__mro__)
        _chosen[driver_class] = next((ADAPTERS[name] for name in names if name in ADAPTERS), GenericAdapter)
    return _chosen[driver_class]


def adapter_for(driver):
    """The adapter for ``driver``: what generic code calls wherever providers differ."""
    return adapter_class(type(driver))(driver)
