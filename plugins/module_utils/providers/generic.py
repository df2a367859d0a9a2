# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The default provider adapter: libcloud's common API, for every driver that has no adapter of its own.

Our generic code (nodes, node_reconcile, the inventory, connection; buckets and objects for storage; dns_zones and
dns_records) asks an adapter wherever providers differ. Besides the common API it uses the ``ex_`` methods that
several drivers share by name (tags, security groups, networks), where a driver has them: a driver we have no file
for still gets them.
"""

from __future__ import annotations

import difflib
import hashlib
import inspect
import os
import re

from ansible_collections.cloudmesh.libcloud.plugins.module_utils import retries
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.convert import node_to_dict
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.generic_dns import DnsMethods

# What a transfer reads or writes at once.
CHUNK_SIZE = 1024 * 1024

PLAIN_MD5 = re.compile(r'^[0-9a-f]{32}$')

# A power action as the words of an error message say it.
DOING = {'start': 'starting', 'stop': 'stopping', 'reboot': 'rebooting', 'destroy': 'destroying'}


def pick(option, wanted, items):
    """The one item whose id, else whose exact name, is ``wanted``; None when there is none."""
    by_id = [item for item in items if str(item.id) == wanted]
    if by_id:
        return by_id[0]
    by_name = [item for item in items if item.name == wanted]
    if len(by_name) > 1:
        raise LibcloudModuleError('%s %r is the name of several %ss (%s); give the id instead'
                                  % (option, wanted, option, ', '.join(sorted(str(item.id) for item in by_name)[:10])))
    return by_name[0] if by_name else None


def not_found(option, wanted, names, where='', known=False):
    """The error for an ``option`` value that no item has, with the closest of ``names`` to suggest; ``where`` says
    where it was looked for (`` in vpc-...``); with ``known``, a short list of them all when none is close."""
    names = sorted(set(name for name in names if name))
    close = difflib.get_close_matches(wanted, names, n=5, cutoff=0.6)
    if close:
        hint = 'closest: %s' % ', '.join(close)
    elif known and names:
        hint = 'known: %s%s' % (', '.join(names[:10]), ' ...' if len(names) > 10 else '')
    else:
        hint = 'nothing close'
    return LibcloudModuleError('unknown %s %r: no %s has this id or exact name%s; %s' % (option, wanted, option, where, hint))


def resolve_listed(noun, wanted, items, where=''):
    """The item whose id or exact name is each of ``wanted``, in order and each once (placement lists are short:
    subnets, networks, security groups); an unknown one fails naming the closest."""
    found = []
    for value in wanted:
        item = pick(noun, str(value), items)
        if item is None:
            raise not_found(noun, str(value), [str(listed.id) for listed in items] + [listed.name for listed in items], where, known=True)
        if all(item is not other for other in found):
            found.append(item)
    return found


def provider_name(driver):
    """The driver's provider as users write it (``ec2``, ``openstack``), for messages."""
    return str(getattr(driver, 'type', None) or getattr(driver, 'name', None) or type(driver).__name__)


def offered(driver, what, call, *args, **kwargs):
    """``call(*args, **kwargs)``; when the cloud answers that it has no such API at all (HTTP 404, 405 or 501 to a
    listing or a create, or a driver without the method), one line says so instead of the server's error page."""
    try:
        return call(*args, **kwargs)
    except NotImplementedError:
        raise LibcloudModuleError('libcloud\'s %s cannot manage %s' % (type(driver).__name__, what)) from None
    except Exception as exc:
        status = retries.http_status(exc)
        if status not in (404, 405, 501):
            raise
        raise LibcloudModuleError('this cloud does not offer %s through libcloud\'s %s (HTTP %d)' % (what, type(driver).__name__, status)) from None


def remove_file(path):
    """Remove a staging or temporary file of ours, if it is still there (a failure to do so must not hide the
    error that is being reported)."""
    try:
        os.unlink(path)
    except OSError:
        pass


def checked_chunks(handle, digest, path):
    """The bytes of the file ``path`` (open as ``handle``) in chunks, for an upload streamed from disk; raises at
    the end, before the upload is committed, if they no longer match ``digest`` (size and sha256)."""
    sha256, size = hashlib.sha256(), 0
    for chunk in iter(lambda: handle.read(CHUNK_SIZE), b''):
        sha256.update(chunk)
        size += len(chunk)
        yield chunk
    if size != digest.size or sha256.hexdigest() != digest.sha256:
        raise LibcloudModuleError('%s changed while it was uploaded: run the task again' % path)


