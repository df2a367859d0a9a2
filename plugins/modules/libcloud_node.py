#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: libcloud_node
short_description: Declare nodes on any libcloud compute provider
version_added: 0.1.0
description:
  - Makes a node (virtual machine), or a numbered set of nodes, exist in the requested state on any libcloud
    compute provider, idempotently and with an honest C(changed).
  - A node is identified by its name (on EC2 its C(Name) tag). Terminated nodes, and EC2 instances that are
    shutting down, do not count. Two or more live nodes of the same name make the task fail, listing their ids.
  - An existing node whose image or size differs from the requested one is reported (a warning and
    RV(mismatches)) and left as it is, never recreated.
  - Check mode runs the same decisions as a real run and writes nothing. Diff mode shows the state and tags before
    and after.
author:
  - cloudmesh.libcloud developers (@cloudmesh)
extends_documentation_fragment:
  - cloudmesh.libcloud.connection
  - cloudmesh.libcloud.attributes
options:
  name:
    description:
      - The node's name, its identity. With O(count), the prefix of the names V(<name>-1) .. V(<name>-<count>).
    type: str
    required: true
  state:
    description:
      - V(present) the node exists; it is created when missing (and then started); a stopped node stays stopped.
      - V(running) the node exists and runs; a stopped node is started.
      - V(stopped) the node exists and is stopped; a missing node is created, then stopped.
      - V(restarted) the node is rebooted when running, started when stopped, created when missing. This always
        restarts, so it always reports a change.
      - V(absent) the node does not exist; it is destroyed (terminated).
      - A node on its way to a state (pending, stopping) is first allowed to get there.
    type: str
    choices: [present, running, stopped, restarted, absent]
    default: present
  image:
    description:
      - The image to create the node from, by id or exact name (on EC2 an AMI id or an AMI name, looked up
        directly, not by listing every image). Needed only to create a node.
      - An unknown image fails and names a few close matches.
    type: str
  size:
    description:
      - The size (flavor, instance type) of a new node, by id or exact name, for example V(t3.micro). Needed only
        to create a node on providers whose C(create_node) requires it.
    type: str
  location:
    description:
      - The location (availability zone) of a new node, by id or exact name, for example V(us-east-1a).
    type: str
  key_name:
    description:
      - The name of an existing key pair to put on a new node (EC2 and OpenStack C(ex_keyname)).
    type: str
  user_data:
    description:
      - User data (for example a cloud-init script) for a new node.
    type: str
  subnet:
    description:
      - The subnet of a new node on EC2, by id (V(subnet-...)) or by its C(Name) tag, looked up with server-side filters.
        A name that several subnets carry fails, listing their ids; an unknown one fails naming the closest.
      - Needed on an account without a default VPC. Only EC2 has it; on other providers it fails in one line.
      - Used only to create a node; an existing node is not moved (neither by this nor by O(networks) or O(security_groups)).
    type: str
    version_added: 0.1.0
  networks:
    description:
      - The networks of a new node on OpenStack (and other drivers whose C(create_node) takes C(networks)), each by id
        or exact name, looked up in the driver's network listing. An unknown one fails naming the closest.
      - On OpenStack, libcloud reads Neutron's networks with the cloud entry's C(options.api_version) V('2.0'); its
        default driver asks Nova's C(os-networksv2), which most clouds no longer have, and then fails saying so.
      - Used only to create a node.
    type: list
    elements: str
    version_added: 0.1.0
  security_groups:
    description:
      - The security groups of a new node, each by id or name. An unknown one fails naming the closest.
      - On EC2 a name is looked up in the VPC the node goes to (the O(subnet)'s, else the default VPC), an id
        (V(sg-...)) must belong to that VPC. A node in a subnet gets the groups' ids, one without their names.
      - On OpenStack they are looked up in the driver's listing (Neutron with C(options.api_version) V('2.0')).
      - Used only to create a node.
    type: list
    elements: str
  tags:
    description:
      - Tags the node must carry (EC2 tags, OpenStack metadata, GCE labels). Missing ones are added, differing values
        updated, on new and existing nodes.
      - The C(Name) tag is the node's name; it cannot be set to something else and is never removed.
      - A provider whose driver cannot change tags fails when tags would change.
    type: dict
  purge_tags:
    description:
      - Remove the tags of an existing node that O(tags) does not list (never C(Name), nor C(aws:*) tags).
      - Without O(tags) nothing is purged.
    type: bool
    default: false
  extra:
    description:
      - Provider-specific keyword arguments for the driver's C(create_node), such as C(ex_blockdevicemappings) or
        C(ex_assign_public_ip) on EC2. An argument the driver does not take fails, listing the ones it does.
      - Give the subnet, networks and security groups with O(subnet), O(networks) and O(security_groups); libcloud
        takes objects there, not strings. A string in C(ex_subnet) (EC2) or C(networks) (OpenStack) is still looked
        up as those options are.
      - Used only to create a node.
    type: dict
  count:
    description:
      - Manage exactly this many nodes, named V(<name>-1) .. V(<name>-<count>), all in O(state); nodes
        V(<name>-<n>) with a higher number are destroyed. V(0) destroys them all.
      - Missing nodes are created together and waited for together.
      - Cannot be combined with O(state=absent).
    type: int
  wait:
    description:
      - Wait until each node has reached the requested state (running, stopped, terminated).
      - Waits that a change needs in between (a new node must run before it can be stopped) happen even without it.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds, from the start of the task, its waits may last. A timeout fails the task and reports
        the node's last state (and that it changed something, if it did).
    type: int
    default: 600
notes:
  - EC2 requests are signed with Signature Version 4 unless O(options) say otherwise.
'''

EXAMPLES = r'''
- name: A web server that runs, with tags
  cloudmesh.libcloud.libcloud_node:
    cloud: aws-prod            # an entry of the (vaulted) variable libcloud_clouds
    name: web-1
    state: running
    image: ami-0123456789abcdef0
    size: t3.micro
    key_name: deploy
    security_groups: [web]
    tags:
      env: prod
  register: web

- name: A node in a chosen subnet, with security groups by name (both looked up in that subnet's VPC)
  cloudmesh.libcloud.libcloud_node:
    cloud: aws-prod
    name: app-1
    image: ami-0123456789abcdef0
    size: t3.micro
    subnet: private-a          # the subnet's Name tag, or its id subnet-...
    security_groups: [app, sg-0123456789abcdef0]

- name: An OpenStack server on a network given by name
  cloudmesh.libcloud.libcloud_node:
    cloud: openstack-lab       # its options carry api_version: "2.0", so that libcloud lists Neutron's networks
    name: lab-1
    image: Ubuntu 24.04
    size: m1.small
    networks: [lab-net]
    security_groups: [default]

- name: Twenty workers, created together and waited for together
  cloudmesh.libcloud.libcloud_node:
    cloud: aws-prod
    name: worker
    count: 20
    image: ami-0123456789abcdef0
    size: t3.small
    extra:
      ex_assign_public_ip: true
  register: workers

- name: Their addresses
  ansible.builtin.debug:
    msg: "{{ workers.nodes | map(attribute='private_ips') | flatten }}"

- name: Stop the web server for the night
  cloudmesh.libcloud.libcloud_node:
    cloud: aws-prod
    name: web-1
    state: stopped

- name: Tags exactly as listed (others removed, Name kept)
  cloudmesh.libcloud.libcloud_node:
    cloud: aws-prod
    name: web-1
    tags:
      env: staging
    purge_tags: true

- name: Remove all workers
  cloudmesh.libcloud.libcloud_node:
    cloud: aws-prod
    name: worker
    count: 0
'''

RETURN = r'''
node:
  description:
    - The node after the task, without O(count). In check mode, and without O(wait), its state as last seen.
    - An empty dict when there is no node (O(state=absent) on a missing node, or check mode before creation).
  returned: when O(count) is not given
  type: dict
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
nodes:
  description:
    - With O(count), the nodes V(<name>-1) .. V(<name>-<count>) that exist after the task, in order, each with the
      keys of RV(node). Removed nodes are not listed.
  returned: when O(count) is given
  type: list
  elements: dict
mismatches:
  description: Existing nodes whose image or size differs from the requested one; they are left as they are.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The node's name.
      type: str
    id:
      description: The node's id.
      type: str
    option:
      description: V(image) or V(size).
      type: str
    requested:
      description: What the task asked for.
      type: str
    actual:
      description: What the node has.
      type: str
  sample: [{"name": "web-1", "id": "i-0123456789abcdef0", "option": "size", "requested": "t3.large", "actual": "t3.micro"}]
diff:
  description:
    - In diff mode, the C(state) and C(tags) before and after (predicted in check mode); V(absent) when there is
      no node. With O(count), keyed by node name.
  returned: in diff mode
  type: dict
  sample: {"before": {"state": "stopped", "tags": {"Name": "web-1"}}, "after": {"state": "running", "tags": {"Name": "web-1"}}}
'''

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.base import WaitingModule, wait_options
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.node_reconcile import NodeReconciler
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.node_state import STATES, validate


class NodeModule(WaitingModule):
    argument_spec = dict(
        name=dict(type='str', required=True),
        state=dict(type='str', default='present', choices=list(STATES)),
        image=dict(type='str'),
        size=dict(type='str'),
        location=dict(type='str'),
        key_name=dict(type='str', no_log=False),
        user_data=dict(type='str'),
        subnet=dict(type='str'),
        networks=dict(type='list', elements='str'),
        security_groups=dict(type='list', elements='str'),
        tags=dict(type='dict'),
        purge_tags=dict(type='bool', default=False),
        extra=dict(type='dict'),
        count=dict(type='int'),
        **wait_options(600)
    )
    module_kwargs = dict(supports_check_mode=True)

    def run(self):
        # Bad input fails before anything talks to the provider.
        validate(self.params)
        reconciler = NodeReconciler(self.driver, self.params, check_mode=self.check_mode,
                                    driver_factory=self.new_driver, warn=self.warn, deadline=self.deadline)
        return reconciler.run(diff=self.ansible._diff)


def main():
    NodeModule()()


if __name__ == '__main__':
    main()
