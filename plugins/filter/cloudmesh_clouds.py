# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: cloudmesh_clouds
short_description: Turn a cloudmesh.yaml into the named cloud entries of libcloud_clouds
version_added: 0.1.0
author:
  - cloudmesh.libcloud developers (@cloudmesh)
description:
  - Takes a parsed C(cloudmesh.yaml), the file of named clouds of cloudmesh's C(cm.py), and returns a dict of
    named cloud entries for the play variable C(libcloud_clouds), one entry per cloud of C(cloudmesh.cloud),
    under the same name. The file can stay as it is, vault-encrypted.
  - "C(kind: aws) gives C(provider: ec2) and C(storage_provider: s3); C(EC2_ACCESS_ID) becomes the key and
    C(EC2_SECRET_KEY) the secret."
  - "C(kind: azure) gives C(provider: azure) (Azure's classic compute API); C(AZURE_SUBSCRIPTION_ID) becomes the
    key and C(AZURE_MANAGEMENT_CERT_PATH) the secret (the path to the management certificate). No storage
    provider: Azure blob storage needs a storage account's name and key, which these credentials are not."
  - "C(kind: openstack) gives C(provider: openstack) and C(storage_provider: openstack_swift) (Swift, found in the
    same Keystone catalog as Nova); C(OS_USERNAME) becomes the key and C(OS_PASSWORD) the secret."
  - "For C(kind: openstack), C(OS_AUTH_URL) becomes C(options.ex_force_auth_url) without its trailing version
    (libcloud appends C(/v2.0/tokens) or C(/v3/auth/tokens) itself), and that version chooses
    C(options.ex_force_auth_version): a URL ending in C(/v2.0) gives V(2.0_password), one ending in C(/v3) gives
    V(3.x_password). A URL without a version follows C(OS_IDENTITY_API_VERSION) (V(2) or V(3)), else means
    V(3.x_password) (Keystone's v2.0 API is gone since OpenStack Queens)."
  - "For C(kind: openstack), C(OS_PROJECT_NAME) or C(OS_TENANT_NAME) (one is required; both must agree) becomes
    C(options.ex_tenant_name), C(OS_REGION_NAME) becomes C(options.ex_force_service_region), C(OS_USER_DOMAIN_NAME)
    C(options.ex_domain_name) and C(OS_PROJECT_DOMAIN_ID) C(options.ex_tenant_domain_id)."
  - A cloud may add a C(libcloud) dict of connection fields, C(provider), C(storage_provider), C(region), C(host),
    C(port), C(secure), C(options), C(retries) and C(timeout), that win over the mapped ones. C(options) are merged key by key (a key given there wins,
    the other mapped keys stay); a field or an option set to null removes the mapped one. The key and secret come
    from C(credentials) only.
  - C(cloudmesh.default.cloud) is not part of the result; set the play variable C(libcloud_default_cloud) from it
    (see the examples) so that tasks without C(cloud) use that cloud.
  - An unknown C(kind), an unknown field of a cloud, of its C(credentials) or of its C(libcloud) dict, or a missing
    credential fails in one line naming the accepted ones. Errors name fields, never their values.
  - The inventory plugin C(cloudmesh.libcloud.libcloud) reads a cloudmesh.yaml given as its C(clouds_file) the same way.
options:
  _input:
    description:
      - The parsed cloudmesh.yaml, either the whole document (a dict with the key C(cloudmesh)) or the value of its
        C(cloudmesh) key.
      - Each cloud of C(cloudmesh.cloud) has a C(kind) (V(aws), V(azure) or V(openstack)), C(credentials) (the names
        above) and optionally C(libcloud).
    type: dict
    required: true
seealso:
  - plugin_type: inventory
    plugin: cloudmesh.libcloud.libcloud
'''

EXAMPLES = r'''
# cloudmesh.yaml, encrypted with `ansible-vault encrypt cloudmesh.yaml`:
#   cloudmesh:
#     default:
#       cloud: aws
#     cloud:
#       aws:
#         kind: aws
#         credentials:
#           EC2_ACCESS_ID: ...
#           EC2_SECRET_KEY: ...
#         libcloud:
#           region: eu-west-1
#       chameleon:
#         kind: openstack
#         credentials:
#           OS_AUTH_URL: https://keystone.example.org:5000/v3
#           OS_USERNAME: ...
#           OS_PASSWORD: ...
#           OS_PROJECT_NAME: CH-000000
#           OS_REGION_NAME: RegionOne

# vars_files makes the file's top-level key `cloudmesh` a variable; play vars stay lazy and are never printed
# (unlike set_fact, whose result -v shows, secrets included).
- hosts: localhost
  gather_facts: false
  vars_files:
    - cloudmesh.yaml
  vars:
    libcloud_clouds: "{{ cloudmesh | cloudmesh.libcloud.cloudmesh_clouds }}"
    libcloud_default_cloud: "{{ cloudmesh.default.cloud }}"
  tasks:
    - name: A node on the default cloud (aws)
      cloudmesh.libcloud.libcloud_node:
        name: web-1
        image: ami-0123456789abcdef0
        size: t3.micro

    - name: A node on a cloud named by the task
      cloudmesh.libcloud.libcloud_node:
        cloud: chameleon
        name: web-2
        image: CC-Ubuntu22.04
        size: m1.small

# The whole document works too, for instance from include_vars:
#   - ansible.builtin.include_vars:
#       file: cloudmesh.yaml
#       name: cm
#   then: libcloud_clouds: "{{ cm | cloudmesh.libcloud.cloudmesh_clouds }}"
#         libcloud_default_cloud: "{{ cm.cloudmesh.default.cloud }}"
'''

RETURN = r'''
_value:
  description:
    - A dict of named cloud entries, as the play variable C(libcloud_clouds) holds them, one per cloud of
      C(cloudmesh.cloud) under the same name.
    - "Each entry holds the connection fields C(provider), C(storage_provider), C(key) and C(secret), and those that
      the cloud's C(libcloud) dict sets, for example C({provider: ec2, storage_provider: s3, key: ..., secret: ...})."
  type: dict
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError
from ansible_collections.cloudmesh.libcloud.plugins.plugin_utils.cloudmesh_yaml import cloudmesh_clouds as cloudmesh_to_libcloud


def cloudmesh_clouds(data):
    """``libcloud_clouds`` for the parsed cloudmesh.yaml ``data``; a mistake fails in one line naming fields only."""
    try:
        return cloudmesh_to_libcloud(data)
    except LibcloudModuleError as exc:
        raise AnsibleFilterError(exc.message) from None


class FilterModule:

    def filters(self):
        return {'cloudmesh_clouds': cloudmesh_clouds}