class GenericAdapter(DnsMethods):
    """What we do on a provider with no specifics. Subclasses override only where their provider differs."""

    # The tag that holds a node's name where the provider keeps names in tags (EC2's Name tag).
    name_tag = None

    def __init__(self, driver):
        self.driver = driver

    # -- building the driver: class methods, the driver does not exist yet --------------------------------------

    @classmethod
    def new_driver(cls, driver_class, key, kwargs):
        """A ``driver_class`` for the cloud entry's ``key`` and its other fields, as keyword arguments ``kwargs``."""
        return driver_class(key, **kwargs)

    @classmethod
    def configure(cls, driver, conn):
        """Adjust a new ``driver`` to the resolved connection ``conn``: nothing to do by default."""

    @classmethod
    def complete_credentials(cls, conn):
        """``conn`` with credentials the provider keeps elsewhere (AWS: a shared credentials file's profile)."""
        if conn.get('profile'):
            raise LibcloudModuleError('profile %r: profiles of the shared credentials file are read for AWS clouds (EC2, S3) only'
                                      % conn['profile'])
        return conn

    # -- listing ---------------------------------------------------------------------------------------------------

    def list_nodes(self):
        return self.driver.list_nodes()

    def node_pages(self):
        """Every node as :func:`node_to_dict` makes it, one list per page of the listing (the inventory's read)."""
        return [[node_to_dict(node) for node in self.list_nodes()]]

    def nodes_named(self, name, numbered):
        """Nodes that may be called ``name`` (``<name>-...`` with ``numbered``); the caller keeps the exact ones."""
        return self.list_nodes()

    def nodes_with_ids(self, ids):
        """Nodes that may have one of ``ids``; the caller keeps the wanted ones."""
        return self.list_nodes()

    def list_images(self, pattern=None):
        """Images; ``pattern`` is only a hint to narrow the listing where the server can (the caller filters)."""
        return self.driver.list_images()

    def find_image(self, wanted):
        """The image whose id or exact name is ``wanted``."""
        images = self.driver.list_images()
        found = pick('image', wanted, images)
        if found is None:
            raise not_found('image', wanted, [image.name for image in images])
        return found

    # -- creating and tagging --------------------------------------------------------------------------------------

    # -- placement: the subnet, networks and security groups of a new node, each by id or name ---------------------

    # create_node arguments that a task may still give in ``extra`` as ids or names (the docs once suggested it), and
    # the option each one is resolved as: {'ex_subnet': 'subnet'} on EC2.
    extra_by_id_or_name = {}

    def placement_arguments(self, subnet=None, networks=None, security_groups=None):
        """create_node keyword arguments for these options, ids or names turned into what the driver takes (read-only
        lookups: check mode runs them too). Security groups come last: where they are looked up may depend on the
        subnet (EC2: its VPC)."""
        kwargs = {}
        if subnet:
            kwargs.update(self.subnet_arguments(subnet))
        if networks:
            kwargs.update(self.network_arguments(networks))
        if security_groups:
            kwargs.update(self.security_group_arguments(security_groups, kwargs))
        return kwargs

    def subnet_arguments(self, wanted):
        raise LibcloudModuleError('option subnet is not supported by the %s driver (subnets are looked up on EC2 only); give the '
                                  'driver\'s own argument in extra, or networks where it has them' % provider_name(self.driver))

    def network_arguments(self, wanted):
        """The driver's own network objects for ``wanted`` (libcloud's create_node takes objects, not names)."""
        lister = getattr(self.driver, 'ex_list_networks', None)
        if lister is None:
            raise LibcloudModuleError('option networks is not supported by the %s driver (it cannot list its networks to look '
                                      'them up)' % provider_name(self.driver))
        return {'networks': resolve_listed('network', wanted, offered(self.driver, 'networks', lister))}

    def security_group_arguments(self, wanted, placement):
        """The driver's own security group objects for ``wanted`` where it lists them as objects (OpenStack's driver
        wants objects); the names as given where it cannot list them. ``placement``: the arguments chosen so far."""
        accepted = inspect.signature(self.driver.create_node).parameters
        keyword = next((name for name in ('ex_security_groups', 'ex_securitygroup') if name in accepted), 'ex_security_groups')
        lister = getattr(self.driver, 'ex_list_security_groups', None)
        if lister is None:
            return {keyword: list(wanted)}
        groups = offered(self.driver, 'security groups', lister)
        if not all(hasattr(group, 'id') and hasattr(group, 'name') for group in groups):
            return {keyword: list(wanted)}  # a listing of bare names (EC2's): nothing to resolve
        return {keyword: resolve_listed('security group', wanted, groups)}

    def unsupported_action(self, action, exc):
        """Why a power ``action`` failed with ``exc`` when the provider does not offer it at all; None when ``exc``
        means anything else. HTTP 405 (Method Not Allowed) and 501 (Not Implemented) say so on any provider."""
        status = retries.http_status(exc)
        if status in (405, 501):
            detail = ' '.join(str(getattr(exc, 'message', None) or exc).split())
            return 'this cloud does not support %s nodes (HTTP %d: %s)' % (DOING[action], status, detail)
        return None

    def idempotency_arguments(self):
        """create_node keyword arguments that make the provider itself refuse a twin of a retried create."""
        return {}

    def tag_method(self):
        """How the driver changes a node's tags: ``incremental`` (add and delete keys), ``metadata`` (replace all),
        ``labels`` (replace all), or None when it cannot."""
        driver = self.driver
        create, delete = getattr(driver, 'ex_create_tags', None), getattr(driver, 'ex_delete_tags', None)
        if create and delete and list(inspect.signature(create).parameters)[:2] == ['resource', 'tags']:
            return 'incremental'
        if hasattr(driver, 'ex_set_metadata'):
            return 'metadata'
        if hasattr(driver, 'ex_set_node_labels'):
            return 'labels'
        return None

    # -- key pairs, volumes and snapshots: key_pairs.py, volumes.py and snapshots.py ask these ----------------------

    def key_pairs(self):
        return self.driver.list_key_pairs()

    def volumes(self, name=None):
        """Volumes; ``name`` is only a hint to narrow the listing where the server can (the caller filters)."""
        return self.driver.list_volumes()

    def volume_by_id(self, ident):
        return next((volume for volume in self.driver.list_volumes() if str(volume.id) == ident), None)

    @staticmethod
    def volume_zone(volume):
        extra = volume.extra or {}
        zone = extra.get('zone') or extra.get('availability_zone') or extra.get('location')
        return None if zone is None else str(getattr(zone, 'name', zone))

    @staticmethod
    def volume_type(volume):
        extra = volume.extra or {}
        return extra.get('volume_type') or extra.get('type')

    @staticmethod
    def volume_attachment(volume):
        """``(node id, device)`` of the node the volume is attached to, or ``(None, None)``."""
        extra = volume.extra or {}
        if extra.get('instance_id'):
            return str(extra['instance_id']), extra.get('device')
        for attachment in extra.get('attachments') or []:
            node_id = attachment.get('serverId') or attachment.get('server_id')
            if node_id:
                return str(node_id), attachment.get('device')
        return None, None

    @staticmethod
    def attachment_settled(volume):
        """Whether an attached volume has finished attaching (the volume's state alone tells, by default)."""
        return True

    def create_volume_arguments(self, volume_type):
        """create_volume keyword arguments for ``volume_type`` (None: the provider's default)."""
        return {'ex_volume_type': volume_type} if volume_type else {}

    def snapshots(self, name=None, ident=None):
        """Snapshots; ``name`` and ``ident`` only narrow the listing where the server can (the caller filters)."""
        return self.driver.list_snapshots()

    def create_snapshot(self, volume, name, description):
        kwargs = {}
        if description and 'ex_description' in inspect.signature(self.driver.create_volume_snapshot).parameters:
            kwargs['ex_description'] = description
        return self.driver.create_volume_snapshot(volume, name=name, **kwargs)

    @staticmethod
    def snapshot_volume_id(snapshot):
        volume_id = (snapshot.extra or {}).get('volume_id')
        return None if volume_id is None else str(volume_id)

    @staticmethod
    def snapshot_description(snapshot):
        return (snapshot.extra or {}).get('description')

    # -- object storage: buckets and objects ask these --------------------------------------------------------------

    # Whether a listing carries all that is known of each object (metadata, content type), so that no HEAD is needed.
    listing_has_details = False
    # Where objects keep no metadata and no content type: why, the warning of a task that gives some. None: they keep them.
    metadata_not_stored = None

    def transfer_workers(self, wanted):
        """How many threads may transfer objects at once, when ``wanted`` are asked for."""
        return wanted

    def find_bucket(self, name):
        """The libcloud Container called ``name``, or None when it does not exist."""
        from libcloud.storage.types import ContainerDoesNotExistError

        try:
            return self.driver.get_container(name)
        except ContainerDoesNotExistError:
            return None

    def bucket_name_problem(self, name):
        """Why the provider cannot take ``name`` (not empty, no control characters) as a bucket name; None when it can."""
        if '/' in name:
            return 'a bucket name must not hold "/"'
        return None

    def object_name_problem(self, name):
        """Why ``name`` (not empty, no NUL or newline, at most 1024 bytes) cannot name an object here; None when it can."""
        return None

    def metadata_key_problem(self, key):
        """Why the provider would refuse or lose the (normalized) metadata key ``key``; None when it keeps it."""
        return None

    def content_md5(self, obj):
        """The MD5 of the object's content, where the provider tells it: its hash when that is a plain MD5 (the S3 or
        Swift ETag of a single PUT; never a multipart ETag ``...-N``); else None."""
        value = str(obj.hash or '').strip('"')
        if getattr(self.driver, 'hash_type', None) == 'md5' and PLAIN_MD5.match(value):
            return value
        return None

    def content_sha256(self, obj):
        """The sha256 of the stored bytes where reading them costs no request (a local file); else None."""
        return None

    def upload_file(self, driver, container, name, path, digest, extra):
        """Write the file ``path``, described by ``digest`` (size, sha256), as ``name`` with ``driver`` (a worker
        thread's own), streamed from disk; returns libcloud's Object."""
        # One PUT streamed from the file; libcloud re-reads it and checks the ETag against its MD5.
        return driver.upload_object(path, container, name, extra=extra)
