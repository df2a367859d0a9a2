# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Block volumes by name (libcloud_volume, snapshots and the info module): finding, describing, and the driver
calls that create, attach, detach and delete them, each waiting until the volume has settled.

Where providers differ (how a listing is narrowed, where the zone and the attachment are kept), the driver's
adapter answers (module_utils/providers/).
"""

from __future__ import annotations

import inspect

from ansible_collections.cloudmesh.libcloud.plugins.module_utils import retries, waiting
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.convert import json_safe, node_tags, node_to_dict, state_name
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.nodes import find_named_nodes, nodes_by_id
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers import adapter_for
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.generic import offered

# libcloud's StorageVolumeState words for a volume that is gone.
GONE = ('deleted', 'deleting')


def list_volumes(driver, name=None):
    """Volumes (``name`` narrows the listing where the server can; the caller filters)."""
    adapter = adapter_for(driver)
    return offered(driver, 'block volumes', adapter.volumes, name)


def find_volume(driver, name, option='volume'):
    """The one live volume called ``name``, or None; two or more fail, listing their ids."""
    found = [volume for volume in list_volumes(driver, name) if volume.name == name and state_name(volume.state) not in GONE]
    if len(found) > 1:
        raise LibcloudModuleError('%s %r: %d volumes have this name (%s); rename or remove all but one'
                                  % (option, name, len(found), ', '.join(sorted(str(volume.id) for volume in found))))
    return found[0] if found else None


def find_node(driver, name):
    """The one live node called ``name``; none or several fail in one line."""
    found = find_named_nodes(driver, name)
    if not found:
        raise LibcloudModuleError('node %r: there is no live node of this name to attach the volume to' % name)
    if len(found) > 1:
        raise LibcloudModuleError('node %r: %d live nodes have this name (%s)' % (name, len(found), ', '.join(sorted(str(node.id) for node in found))))
    return found[0]


def node_zone(node):
    zone = node_to_dict(node)['location']
    return None if zone is None else str(zone)


def volume_to_dict(driver, volume, node_names=None):
    """``id, name, size, state, location, volume_type, node, node_id, device, tags, extra`` of a StorageVolume;
    ``node_names`` maps node ids to names (the attached node's name is null when it is not there)."""
    adapter = adapter_for(driver)
    node_id, device = adapter.volume_attachment(volume)
    return {
        'id': str(volume.id),
        'name': volume.name,
        'size': volume.size,
        'state': state_name(volume.state),
        'location': adapter.volume_zone(volume),
        'volume_type': adapter.volume_type(volume),
        'node': (node_names or {}).get(node_id),
        'node_id': node_id,
        'device': device,
        'tags': node_tags(volume),
        'extra': json_safe(volume.extra or {}),
    }


def volume_dicts(driver, found, node_names=None):
    """:func:`volume_to_dict` of each volume of ``found``; the names of the nodes they are attached to that
    ``node_names`` (ids to names, updated in place) does not hold yet are looked up in one listing."""
    node_names = {} if node_names is None else node_names
    adapter = adapter_for(driver)
    missing = set(adapter.volume_attachment(volume)[0] for volume in found) - {None} - set(node_names)
    if missing:
        node_names.update((ident, node.name) for ident, node in nodes_by_id(driver, sorted(missing)).items())
    return [volume_to_dict(driver, volume, node_names) for volume in found]


def settle(driver, volume, deadline, done, doing):
    """Look at ``volume`` until ``done(volume or None)``; return what was seen last. ``doing`` words the timeout."""
    adapter = adapter_for(driver)
    return waiting.settle('volume', volume, lambda: adapter.volume_by_id(str(volume.id)), done, doing, deadline)


def is_attached_to(driver, node_id):
    adapter = adapter_for(driver)
    return lambda volume: (volume is not None and adapter.volume_attachment(volume)[0] == node_id and state_name(volume.state) == 'inuse'
                           and adapter.attachment_settled(volume))


def is_detached(driver):
    adapter = adapter_for(driver)
    return lambda volume: volume is not None and adapter.volume_attachment(volume)[0] is None and state_name(volume.state) == 'available'


def is_available(volume):
    return volume is not None and state_name(volume.state) == 'available'


def is_gone(volume):
    return volume is None or state_name(volume.state) in GONE


def create_volume(driver, name, size, location=None, volume_type=None, extra=None):
    """Create one volume called ``name``; never two, however the provider's answers get lost."""
    arguments = dict(extra or {})
    arguments.update(adapter_for(driver).create_volume_arguments(volume_type))
    if location is not None:
        arguments['location'] = location
    return offered(driver, 'block volumes', retries.create_once, driver, lambda: driver.create_volume(size, name, **arguments),
                   lambda: find_volume(driver, name))


def required_attach_arguments(driver):
    """The arguments the driver's attach_volume cannot do without (EC2's needs the device)."""
    parameters = inspect.signature(driver.attach_volume).parameters
    return [name for name, parameter in parameters.items() if parameter.default is inspect.Parameter.empty
            and parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)]


def attach(driver, volume, node, device):
    arguments = {} if device is None else {'device': device}
    if driver.attach_volume(node, volume, **arguments) is False:
        raise LibcloudModuleError('the provider refused to attach volume %s (%s) to node %s' % (volume.name, volume.id, node.name))


def detach(driver, volume):
    if driver.detach_volume(volume) is False:
        raise LibcloudModuleError('the provider refused to detach volume %s (%s)' % (volume.name, volume.id))


def destroy(driver, volume):
    if driver.destroy_volume(volume) is False:
        raise LibcloudModuleError('the provider refused to delete volume %s (%s)' % (volume.name, volume.id))
