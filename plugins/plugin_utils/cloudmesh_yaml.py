# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A cloudmesh ``cloudmesh.yaml`` (the seed program cm.py's file of named clouds) as ``libcloud_clouds`` entries.

Used by the ``cloudmesh.libcloud.cloudmesh_clouds`` filter and by the inventory plugin's ``clouds_file``. Each
kind of cloud is one :class:`Kind`: the credential names it takes and how they become a cloud entry. Adding a
kind means adding one entry to ``KINDS``; nothing else asks which kind it is.

Errors name fields, never their values: the credentials are secrets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.connection import INTEGER_FIELDS, parse_options, to_bool, to_int
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError, kind_of, shown

# The key that marks a parsed document as a cloudmesh.yaml.
CLOUDMESH_KEY = 'cloudmesh'
# Fields of one cloud of ``cloudmesh.cloud``.
ENTRY_FIELDS = ('kind', 'credentials', 'libcloud')
# Connection fields that an entry's ``libcloud:`` dict may set; they win over the mapped ones. The key and
# secret come from ``credentials`` only.
OVERRIDE_FIELDS = ('provider', 'storage_provider', 'region', 'host', 'port', 'secure', 'options', 'retries', 'timeout')

# libcloud's Keystone password authentication, by the version that ends OS_AUTH_URL (or OS_IDENTITY_API_VERSION).
AUTH_VERSIONS = {'2': '2.0_password', '2.0': '2.0_password', '3': '3.x_password', '3.0': '3.x_password'}
# Keystone's v2.0 API is gone since OpenStack Queens: an OS_AUTH_URL without a version means v3.
DEFAULT_AUTH_VERSION = '3.x_password'


@dataclass(frozen=True)
class Kind:
    """One ``kind`` of cloudmesh cloud: the credential names it accepts and how they become a cloud entry."""

    name: str
    required: tuple
    optional: tuple = ()

    @property
    def accepted(self):
        return self.required + self.optional

    def entry(self, credentials, where):
        raise NotImplementedError


class Aws(Kind):
    """EC2 and S3. SigV4, which every AWS region accepts: libcloud would sign us-east-1 with the older SigV2."""

    def entry(self, credentials, where):
        return {
            'provider': 'ec2',
            'storage_provider': 's3',
            'key': credentials['EC2_ACCESS_ID'],
            'secret': credentials['EC2_SECRET_KEY'],
        }


class Azure(Kind):
    """Azure's classic (service management) compute API: a subscription id and a management certificate."""

    def entry(self, credentials, where):
        return {
            'provider': 'azure',
            'key': credentials['AZURE_SUBSCRIPTION_ID'],
            # A path to the certificate file, or (vaulted) its PEM contents.
            'secret': credentials['AZURE_MANAGEMENT_CERT_PATH'],
        }


class OpenStack(Kind):
    """Nova and Swift through Keystone password authentication, with the usual ``OS_*`` names of an openrc file."""

    def entry(self, credentials, where):
        auth_url, auth_version = keystone_auth(credentials, where)
        tenant = credentials.get('OS_PROJECT_NAME')
        other = credentials.get('OS_TENANT_NAME')
        if tenant is None:
            tenant = other
        elif other is not None and str(other) != str(tenant):
            raise LibcloudModuleError('%s: OS_TENANT_NAME and OS_PROJECT_NAME differ; give one of them' % where)
        if tenant is None:
            raise LibcloudModuleError('%s: kind openstack needs OS_PROJECT_NAME (or OS_TENANT_NAME)' % where)
        options = {'ex_force_auth_url': auth_url, 'ex_force_auth_version': auth_version, 'ex_tenant_name': tenant}
        for name, option in (('OS_REGION_NAME', 'ex_force_service_region'), ('OS_USER_DOMAIN_NAME', 'ex_domain_name'),
                             ('OS_PROJECT_DOMAIN_ID', 'ex_tenant_domain_id')):
            if credentials.get(name) is not None:
                options[option] = credentials[name]
        return {
            'provider': 'openstack',
            'storage_provider': 'openstack_swift',
            'key': credentials['OS_USERNAME'],
            'secret': credentials['OS_PASSWORD'],
            'options': options,
        }


