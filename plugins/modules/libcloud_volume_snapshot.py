#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: libcloud_volume_snapshot
short_description: Declare snapshots of block volumes on any libcloud compute provider
version_added: 0.1.0
description:
  - Makes the snapshot O(name) of the volume O(volume) exist or not, on any libcloud compute provider whose
    driver manages volume snapshots, idempotently and with an honest C(changed).
  - A snapshot is identified by its name (on EC2 its C(Name) tag), among the account's own snapshots only.
    Two or more snapshots of the same name make the task fail, listing their ids.
  - A snapshot of an attached volume is taken as it is (crash-consistent); stop writes first where that matters.
  - A snapshot of that name that was taken of another volume is reported with a warning and left as it is.
  - Check mode runs the same decisions as a real run and changes nothing. Diff mode shows the name, volume,
    description and size before and after.
author:
  - cloudmesh.libcloud developers (@cloudmesh)
extends_documentation_fragment:
  - cloudmesh.libcloud.connection
  - cloudmesh.libcloud.attributes
options:
  name:
    description: The snapshot's name, its identity.
    type: str
    required: true
  volume:
    description:
      - The name of the volume to take the snapshot of (see M(cloudmesh.libcloud.libcloud_volume)). Needed to
        create the snapshot; an unknown volume fails in one line.
    type: str
  state:
    description:
      - V(present) the snapshot exists; it is taken when missing.
      - V(absent) the snapshot does not exist; it is deleted when there.
    type: str
    choices: [present, absent]
    default: present
  description:
    description: The description of a new snapshot; the name when not given.
    type: str
  wait:
    description: Wait until a new snapshot has completed, or a deleted one is gone.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds the whole task may take, waits and retries included; at the deadline the task fails, saying
        what the snapshot was doing.
    type: int
    default: 600
'''

EXAMPLES = r'''
- name: Snapshot the data volume before an upgrade
  cloudmesh.libcloud.libcloud_volume_snapshot:
    cloud: aws
    name: web-1-data-before-upgrade
    volume: web-1-data
    description: before the 2026-12 upgrade

- name: Remove the snapshot
  cloudmesh.libcloud.libcloud_volume_snapshot:
    cloud: aws
    name: web-1-data-before-upgrade
    state: absent
'''

RETURN = r'''
snapshot:
  description: The snapshot after the task (predicted in check mode); V(null) when it does not exist.
  returned: always
  type: dict
  contains:
    id:
      description: The provider's id of the snapshot; V(null) in check mode for a snapshot to take.
      type: str
      sample: snap-0123456789abcdef0
    name:
      description: The snapshot's name.
      type: str
    size:
      description: The size of its volume in GiB, where the provider tells.
      type: int
    state:
      description: libcloud's snapshot state, V(available) once complete, V(creating) before.
      type: str
    volume_id:
      description: The id of the volume it was taken of.
      type: str
    description:
      description: Its description.
      type: str
    created:
      description: When it was started, ISO 8601, where the provider tells.
      type: str
    extra:
      description: Provider-specific details, JSON-safe.
      type: dict
diff:
  description: In diff mode, C(name), C(volume_id), C(description) and C(size) before and after; an empty dict when there is no snapshot.
  returned: in diff mode
  type: dict
  sample: {"before": {}, "after": {"name": "web-1-data-before-upgrade", "volume_id": "vol-0123456789abcdef0", "description": "before", "size": 20}}
'''

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.base import WaitingModule, wait_options
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.snapshots import SnapshotReconciler


class VolumeSnapshotModule(WaitingModule):
    argument_spec = dict(
        name=dict(type='str', required=True),
        volume=dict(type='str'),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        description=dict(type='str'),
        **wait_options(600)
    )
    module_kwargs = dict(supports_check_mode=True)

    def run(self):
        reconciler = SnapshotReconciler(self.driver, self.params, check_mode=self.check_mode, warn=self.warn, deadline=self.deadline)
        return reconciler.run(diff=self.ansible._diff)


def main():
    VolumeSnapshotModule()()


if __name__ == '__main__':
    main()
