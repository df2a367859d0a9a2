# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Buckets (libcloud containers): provider-aware name checks, lookup, and the present/absent reconcile."""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.convert import json_safe
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError, shown

# AWS's rules for general purpose buckets; S3-compatible stores (MinIO, Ceph RGW, Spaces, ...) follow them too.
_S3_BUCKET = re.compile(r'^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$')
_S3_RESERVED_PREFIXES = ('xn--', 'sthree-', 'amzn-s3-demo-')
_S3_RESERVED_SUFFIXES = ('-s3alias', '--ol-s3', '.mrap', '--x-s3')
S3_RULES = ('S3 bucket names have 3 to 63 characters: lower-case letters, digits, dots and hyphens, '
            'starting and ending with a letter or a digit')
# Azure's rules for container names: each hyphen between two letters or digits; plus three names Azure reserves.
_AZURE_CONTAINER = re.compile(r'^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$')
_AZURE_SPECIAL_CONTAINERS = ('$root', '$web', '$logs')
AZURE_RULES = ('Azure container names have 3 to 63 characters: lower-case letters, digits and hyphens, starting and '
               'ending with a letter or a digit, no two hyphens in a row')


def is_local_driver(driver):
    """The LOCAL driver keeps buckets as folders: no metadata, an mtime-based hash, names are paths."""
    try:
        from libcloud.storage.drivers.local import LocalStorageDriver
    except ImportError:  # the LOCAL driver needs `fasteners`; without it no LOCAL driver can exist
        return False
    return isinstance(driver, LocalStorageDriver)


def follows_s3_naming(driver):
    """S3 and the S3-compatible drivers built on libcloud's S3 driver, except Google's (it allows ``_``)."""
    try:
        from libcloud.storage.drivers.google_storage import GoogleStorageDriver
        from libcloud.storage.drivers.s3 import BaseS3StorageDriver
    except ImportError:
        return False
    return isinstance(driver, BaseS3StorageDriver) and not isinstance(driver, GoogleStorageDriver)


def is_azure_blobs_driver(driver):
    try:
        from libcloud.storage.drivers.azure_blobs import AzureBlobsStorageDriver
    except ImportError:
        return False
    return isinstance(driver, AzureBlobsStorageDriver)


def azure_blobs_container_name_problem(name):
    """Azure answers a lookup of a container name it does not allow with a bare 400 (libcloud: "Unexpected status
    code: 400"), and check mode would predict a bucket that cannot be created: say which rule the name breaks."""
    if name in _AZURE_SPECIAL_CONTAINERS or _AZURE_CONTAINER.match(name):
        return None
    return AZURE_RULES


def bucket_name_problem(name, s3_rules=False, local=False, azure_rules=False):
    """Why ``name`` cannot be a bucket name for this kind of driver, or None when it can."""
    if not name:
        return 'a bucket name must not be empty'
    if any(ord(char) < 32 for char in name):
        return 'a bucket name must not hold control characters'
    if local:
        if '/' in name or '\\' in name or name in ('.', '..'):
            return 'on the local driver a bucket is a folder: no "/" or "\\", not "." or ".."'
        return None
    if s3_rules:
        if not _S3_BUCKET.match(name) or '..' in name:
            return S3_RULES
        if name.startswith(_S3_RESERVED_PREFIXES) or name.endswith(_S3_RESERVED_SUFFIXES):
            return 'S3 reserves bucket names starting with %s or ending with %s' % (
                ', '.join(_S3_RESERVED_PREFIXES), ', '.join(_S3_RESERVED_SUFFIXES))
        try:
            ipaddress.IPv4Address(name)
        except ValueError:
            return None
        return 'S3 bucket names must not look like an IP address'
    if azure_rules:
        return azure_blobs_container_name_problem(name)
    if '/' in name:
        return 'a bucket name must not hold "/"'
    return None


def check_bucket_name(driver, name):
    problem = bucket_name_problem(name, s3_rules=follows_s3_naming(driver), local=is_local_driver(driver),
                                  azure_rules=is_azure_blobs_driver(driver))
    if problem:
        raise LibcloudModuleError('invalid bucket name %s: %s' % (shown(name), problem))


def find_bucket(driver, name):
    """The libcloud Container called ``name``, or None when it does not exist."""
    from libcloud.storage.types import ContainerDoesNotExistError

    try:
        return driver.get_container(name)
    except ContainerDoesNotExistError:
        return None


def bucket_to_dict(name, container):
    return {
        'name': name,
        'exists': container is not None,
        'extra': json_safe(getattr(container, 'extra', None) or {}),
    }


def has_objects(driver, container):
    for _obj in driver.iterate_container_objects(container):
        return True
    return False


def _create(driver, name):
    from libcloud.storage.types import ContainerAlreadyExistsError

    try:
        return driver.create_container(name)
    except ContainerAlreadyExistsError:
        # A retried create whose first answer was lost finds its own bucket; a bucket of someone else stays an error.
        container = find_bucket(driver, name)
        if container is None:
            raise
        return container


def _delete(driver, name, container, before):
    from libcloud.storage.types import ContainerDoesNotExistError

    try:
        deleted = driver.delete_container(container)
    except ContainerDoesNotExistError:
        return  # a retried delete whose first answer was lost: the wanted state
    if deleted is False:
        raise LibcloudModuleError('bucket %r could not be deleted' % name, bucket=before)


def ensure_bucket(driver, name, state, force=False, check_mode=False, delete_objects=None):
    """Reconcile one bucket; ``delete_objects(container)`` empties it (used with ``force``)."""
    check_bucket_name(driver, name)
    container = find_bucket(driver, name)
    before = bucket_to_dict(name, container)
    changed = False
    if state == 'present' and container is None:
        changed = True
        if not check_mode:
            container = _create(driver, name)
    elif state == 'absent' and container is not None:
        if has_objects(driver, container) and not force:
            raise LibcloudModuleError('bucket %r is not empty: set force=true to delete its objects first' % name,
                                      bucket=before)
        changed = True
        if not check_mode:
            if force:
                delete_objects(container)
            _delete(driver, name, container, before)
        container = None
    if check_mode and changed:
        after = dict(before, exists=state == 'present')
    else:
        after = bucket_to_dict(name, container)
    return dict(changed=changed, bucket=after, diff=dict(before=before, after=after))
