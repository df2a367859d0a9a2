# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place where credentials become a libcloud driver.

A *cloud entry* holds the connection fields below. Modules, the action plugin and the inventory plugin all
resolve them the same way, highest precedence first: explicit options, then the ``cloud`` entry, then the
``LIBCLOUD_*`` environment variables (as AWX injects them).
"""

from __future__ import annotations

import difflib
import inspect
import json
import os
import re
from collections.abc import Mapping

from ansible.module_utils.basic import AnsibleFallbackNotFound

from ansible_collections.cloudmesh.libcloud.plugins.module_utils import retries
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError, kind_of
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers import adapter_class

# Every field of a cloud entry, with the environment variable that supplies it when nothing else does.
ENV_VARS = {
    'provider': 'LIBCLOUD_PROVIDER',
    'storage_provider': 'LIBCLOUD_STORAGE_PROVIDER',
    'dns_provider': 'LIBCLOUD_DNS_PROVIDER',
    'key': 'LIBCLOUD_KEY',
    'secret': 'LIBCLOUD_SECRET',
    'token': 'LIBCLOUD_TOKEN',
    'profile': 'LIBCLOUD_PROFILE',
    'region': 'LIBCLOUD_REGION',
    'host': 'LIBCLOUD_HOST',
    'port': 'LIBCLOUD_PORT',
    'secure': 'LIBCLOUD_SECURE',
    'options': 'LIBCLOUD_OPTIONS',
    'retries': 'LIBCLOUD_RETRIES',
    'timeout': 'LIBCLOUD_TIMEOUT',
}
CONNECTION_FIELDS = tuple(ENV_VARS)
SECRET_FIELDS = ('key', 'secret', 'token')

# Keys of `options` whose values are credentials too (session tokens, passwords): masked like `secret`.
_SENSITIVE_OPTION = re.compile(r'token|secret|passw|credential|private_key|auth', re.IGNORECASE)

# Seconds before a connection attempt or a silent server gives up.
DEFAULT_TIMEOUT = 30

# Fields that hold whole numbers, with the range each accepts.
INTEGER_FIELDS = {'port': (1, 65535), 'retries': (1, 100), 'timeout': (1, 3600)}

KINDS = {
    # kind: (field naming the driver, libcloud package holding its providers)
    'compute': ('provider', 'libcloud.compute.providers'),
    'storage': ('storage_provider', 'libcloud.storage.providers'),
    'dns': ('dns_provider', 'libcloud.dns.providers'),
}


def env_fallback(*names):
    """The first of the environment variables ``names`` that is set and not empty.

    AWX injects every environment variable of a credential type, an empty string for each field left blank;
    an empty ``LIBCLOUD_*`` variable therefore counts as unset (the inventory plugin reads them the same way).
    """
    for name in names:
        if os.environ.get(name):
            return os.environ[name]
    raise AnsibleFallbackNotFound


def connection_argument_spec():
    """Argument spec shared by every module (documented in the ``cloudmesh.libcloud.connection`` fragment)."""
    return dict(
        cloud=dict(type='raw'),
        provider=dict(type='str', fallback=(env_fallback, [ENV_VARS['provider']])),
        storage_provider=dict(type='str', fallback=(env_fallback, [ENV_VARS['storage_provider']])),
        dns_provider=dict(type='str', fallback=(env_fallback, [ENV_VARS['dns_provider']])),
        key=dict(type='str', no_log=True, fallback=(env_fallback, [ENV_VARS['key']])),
        secret=dict(type='str', no_log=True, fallback=(env_fallback, [ENV_VARS['secret']])),
        token=dict(type='str', no_log=True, fallback=(env_fallback, [ENV_VARS['token']])),
        profile=dict(type='str', fallback=(env_fallback, [ENV_VARS['profile']])),
        region=dict(type='str', fallback=(env_fallback, [ENV_VARS['region']])),
        host=dict(type='str', fallback=(env_fallback, [ENV_VARS['host']])),
        port=dict(type='int', fallback=(env_fallback, [ENV_VARS['port']])),
        secure=dict(type='bool', fallback=(env_fallback, [ENV_VARS['secure']])),
        options=dict(type='dict', fallback=(env_fallback, [ENV_VARS['options']])),
        retries=dict(type='int', fallback=(env_fallback, [ENV_VARS['retries']])),
        timeout=dict(type='int', fallback=(env_fallback, [ENV_VARS['timeout']])),
    )


def clean_entry(entry):
    """Plain copy of a cloud entry: known fields only, vaulted values turned into ``str``."""
    if not isinstance(entry, dict):
        raise LibcloudModuleError('cloud must be the name of an entry in libcloud_clouds or a dict of connection fields, got %s'
                                  % kind_of(entry))
    unknown = sorted(set(entry) - set(CONNECTION_FIELDS) - {'name', 'regions', 'cloud'})
    if unknown:
        raise LibcloudModuleError('unknown field(s) in cloud entry: %s; allowed: %s'
                                  % (', '.join(unknown), ', '.join(CONNECTION_FIELDS)))
    cleaned = {}
    for field in CONNECTION_FIELDS:
        value = entry.get(field)
        if value is None:
            continue
        if field == 'options':
            value = parse_options(value, 'cloud entry field options')
        elif field in INTEGER_FIELDS:
            value = to_int(value, 'cloud entry field %s' % field, INTEGER_FIELDS[field])
        elif field == 'secure':
            value = to_bool(value, 'cloud entry field secure')
        elif not isinstance(value, (str, bool, int)):
            # A `!vault` value inside a dict arrives as an EncryptedString; libcloud needs a plain str.
            value = str(value)
        cleaned[field] = value
    return cleaned


def merge_cloud_entry(explicit, entry):
    """Fill the connection fields missing from ``explicit`` with those of the cloud ``entry``.

    ``explicit`` holds options given on the task (None when absent); it wins over the entry. Environment
    fallbacks are applied later, by the module's argument spec, only to fields still missing.
    """
    merged = dict(explicit)
    for field, value in clean_entry(entry).items():
        if merged.get(field) is None:
            merged[field] = value
    return merged


def named_entry(name, clouds, where):
    """The cloud entry called ``name`` in ``clouds`` (a dict of named entries found in ``where``).

    Errors list the names only, never a value: the entries hold credentials.
    """
    if name not in clouds:
        known = ', '.join(sorted(str(key) for key in clouds)) or 'none'
        raise LibcloudModuleError('unknown cloud %r; known clouds in %s: %s' % (name, where, known))
    entry = clouds[name]
    if not isinstance(entry, Mapping):
        raise LibcloudModuleError('%s[%r] must be a dict of connection fields' % (where, name))
    return dict(entry)


def parse_options(value, where='options'):
    """``options`` as a dict; a JSON object string is accepted (that is how LIBCLOUD_OPTIONS arrives)."""
    if value is None or value == '':
        return {}
    if isinstance(value, dict):
        return dict(value)
    try:
        parsed = json.loads(str(value))
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise LibcloudModuleError('%s must be a dict or a JSON object' % where)
    return parsed


def to_int(value, where, bounds):
    """``value`` as an int within ``bounds`` (lowest, highest); anything else fails in one line naming ``where``."""
    lowest, highest = bounds
    try:
        number = int(str(value).strip())
    except ValueError:
        number = None
    if number is None or isinstance(value, (bool, float)) or not lowest <= number <= highest:
        raise LibcloudModuleError('%s must be a whole number from %d to %d, got %r' % (where, lowest, highest, str(value)))
    return number


def check_integers(conn):
    """Fail in one line when a resolved integer field (given as an option, or ``options.timeout``) is out of range."""
    for field, bounds in INTEGER_FIELDS.items():
        if conn.get(field) is not None:
            to_int(conn[field], field, bounds)
    request_timeout(conn)


def to_bool(value, where):
    """``value`` as a bool; a word that is no boolean fails in one line naming ``where``."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ('1', 'true', 'yes', 'on', 'y', 't'):
        return True
    if text in ('0', 'false', 'no', 'off', 'n', 'f'):
        return False
    raise LibcloudModuleError('%s must be a boolean, got %r' % (where, text))