KINDS = dict((kind.name, kind) for kind in (
    Aws('aws', ('EC2_ACCESS_ID', 'EC2_SECRET_KEY')),
    Azure('azure', ('AZURE_SUBSCRIPTION_ID', 'AZURE_MANAGEMENT_CERT_PATH')),
    OpenStack('openstack', ('OS_AUTH_URL', 'OS_USERNAME', 'OS_PASSWORD'),
              ('OS_TENANT_NAME', 'OS_PROJECT_NAME', 'OS_REGION_NAME', 'OS_IDENTITY_API_VERSION', 'OS_USER_DOMAIN_NAME',
               'OS_PROJECT_DOMAIN_ID')),
))


def keystone_auth(credentials, where):
    """``(ex_force_auth_url, ex_force_auth_version)`` for OS_AUTH_URL: libcloud appends ``/v2.0/tokens`` or
    ``/v3/auth/tokens`` itself, so the version that ends an openrc's URL is cut off and chooses the version."""
    parts = urlsplit(str(credentials['OS_AUTH_URL']).strip())
    if parts.scheme not in ('http', 'https') or not parts.netloc:
        raise LibcloudModuleError('%s: OS_AUTH_URL must be an http or https URL' % where)
    path = parts.path.rstrip('/')
    head, _sep, last = path.rpartition('/')
    url_version = None
    if last.lower() in ('v2.0', 'v3', 'v3.0'):
        url_version, path = AUTH_VERSIONS[last[1:]], head
    named_version = credentials.get('OS_IDENTITY_API_VERSION')
    if named_version is not None:
        named = str(named_version).strip().lower().lstrip('v')
        if named not in AUTH_VERSIONS:
            raise LibcloudModuleError('%s: OS_IDENTITY_API_VERSION must be one of 2, 2.0, 3' % where)
        if url_version and AUTH_VERSIONS[named] != url_version:
            raise LibcloudModuleError('%s: OS_IDENTITY_API_VERSION and the version ending OS_AUTH_URL differ' % where)
        url_version = AUTH_VERSIONS[named]
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, '')), url_version or DEFAULT_AUTH_VERSION


def is_cloudmesh_yaml(data):
    """Whether a parsed document is a cloudmesh.yaml (it has the key ``cloudmesh``)."""
    return isinstance(data, Mapping) and CLOUDMESH_KEY in data


def cloudmesh_section(data):
    """The ``cloudmesh`` dict of a parsed cloudmesh.yaml, given the whole document or that dict itself."""
    if not isinstance(data, Mapping):
        raise LibcloudModuleError('a cloudmesh.yaml must be a dict (the whole document or its key cloudmesh), got %s' % kind_of(data))
    if CLOUDMESH_KEY in data:
        data = data[CLOUDMESH_KEY]
        if not isinstance(data, Mapping):
            raise LibcloudModuleError('cloudmesh must be a dict holding cloud, got %s' % kind_of(data))
    if 'cloud' not in data:
        raise LibcloudModuleError('not a cloudmesh.yaml: no cloudmesh.cloud (the dict of named clouds) found')
    return data


def cloudmesh_clouds(data):
    """``libcloud_clouds`` (a dict of named cloud entries) for the parsed cloudmesh.yaml ``data``.

    ``cloudmesh.default`` is not read: a playbook names its default cloud with ``libcloud_default_cloud``.
    """
    clouds = cloudmesh_section(data)['cloud']
    if clouds is None:
        return {}
    if not isinstance(clouds, Mapping):
        raise LibcloudModuleError('cloudmesh.cloud must be a dict of named clouds, got %s' % kind_of(clouds))
    return dict((str(name), cloud_entry(str(name), cloud)) for name, cloud in clouds.items())


