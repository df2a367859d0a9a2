# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The logic behind the ``cloudmesh.libcloud.libcloud`` inventory plugin, kept free of Ansible's plugin classes.

Cloud entries become fetch tasks (one per cloud and region), tasks run in a bounded thread pool with one
driver each, and the nodes they return become plain dicts: the only thing the inventory cache ever holds.
libcloud is imported only when a task really fetches, so a cache hit never loads it.
"""

from __future__ import annotations

import fnmatch
import os
import queue
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.connection import (
    CONNECTION_FIELDS,
    ENV_VARS,
    build_driver,
    clean_entry,
    complete_credentials,
    deadline_seconds,
    named_entry,
    secret_values,
    takes_region,
)
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.convert import check_states
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError, describe_exception, kind_of
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers import adapter_for
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.waiting import Deadline
from ansible_collections.cloudmesh.libcloud.plugins.plugin_utils.cloudmesh_yaml import cloudmesh_clouds, is_cloudmesh_yaml

# Fields a `clouds` item may hold besides the connection fields.
ENTRY_FIELDS = ('name', 'cloud', 'regions')
# The variable of a clouds_file that holds the named cloud entries (the same one playbooks use).
CLOUDS_VARIABLE = 'libcloud_clouds'

HOSTNAME_SOURCES = ('name', 'public_ip', 'private_ip', 'id')
FILTER_KEYS = ('state', 'name', 'tags')

# Threads fetching at once: enough for many regions, few enough not to look like a flood to an API.
MAX_WORKERS = 8

# The cache payload's format; a payload of another version is treated as a miss.
CACHE_VERSION = 1


@dataclass
class FetchTask:
    """One cloud entry in one region. ``connection`` holds credentials: it is never shown or cached."""

    cloud: str
    provider: str
    region: str | None
    connection: dict = field(repr=False)


@dataclass
class FetchResult:
    """What one task brought back: JSON-safe node dicts, or the one-line error that stopped it."""

    cloud: str
    provider: str
    region: str | None
    nodes: list = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0

    @property
    def label(self):
        return '%s (region %s)' % (self.cloud, self.region) if self.region else self.cloud

    def to_cache(self):
        return {'cloud': self.cloud, 'provider': self.provider, 'region': self.region, 'nodes': self.nodes}

    @classmethod
    def from_cache(cls, item):
        return cls(item['cloud'], item['provider'], item.get('region'), item['nodes'])


# --- cloud entries -> fetch tasks ------------------------------------------------------------------------------

def plain(value, render=None):
    """``value`` with ``!vault`` values decrypted to ``str`` and, through ``render``, templates rendered."""
    if isinstance(value, Mapping):
        return dict((str(key), plain(item, render)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [plain(item, render) for item in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if not isinstance(value, str):
        # A `!vault` value inside a list or dict option arrives as an EncryptedString: str() decrypts it.
        value = str(value)
    if render is not None:
        value = render(value)
    # str() of a tagged str (trusted, with an origin) is a plain str: nothing from here on is a template.
    return str(value) if isinstance(value, str) else value


def load_file_clouds(data, path):
    """The named entries of a clouds_file (already loaded and decrypted): its ``libcloud_clouds``, or, for a
    cloudmesh.yaml (recognised by its key ``cloudmesh``), its clouds mapped by ``cloudmesh_yaml``."""
    clouds = data.get(CLOUDS_VARIABLE) if isinstance(data, Mapping) else None
    if not isinstance(clouds, Mapping) and is_cloudmesh_yaml(data):
        try:
            return cloudmesh_clouds(data)
        except LibcloudModuleError as exc:
            raise LibcloudModuleError('clouds_file %s: %s' % (path, exc.message)) from None
    if not isinstance(clouds, Mapping):
        raise LibcloudModuleError('clouds_file %s must hold a dict %s of named cloud entries, or be a cloudmesh.yaml (with the key cloudmesh)'
                                  % (path, CLOUDS_VARIABLE))
    return clouds


def _entry_from_file(name, file_clouds):
    if file_clouds is None:
        raise LibcloudModuleError('clouds entry refers to cloud %r, but no clouds_file is set' % name)
    return named_entry(name, file_clouds, 'clouds_file')


def entries_to_tasks(clouds, file_clouds=None, render=None, environ=None):
    """Expand the ``clouds`` option into fetch tasks, one per cloud entry and region, in the order given.

    An item is an inline entry (``name`` required) or ``cloud: NAME``, an entry of ``file_clouds`` whose
    fields the item's own fields override. Fields still missing come from the ``LIBCLOUD_*`` environment
    variables. Without ``clouds``, every entry of ``file_clouds`` is listed but storage-only ones (a
    ``storage_provider`` and no ``provider``). Mistakes raise LibcloudModuleError naming the entry, never a value.
    """
    environ = os.environ if environ is None else environ
    if not clouds:
        if not file_clouds:
            raise LibcloudModuleError('no clouds to list: set clouds, clouds_file, or both')
        clouds = [{'cloud': name} for name, entry in file_clouds.items()
                  if not (isinstance(entry, Mapping) and entry.get('storage_provider') and not entry.get('provider'))]
    tasks = []
    seen = set()
    for position, item in enumerate(clouds, 1):
        if not isinstance(item, Mapping):
            raise LibcloudModuleError('clouds item %d must be a dict, got %s' % (position, kind_of(item)))
        unknown = sorted(set(str(key) for key in item) - set(CONNECTION_FIELDS) - set(ENTRY_FIELDS))
        if unknown:
            raise LibcloudModuleError('clouds item %d: unknown field(s) %s; allowed: %s'
                                      % (position, ', '.join(unknown), ', '.join(ENTRY_FIELDS + CONNECTION_FIELDS)))
        entry = {}
        reference = item.get('cloud')
        if reference is not None:
            entry.update(_entry_from_file(str(reference), file_clouds))
        entry.update((key, value) for key, value in item.items() if value is not None)
        name = entry.get('name') or reference
        if not name:
            raise LibcloudModuleError('clouds item %d needs a name (or cloud: NAME of a clouds_file entry)' % position)
        name = str(name)
        if name in seen:
            raise LibcloudModuleError('clouds: the name %r is used twice; each cloud entry needs its own name' % name)
        seen.add(name)
        tasks.extend(_entry_tasks(name, entry, render, environ))
    return tasks


def _entry_tasks(name, entry, render, environ):
    entry = dict(entry)
    regions = plain(entry.pop('regions', None), render)
    entry.pop('name', None)
    entry.pop('cloud', None)
    try:
        connection = clean_entry(plain(entry, render))
    except LibcloudModuleError as exc:
        raise LibcloudModuleError('clouds entry %r: %s' % (name, exc.message))
    for field_name in CONNECTION_FIELDS:
        if connection.get(field_name) is None and environ.get(ENV_VARS[field_name]):
            if field_name == 'region' and regions:
                continue
            try:
                connection.update(clean_entry({field_name: environ[ENV_VARS[field_name]]}))
            except LibcloudModuleError as exc:
                raise LibcloudModuleError('clouds entry %r: environment variable %s: %s' % (name, ENV_VARS[field_name], exc.message))
    if regions is not None and (not isinstance(regions, list) or not all(isinstance(region, str) and region for region in regions)):
        raise LibcloudModuleError('clouds entry %r: regions must be a list of region names' % name)
    provider = str(connection.get('provider') or '')
    return [FetchTask(name, provider, region, dict(connection, region=region))
            for region in (regions or [connection.get('region')])]


def once_without_region(tasks, warn):
    """``tasks`` with one task, without a region, for each cloud entry whose driver takes no region: it would list
    the same nodes once per region (``dummy-1``, ``dummy-2``, then again under their ids). ``warn`` says so."""
    kept, seen = [], set()
    for task in tasks:
        if task.region is None or takes_region('compute', task.provider):
            kept.append(task)
        elif task.cloud not in seen:
            seen.add(task.cloud)
            regions = [other.region for other in tasks if other.cloud == task.cloud]
            warn('cloud %s: libcloud\'s %s driver takes no region, so its nodes are listed once, not per region (%s)'
                 % (task.cloud, task.provider, ', '.join(regions)))
            kept.append(FetchTask(task.cloud, task.provider, None, dict(task.connection, region=None)))
    return kept


# --- fetching ------------------------------------------------------------------------------------------------

def fetch_all(tasks, fetch=None, max_workers=MAX_WORKERS):
    """Fetch every task in a bounded pool; yield ``(result, page)`` for each page of nodes as it arrives.

    Pages come in the order of ``tasks`` (and of the pages within a task), whatever order the clouds answer
    in, so that the inventory is the same on every run; a task's last item is ``(result, None)``, its
    ``result.error`` set if it failed. The caller builds hosts from early pages while later ones are still
    on the wire. One failing or slow task costs its own time only.
    """
    fetch = fetch or fetch_task
    if not tasks:
        return
    channels = [queue.SimpleQueue() for task in tasks]

    def run(task, channel):
        result = FetchResult(task.cloud, task.provider, task.region)
        try:
            fetch(task, result, lambda page: channel.put((result, page)))
        except Exception as exc:  # pylint: disable=broad-exception-caught
            result.error = describe_exception(exc, secret_values(task.connection))
        finally:
            channel.put((result, None))

    with ThreadPoolExecutor(max_workers=min(max_workers, len(tasks)), thread_name_prefix='libcloud-inventory') as pool:
        for task, channel in zip(tasks, channels):
            pool.submit(run, task, channel)
        for channel in channels:
            while True:
                result, page = channel.get()
                yield result, page
                if page is None:
                    break


def fetch_task(task, result, on_page):
    """Fetch the nodes of ``task`` into ``result``, handing each page to ``on_page``; failures become
    ``result.error``, one line with the secrets masked."""
    started = time.monotonic()
    try:
        # Credentials from a file (AWS profiles) join the connection first, so that errors mask them too.
        task.connection = complete_credentials(task.connection)
        # A driver per task: libcloud connections are not safe to share between threads.
        driver = build_driver(task.connection, 'compute', Deadline(deadline_seconds(task.connection)))
        if result.region is None:
            result.region = getattr(driver, 'region_name', None)
        for page in node_pages(driver):
            result.nodes.extend(page)
            on_page(page)
    except Exception as exc:  # pylint: disable=broad-exception-caught
        # libcloud raises plain exceptions, socket errors and HTTP errors alike; the secrets never leave here.
        result.error = describe_exception(exc, secret_values(task.connection))
    result.seconds = time.monotonic() - started


def node_pages(driver):
    """Every node of ``driver`` as :func:`node_to_dict` describes it, one list per page of the listing."""
    return adapter_for(driver).node_pages()


# --- nodes -> hosts --------------------------------------------------------------------------------------------

def check_filters(filters):
    """The ``filters`` option, checked and normalised: ``state`` lower-case list, ``name`` glob, ``tags`` dict."""
    filters = dict(filters or {})
    unknown = sorted(set(filters) - set(FILTER_KEYS))
    if unknown:
        raise LibcloudModuleError('filters: unknown key(s) %s; allowed: %s' % (', '.join(unknown), ', '.join(FILTER_KEYS)))
    states = filters.get('state')
    if isinstance(states, str):
        states = [states]
    if states is not None and not isinstance(states, list):
        raise LibcloudModuleError('filters.state must be a list of states, for example [running]')
    tags = filters.get('tags')
    if tags is not None and not isinstance(tags, Mapping):
        raise LibcloudModuleError('filters.tags must be a dict of tag names and values')
    name = filters.get('name')
    return {
        'state': check_states(states, 'filters.state') or None,
        'name': str(name) if name else None,
        'tags': dict((str(key), str(value)) for key, value in tags.items()) if tags else None,
    }


def node_selected(node, filters):
    """Whether the node dict passes the checked ``filters`` (all of them)."""
    if filters['state'] and node['state'] not in filters['state']:
        return False
    if filters['name'] and not fnmatch.fnmatchcase(node['name'] or '', filters['name']):
        return False
    if filters['tags']:
        tags = node['tags']
        return all(tags.get(key) == value for key, value in filters['tags'].items())
    return True


def check_hostnames(hostnames):
    hostnames = [str(source) for source in hostnames or HOSTNAME_SOURCES]
    unknown = [source for source in hostnames if source not in HOSTNAME_SOURCES]
    if unknown:
        raise LibcloudModuleError('hostnames: unknown value(s) %s; allowed: %s' % (', '.join(unknown), ', '.join(HOSTNAME_SOURCES)))
    return hostnames


def preferred_hostname(node, hostnames):
    """The first usable value of ``hostnames`` for the node dict; its id when none is usable."""
    for source in hostnames:
        if source == 'name':
            value = node['name']
        elif source == 'public_ip':
            value = node['public_ips'][0] if node['public_ips'] else None
        elif source == 'private_ip':
            value = node['private_ips'][0] if node['private_ips'] else None
        else:
            value = node['id']
        if value:
            return str(value)
    return node['id']


class HostNamer:
    """Picks each selected node's hostname; a name already taken by an earlier node falls back to the node's
    id, then to ``<id>_<cloud>`` (the same instance reached through two cloud entries)."""

    def __init__(self, filters, hostnames):
        self.filters = filters
        self.hostnames = hostnames
        self.taken = set()

    def hosts(self, result, nodes):
        """``(hostname, hostvars)`` for every selected node of ``nodes`` (a page of ``result``), in order."""
        for node in nodes:
            if not node_selected(node, self.filters):
                continue
            name = preferred_hostname(node, self.hostnames)
            if name in self.taken:
                name = node['id']
                if name in self.taken:
                    name = '%s_%s' % (node['id'], result.cloud)
            self.taken.add(name)
            yield name, host_vars(node, result)


def host_vars(node, result):
    """The hostvars of a node dict: ``libcloud_<field>`` for each field, the entry's facts, ``ansible_host``."""
    variables = {
        'libcloud_id': node['id'],
        'libcloud_name': node['name'],
        'libcloud_state': node['state'],
        'libcloud_public_ips': node['public_ips'],
        'libcloud_private_ips': node['private_ips'],
        'libcloud_image': node['image'],
        'libcloud_size': node['size'],
        'libcloud_location': node['location'],
        'libcloud_tags': node['tags'],
        'libcloud_extra': node['extra'],
        'libcloud_cloud': result.cloud,
        'libcloud_provider': result.provider,
        'libcloud_region': result.region,
    }
    address = (node['public_ips'] or node['private_ips'] or [None])[0]
    if address:
        variables['ansible_host'] = address
    return variables


# --- cache -----------------------------------------------------------------------------------------------------

def cache_payload(results):
    """What the inventory cache keeps: the node dicts of each cloud and region, no connection field at all."""
    return {'version': CACHE_VERSION, 'results': [result.to_cache() for result in results]}


def results_from_cache(payload):
    """The results kept by :func:`cache_payload`; None when ``payload`` is not one (a miss)."""
    if not isinstance(payload, Mapping) or payload.get('version') != CACHE_VERSION:
        return None
    try:
        return [FetchResult.from_cache(item) for item in payload['results']]
    except (KeyError, TypeError):
        return None
