#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: libcloud_dns_zone
short_description: Declare DNS zones on any libcloud DNS provider
version_added: 0.1.0
description:
  - Makes the DNS zone (domain) O(name) exist or not on any libcloud DNS provider (PowerDNS, Route 53, Google Cloud
    DNS, Cloudflare, DigitalOcean, Linode, Gandi and more), idempotently and with an honest C(changed).
  - Zone names are compared in lower case without their trailing dot, and shown that way.
  - An existing zone is left as it is; O(ttl) and O(extra) apply only when the zone is created.
  - A zone that holds records other than its apex SOA and NS is deleted only with O(force).
  - Check mode runs the same decisions as a real run and changes nothing. Diff mode shows the zone before and after.
author:
  - cloudmesh.libcloud developers (@cloudmesh)
extends_documentation_fragment:
  - cloudmesh.libcloud.connection
  - cloudmesh.libcloud.attributes
options:
  name:
    description: The zone's domain name, for example V(example.org); a trailing dot is allowed.
    type: str
    required: true
  state:
    description:
      - V(present) the zone exists; it is created when missing.
      - V(absent) the zone does not exist; it is deleted when there (see O(force)).
    type: str
    choices: [present, absent]
    default: present
  ttl:
    description:
      - The zone's default TTL in seconds, for a new zone, where the provider keeps one. PowerDNS does not (each
        record set has its own); there a warning says it was ignored.
    type: int
  extra:
    description:
      - "Provider-specific settings of a new zone, passed to the driver's C(create_zone) as they are. On PowerDNS, the
        fields of its zone object, for example C({nameservers: [ns1.example.org.], kind: Master}); the defaults are
        C(kind: Native) and no nameservers."
    type: dict
  force:
    description:
      - With O(state=absent), delete a zone that still holds records other than its SOA and NS, with them.
      - Without it such a zone is left alone and the task fails naming some of its record sets.
    type: bool
    default: false
notes:
  - The connection uses the O(dns_provider) field, not O(provider).
  - "PowerDNS: the driver is used with API v1 (PowerDNS 4 and later). libcloud 3.9.1 cannot create a PowerDNS 4 zone
    (it sends the name without a trailing dot, or with two); this module sends that request itself."
seealso:
  - module: cloudmesh.libcloud.libcloud_dns_record
  - module: cloudmesh.libcloud.libcloud_dns_info
'''

EXAMPLES = r'''
# `dns` is an entry of the (vaulted) variable libcloud_clouds, for PowerDNS for example:
#   dns: {dns_provider: powerdns, key: API-KEY, host: 127.0.0.1, port: 8081, secure: false}
- name: A zone
  cloudmesh.libcloud.libcloud_dns_zone:
    cloud: dns
    name: example.test
    extra:
      nameservers: [ns1.example.test.]

- name: Remove a zone and every record in it
  cloudmesh.libcloud.libcloud_dns_zone:
    cloud: dns
    name: old.example.test
    state: absent
    force: true
'''

RETURN = r'''
zone:
  description: The zone after the task (predicted in check mode); V(null) when it does not exist.
  returned: always
  type: dict
  contains:
    name:
      description: The domain, lower case, without the trailing dot.
      type: str
      sample: example.test
    id:
      description: The provider's id of the zone; V(null) in check mode for a zone to create.
      type: str
      sample: example.test.
    ttl:
      description: The zone's TTL, where the provider keeps one.
      type: int
    type:
      description: The zone's type (V(master), V(slave)), where the provider tells.
      type: str
    extra:
      description: Provider-specific details, JSON-safe (on PowerDNS its kind, serial, masters ...).
      type: dict
diff:
  description: In diff mode, the zone before and after; an empty dict when there is none.
  returned: in diff mode
  type: dict
  sample: {"before": {}, "after": {"name": "example.test", "id": null, "ttl": null, "type": null, "extra": {}}}
'''

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.base import LibcloudModule
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.dns_zones import ZoneReconciler


class DnsZoneModule(LibcloudModule):
    argument_spec = dict(
        name=dict(type='str', required=True),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        ttl=dict(type='int'),
        extra=dict(type='dict'),
        force=dict(type='bool', default=False),
    )
    module_kwargs = dict(supports_check_mode=True)
    kind = 'dns'

    def run(self):
        reconciler = ZoneReconciler(self.driver, self.params, check_mode=self.check_mode, warn=self.warn)
        return reconciler.run(diff=self.ansible._diff)


def main():
    DnsZoneModule()()


if __name__ == '__main__':
    main()
