# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: libcloud
short_description: Hosts from the nodes of many libcloud clouds, fetched in parallel and cached
version_added: 0.1.0
description:
  - Lists the nodes (virtual machines) of any number of libcloud compute clouds, accounts and regions as
    inventory hosts. Every cloud and region is fetched at the same time, each with its own connection, so the
    whole listing takes about as long as the slowest cloud.
  - Every node is listed, also where the provider pages its answers (EC2's C(nextToken) is followed).
  - A cloud that fails is skipped with a warning naming it and the error; the other clouds are still listed,
    unless O(fail_on_errors) is set.
  - With O(cache) enabled, a valid cache serves the inventory without any API call, without reading
    credentials and without a reachable cloud. The cache holds the nodes only, never a credential.
  - The configuration file must be named C(*.libcloud.yml) or C(*.libcloud.yaml).
  - "Each host gets the variables C(libcloud_id), C(libcloud_name), C(libcloud_state), C(libcloud_public_ips),
    C(libcloud_private_ips), C(libcloud_image), C(libcloud_size), C(libcloud_location), C(libcloud_tags),
    C(libcloud_extra) (the provider-specific details), C(libcloud_cloud) (the cloud entry's name),
    C(libcloud_provider), C(libcloud_region), and C(ansible_host): its first public IP address, else its
    first private one."
  - Each host is in the group named after its cloud entry (made a safe group name, for example C(aws-prod)
    becomes C(aws_prod)); O(compose), O(groups) and O(keyed_groups) build the rest.
author:
  - cloudmesh.libcloud developers (@cloudmesh)
requirements:
  - apache-libcloud >= 3.8 on the controller (not needed to serve a valid cache)
extends_documentation_fragment:
  - constructed
  - inventory_cache
options:
  plugin:
    description: The name of this plugin; marks the file as one of its configurations.
    required: true
    type: str
    choices: [cloudmesh.libcloud.libcloud]
  clouds:
    description:
      - The clouds to list, one item per account. Each item is a cloud entry, the fields that the collection's
        modules take in their O(ignore:cloud) option, plus O(clouds[].name) and O(clouds[].regions).
      - "Or C(cloud: NAME), to take the entry called NAME from O(clouds_file); fields given next to it
        override that entry's fields."
      - Any field may be a Jinja template (one that reads an environment variable with the C(env) lookup, for
        instance, as in the examples), or an inline C(!vault) value. A field left out falls back to its
        C(LIBCLOUD_*) environment variable (the entry's fields win over the environment).
      - When omitted, every entry of O(clouds_file) is listed, except storage-only ones (with a C(storage_provider)
        and no C(provider)).
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - The cloud's name, unique in this file. It becomes the hosts' group and their C(libcloud_cloud).
          - Required for an inline entry; defaults to O(clouds[].cloud).
        type: str
      cloud:
        description: The name of an entry of O(clouds_file) that supplies the fields not given here.
        type: str
      provider:
        description:
          - The libcloud compute provider, for example V(ec2), V(openstack), V(gce).
          - Falls back to the environment variable E(LIBCLOUD_PROVIDER).
        type: str
      key:
        description:
          - The access key or user name. Never shown in output or written to the cache.
          - Falls back to the environment variable E(LIBCLOUD_KEY).
        type: str
      secret:
        description:
          - The secret key or password. Never shown in output or written to the cache.
          - Falls back to the environment variable E(LIBCLOUD_SECRET).
        type: str
      token:
        description:
          - A session token that belongs with the key and secret (AWS STS). Never shown in output or written to the cache.
          - Falls back to the environment variable E(LIBCLOUD_TOKEN).
        type: str
      profile:
        description:
          - AWS only. A profile of the AWS shared credentials file that supplies the key, secret and token, with the
            same precedence as the modules' C(profile) option (an explicit key wins; then this; then E(AWS_PROFILE);
            then C(default)).
          - Falls back to the environment variable E(LIBCLOUD_PROFILE).
        type: str
      region:
        description:
          - The region to list, when O(clouds[].regions) is not given.
          - Falls back to the environment variable E(LIBCLOUD_REGION).
        type: str
      regions:
        description:
          - Several regions of the same account to list, each fetched at the same time as the rest.
          - A provider whose libcloud driver takes no region (the V(dummy) driver, for one) is listed once, without
            a region, with a warning, since it would list the same nodes in every region.
        type: list
        elements: str
      host:
        description:
          - The API endpoint's host name, for a private or compatible endpoint.
          - Falls back to the environment variable E(LIBCLOUD_HOST).
        type: str
      port:
        description:
          - The API endpoint's port.
          - Falls back to the environment variable E(LIBCLOUD_PORT).
        type: int
      secure:
        description:
          - Whether to use HTTPS (the driver's default when unset).
          - Falls back to the environment variable E(LIBCLOUD_SECURE).
        type: bool
      options:
        description:
          - 'Extra keyword arguments for the libcloud driver, for example C({project: my-project}) for GCE.'
          - Falls back to the environment variable E(LIBCLOUD_OPTIONS), a JSON object.
        type: dict
      retries:
        description:
          - How many times, at most, each API call is tried when the provider throttles or fails in passing (a
            reset, a time-out, HTTP 429, 500, 502, 503 or 504), with exponential waits and full jitter, from 0.5
            up to 20 seconds. Bad input and bad credentials are never retried.
          - Retries of one cloud stop after O(clouds[].retries) times O(clouds[].timeout) seconds in all.
          - V(1) turns retrying off. Falls back to the environment variable E(LIBCLOUD_RETRIES); the default is V(10).
        type: int
      timeout:
        description:
          - Seconds one API request may take before it counts as failed (and is retried); with
            O(clouds[].retries) it bounds how long one slow cloud can delay the inventory.
          - Falls back to the environment variable E(LIBCLOUD_TIMEOUT), then to C(options.timeout); the default is V(30).
        type: int
  clouds_file:
    description:
      - A YAML file, usually encrypted with C(ansible-vault), holding the variable C(libcloud_clouds), a dict
        of named cloud entries (the same file that playbooks load with C(vars_files)).
      - Or a cloudmesh C(cloudmesh.yaml), recognised by its key C(cloudmesh). Each cloud of C(cloudmesh.cloud)
        becomes the entry of the same name, mapped from its C(kind), C(credentials) and C(libcloud) fields as the
        C(cloudmesh.libcloud.cloudmesh_clouds) filter maps them. C(cloudmesh.default) is not read.
      - A relative path is relative to this configuration file. Pass the vault password as usual,
        for example with C(--vault-password-file).
    type: str
  filters:
    description:
      - Only nodes that match all of these are listed.
      - C(state), a list of states as libcloud names them in lower case (V(running), V(stopped), V(pending),
        V(terminated), ...; a word that is none of libcloud's states fails); C(name), a shell-style glob on the
        node's name; C(tags), a dict of tags that the node must carry with exactly these values.
      - Applied to cached nodes too, so changing filters needs no cache refresh.
    type: dict
    default: {}
  hostnames:
    description:
      - Where each host's name comes from, in order of preference; the first usable value wins.
      - V(name), the node's name; V(public_ip) and V(private_ip), its first address of that kind; V(id), the
        provider's id of the node.
      - A name already taken by an earlier host falls back to the node's id, so that no node is hidden.
    type: list
    elements: str
    default: [name, public_ip, private_ip, id]
  fail_on_errors:
    description:
      - V(false) (the default) skips a cloud that cannot be listed with a warning naming it and the error.
      - V(true) makes any failing cloud fail this inventory source. Ansible then treats the source as
        unparsed; set C(inventory_unparsed_failed) (E(ANSIBLE_INVENTORY_UNPARSED_FAILED)) to stop the run too.
    type: bool
    default: false
notes:
  - A run in which a cloud failed does not update the cache, so that the next run tries that cloud again.
  - The cache key is derived from this file's path; use C(--flush-cache) after editing the list of clouds
    (C(ansible-playbook) takes it on every ansible-core; C(ansible-inventory) from ansible-core 2.19 on).
'''

EXAMPLES = r'''
# aws.libcloud.yml: two regions of one account, credentials from the environment (AWX injects LIBCLOUD_*)
plugin: cloudmesh.libcloud.libcloud
clouds:
  - name: aws-prod
    provider: ec2
    regions: [us-east-1, us-west-2]
filters:
  state: [running]
keyed_groups:
  - key: libcloud_tags.env | default('none')
    prefix: env
  - key: libcloud_region
    prefix: region

# many.libcloud.yml: several accounts, named entries from a vault-encrypted file, cached for an hour
# (clouds.vault.yml holds `libcloud_clouds: {aws-dev: {...}, openstack-lab: {...}}`)
plugin: cloudmesh.libcloud.libcloud
clouds_file: clouds.vault.yml
clouds:
  - cloud: aws-dev
    regions: [eu-west-1, eu-central-1]
  - cloud: openstack-lab
  - name: aws-sandbox
    provider: ec2
    key: "{{ lookup('env', 'SANDBOX_KEY') }}"
    secret: "{{ lookup('env', 'SANDBOX_SECRET') }}"
    region: us-east-1
hostnames: [name, private_ip, id]
compose:
  ansible_host: libcloud_private_ips | first | default(libcloud_id)
groups:
  web: libcloud_name is match('web-')
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/libcloud-inventory
cache_timeout: 3600
'''

import inspect
import os
import re

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

try:
    # ansible-core 2.19 and later: a string is templated only if trusted, and data from a cloud never is.
    from ansible.template import trust_as_template  # noqa: F401 pylint: disable=unused-import
    _untrusted = None
except ImportError:
    # ansible-core 2.17 and 2.18 template any string not marked unsafe: a node tagged "{{ lookup('pipe', ...) }}"
    # would run that command on the controller wherever the variable is used.
    from ansible.utils.unsafe_proxy import wrap_var as _untrusted

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.connection import to_bool
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError
from ansible_collections.cloudmesh.libcloud.plugins.plugin_utils.inventory import (
    HostNamer,
    cache_payload,
    check_filters,
    check_hostnames,
    entries_to_tasks,
    fetch_all,
    load_file_clouds,
    once_without_region,
    plain,
    results_from_cache,
)


def _trusted_file_args(loader):
    """``trusted_as_template=True`` where the loader takes it: ansible-core 2.19 loads a file's strings as untrusted
    (never templated) unless told; 2.17 and 2.18 have no such argument and trust every file they load."""
    return {'trusted_as_template': True} if 'trusted_as_template' in inspect.signature(loader.load_from_file).parameters else {}


# ansible-core's message for an option of the wrong type, up to where it starts quoting the value.
_INVALID_VALUE = re.compile(r"(has an invalid value)\b.*", re.DOTALL)
_WANTED_TYPE = re.compile(r"Invalid value provided for '(\w+)'")


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):

    NAME = 'cloudmesh.libcloud.libcloud'

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(('.libcloud.yml', '.libcloud.yaml'))

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config(path)
        try:
            self._namer = HostNamer(check_filters(self.get_option('filters')), check_hostnames(self.get_option('hostnames')))
        except LibcloudModuleError as exc:
            raise AnsibleParserError(exc.message) from None
        self._cloud_groups = {}

        use_cache = self.get_option('cache')
        cache_key = self.get_cache_key(path)
        if use_cache and cache:
            # cache=False means --flush-cache or refresh_inventory: fetch, then rewrite the cache.
            try:
                cached = results_from_cache(self._cache[cache_key])
            except KeyError:
                cached = None
            except AnsibleError as exc:
                # A corrupt cache file (the cache plugin has removed it): fetch instead of failing the source.
                self.display.warning('%s: the cache could not be read, listing the clouds instead: %s' % (self.NAME, exc.message))
                cached = None
            if cached is not None:
                # A hit: no credential is read, no driver built, libcloud not even imported.
                self.display.vvv('%s: %d cloud region(s) served from the cache' % (self.NAME, len(cached)))
                for result in cached:
                    self._add_hosts(result, result.nodes)
                return
        results = self._fetch(path)
        if use_cache and not any(result.error for result in results):
            # A run that missed a cloud is not cached, so that the next run asks that cloud again.
            self._cache[cache_key] = cache_payload(results)

    def _fetch(self, path):
        try:
            tasks = entries_to_tasks(self.get_option('clouds'), self._file_clouds(path), self._render)
            tasks = once_without_region(tasks, lambda message: self.display.warning('%s: %s' % (self.NAME, message)))
        except LibcloudModuleError as exc:
            raise AnsibleParserError(exc.message) from None
        fail_on_errors = self.get_option('fail_on_errors')
        results = []
        held = []
        # Hosts are built from each page while the other clouds and pages are still being fetched; with
        # fail_on_errors they wait until every cloud has answered, so that a failing source adds no host.
        for result, page in fetch_all(tasks):
            if page is not None:
                if fail_on_errors:
                    held.append((result, page))
                else:
                    self._add_hosts(result, page)
                continue
            results.append(result)
            if not result.error:
                self.display.vvv('%s: cloud %s: %d node(s) in %.2f s' % (self.NAME, result.label, len(result.nodes), result.seconds))
        failures = [result for result in results if result.error]
        if failures and fail_on_errors:
            raise AnsibleError('; '.join('cloud %s failed: %s' % (result.label, result.error) for result in failures))
        for result, page in held:
            self._add_hosts(result, page)
        for result in failures:
            done = ' completely (%d node(s) listed)' % len(result.nodes) if result.nodes else ''
            self.display.warning('%s: cloud %s was not listed%s: %s' % (self.NAME, result.label, done, result.error))
        return results

    def _read_config(self, path):
        try:
            config = self._read_config_data(path)
        except AnsibleError as exc:
            # ansible-core's option check quotes the whole bad value, and a clouds entry holds credentials.
            message = str(exc)
            wanted = _WANTED_TYPE.search(message)
            hint = ': it must be a %s' % wanted.group(1) if wanted else ''
            raise AnsibleParserError(_INVALID_VALUE.sub(r'\1%s (the value is not shown: it may hold credentials)' % hint, message)) from None
        # ansible-core reads any word as a boolean (`perhaps` is false); a typo must not turn errors into warnings.
        raw = config.get('fail_on_errors') if isinstance(config, dict) else None
        if raw is not None:
            try:
                to_bool(raw, 'fail_on_errors')
            except LibcloudModuleError as exc:
                raise AnsibleParserError(exc.message) from None

    def _file_clouds(self, path):
        clouds_file = self.get_option('clouds_file')
        if not clouds_file:
            return None
        # Relative to this configuration file, not to the current directory (hence type str, not path).
        clouds_file = os.path.join(os.path.dirname(os.path.abspath(path)), os.path.expanduser(str(clouds_file)))
        if not os.path.isfile(clouds_file):
            raise AnsibleParserError('clouds_file %s could not be read: %s'
                                     % (clouds_file, 'it is a folder' if os.path.isdir(clouds_file) else 'no such file'))
        try:
            # Decrypts a vault-encrypted file with the run's vault secrets; trusted like this file itself.
            data = self.loader.load_from_file(clouds_file, cache='none', **_trusted_file_args(self.loader))
        except AnsibleError as exc:
            raise AnsibleParserError('clouds_file %s could not be read: %s' % (clouds_file, ' '.join(exc.message.split()))) from None
        return load_file_clouds(data, clouds_file)

    def _render(self, value):
        """A cloud entry's field, rendered when it is a template (e.g. ``{{ lookup('env', 'X') }}``)."""
        if '{' not in value:
            return value
        self.templar.available_variables = self._vars
        return plain(self.templar.template(value))

    def _add_hosts(self, result, nodes):
        group = self._cloud_groups.get(result.cloud)
        if group is None:
            group = self._cloud_groups[result.cloud] = self.inventory.add_group(self._sanitize_group_name(result.cloud))
        strict = self.get_option('strict')
        compose = self.get_option('compose')
        groups = self.get_option('groups')
        keyed_groups = self.get_option('keyed_groups')
        for hostname, variables in self._namer.hosts(result, nodes):
            if _untrusted is not None:
                variables = _untrusted(variables)
            new = hostname not in self.inventory.hosts
            self.inventory.add_host(hostname, group=group)
            if new:
                # In one step: set_variable deep-copies and re-tags every value, a quarter of a cache hit's
                # time. These are fresh plain JSON values that nothing changes afterwards, and they stay
                # untrusted, as data from a cloud must (never templated).
                self.inventory.get_host(hostname).vars.update(variables)
            else:
                for name, value in variables.items():
                    self.inventory.set_variable(hostname, name, value)
            # Templating costs per host: only when the options ask for it.
            if compose:
                self._set_composite_vars(compose, variables, hostname, strict=strict)
            if groups:
                self._add_host_to_composed_groups(groups, variables, hostname, strict=strict)
            if keyed_groups:
                self._add_host_to_keyed_groups(keyed_groups, variables, hostname, strict=strict)
