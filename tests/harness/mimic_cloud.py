# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OpenStack compute on 127.0.0.1: mimic (Keystone v2 + Nova), run in real time.

How mimic departs from a real OpenStack (facts measured with libcloud 3.9.1; see tests/harness/README.md):
- it accepts any user name, password and tenant, but binds a user name to the first tenant it authenticated
  with (another tenant is then refused as invalid credentials), and keeps each tenant's servers apart: a test
  that wants an empty cloud asks for ``fresh_entry()``, a new user and tenant (mimic has no reset);
- ``--realtime`` is required: without it mimic's clock stands still and a rebooted server stays ``REBOOT``;
- it has no os-stop / os-start action (400 "There is no such action currently supported"), no key pairs and
  no volumes: the collection must say so in one line, and the tests check that it does;
- it has no network or security group listing that libcloud can read (Nova answers 404 to ``os-networksv2`` and
  ``os-security-groups``; its Neutron sits in the catalog under another service name and lists no networks) and
  ignores ``networks`` in a create: placement by name is refused in one line there (test_node_placement.py);
- its catalog names the compute service ``cloudServersOpenStack`` in regions ORD, DFW and IAD, which the cloud
  entry selects with ``ex_force_service_name`` and ``ex_force_service_region`` (as a real multi-region cloud
  would be selected);
- its Swift is a toy: object storage is tested on the real Swift (swift_cloud.py).
"""

from __future__ import annotations

import secrets
import time

from tests.harness.server_process import START_TIMEOUT, Emulator, emulator_command, free_port

REGION = 'ORD'
USERNAME = 'local-user'
PASSWORD = 'local-openstack-password-DO-NOT-USE'


class MimicCloud(Emulator):
    """A mimic server; ``cloud_entry()`` gives the collection's cloud entry for its Nova."""

    name = 'mimic'

    def _launch(self) -> None:
        twistd = emulator_command('twistd')
        self.port = free_port()
        # --pidfile= : a second instance (another pytest worker) would refuse to start on twistd's default pid file.
        command = [twistd, '--pidfile=', '-n', 'mimic', '--realtime', '--listen', 'tcp:%d:interface=127.0.0.1' % self.port]
        self._serve('mimic', command, self.port, time.monotonic() + START_TIMEOUT)

    @property
    def auth_url(self) -> str:
        return 'http://127.0.0.1:%d/identity' % self.port

    def cloud_entry(self, tenant: str = 'cloudmesh', region: str = REGION, username: str = USERNAME) -> dict:
        """The cloud entry of Keystone v2 password authentication (the seed's), for ``tenant``'s servers."""
        return {
            'provider': 'openstack',
            'key': username,
            'secret': PASSWORD,
            'options': {
                'ex_force_auth_url': self.auth_url,
                'ex_force_auth_version': '2.0_password',
                'ex_tenant_name': tenant,
                'ex_force_service_name': 'cloudServersOpenStack',
                'ex_force_service_region': region,
            },
        }

    def fresh_entry(self, region: str = REGION) -> dict:
        """A cloud entry whose user and tenant have never been used: an empty cloud."""
        suffix = secrets.token_hex(4)
        return self.cloud_entry(tenant='tenant-' + suffix, region=region, username='user-' + suffix)

    def cinder_entry(self, entry: dict) -> dict:
        """``entry`` for libcloud's OpenStack 2.0 driver, whose volumes go to Cinder: mimic's Cinder (service type
        ``volumev2``) sits in the catalog under another service name than its Nova, which ``ex_force_service_name``
        selects for every service, so its URL is given as ``ex_force_volume_url``, as on a cloud whose catalog
        libcloud cannot read."""
        driver = self.driver(entry)
        region = entry['options']['ex_force_service_region']
        url = next(endpoint.url for service in driver.connection.get_service_catalog()._entries  # pylint: disable=protected-access
                   if service.service_type == 'volumev2' for endpoint in service.endpoints if endpoint.region == region)
        return dict(entry, options=dict(entry['options'], api_version='2.0', ex_force_volume_url=url))

    def driver(self, entry: dict):
        """libcloud's own OpenStack driver for ``entry``, to check the cloud independently of the collection."""
        from libcloud.compute.providers import get_driver

        return get_driver('openstack')(entry['key'], entry['secret'], **entry['options'])
