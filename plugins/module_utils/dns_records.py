# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""DNS record sets (libcloud_dns_record, libcloud_dns_info): every value of one name and type, compared as dns_names
normalises them, so that ``changed`` is honest on every provider. Check mode runs the same decisions and writes nothing.

``state: absent`` without ``value`` removes the whole record set; with ``value`` only those values (the set goes
when none is left). ``overwrite: false`` leaves a record set that holds other values (or another TTL) alone and fails.
"""

from __future__ import annotations

import fnmatch

from ansible_collections.cloudmesh.libcloud.plugins.module_utils import dns_names
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.dns_zones import existing_zone
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError, shown
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers import adapter_for

# The TTL of a new record set when the task gives none.
DEFAULT_TTL = 3600
MAX_TTL = 2147483647


def record_set_to_dict(zone, name, kind, entry):
    """What a task returns for a record set (``entry``: ``{ttl, values}``); None when there is none."""
    if entry is None:
        return None
    return {'zone': zone, 'name': name, 'fqdn': dns_names.fqdn(zone, name), 'type': kind, 'ttl': entry['ttl'],
            'values': list(entry['values'])}


def describe(entry):
    return '%s (ttl %s)' % (', '.join(entry['values']), entry['ttl'])


def plan(before, state, values, ttl, overwrite):
    """The record set after the task, ``{ttl, values}`` or None, from the one ``before`` (same shape, or None).

    ``values``: the normalised values of the task (None when not given); ``ttl``: the task's or None. Raises when
    ``overwrite`` is false and a differing set would be replaced."""
    if state == 'absent':
        if before is None or values is None:
            return None
        left = [value for value in before['values'] if value not in values]
        return dict(before, values=left) if left else None
    # Without a ttl an existing set keeps its own.
    after = {'ttl': ttl if ttl is not None else (before['ttl'] if before else DEFAULT_TTL), 'values': list(values)}
    if before is not None and before != after and not overwrite:
        raise LibcloudModuleError('the record set holds %s, not %s; overwrite: true replaces it'
                                  % (shown(describe(before)), shown(describe(after))))
    return after


def check_values(kind, values):
    if kind == 'CNAME' and len(values) > 1:
        raise LibcloudModuleError('value: a CNAME holds one name, got %d (%s)' % (len(values), shown(', '.join(values))))
    if kind == 'SOA':
        raise LibcloudModuleError('type SOA: the zone\'s SOA record is the server\'s to keep; it is not managed here')


class RecordReconciler:
    """Makes the record set ``params['name']``/``params['type']`` of the zone ``params['zone']`` hold ``params['value']``."""

    def __init__(self, driver, params, check_mode=False):
        self.driver = driver
        self.adapter = adapter_for(driver)
        self.params = params
        self.check_mode = check_mode

    def validate(self):
        """Bad input fails here, before any request: ``(zone, name, type, values or None)`` normalised."""
        params = self.params
        zone = dns_names.zone_name(params['zone'])
        kind = dns_names.record_type(params['type'])
        name = dns_names.record_name(zone, params['name'])
        values = None
        if params.get('value') is not None:
            values = dns_names.normalise_values(kind, params['value'])
            if not values:
                raise LibcloudModuleError('value is an empty list: give at least one value, or state: absent without value')
            check_values(kind, values)
        elif params['state'] == 'present':
            raise LibcloudModuleError('value is required with state present (the record set\'s values: one, or a list)')
        ttl = params.get('ttl')
        if ttl is not None and not 0 <= ttl <= MAX_TTL:
            raise LibcloudModuleError('ttl must be a whole number of seconds from 0 to %d, got %d' % (MAX_TTL, ttl))
        return zone, name, kind, values

    def run(self, diff=False):
        zone_key, name, kind, values = self.validate()
        zone = existing_zone(self.driver, zone_key)
        sets = self.adapter.record_sets(zone)
        before = sets.get((name, kind))
        try:
            if self.params['state'] == 'present':
                dns_names.check_cname(kind, [other for at, other in sets if at == name])
            after = plan(before, self.params['state'], values, self.params.get('ttl'), self.params['overwrite'])
        except LibcloudModuleError as exc:
            # The message names the record set it is about.
            raise LibcloudModuleError('%s %s: %s' % (dns_names.fqdn(zone_key, name), kind, exc.message)) from None
        changed = after != before
        if changed and not self.check_mode:
            if after is None:
                self.adapter.delete_record_set(zone, name, kind)
            else:
                self.adapter.set_record_set(zone, name, kind, DEFAULT_TTL if after['ttl'] is None else after['ttl'], after['values'])
        result = dict(changed=changed, record=record_set_to_dict(zone_key, name, kind, after))
        if diff:
            result['diff'] = dict(before=record_set_to_dict(zone_key, name, kind, before) or {},
                                  after=record_set_to_dict(zone_key, name, kind, after) or {})
        return result


def list_record_sets(driver, zone_name, pattern=None, types=None):
    """The record sets of the zone ``zone_name``, sorted by name and type; ``pattern`` a glob on the relative name
    (``@`` for the apex) or on the fully qualified one, ``types`` a list of record types."""
    zone_key = dns_names.zone_name(zone_name)
    wanted = set(dns_names.record_type(kind, 'types') for kind in types or ())
    glob = str(pattern).strip().lower() if pattern else None
    zone = existing_zone(driver, zone_key)
    found = []
    for (name, kind), entry in sorted(adapter_for(driver).record_sets(zone).items()):
        if wanted and kind not in wanted:
            continue
        if glob and not (fnmatch.fnmatchcase(name, glob) or fnmatch.fnmatchcase(dns_names.fqdn(zone_key, name), glob.rstrip('.'))):
            continue
        found.append(record_set_to_dict(zone_key, name, kind, entry))
    return found
