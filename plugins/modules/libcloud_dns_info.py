#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: libcloud_dns_info
short_description: List DNS zones, or the record sets of a zone, on any libcloud DNS provider
version_added: 0.1.0
description:
  - Without O(zone), lists the zones of the DNS provider or account, in RV(zones).
  - With O(zone), lists the record sets of that zone in RV(records), with the same fields and the same normalised
    names and values as M(cloudmesh.libcloud.libcloud_dns_record) returns, optionally filtered by O(name) and
    O(types). A zone that does not exist fails the task, naming the closest zones.
author:
  - cloudmesh.libcloud developers (@cloudmesh)
extends_documentation_fragment:
  - cloudmesh.libcloud.connection
  - cloudmesh.libcloud.attributes.info
options:
  zone:
    description: The zone whose record sets to list, for example V(example.org).
    type: str
  name:
    description:
      - With O(zone), only the record sets whose name matches this glob (C(*), C(?), C([...])), either the name
        relative to the zone (V(@) for the apex, V(web-*)) or the fully qualified one (V(*.example.org)),
        case-insensitive.
    type: str
  types:
    description: With O(zone), only the record sets of these types, for example V([A, AAAA]).
    type: list
    elements: str
notes:
  - The connection uses the O(dns_provider) field, not O(provider).
seealso:
  - module: cloudmesh.libcloud.libcloud_dns_zone
  - module: cloudmesh.libcloud.libcloud_dns_record
'''

EXAMPLES = r'''
# `dns` is an entry of the (vaulted) variable libcloud_clouds, for PowerDNS for example:
#   dns: {dns_provider: powerdns, key: API-KEY, host: 127.0.0.1, port: 8081, secure: false}
- name: The zones
  cloudmesh.libcloud.libcloud_dns_info:
    cloud: dns
  register: dns

- name: The addresses of the web nodes
  cloudmesh.libcloud.libcloud_dns_info:
    cloud: dns
    zone: example.test
    name: "www*"
    types: [A, AAAA]
  register: web

- name: Show them
  ansible.builtin.debug:
    msg: "{{ web.records | map(attribute='fqdn') | list }}"
'''

RETURN = r'''
zones:
  description: The zones, sorted by name, with the fields that M(cloudmesh.libcloud.libcloud_dns_zone) returns.
  returned: without O(zone)
  type: list
  elements: dict
  sample: [{"name": "example.test", "id": "example.test.", "ttl": null, "type": null, "extra": {"kind": "Native"}}]
records:
  description: The record sets, sorted by name and type, with the fields that M(cloudmesh.libcloud.libcloud_dns_record) returns.
  returned: with O(zone)
  type: list
  elements: dict
  sample: [{"zone": "example.test", "name": "www", "fqdn": "www.example.test", "type": "A", "ttl": 300, "values": ["192.0.2.10"]}]
'''

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.base import LibcloudModule
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.dns_records import list_record_sets
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.dns_zones import list_zones
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError


class DnsInfoModule(LibcloudModule):
    argument_spec = dict(
        zone=dict(type='str'),
        name=dict(type='str'),
        types=dict(type='list', elements='str'),
    )
    module_kwargs = dict(supports_check_mode=True)
    kind = 'dns'

    def run(self):
        params = self.params
        if not params['zone']:
            if params['name'] or params['types']:
                raise LibcloudModuleError('name and types filter the record sets of a zone: give zone as well')
            return dict(changed=False, zones=list_zones(self.driver))
        return dict(changed=False, records=list_record_sets(self.driver, params['zone'], params['name'], params['types']))


def main():
    DnsInfoModule()()


if __name__ == '__main__':
    main()
