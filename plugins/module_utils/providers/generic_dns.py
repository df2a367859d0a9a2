# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The DNS half of the default provider adapter: libcloud's common DNS API, for every DNS driver without an adapter of
its own (generic.GenericAdapter inherits it; providers/powerdns.py overrides what PowerDNS does differently).

dns_zones.py and dns_records.py ask these methods.
"""

from __future__ import annotations

from ansible_collections.cloudmesh.libcloud.plugins.module_utils import dns_names
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError


class DnsMethods:
    """Zones and record sets through libcloud's common DNS API; ``self.driver`` is a libcloud DNS driver."""

    # Names and values go in and out as dns_names normalises them: zone names without their dot, record names
    # relative ('@' for the apex), values as compared. One libcloud Record per value; a record set is all the records
    # of one name and type.

    # Whether a zone has a TTL of its own (PowerDNS keeps TTLs per record set only).
    zone_has_ttl = True
    # Whether the provider takes TXT values as quoted strings (zone file syntax) rather than as their plain text.
    quotes_txt = False

    def zones(self):
        return self.driver.list_zones()

    def find_zone(self, name):
        """The libcloud Zone called ``name`` (as :func:`dns_names.zone_name` writes it), or None."""
        return next((zone for zone in self.zones() if dns_names.zone_name(zone.domain) == name), None)

    def create_zone(self, name, ttl, extra):
        return self.driver.create_zone(name, ttl=ttl, extra=extra or None)

    def delete_zone(self, zone):
        # Some drivers (PowerDNS) answer False instead of raising.
        if self.driver.delete_zone(zone) is False:
            raise LibcloudModuleError('zone %s: the provider did not delete it' % dns_names.zone_name(zone.domain))

    def record_key(self, zone, record):
        """``(relative name, TYPE)`` of a libcloud Record: drivers give relative names (Route 53) or fully qualified ones
        (PowerDNS), '' or None for the apex."""
        try:
            name = dns_names.record_name(dns_names.zone_name(zone.domain), record.name)
        except LibcloudModuleError:
            name = str(record.name).lower()  # not a name of this zone: listed as it is, never matched by a task
        return name, str(record.type).upper()

    def stored_value(self, kind, record):
        """The normalised value of a libcloud Record; libcloud's convention keeps an MX or SRV target in ``data`` and
        its numbers in ``extra``. A value we cannot read is kept as the provider wrote it."""
        extra, data = record.extra or {}, str(record.data)
        numbers = {'MX': ('priority',), 'SRV': ('priority', 'weight', 'port')}.get(kind, ())
        if numbers and len(data.split()) == 1 and all(extra.get(field) is not None for field in numbers):
            data = ' '.join([str(extra[field]) for field in numbers] + [data])
        try:
            return dns_names.normalise_value(kind, data)
        except LibcloudModuleError:
            return ' '.join(data.split())

    def record_sets(self, zone):
        """{(relative name, TYPE): {'ttl': int or None, 'values': sorted normalised values}} of the zone."""
        found = {}
        for record in self.driver.list_records(zone):
            key = self.record_key(zone, record)
            entry = found.setdefault(key, {'ttl': record.ttl, 'values': []})
            entry['values'] = sorted(set(entry['values']) | {self.stored_value(key[1], record)})
        return found

    def record_data(self, kind, value):
        """``(data, extra)`` that libcloud's create_record takes for the normalised ``value``."""
        fields = value.split()
        if kind == 'MX':
            return fields[1], {'priority': int(fields[0])}
        if kind == 'SRV':
            return fields[3], dict(zip(('priority', 'weight', 'port'), (int(field) for field in fields[:3])))
        if kind in dns_names.TEXT_TYPES and self.quotes_txt:
            return dns_names.txt_quote(value), {}
        return value, {}

    def set_record_set(self, zone, name, kind, ttl, values):
        """Make the record set ``name``/``kind`` hold exactly ``values`` with ``ttl``: records are deleted, updated and
        created one by one (libcloud's common API knows no record sets)."""
        wanted = list(values)
        for record in self._records_of(zone, name, kind):
            value = self.stored_value(kind, record)
            if value not in wanted:
                self._delete_record(zone, record)
                continue
            wanted.remove(value)
            if record.ttl != ttl:
                data, extra = self.record_data(kind, value)
                self.driver.update_record(record, record.name, kind, data, extra=dict(extra, ttl=ttl))
        for value in wanted:
            data, extra = self.record_data(kind, value)
            self.driver.create_record('' if name == dns_names.APEX else name, zone, kind, data, extra=dict(extra, ttl=ttl))

    def delete_record_set(self, zone, name, kind):
        for record in self._records_of(zone, name, kind):
            self._delete_record(zone, record)

    def _records_of(self, zone, name, kind):
        return [record for record in self.driver.list_records(zone) if self.record_key(zone, record) == (name, kind)]

    def _delete_record(self, zone, record):
        if self.driver.delete_record(record) is False:
            raise LibcloudModuleError('record %s %s: the provider did not delete it'
                                      % (dns_names.fqdn(dns_names.zone_name(zone.domain), self.record_key(zone, record)[0]), record.type))
