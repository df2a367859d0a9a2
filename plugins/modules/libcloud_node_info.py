#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: libcloud_node_info
short_description: List the nodes of any libcloud compute provider
version_added: 0.1.0
description:
  - Lists the nodes (virtual machines) of a libcloud compute provider, optionally filtered by name, state and tags.
  - Every node is listed, also where the provider pages its answers (EC2's C(nextToken) is followed).
author:
  - cloudmesh.libcloud developers (@cloudmesh)
extends_documentation_fragment:
  - cloudmesh.libcloud.connection
  - cloudmesh.libcloud.attributes.info
options:
  name:
    description:
      - Only nodes whose name matches this shell-style glob, for example V(web-*).
    type: str
  state:
    description:
      - Only nodes in one of these states, as libcloud names them in lower case
        (V(running), V(stopped), V(pending), V(terminated), V(rebooting), V(suspended), V(error), V(unknown), ...).
      - A word that is none of libcloud's states fails and lists them.
    type: list
    elements: str
  tags:
    description:
      - Only nodes that carry every one of these tags with exactly these values.
    type: dict
'''

EXAMPLES = r'''
- name: List the running web nodes of a vaulted cloud entry
  cloudmesh.libcloud.libcloud_node_info:
    cloud: aws-prod            # an entry of the (vaulted) variable libcloud_clouds
    name: "web-*"
    state: [running]
    tags:
      env: prod
  register: web

- name: Show their addresses
  ansible.builtin.debug:
    msg: "{{ web.nodes | map(attribute='public_ips') | flatten }}"

- name: List nodes with credentials from the LIBCLOUD_* environment variables
  cloudmesh.libcloud.libcloud_node_info:
'''

RETURN = r'''
nodes:
  description: The matching nodes.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The provider's id of the node.
      type: str
      sample: i-0123456789abcdef0
    name:
      description: The node's name (on EC2 its C(Name) tag).
      type: str
      sample: web-1
    state:
      description: libcloud's state of the node, in lower case.
      type: str
      sample: running
    public_ips:
      description: Public IP addresses.
      type: list
      elements: str
    private_ips:
      description: Private IP addresses.
      type: list
      elements: str
    image:
      description: The id of the image the node was created from, where the provider tells.
      type: str
      sample: ami-12c6146b
    size:
      description: The size (flavor, instance type) of the node, where the provider tells.
      type: str
      sample: t3.micro
    location:
      description: The location (zone) of the node, where the provider tells.
      type: str
      sample: us-east-1a
    tags:
      description: The node's tags (EC2 tags, OpenStack metadata, GCE labels).
      type: dict
      sample: {"Name": "web-1", "env": "prod"}
    extra:
      description: The provider-specific details of libcloud's C(extra), made JSON-safe.
      type: dict
'''

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.base import LibcloudModule
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.convert import check_states, node_to_dict
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.nodes import list_nodes, node_matches


class NodeInfoModule(LibcloudModule):
    argument_spec = dict(
        name=dict(type='str'),
        state=dict(type='list', elements='str'),
        tags=dict(type='dict'),
    )
    module_kwargs = dict(supports_check_mode=True)

    def run(self):
        states = check_states(self.params['state'], 'state')
        nodes = [
            node_to_dict(node) for node in list_nodes(self.driver)
            if node_matches(node, self.params['name'], states, self.params['tags'])
        ]
        return dict(changed=False, nodes=nodes)


def main():
    NodeInfoModule()()


if __name__ == '__main__':
    main()