def secret_values(conn):
    """Every value of a resolved connection that must never be shown."""
    values = [conn.get(field) for field in SECRET_FIELDS]
    values.extend(value for name, value in (conn.get('options') or {}).items() if _SENSITIVE_OPTION.search(str(name)))
    return [str(value) for value in values if value not in (None, '')]


def _import(module_name):
    try:
        return __import__(module_name, fromlist=['get_driver'])
    except ImportError as exc:
        raise LibcloudModuleError('the Python library apache-libcloud is required on the host running this task (%s)' % exc)


def known_providers(kind):
    """Provider names (libcloud Provider constants) available for ``kind``."""
    providers = _import(KINDS[kind][1])
    return sorted(str(name) for name in providers.DRIVERS)


def driver_class(kind, provider):
    """The libcloud driver class for ``provider``: a libcloud ``Provider`` constant's value (``s3_us_east_2``) or its
    attribute name (``S3_US_EAST2``), case-insensitive; unknown names fail naming the closest values."""
    field = KINDS[kind][0]
    providers = _import(KINDS[kind][1])
    wanted = str(provider).strip().lower()
    by_value = dict((str(value).lower(), value) for value in providers.DRIVERS)
    # Compute's Provider is an Enum (its aliases are only in __members__), storage's a plain class. Names first, so
    # that a value always wins over another constant's name (no such clash in libcloud 3.9.1).
    constants = providers.Provider
    accepted = dict((attribute.lower(), by_value[str(getattr(constants, attribute)).lower()])
                    for attribute in set(dir(constants)) | set(getattr(constants, '__members__', ()))
                    if attribute.isupper() and str(getattr(constants, attribute)).lower() in by_value)
    accepted.update(by_value)
    if wanted not in accepted:
        close = difflib.get_close_matches(wanted, list(accepted), n=10, cutoff=0.5)
        close = list(dict.fromkeys(str(accepted[name]).lower() for name in close))[:5]
        hint = ('closest valid: %s' % ', '.join(close)) if close else ('valid: %s' % ', '.join(sorted(by_value)))
        raise LibcloudModuleError('unknown %s %r; %s' % (field, str(provider), hint))
    return providers.get_driver(accepted[wanted])


