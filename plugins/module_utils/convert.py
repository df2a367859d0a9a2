# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""libcloud objects as plain, JSON-safe dicts: what modules return and the inventory exposes."""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError


def json_safe(value, depth=0):
    """``value`` reduced to dicts, lists, strings, numbers, booleans and None."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if depth > 8:
        return str(value)
    if isinstance(value, dict):
        return dict((str(key), json_safe(item, depth + 1)) for key, item in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_safe(item, depth + 1) for item in value]
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode('utf-8', 'replace')
    # libcloud objects (NodeImage, NodeLocation, ...) nested in `extra`: their id says what they are.
    ident = getattr(value, 'id', None)
    if ident is not None:
        return str(ident)
    return str(value)


# libcloud's NodeState words (libcloud.compute.types), here so that the inventory's cache hit imports no libcloud.
NODE_STATES = ('error', 'migrating', 'normal', 'paused', 'pending', 'rebooting', 'reconfiguring', 'running', 'starting',
               'stopped', 'stopping', 'suspended', 'terminated', 'unknown', 'updating')


def check_states(states, option):
    """``states`` in lower case; a word that is no libcloud state fails in one line (it would match no node)."""
    states = [str(state).strip().lower() for state in states or []]
    unknown = [state for state in states if state not in NODE_STATES]
    if unknown:
        raise LibcloudModuleError('%s: unknown state(s) %s; libcloud\'s states are %s'
                                  % (option, ', '.join(unknown), ', '.join(NODE_STATES)))
    return states


def state_name(state):
    """libcloud's NodeState (an enum-like str subclass) as the plain lower-case word, e.g. ``running``."""
    if state is None:
        return 'unknown'
    return str(getattr(state, 'value', state)).lower()


def _ident(obj):
    if obj is None:
        return None
    return str(getattr(obj, 'id', None) or getattr(obj, 'name', None) or obj)


def node_tags(node):
    """A node's tags: EC2-style ``tags``, OpenStack-style ``metadata``, or GCE-style ``labels``."""
    extra = node.extra or {}
    for field in ('tags', 'metadata', 'labels'):
        tags = extra.get(field)
        if isinstance(tags, dict):
            return dict((str(key), '' if val is None else str(val)) for key, val in tags.items())
    return {}


# Keys of a node's `extra` where libcloud 3.9.1's drivers put a password: never in a result or a hostvar, since a
# node straight from create_node (or ex_set_password, ex_rescue) carries the server's root password in clear.
# password: OpenStack (Nova's adminPass), Linode, UpCloud, CloudStack, vCloud, Dimension Data, NTT CIS, RimuHosting,
# GiG G8; adminPass: Nova's own name for it; default_password: Vultr; generated_password: Kamatera;
# initial_root_password, remote_access_password, service_password: OnApp; vnc_password: UpCloud, CloudSigma;
# pass: VCL.
PASSWORD_EXTRA_KEYS = frozenset(('password', 'adminPass', 'default_password', 'generated_password', 'initial_root_password',
                                 'remote_access_password', 'service_password', 'vnc_password', 'pass'))


def _without_passwords(extra):
    """``extra`` without the keys above, nor Azure ARM's ``properties.osProfile.adminPassword`` (its extra is the
    whole VM answer, where libcloud documents the password it generates). ``extra`` itself is left as it is."""
    if not isinstance(extra, Mapping):
        return extra
    kept = dict((key, value) for key, value in extra.items() if key not in PASSWORD_EXTRA_KEYS)
    properties = kept.get('properties')
    if isinstance(properties, Mapping) and isinstance(properties.get('osProfile'), Mapping) and 'adminPassword' in properties['osProfile']:
        os_profile = dict((key, value) for key, value in properties['osProfile'].items() if key != 'adminPassword')
        kept['properties'] = dict(properties, osProfile=os_profile)
    return kept


def node_to_dict(node):
    """``id, name, state, public_ips, private_ips, image, size, location, tags, extra`` of a libcloud Node;
    ``extra`` without the passwords some drivers put there."""
    extra = _without_passwords(node.extra or {})
    image = _ident(node.image) or extra.get('image_id') or extra.get('imageId') or extra.get('image')
    size = _ident(node.size) or extra.get('instance_type') or extra.get('flavorId') or extra.get('size')
    location = extra.get('availability') or extra.get('location') or extra.get('zone') or extra.get('region')
    return {
        'id': str(node.id),
        'name': node.name,
        'state': state_name(node.state),
        'public_ips': [str(ip) for ip in node.public_ips or [] if ip],
        'private_ips': [str(ip) for ip in node.private_ips or [] if ip],
        'image': json_safe(image),
        'size': json_safe(size),
        'location': json_safe(location),
        'tags': node_tags(node),
        'extra': json_safe(extra),
    }


def image_to_dict(image):
    return {'id': str(image.id), 'name': image.name, 'extra': json_safe(image.extra or {})}


def size_to_dict(size):
    return {
        'id': str(size.id),
        'name': size.name,
        'ram': size.ram,
        'disk': size.disk,
        'bandwidth': size.bandwidth,
        'price': size.price,
        'extra': json_safe(size.extra or {}),
    }


def location_to_dict(location):
    return {'id': str(location.id), 'name': location.name, 'country': location.country, 'extra': json_safe(location.extra or {})}
