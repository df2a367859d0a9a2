# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What we do differently on PowerDNS Authoritative (``dns_provider: powerdns``), through its HTTP API v1.

- libcloud's driver speaks the PowerDNS 3 API (``experimental``) unless told otherwise: we ask for ``v1``
  (PowerDNS 4 and later), the only one we support.
- Creating a zone: given ``example.org``, libcloud 3.9.1 sends it as it is and PowerDNS 4 refuses it (422 "not
  canonical"); given ``example.org.``, the zone is created but libcloud returns a Zone whose id is ``example.org..``,
  on which listing records fails (422) and delete_zone silently does nothing. We send the request ourselves, with
  one trailing dot, ``kind: Native`` and an empty ``nameservers`` list unless ``extra`` says otherwise (each name
  server with its trailing dot, which PowerDNS requires), and read the zone back.
- Record sets: PowerDNS keeps records as rrsets (one name and type, one TTL, all the values), and libcloud's
  create_record REPLACEs the whole rrset with its one value: a second value would silently replace the first. We
  write each record set whole, in one PATCH (changetype REPLACE, or DELETE).
- TXT and SPF contents are quoted strings (zone file syntax); zones have no TTL of their own.
"""

from __future__ import annotations

import json

from ansible_collections.cloudmesh.libcloud.plugins.module_utils import dns_names
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.generic import GenericAdapter


class PowerDnsAdapter(GenericAdapter):

    zone_has_ttl = False
    quotes_txt = True

    @classmethod
    def new_driver(cls, driver_class, key, kwargs):
        kwargs = dict(kwargs)
        version = kwargs.setdefault('api_version', 'v1')
        if version != 'v1':
            raise LibcloudModuleError('options.api_version %r: only v1 (the API of PowerDNS 4 and later) is supported' % str(version))
        return driver_class(key, **kwargs)

    def _zones_path(self):
        return '%s/servers/%s/zones' % (self.driver.api_root, self.driver.ex_server)

    def _request(self, path, payload, method):
        return self.driver.connection.request(path, data=json.dumps(payload), method=method,
                                              headers={'Content-Type': 'application/json'})

    def create_zone(self, name, ttl, extra):
        payload = {'kind': 'Native', 'nameservers': []}
        payload.update(extra or {})
        payload['name'] = name + '.'
        if isinstance(payload['nameservers'], list):
            # PowerDNS refuses a name server without its trailing dot (422 "Nameserver is not canonical").
            payload['nameservers'] = [str(server) if str(server).endswith('.') else '%s.' % server for server in payload['nameservers']]
        self._request(self._zones_path(), payload, 'POST')
        zone = self.find_zone(name)
        if zone is None:
            raise LibcloudModuleError('zone %s: PowerDNS accepted it but does not list it' % name)
        return zone

    def set_record_set(self, zone, name, kind, ttl, values):
        records = [{'content': self.record_data(kind, value)[0] if kind in dns_names.TEXT_TYPES else value, 'disabled': False}
                   for value in values]
        self._patch(zone, {'name': self._absolute(zone, name), 'type': kind, 'ttl': ttl, 'changetype': 'REPLACE', 'records': records})

    def delete_record_set(self, zone, name, kind):
        self._patch(zone, {'name': self._absolute(zone, name), 'type': kind, 'changetype': 'DELETE'})

    def _patch(self, zone, rrset):
        self._request('%s/%s' % (self._zones_path(), zone.id), {'rrsets': [rrset]}, 'PATCH')

    @staticmethod
    def _absolute(zone, name):
        return dns_names.absolute(dns_names.zone_name(zone.domain), name)