def request_timeout(conn):
    """Seconds one request may take: the ``timeout`` field, else ``options.timeout``, else the default."""
    if conn.get('timeout') is not None:
        return int(conn['timeout'])
    return to_int(parse_options(conn.get('options')).get('timeout', DEFAULT_TIMEOUT), 'options.timeout', INTEGER_FIELDS['timeout'])


def deadline_seconds(conn):
    """A task's deadline when it has no wait of its own: every attempt of one request, each taking its time-out."""
    return attempts(conn) * request_timeout(conn)


def attempts(conn):
    """How many times each request is tried: the ``retries`` field, else the policy's default."""
    return conn.get('retries') or retries.DEFAULT_RETRIES


def _missing(field):
    hint = ' (AWS: or a profile of the shared credentials file)' if field == 'key' else ''
    return LibcloudModuleError('no %s given: set the option %s, the field %s of the cloud entry, or the environment variable %s%s'
                               % (field, field, field, ENV_VARS[field], hint))


def _accepted_kwargs(cls, kwargs):
    """Drop keyword arguments that a driver's constructor cannot take (e.g. the dummy driver takes only creds)."""
    try:
        parameters = inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        return kwargs
    if any(p.kind == inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return kwargs
    return dict((name, value) for name, value in kwargs.items() if name in parameters)


def takes_region(kind, provider):
    """Whether the driver of ``provider`` takes a region (the dummy driver, for one, ignores it); True when unknown."""
    try:
        cls = driver_class(kind, provider)
    except LibcloudModuleError:
        return True  # the fetch reports the unknown provider itself
    return 'region' in _accepted_kwargs(cls, {'region': ''})


def complete_credentials(conn, kind='compute'):
    """``conn`` with the credentials its provider finds elsewhere when the connection fields lack them (AWS: the
    shared credentials file's profile); unchanged for other providers or when the provider is not known yet."""
    field = KINDS[kind][0]
    if not conn.get(field):
        return conn
    return adapter_class(driver_class(kind, conn[field])).complete_credentials(conn)


def build_driver(conn, kind='compute', deadline=None):
    """A libcloud driver for the resolved connection ``conn`` (a dict of the connection fields).

    Every request it makes goes through the retry policy (``retries`` attempts, none past ``deadline``, the
    task's :class:`waiting.Deadline`) and gives up on a silent server after ``timeout`` seconds.
    """
    field = KINDS[kind][0]
    if not conn.get(field):
        raise _missing(field)
    cls = driver_class(kind, conn[field])
    # How a provider's driver takes the fields, and what it needs once built, is its adapter's business.
    adapter = adapter_class(cls)
    conn = adapter.complete_credentials(conn)
    if not conn.get('key'):
        raise _missing('key')
    options = parse_options(conn.get('options'))
    kwargs = dict((name, conn[name]) for name in ('secret', 'secure', 'host', 'port', 'region', 'token') if conn.get(name) is not None)
    if 'token' in kwargs and 'token' not in inspect.signature(cls.__init__).parameters:
        raise LibcloudModuleError('token (a session token) is not taken by libcloud\'s %s: leave it out for %s %s' % (cls.__name__, field, conn[field]))
    kwargs.update(options)
    # The field wins over the older `options.timeout`.
    kwargs['timeout'] = request_timeout(conn)
    driver = adapter.new_driver(cls, conn['key'], _accepted_kwargs(cls, kwargs))
    retries.install(driver, retries.RetryPolicy(attempts(conn), deadline), kwargs['timeout'])
    adapter.configure(driver, conn)
    return driver
