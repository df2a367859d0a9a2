# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What we do differently on OpenStack: compute (libcloud's OpenStackNodeDriver, every API version of it) and
Swift object storage.

Compute (:class:`OpenStackAdapter`):

- A node's tags are its Nova metadata, replaced as a whole set (``ex_set_metadata``).
- Security groups and networks are given by id or name; the driver wants its own objects, looked up here.
- A server action the cloud does not offer (Nova's 400 "There is no such action currently supported", as for
  os-stop where an operator disabled it, or on mimic) is said so in one line.
- ``region`` is the service region of Keystone's catalog (libcloud's ``ex_force_service_region``).
- Keystone: ``key`` and ``secret`` are the user name and password; ``options`` carry ``ex_force_auth_url``,
  ``ex_force_auth_version`` (``2.0_password``, ``3.x_password``), ``ex_tenant_name`` and, with v3,
  ``ex_domain_name``, ``ex_tenant_domain_id``: libcloud takes them as they are and logs in at the first request.
- Sizes are priced from libcloud's pricing file once per process, not once per flavor (see ``configure``).

Swift (:class:`SwiftAdapter`, for libcloud's CloudFiles driver and its OpenStackSwiftStorageDriver): the ETag is
the content MD5, as on S3, and listings carry no metadata; metadata keys holding ``_`` are refused.
"""

from __future__ import annotations

from ansible_collections.cloudmesh.libcloud.plugins.module_utils import retries
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.generic import DOING, GenericAdapter, offered, resolve_listed

NO_SUCH_ACTION = 'There is no such action currently supported'


def price_sizes_from_one_read(driver):
    """A libcloud inefficiency, not a cloud's deviation: the driver prices each flavor it lists with
    libcloud.pricing.get_size_price, which caches the entry of the driver's ``api_name`` but, where libcloud's
    pricing file has none (``openstack`` has none), re-reads and parses the whole 4.5 MB file for every flavor:
    list_sizes() took 2.4-3.8 s for 35 flavors. Before the first price, this reads the file once; an api_name it
    has no entry for gets an empty one, so that each price after it is None (unknown) at once, not 0.0 after a read.
    """
    from libcloud.pricing import PRICING_DATA, get_pricing, set_pricing

    size_price = getattr(driver, '_get_size_price', None)
    if size_price is None:
        return

    def priced_once(size_id):
        if driver.api_name not in PRICING_DATA['compute']:
            try:
                get_pricing('compute', driver.api_name)  # kept in memory where the file has the entry
            except KeyError:
                set_pricing('compute', driver.api_name, {})
        return size_price(size_id)

    driver._get_size_price = priced_once  # pylint: disable=protected-access


def service_region(kwargs):
    """The driver's arguments with ``region`` as the catalog region it picks endpoints in: libcloud's OpenStack driver
    reads ``ex_force_service_region`` and ignores ``region`` (it would pick the catalog's first, often RegionOne)."""
    region, forced = kwargs.get('region'), kwargs.get('ex_force_service_region')
    if region and forced and region != forced:
        raise LibcloudModuleError('region %r and options.ex_force_service_region %r disagree: give one of them' % (region, forced))
    if region:
        kwargs = dict(kwargs, ex_force_service_region=region)
    return kwargs


def explain_missing_endpoints(driver):
    """libcloud says only "Could not find specified endpoint" when Keystone's catalog has no endpoint of the region
    (or service name) asked for, typically a misspelt ``region``: say what was asked for and what the catalog has."""
    from libcloud.common.types import LibcloudError

    connections = [driver.connection] + [value for name, value in vars(driver).items() if name.endswith('_connection')]
    for connection in connections:
        find = getattr(connection, 'get_endpoint', None)
        if find is None or getattr(find, 'cloudmesh_explained', False):
            continue

        def explained(find=find, connection=connection):
            try:
                return find()
            except LibcloudError as exc:
                if 'Could not find specified endpoint' not in str(exc):
                    raise
                # pylint: disable=protected-access
                kind = connection._ex_force_service_type or connection.service_type
                wanted = connection._ex_force_service_region or connection.service_region
                named = connection._ex_force_service_name or connection.service_name
                entries = [entry for entry in connection.service_catalog._entries if entry.service_type == kind]
                regions = sorted(set(endpoint.region for entry in entries for endpoint in entry.endpoints if endpoint.region))
                names = sorted(set(str(entry.service_name) for entry in entries if entry.service_name))
                raise LibcloudModuleError('Keystone\'s catalog has no %s endpoint%s in region %r; its %s regions: %s; service names: %s '
                                          '(set region, or options.ex_force_service_name)'
                                          % (kind, ' named %r' % named if named else '', wanted, kind, ', '.join(regions) or 'none',
                                             ', '.join(names) or 'none')) from None
        explained.cloudmesh_explained = True
        connection.get_endpoint = explained


class OpenStackAdapter(GenericAdapter):

    @classmethod
    def new_driver(cls, driver_class, key, kwargs):
        return driver_class(key, **service_region(kwargs))

    @classmethod
    def configure(cls, driver, conn):
        price_sizes_from_one_read(driver)
        explain_missing_endpoints(driver)

    def unsupported_action(self, action, exc):
        if retries.http_status(exc) == 400 and NO_SUCH_ACTION in str(exc):
            return 'this OpenStack cloud does not support %s nodes (Nova answers: %s)' % (DOING[action], NO_SUCH_ACTION)
        return super().unsupported_action(action, exc)

    # Network names in extra.networks (the docs once suggested it) are resolved as the option networks is.
    extra_by_id_or_name = {'networks': 'networks'}

    def network_arguments(self, wanted):
        return {'networks': resolve_listed('network', wanted, self._listing('networks', self.driver.ex_list_networks))}

    def security_group_arguments(self, wanted, placement):
        groups = self._listing('security groups', self.driver.ex_list_security_groups)
        return {'ex_security_groups': resolve_listed('security group', wanted, groups)}

    def _listing(self, what, lister):
        """``lister()``; where the cloud cannot answer it, one line that says which driver setting reads them."""
        from libcloud.common.types import LibcloudError
        from libcloud.compute.drivers.openstack import OpenStack_2_NodeDriver

        try:
            return offered(self.driver, what, lister)
        except LibcloudModuleError as exc:
            if isinstance(self.driver, OpenStack_2_NodeDriver):
                raise
            # The default (1.1) driver asks Nova's proxies (os-networksv2, os-security-groups), gone from most clouds.
            raise LibcloudModuleError("%s; libcloud reads them from Neutron with the cloud entry's options.api_version: '2.0'"
                                      % exc.message) from None
        except LibcloudError as exc:
            if 'Could not find specified endpoint' not in str(exc):
                raise
            raise LibcloudModuleError('libcloud found no network (Neutron) endpoint to list %s in the Keystone catalog for this cloud '
                                      'entry (ex_force_service_name and ex_force_service_region apply to every service); give its URL '
                                      'as options.ex_force_network_url' % what) from None

    def tag_method(self):
        return 'metadata'

    def snapshots(self, name=None, ident=None):
        # libcloud's OpenStack drivers name the listing of every snapshot ex_list_snapshots.
        return self.driver.ex_list_snapshots()


class SwiftAdapter(GenericAdapter):

    @classmethod
    def new_driver(cls, driver_class, key, kwargs):
        # libcloud's Swift driver passes host and port on positionally to a connection that does not take them: the
        # build would fail with a TypeError. The endpoint comes from Keystone's catalog or ex_force_base_url.
        given = [name for name in ('host', 'port') if kwargs.get(name) is not None]
        if given:
            raise LibcloudModuleError('libcloud\'s Swift driver takes no %s (from the task, the cloud entry or %s): give the endpoint as '
                                      'options.ex_force_auth_url, and options.ex_force_base_url for a Swift without Keystone'
                                      % (' or '.join(given), ' or '.join('LIBCLOUD_' + name.upper() for name in given)))
        return super().new_driver(driver_class, key, kwargs)

    def metadata_key_problem(self, key):
        # Swift's server (eventlet, as nginx in front of it by default) drops every header whose name holds "_":
        # X-Object-Meta-build_id would vanish without an error, and the task would report a change on every run.
        if '_' in key:
            return 'Swift drops metadata keys that hold "_" (its servers ignore such headers); use "-" instead'
        return None
