#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: libcloud_cloud_info
short_description: List the images, sizes, locations, key pairs, volumes and snapshots of any libcloud compute provider
version_added: 0.1.0
description:
  - Returns what a libcloud compute provider offers to create nodes from, selected by O(gather), and, when asked
    for, the account's key pairs, block volumes and volume snapshots.
  - Key pairs never carry a private key. On EC2 only the account's own snapshots are listed, never the public ones.
  - On providers with thousands of images, narrow the listing with O(image_filter); on EC2 the filter is
    applied by the server.
  - On EC2, without O(image_filter), only the account's own images (C(Owner=self)) are listed; the default never
    fetches every public image. Give O(image_filter) to search the public ones by name or id.
author:
  - cloudmesh.libcloud developers (@cloudmesh)
extends_documentation_fragment:
  - cloudmesh.libcloud.connection
  - cloudmesh.libcloud.attributes.info
options:
  gather:
    description:
      - What to list.
    type: list
    elements: str
    choices: [images, sizes, locations, key_pairs, volumes, snapshots]
    default: [images, sizes, locations]
  image_filter:
    description:
      - Only images whose id or name matches this shell-style glob, for example V(ubuntu-*) or V(ami-12c6146b).
      - On EC2 an id (C(ami-...)) is looked up directly and any other value is passed to the server as a name
        filter, so that the account's view of all public images is never fetched.
      - Without it, EC2 lists the account's own images only; other providers list every image.
    type: str
  size_filter:
    description:
      - Only sizes whose id or name matches this shell-style glob, for example V(t3.*).
    type: str
  key_pair_filter:
    description: Only key pairs whose name matches this shell-style glob.
    type: str
  volume_filter:
    description: Only volumes whose id or name matches this shell-style glob, for example V(web-*).
    type: str
  snapshot_filter:
    description: Only snapshots whose id or name matches this shell-style glob.
    type: str
'''

EXAMPLES = r'''
- name: What can this cloud create nodes from?
  cloudmesh.libcloud.libcloud_cloud_info:
    cloud: aws-prod
    gather: [images, sizes]
    image_filter: "ubuntu/images/*24.04*"
    size_filter: "t3.*"
  register: offer

- name: The volumes and snapshots of the web nodes, and every key pair
  cloudmesh.libcloud.libcloud_cloud_info:
    cloud: aws-prod
    gather: [key_pairs, volumes, snapshots]
    volume_filter: "web-*"
    snapshot_filter: "web-*"
  register: storage

- name: Pick the smallest size
  ansible.builtin.debug:
    msg: "{{ (offer.sizes | sort(attribute='ram') | first).id }}"
'''

RETURN = r'''
images:
  description: The matching images; only when V(images) is in O(gather).
  returned: when gathered
  type: list
  elements: dict
  contains:
    id:
      description: The image's id.
      type: str
    name:
      description: The image's name.
      type: str
    extra:
      description: Provider-specific details, JSON-safe.
      type: dict
sizes:
  description: The matching sizes (flavors, instance types); only when V(sizes) is in O(gather).
  returned: when gathered
  type: list
  elements: dict
  contains:
    id:
      description: The size's id.
      type: str
    name:
      description: The size's name.
      type: str
    ram:
      description: Memory in MiB.
      type: int
    disk:
      description: Disk in GB.
      type: int
    bandwidth:
      description: Bandwidth, where the provider tells.
      type: int
    price:
      description: Hourly price, where libcloud knows it.
      type: float
    extra:
      description: Provider-specific details, JSON-safe.
      type: dict
locations:
  description: The provider's locations (zones); only when V(locations) is in O(gather).
  returned: when gathered
  type: list
  elements: dict
  contains:
    id:
      description: The location's id.
      type: str
    name:
      description: The location's name.
      type: str
    country:
      description: The location's country.
      type: str
    extra:
      description: Provider-specific details, JSON-safe.
      type: dict
key_pairs:
  description: The matching key pairs, without private keys; only when V(key_pairs) is in O(gather).
  returned: when gathered
  type: list
  elements: dict
  contains:
    name:
      description: The pair's name.
      type: str
    fingerprint:
      description: The provider's fingerprint of the pair.
      type: str
    public_key:
      description: The public key, where the provider returns it; else V(null).
      type: str
    extra:
      description: Provider-specific details, JSON-safe.
      type: dict
volumes:
  description:
    - The matching block volumes, each with the keys of M(cloudmesh.libcloud.libcloud_volume)'s RV(cloudmesh.libcloud.libcloud_volume#module:volume)
      (C(id), C(name), C(size), C(state), C(location), C(volume_type), C(node), C(node_id), C(device), C(tags), C(extra));
      only when V(volumes) is in O(gather).
  returned: when gathered
  type: list
  elements: dict
snapshots:
  description:
    - The matching volume snapshots of the account, each with the keys of M(cloudmesh.libcloud.libcloud_volume_snapshot)'s
      RV(cloudmesh.libcloud.libcloud_volume_snapshot#module:snapshot) (C(id), C(name), C(size), C(state), C(volume_id),
      C(description), C(created), C(extra)); only when V(snapshots) is in O(gather).
  returned: when gathered
  type: list
  elements: dict
'''

import fnmatch

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.base import LibcloudModule
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.convert import image_to_dict, location_to_dict, size_to_dict
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.key_pairs import key_pair_to_dict, list_key_pairs
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.nodes import list_images
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.snapshots import list_snapshots, snapshot_to_dict
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.volumes import list_volumes, volume_dicts


def _matches(item, pattern):
    return not pattern or any(fnmatch.fnmatchcase(str(value or ''), pattern) for value in (item.id, item.name))


class CloudInfoModule(LibcloudModule):
    argument_spec = dict(
        gather=dict(type='list', elements='str', choices=['images', 'sizes', 'locations', 'key_pairs', 'volumes', 'snapshots'],
                    default=['images', 'sizes', 'locations']),
        image_filter=dict(type='str'),
        size_filter=dict(type='str'),
        key_pair_filter=dict(type='str', no_log=False),
        volume_filter=dict(type='str'),
        snapshot_filter=dict(type='str'),
    )
    module_kwargs = dict(supports_check_mode=True)

    def run(self):
        gather = set(self.params['gather'])
        result = dict(changed=False)
        if 'images' in gather:
            pattern = self.params['image_filter']
            result['images'] = [image_to_dict(image) for image in list_images(self.driver, pattern) if _matches(image, pattern)]
        if 'sizes' in gather:
            pattern = self.params['size_filter']
            result['sizes'] = [size_to_dict(size) for size in self.driver.list_sizes() if _matches(size, pattern)]
        if 'locations' in gather:
            result['locations'] = [location_to_dict(location) for location in self.driver.list_locations()]
        if 'key_pairs' in gather:
            pattern = self.params['key_pair_filter']
            result['key_pairs'] = [key_pair_to_dict(pair) for pair in list_key_pairs(self.driver)
                                   if not pattern or fnmatch.fnmatchcase(pair.name or '', pattern)]
        if 'volumes' in gather:
            pattern = self.params['volume_filter']
            result['volumes'] = volume_dicts(self.driver, [volume for volume in list_volumes(self.driver) if _matches(volume, pattern)])
        if 'snapshots' in gather:
            pattern = self.params['snapshot_filter']
            result['snapshots'] = [snapshot_to_dict(self.driver, snapshot) for snapshot in list_snapshots(self.driver) if _matches(snapshot, pattern)]
        return result


def main():
    CloudInfoModule()()


if __name__ == '__main__':
    main()
