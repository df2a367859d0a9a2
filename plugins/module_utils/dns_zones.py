# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""DNS zones by name (libcloud_dns_zone, libcloud_dns_info): created when missing, deleted only when empty (besides
the apex SOA and NS that every zone has) unless forced. Check mode runs the same decisions and writes nothing."""

from __future__ import annotations

import difflib

from ansible_collections.cloudmesh.libcloud.plugins.module_utils import dns_names
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.convert import json_safe
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers import adapter_for
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.generic import offered, provider_name

# The record sets every zone has at its apex: they do not count as content when a zone is deleted.
ZONE_OWN = ('SOA', 'NS')


def zone_to_dict(zone):
    return {'name': dns_names.zone_name(zone.domain), 'id': str(zone.id), 'ttl': zone.ttl, 'type': zone.type,
            'extra': json_safe(zone.extra or {})}


def list_zones(driver):
    return sorted((zone_to_dict(zone) for zone in offered(driver, 'DNS zones', adapter_for(driver).zones)), key=lambda item: item['name'])


def existing_zone(driver, name):
    """The zone ``name`` (a dns_names.zone_name); one line naming the closest zones when it does not exist."""
    adapter = adapter_for(driver)
    found = offered(driver, 'DNS zones', adapter.find_zone, name)
    if found is None:
        names = sorted(dns_names.zone_name(zone.domain) for zone in adapter.zones())
        close = difflib.get_close_matches(name, names, n=5, cutoff=0.6)
        hint = ('closest: %s' % ', '.join(close)) if close else ('known: %s' % (', '.join(names[:10]) or 'none'))
        raise LibcloudModuleError('zone %s does not exist on this %s server or account; %s' % (name, provider_name(driver), hint))
    return found


def content(record_sets):
    """The record sets of a zone other than its apex SOA and NS, as ``name TYPE`` words."""
    return sorted('%s %s' % (name, kind) for name, kind in record_sets if not (name == dns_names.APEX and kind in ZONE_OWN))


class ZoneReconciler:
    """Makes the zone ``params['name']`` exist or not."""

    def __init__(self, driver, params, check_mode=False, warn=None):
        self.driver = driver
        self.adapter = adapter_for(driver)
        self.params = params
        self.check_mode = check_mode
        self.warn = warn or (lambda message: None)

    def run(self, diff=False):
        params = self.params
        name = dns_names.zone_name(params['name'], 'name')
        if params.get('ttl') is not None and params['ttl'] < 0:
            raise LibcloudModuleError('ttl must be 0 or more seconds, got %d' % params['ttl'])
        zone = offered(self.driver, 'DNS zones', self.adapter.find_zone, name)
        before = zone_to_dict(zone) if zone is not None else None
        result = dict(changed=False)
        if params['state'] == 'absent':
            after = None
            if zone is not None:
                self._check_empty(zone, name)
                result['changed'] = True
                if not self.check_mode:
                    self.adapter.delete_zone(zone)
        elif zone is not None:
            after = before
        else:
            after = self._create(name)
            result['changed'] = True
        result['zone'] = after
        if diff:
            result['diff'] = dict(before=before or {}, after=after or {})
        return result

    def _create(self, name):
        ttl, extra = self.params.get('ttl'), self.params.get('extra') or {}
        if ttl is not None and not self.adapter.zone_has_ttl:
            self.warn('ttl: a %s zone has no TTL of its own (each record set has one); ignored' % provider_name(self.driver))
            ttl = None
        if self.check_mode:
            return {'name': name, 'id': None, 'ttl': ttl, 'type': None, 'extra': json_safe(extra)}
        return zone_to_dict(self.adapter.create_zone(name, ttl, extra))

    def _check_empty(self, zone, name):
        if self.params.get('force'):
            return
        found = content(self.adapter.record_sets(zone))
        if found:
            shown_sets = ', '.join(found[:5]) + (' ...' if len(found) > 5 else '')
            raise LibcloudModuleError('zone %s holds %d record set(s) besides its SOA and NS (%s); force: true deletes it with them'
                                      % (name, len(found), shown_sets))
