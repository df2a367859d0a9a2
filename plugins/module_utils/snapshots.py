# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Volume snapshots by name (libcloud_volume_snapshot and the info module); check mode runs the same decisions.

A snapshot is found by name among the account's own snapshots (on EC2 its Name tag; never the public ones).
"""

from __future__ import annotations

from ansible_collections.cloudmesh.libcloud.plugins.module_utils import retries, volumes, waiting
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.convert import json_safe, state_name
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers import adapter_for
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.generic import offered

# libcloud's VolumeSnapshotState words.
DONE, FAILED, GONE = 'available', 'error', ('deleted', 'deleting')


def list_snapshots(driver, name=None, ident=None):
    """Snapshots (``name`` and ``ident`` narrow the listing where the server can; the caller filters)."""
    return offered(driver, 'volume snapshots', adapter_for(driver).snapshots, name, ident)


def find_snapshot(driver, name):
    """The one snapshot called ``name``, or None; two or more fail, listing their ids."""
    found = [snap for snap in list_snapshots(driver, name) if snap.name == name and state_name(snap.state) not in GONE]
    if len(found) > 1:
        raise LibcloudModuleError('snapshot %r: %d snapshots have this name (%s); remove all but one'
                                  % (name, len(found), ', '.join(sorted(str(snap.id) for snap in found))))
    return found[0] if found else None


def snapshot_to_dict(driver, snapshot):
    """``id, name, size, state, volume_id, description, created, extra`` of a VolumeSnapshot."""
    adapter = adapter_for(driver)
    return {
        'id': str(snapshot.id),
        'name': snapshot.name,
        'size': snapshot.size,
        'state': state_name(snapshot.state),
        'volume_id': adapter.snapshot_volume_id(snapshot),
        'description': adapter.snapshot_description(snapshot),
        'created': json_safe(snapshot.created),
        'extra': json_safe(snapshot.extra or {}),
    }


class SnapshotReconciler:

    def __init__(self, driver, params, check_mode=False, warn=None, deadline=None):
        self.driver = driver
        self.params = params
        self.check_mode = check_mode
        self.warn = warn or (lambda message: None)
        self.deadline = deadline

    def run(self, diff=False):
        name = self.params['name']
        snapshot = find_snapshot(self.driver, name)
        before = self.diff_view(snapshot_to_dict(self.driver, snapshot) if snapshot is not None else None)
        changed, after = False, None
        if self.params['state'] == 'absent':
            if snapshot is not None:
                changed = True
                if not self.check_mode:
                    self.destroy(snapshot)
        elif snapshot is None:
            changed, after = True, self.create()
        else:
            after = snapshot_to_dict(self.driver, snapshot)
            self.compare(after)
        result = dict(changed=changed, snapshot=after)
        if diff:
            result['diff'] = dict(before=before, after=self.diff_view(after))
        return result

    def create(self):
        params = self.params
        if not params.get('volume'):
            raise LibcloudModuleError('volume is needed to create snapshot %s: the name of the volume to take it of' % params['name'])
        volume = volumes.find_volume(self.driver, params['volume'])
        if volume is None:
            raise LibcloudModuleError('volume %r: there is no volume of this name to take snapshot %s of' % (params['volume'], params['name']))
        if self.check_mode:
            return {'id': None, 'name': params['name'], 'size': volume.size, 'state': DONE, 'volume_id': str(volume.id),
                    'description': params.get('description') or params['name'], 'created': None, 'extra': {}}
        adapter = adapter_for(self.driver)
        snapshot = offered(self.driver, 'volume snapshots', retries.create_once, self.driver,
                           lambda: adapter.create_snapshot(volume, params['name'], params.get('description')),
                           lambda: find_snapshot(self.driver, params['name']))
        if params['wait']:
            snapshot = self.wait_for(snapshot, lambda seen: seen is not None and state_name(seen.state) in (DONE, FAILED), 'completing')
            if state_name(snapshot.state) == FAILED:
                raise LibcloudModuleError('snapshot %s (%s) of volume %s failed on the provider' % (snapshot.name, snapshot.id, volume.name))
        return snapshot_to_dict(self.driver, snapshot)

    def destroy(self, snapshot):
        if self.driver.destroy_volume_snapshot(snapshot) is False:
            raise LibcloudModuleError('the provider refused to delete snapshot %s (%s)' % (snapshot.name, snapshot.id))
        if self.params['wait']:
            self.wait_for(snapshot, lambda seen: seen is None, 'deleting')

    def wait_for(self, snapshot, done, doing):
        ident = str(snapshot.id)

        def look():
            return next((snap for snap in list_snapshots(self.driver, ident=ident)
                         if str(snap.id) == ident and state_name(snap.state) not in GONE), None)

        return waiting.settle('snapshot', snapshot, look, done, doing, self.deadline)

    def compare(self, found):
        wanted = self.params.get('volume')
        if wanted:
            volume = volumes.find_volume(self.driver, wanted)
            if volume is not None and str(volume.id) != found['volume_id']:
                self.warn('snapshot %s is of volume %s, not of %s (%s); it is left as it is'
                          % (found['name'], found['volume_id'], wanted, volume.id))

    @staticmethod
    def diff_view(snapshot):
        if not snapshot:
            return {}
        return dict((key, snapshot[key]) for key in ('name', 'volume_id', 'description', 'size'))
