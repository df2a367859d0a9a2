#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: libcloud_volume
short_description: Declare block volumes and their attachment on any libcloud compute provider
version_added: 0.1.0
description:
  - Makes the block volume (EBS volume, Cinder volume, disk) O(name) exist or not, attached to a node or not, on
    any libcloud compute provider whose driver manages volumes, idempotently and with an honest C(changed).
  - A volume is identified by its name (on EC2 its C(Name) tag). Two or more volumes of the same name make the task
    fail, listing their ids.
  - An existing volume whose size, type or location differs from the requested one is reported (a warning and
    RV(mismatches)) and left as it is, never resized or recreated.
  - Creating, attaching, detaching and deleting wait until the volume has settled (see O(wait)).
  - Check mode runs the same decisions as a real run and changes nothing. Diff mode shows the size, location, type,
    node, device and tags before and after.
author:
  - cloudmesh.libcloud developers (@cloudmesh)
extends_documentation_fragment:
  - cloudmesh.libcloud.connection
  - cloudmesh.libcloud.attributes
options:
  name:
    description: The volume's name, its identity.
    type: str
    required: true
  state:
    description:
      - V(present) the volume exists; it is created when missing.
      - V(absent) the volume does not exist; an attached volume is detached first, then deleted.
    type: str
    choices: [present, absent]
    default: present
  size:
    description:
      - The size in GiB, a whole number above 0. Needed to create the volume.
    type: int
  location:
    description:
      - The location (availability zone) of a new volume, by id or exact name, for example V(us-east-1a).
      - When not given, a volume created for O(node) goes to the node's zone; otherwise the driver's default
        applies (libcloud's EC2 driver takes the region's first zone).
    type: str
  volume_type:
    description:
      - The provider's volume type, for example V(gp3) on EC2 or a Cinder volume type. When not given, the
        provider's default (on EC2 the account's default, not libcloud's V(standard)).
    type: str
  extra:
    description:
      - "More keyword arguments for the driver's C(create_volume), passed as they are, for example
        C({ex_iops: 3000, ex_encrypted: true}) on EC2."
    type: dict
  tags:
    description:
      - Tags the volume has (EC2 tags; drivers with C(ex_create_tags)). Others are kept unless O(purge_tags).
    type: dict
  purge_tags:
    description: Remove tags that are not in O(tags) (never the C(Name) tag, which holds the name on EC2).
    type: bool
    default: false
  node:
    description:
      - The name of the live node the volume is attached to; a volume attached to another node is detached
        from it first. An unknown node, or a node in another zone than the volume, fails in one line.
      - An empty string means detached. When not given, the attachment is left as it is.
    type: str
  device:
    description:
      - Where the volume appears on O(node), for example V(/dev/sdf) (needed on EC2). A volume already attached
        to O(node) under another device is reported in RV(mismatches), not moved.
    type: str
  wait:
    description:
      - Wait until the volume has settled after creating and attaching (available, in use), and until it is gone
        after deleting. Detaching before a delete or a reattach always waits.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds the whole task may take, waits and retries included; at the deadline the task fails, saying
        what the volume was doing.
    type: int
    default: 300
'''

EXAMPLES = r'''
- name: A 20 GiB data volume attached to web-1
  cloudmesh.libcloud.libcloud_volume:
    cloud: aws
    name: web-1-data
    size: 20
    volume_type: gp3
    node: web-1
    device: /dev/sdf
    tags:
      env: prod

- name: Detach it, keeping the data
  cloudmesh.libcloud.libcloud_volume:
    cloud: aws
    name: web-1-data
    node: ""

- name: Move it to web-2 (same zone)
  cloudmesh.libcloud.libcloud_volume:
    cloud: aws
    name: web-1-data
    node: web-2
    device: /dev/sdf

- name: Ten scratch volumes
  cloudmesh.libcloud.libcloud_volume:
    cloud: aws
    name: "scratch-{{ item }}"
    size: 1
    location: us-east-1a
  loop: "{{ range(1, 11) | list }}"

- name: Remove a volume (detached first if attached)
  cloudmesh.libcloud.libcloud_volume:
    cloud: aws
    name: web-1-data
    state: absent
'''

RETURN = r'''
volume:
  description: The volume after the task (predicted in check mode); V(null) when it does not exist.
  returned: always
  type: dict
  contains:
    id:
      description: The provider's id of the volume; V(null) in check mode for a volume to create.
      type: str
      sample: vol-0123456789abcdef0
    name:
      description: The volume's name.
      type: str
    size:
      description: Size in GiB.
      type: int
      sample: 20
    state:
      description: libcloud's volume state, for example V(available), V(inuse), V(creating).
      type: str
    location:
      description: The volume's zone, where the provider tells.
      type: str
      sample: us-east-1a
    volume_type:
      description: The volume type, where the provider tells.
      type: str
      sample: gp3
    node:
      description: The name of the node it is attached to; V(null) when detached.
      type: str
    node_id:
      description: The id of the node it is attached to; V(null) when detached.
      type: str
    device:
      description: The device it is attached as; V(null) when detached.
      type: str
      sample: /dev/sdf
    tags:
      description: The volume's tags.
      type: dict
    extra:
      description: Provider-specific details, JSON-safe.
      type: dict
mismatches:
  description: What differs between the existing volume and the task (size, volume_type, location, device); left as it is.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The volume's name.
      type: str
    id:
      description: The volume's id.
      type: str
    option:
      description: V(size), V(volume_type), V(location) or V(device).
      type: str
    requested:
      description: What the task asked for.
      type: str
    actual:
      description: What the volume has.
      type: str
  sample: [{"name": "web-1-data", "id": "vol-0123456789abcdef0", "option": "size", "requested": "40", "actual": "20"}]
diff:
  description: In diff mode, C(size), C(location), C(volume_type), C(node), C(device) and C(tags) before and after; an empty dict when there is no volume.
  returned: in diff mode
  type: dict
  sample: {"before": {"size": 20, "location": "us-east-1a", "volume_type": "gp3", "node": null, "device": null, "tags": {"Name": "web-1-data"}},
           "after": {"size": 20, "location": "us-east-1a", "volume_type": "gp3", "node": "web-1", "device": "/dev/sdf", "tags": {"Name": "web-1-data"}}}
'''

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.base import WaitingModule, wait_options
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.volume_reconcile import VolumeReconciler


class VolumeModule(WaitingModule):
    argument_spec = dict(
        name=dict(type='str', required=True),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        size=dict(type='int'),
        location=dict(type='str'),
        volume_type=dict(type='str'),
        extra=dict(type='dict'),
        tags=dict(type='dict'),
        purge_tags=dict(type='bool', default=False),
        node=dict(type='str'),
        device=dict(type='str'),
        **wait_options(300)
    )
    module_kwargs = dict(supports_check_mode=True)

    def run(self):
        reconciler = VolumeReconciler(self.driver, self.params, check_mode=self.check_mode, warn=self.warn, deadline=self.deadline)
        return reconciler.run(diff=self.ansible._diff)


def main():
    VolumeModule()()


if __name__ == '__main__':
    main()
