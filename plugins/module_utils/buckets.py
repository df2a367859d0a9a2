# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Buckets (libcloud containers): name checks (each provider's rules are its adapter's), lookup, and the present/absent
reconcile."""

from __future__ import annotations

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.convert import json_safe
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError, shown
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers import adapter_for


def bucket_name_problem(name, adapter):
    """Why ``name`` cannot be a bucket name on ``adapter``'s provider, or None when it can."""
    if not name:
        return 'a bucket name must not be empty'
    if any(ord(char) < 32 for char in name):
        return 'a bucket name must not hold control characters'
    return adapter.bucket_name_problem(name)


def check_bucket_name(driver, name):
    problem = bucket_name_problem(name, adapter_for(driver))
    if problem:
        raise LibcloudModuleError('invalid bucket name %s: %s' % (shown(name), problem))


def find_bucket(driver, name):
    """The libcloud Container called ``name``, or None when it does not exist."""
    return adapter_for(driver).find_bucket(name)


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
