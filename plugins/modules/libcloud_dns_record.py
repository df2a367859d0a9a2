#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: libcloud_dns_record
short_description: Declare DNS record sets on any libcloud DNS provider
version_added: 0.1.0
description:
  - Makes the record set of O(name) and O(type) in the zone O(zone) hold the values O(value), or not exist, on any
    libcloud DNS provider, idempotently.
  - A record set is every record of one name and type; O(value) gives all of its values, one or a list.
  - C(changed) comes from a comparison of normalised values, the same on every provider (see O(name) and O(value)),
    so that C(2001:DB8:0::1) and C(2001:db8::1), or C(Mail.Example.org) and C(mail.example.org.), are the same.
  - Check mode runs the same decisions as a real run and changes nothing. Diff mode shows the record set before and
    after.
  - "Bad input fails in one line before any change: a type that is not a record type, a value that is not an address
    for V(A) and V(AAAA), a name outside the zone, a CNAME beside other records of the same name, a zone that does not
    exist."
author:
  - cloudmesh.libcloud developers (@cloudmesh)
extends_documentation_fragment:
  - cloudmesh.libcloud.connection
  - cloudmesh.libcloud.attributes
options:
  zone:
    description:
      - The zone's domain name, for example V(example.org), with or without its trailing dot. A zone that does not
        exist fails the task, naming the closest zones.
    type: str
    required: true
  name:
    description:
      - "The record's name, the same rule on every provider: V(@) or an empty name is the zone's apex; a name that
        ends with a dot is fully qualified and must be the zone or end with C(.<zone>.); a name equal to the zone
        or ending with C(.<zone>) is taken as fully qualified too; any other name is relative to the zone. So in
        zone V(example.org), V(www), V(www.example.org) and V(www.example.org.) are the same record, and
        V(www.other.org.) fails."
      - Names are compared in lower case; results show the relative name (V(@) for the apex) and the fully
        qualified one.
    type: str
    default: '@'
  type:
    description:
      - The record type, for example V(A), V(AAAA), V(CNAME), V(MX), V(TXT), V(SRV), V(NS), V(PTR), V(CAA); any
        type of libcloud's C(RecordType) except V(SOA), case-insensitive. The provider may take fewer.
    type: str
    required: true
  value:
    description:
      - The record set's values, one string or a list; needed with O(state=present).
      - "How values are written and compared: V(A) and V(AAAA) must be addresses (as Python's C(ipaddress) writes
        them: C(2001:db8::1)); the target of V(CNAME), V(NS), V(PTR) is a host name, taken as fully qualified with
        or without its trailing dot; V(MX) is C(PRIORITY TARGET) and V(SRV) C(PRIORITY WEIGHT PORT TARGET), their
        targets fully qualified too; V(TXT) and V(SPF) are their text, with or without surrounding double quotes
        (C(\"v=spf1 -all\") and C(v=spf1 -all) are the same), quoted for the providers that want quotes (PowerDNS),
        long texts split into strings of 255 bytes; V(CAA) is C(FLAGS TAG VALUE). Other types are compared as
        written, white space collapsed."
      - A CNAME holds one value.
      - With O(state=absent), the values to remove; the others stay, and the record set goes when none is left.
    type: raw
  ttl:
    description:
      - The TTL of the record set in seconds. When not given, an existing set keeps its TTL and a new one gets
        V(3600).
    type: int
  state:
    description:
      - V(present) the record set holds exactly O(value) (and O(ttl), when given).
      - V(absent) without O(value) the record set does not exist; with O(value) it does not hold those values.
    type: str
    choices: [present, absent]
    default: present
  overwrite:
    description:
      - Whether an existing record set that holds other values, or another TTL than O(ttl), is replaced.
      - With V(false), such a record set is left as it is and the task fails in one line showing what it holds.
    type: bool
    default: true
notes:
  - The connection uses the O(dns_provider) field, not O(provider).
  - "PowerDNS: each record set is written whole, in one request, so a set of several values never loses one (libcloud's
    C(create_record) replaces the whole set with its one value there)."
  - Other providers go through libcloud's common DNS API, one record per value (MX and SRV numbers in the record's
    C(extra), as libcloud's drivers take them); the tests cover PowerDNS.
seealso:
  - module: cloudmesh.libcloud.libcloud_dns_zone
  - module: cloudmesh.libcloud.libcloud_dns_info
'''

EXAMPLES = r'''
# `dns` is an entry of the (vaulted) variable libcloud_clouds, for PowerDNS for example:
#   dns: {dns_provider: powerdns, key: API-KEY, host: 127.0.0.1, port: 8081, secure: false}
- name: An address for www
  cloudmesh.libcloud.libcloud_dns_record:
    cloud: dns
    zone: example.test
    name: www
    type: A
    value: 192.0.2.10
    ttl: 300

- name: Two addresses for the apex, as one record set
  cloudmesh.libcloud.libcloud_dns_record:
    cloud: dns
    zone: example.test
    name: "@"
    type: A
    value: [192.0.2.10, 192.0.2.11]

- name: Mail and SPF
  cloudmesh.libcloud.libcloud_dns_record:
    cloud: dns
    zone: example.test
    name: example.test.
    type: "{{ item.type }}"
    value: "{{ item.value }}"
  loop:
    - {type: MX, value: "10 mail.example.test."}
    - {type: TXT, value: "v=spf1 mx -all"}

- name: An alias, only if the name is still free
  cloudmesh.libcloud.libcloud_dns_record:
    cloud: dns
    zone: example.test
    name: docs
    type: CNAME
    value: www.example.test
    overwrite: false

- name: Remove one address of the apex, keep the other
  cloudmesh.libcloud.libcloud_dns_record:
    cloud: dns
    zone: example.test
    type: A
    value: 192.0.2.11
    state: absent

- name: Remove the alias
  cloudmesh.libcloud.libcloud_dns_record:
    cloud: dns
    zone: example.test
    name: docs
    type: CNAME
    state: absent
'''

RETURN = r'''
record:
  description: The record set after the task (predicted in check mode); V(null) when it does not exist.
  returned: always
  type: dict
  contains:
    zone:
      description: The zone, lower case, without the trailing dot.
      type: str
      sample: example.test
    name:
      description: The name relative to the zone, lower case; V(@) for the apex.
      type: str
      sample: www
    fqdn:
      description: The fully qualified name, without the trailing dot.
      type: str
      sample: www.example.test
    type:
      description: The record type, upper case.
      type: str
      sample: A
    ttl:
      description: The TTL in seconds; V(null) where the provider does not tell.
      type: int
      sample: 300
    values:
      description: The normalised values, sorted.
      type: list
      elements: str
      sample: ["192.0.2.10", "192.0.2.11"]
diff:
  description: In diff mode, the record set (the fields of RV(record)) before and after; an empty dict when there is none.
  returned: in diff mode
  type: dict
  sample: {"before": {}, "after": {"zone": "example.test", "name": "www", "fqdn": "www.example.test", "type": "A", "ttl": 300,
           "values": ["192.0.2.10"]}}
'''

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.base import LibcloudModule
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.dns_records import RecordReconciler


class DnsRecordModule(LibcloudModule):
    argument_spec = dict(
        zone=dict(type='str', required=True),
        name=dict(type='str', default='@'),
        type=dict(type='str', required=True),
        # raw: a list option would split a single TXT value at its commas.
        value=dict(type='raw'),
        ttl=dict(type='int'),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        overwrite=dict(type='bool', default=True),
    )
    module_kwargs = dict(supports_check_mode=True)
    kind = 'dns'

    def run(self):
        return RecordReconciler(self.driver, self.params, check_mode=self.check_mode).run(diff=self.ansible._diff)


def main():
    DnsRecordModule()()


if __name__ == '__main__':
    main()
