# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""libcloud_volume's decisions: one volume by name, its tags and its attachment; check mode runs the same code
and only skips the calls that change something."""

from __future__ import annotations

from ansible_collections.cloudmesh.libcloud.plugins.module_utils import volumes
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.convert import node_tags
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.node_state import normalize_tags, tag_changes, tags_after
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.nodes import find_location, provider_name, tag_incrementally
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers import adapter_for


def location_zone(location):
    """The zone name of a libcloud NodeLocation (EC2's carry it as ``availability_zone``)."""
    zone = getattr(location, 'availability_zone', None)
    return str(getattr(zone, 'name', None) or location.name)


class VolumeReconciler:

    def __init__(self, driver, params, check_mode=False, warn=None, deadline=None):
        self.driver = driver
        self.adapter = adapter_for(driver)
        self.params = params
        self.check_mode = check_mode
        self.warn = warn or (lambda message: None)
        self.deadline = deadline
        self.changed = False
        self.mismatches = []
        self.node_names = {}

    def validate(self):
        size = self.params.get('size')
        if size is not None and size <= 0:
            raise LibcloudModuleError('size must be a whole number of GiB above 0, got %d' % size)
        if self.params.get('device') and not self.params.get('node'):
            raise LibcloudModuleError('device is where the volume appears on its node: give node as well')

    def run(self, diff=False):
        self.validate()
        volume = volumes.find_volume(self.driver, self.params['name'])
        before = self.view(volume)
        if self.params['state'] == 'absent':
            after = self.absent(volume)
        else:
            after = self.present(volume)
        result = dict(changed=self.changed, volume=after, mismatches=self.mismatches)
        for mismatch in self.mismatches:
            self.warn('volume %s has %s %s, not the requested %s; it is left as it is'
                      % (mismatch['name'], mismatch['option'], mismatch['actual'], mismatch['requested']))
        if diff:
            result['diff'] = dict(before=before, after=self.diff_view(after))
        return result

    # -- absent ---------------------------------------------------------------------------------------------------

    def absent(self, volume):
        if volume is None:
            return None
        self.changed = True
        if self.check_mode:
            return None
        if self.adapter.volume_attachment(volume)[0] is not None:
            volume = self.detach(volume)
        volumes.destroy(self.driver, volume)
        if self.params['wait']:
            volumes.settle(self.driver, volume, self.deadline, volumes.is_gone, 'deleting')
        return None

    # -- present --------------------------------------------------------------------------------------------------

    def present(self, volume):
        params = self.params
        node = volumes.find_node(self.driver, params['node']) if params.get('node') else None
        if node is not None:
            self.node_names[str(node.id)] = node.name
        location = find_location(self.driver, params['location']) if params.get('location') else None
        if volume is None:
            volume = self.create(node, location)
            if volume is None:  # check mode
                return self.predicted(node, location)
        else:
            self.compare(volume, location)
        self.check_zone(volume, node)
        volume = self.tag(volume)
        if params.get('node') == '':
            if self.adapter.volume_attachment(volume)[0] is not None:
                volume = self.detach(volume)
        elif node is not None:
            volume = self.attach(volume, node)
        return self.to_dict(volume)

    def create(self, node, location):
        params = self.params
        if params.get('size') is None:
            raise LibcloudModuleError('size is needed to create volume %s (in GiB)' % params['name'])
        if location is None and node is not None and volumes.node_zone(node):
            location = find_location(self.driver, volumes.node_zone(node))
        if location is not None and node is not None:
            self.same_zone(location_zone(location), node, 'the location')
        self.changed = True
        if self.check_mode:
            return None
        volume = volumes.create_volume(self.driver, params['name'], params['size'], location, params.get('volume_type'), params.get('extra'))
        if params['wait']:
            volume = volumes.settle(self.driver, volume, self.deadline, volumes.is_available, 'creating') or volume
        return volume

    def compare(self, volume, location):
        wanted = [('size', self.params.get('size'), volume.size), ('volume_type', self.params.get('volume_type'), self.adapter.volume_type(volume))]
        if location is not None:
            wanted.append(('location', location_zone(location), self.adapter.volume_zone(volume)))
        for option, requested, actual in wanted:
            if requested is not None and actual is not None and str(requested) != str(actual):
                self.mismatches.append(dict(name=volume.name, id=str(volume.id), option=option, requested=str(requested), actual=str(actual)))

    def check_zone(self, volume, node):
        if node is not None and volume is not None:
            self.same_zone(self.adapter.volume_zone(volume), node, 'volume %s' % volume.name)

    @staticmethod
    def same_zone(zone, node, what):
        node_zone = volumes.node_zone(node)
        if zone and node_zone and zone != node_zone:
            raise LibcloudModuleError('%s is in zone %s but node %s is in zone %s: a volume attaches only to a node in its own zone'
                                      % (what, zone, node.name, node_zone))

    def tag(self, volume):
        tags = self.params.get('tags')
        if tags is None and not self.params.get('purge_tags'):
            return volume
        # Purging with no tags given leaves none but the protected ones (Name, aws:*).
        current = node_tags(volume)
        to_set, to_remove = tag_changes(current, normalize_tags(tags or {}), self.params.get('purge_tags'))
        if not to_set and not to_remove:
            return volume
        if self.adapter.tag_method() != 'incremental':
            raise LibcloudModuleError('the %s driver cannot tag volumes; remove tags from the task' % provider_name(self.driver))
        self.changed = True
        if self.check_mode:
            volume.extra = dict(volume.extra or {}, tags=tags_after(current, to_set, to_remove))
            return volume
        if not tag_incrementally(self.driver, volume, to_set, to_remove):
            raise LibcloudModuleError('the provider refused to change the tags of volume %s (%s)' % (volume.name, volume.id))
        return self.adapter.volume_by_id(str(volume.id)) or volume

    def attach(self, volume, node):
        attached_to, device = self.adapter.volume_attachment(volume)
        if attached_to == str(node.id):
            if self.params.get('device') and device and device != self.params['device']:
                self.mismatches.append(dict(name=volume.name, id=str(volume.id), option='device', requested=self.params['device'], actual=device))
            return volume
        if self.params.get('device') is None and 'device' in volumes.required_attach_arguments(self.driver):
            raise LibcloudModuleError('device is needed to attach volume %s to node %s on this provider, for example /dev/sdf'
                                      % (volume.name, node.name))
        self.changed = True
        if self.check_mode:
            volume.extra = dict(volume.extra or {}, instance_id=str(node.id), device=self.params.get('device'), attachments=[])
            return volume
        if attached_to is not None:
            volume = self.detach(volume)
        volumes.attach(self.driver, volume, node, self.params.get('device'))
        if self.params['wait']:
            volume = volumes.settle(self.driver, volume, self.deadline, volumes.is_attached_to(self.driver, str(node.id)), 'attaching')
        return self.adapter.volume_by_id(str(volume.id)) or volume

    def detach(self, volume):
        self.changed = True
        if self.check_mode:
            volume.extra = dict(volume.extra or {}, instance_id=None, device=None, attachments=[])
            return volume
        volumes.detach(self.driver, volume)
        if self.params['wait'] or self.params['state'] == 'absent' or self.params.get('node'):
            # A volume still attached can be neither deleted nor attached elsewhere: those always wait.
            volume = volumes.settle(self.driver, volume, self.deadline, volumes.is_detached(self.driver), 'detaching')
        return volume

    # -- what the task returns ------------------------------------------------------------------------------------

    def to_dict(self, volume):
        return volumes.volume_dicts(self.driver, [volume], self.node_names)[0]

    def predicted(self, node, location):
        params = self.params
        zone = location_zone(location) if location is not None else (volumes.node_zone(node) if node is not None else None)
        return {'id': None, 'name': params['name'], 'size': params.get('size'), 'state': 'available' if node is None else 'inuse',
                'location': zone, 'volume_type': params.get('volume_type'), 'node': node.name if node is not None else None,
                'node_id': str(node.id) if node is not None else None, 'device': params.get('device') if node is not None else None,
                'tags': self.predicted_tags(), 'extra': {}}

    def predicted_tags(self):
        tags = normalize_tags(self.params.get('tags') or {})
        if self.adapter.name_tag:
            tags.setdefault(self.adapter.name_tag, self.params['name'])
        return tags

    def view(self, volume):
        return self.diff_view(self.to_dict(volume)) if volume is not None else {}

    @staticmethod
    def diff_view(volume):
        if not volume:
            return {}
        return dict((key, volume[key]) for key in ('size', 'location', 'volume_type', 'node', 'device', 'tags'))