def cloud_entry(name, cloud):
    """The cloud entry for the cloudmesh cloud ``name``: its credentials mapped by kind, then its ``libcloud`` fields."""
    where = 'cloudmesh.cloud.%s' % name
    if not isinstance(cloud, Mapping):
        raise LibcloudModuleError('%s must be a dict with kind and credentials, got %s' % (where, kind_of(cloud)))
    unknown = sorted(str(field) for field in cloud if field not in ENTRY_FIELDS)
    if unknown:
        raise LibcloudModuleError('%s: unknown field(s) %s; accepted: %s' % (where, ', '.join(unknown), ', '.join(ENTRY_FIELDS)))
    kind_name = cloud.get('kind')
    kind = KINDS.get(str(kind_name).strip().lower()) if isinstance(kind_name, str) else None
    if kind is None:
        got = shown(kind_name, 40) if isinstance(kind_name, str) else 'none' if kind_name is None else 'a %s' % kind_of(kind_name)
        raise LibcloudModuleError('%s: unknown kind %s; accepted kinds: %s' % (where, got, ', '.join(KINDS)))
    entry = kind.entry(credentials_of(cloud.get('credentials'), kind, where), where)
    return apply_overrides(entry, cloud.get('libcloud'), where)


def credentials_of(credentials, kind, where):
    """The entry's ``credentials``, checked against ``kind``: known names only, the required ones set, no lists or dicts.

    Values are passed on as they are (a ``!vault`` value stays encrypted); empty ones count as missing.
    """
    where = '%s.credentials' % where
    if credentials is None:
        credentials = {}
    if not isinstance(credentials, Mapping):
        raise LibcloudModuleError('%s must be a dict, got %s' % (where, kind_of(credentials)))
    unknown = sorted(str(field) for field in credentials if field not in kind.accepted)
    if unknown:
        raise LibcloudModuleError('%s: unknown field(s) %s; accepted for kind %s: %s'
                                  % (where, ', '.join(unknown), kind.name, ', '.join(kind.accepted)))
    given = {}
    for field, value in credentials.items():
        if isinstance(value, (Mapping, list, tuple)):
            raise LibcloudModuleError('%s.%s must be a string, got %s' % (where, field, kind_of(value)))
        # str() decrypts a `!vault` value for this test only; the value itself is passed on untouched.
        if value is not None and str(value).strip() != '':
            given[str(field)] = value
    missing = [field for field in kind.required if field not in given]
    if missing:
        raise LibcloudModuleError('%s: missing %s; kind %s needs %s'
                                  % (where, ', '.join(missing), kind.name, ', '.join(kind.required)))
    return given


def apply_overrides(entry, overrides, where):
    """``entry`` with the connection fields of ``overrides`` (an entry's ``libcloud:`` dict) winning.

    ``options`` are merged key by key; a field or option set to null removes the mapped one.
    """
    where = '%s.libcloud' % where
    if overrides is None:
        return entry
    if not isinstance(overrides, Mapping):
        raise LibcloudModuleError('%s must be a dict of connection fields, got %s' % (where, kind_of(overrides)))
    unknown = sorted(str(field) for field in overrides if field not in OVERRIDE_FIELDS)
    if unknown:
        raise LibcloudModuleError('%s: unknown field(s) %s; accepted: %s' % (where, ', '.join(unknown), ', '.join(OVERRIDE_FIELDS)))
    entry = dict(entry)
    for field, value in overrides.items():
        field_where = '%s.%s' % (where, field)
        if value is None:
            entry.pop(field, None)
        elif field == 'options':
            options = dict(entry.get('options') or {})
            for option, option_value in parse_options(value, field_where).items():
                if option_value is None:
                    options.pop(option, None)
                else:
                    options[option] = option_value
            entry['options'] = options
        elif field in INTEGER_FIELDS:
            entry[field] = to_int(value, field_where, INTEGER_FIELDS[field])
        elif field == 'secure':
            entry[field] = to_bool(value, field_where)
        elif isinstance(value, (Mapping, list, tuple)):
            raise LibcloudModuleError('%s must be a string, got %s' % (field_where, kind_of(value)))
        else:
            entry[field] = str(value)
    return entry
