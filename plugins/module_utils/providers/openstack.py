# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What we do differently on OpenStack (libcloud's OpenStackNodeDriver, every API version of it).

- A node's tags are its Nova metadata, replaced as a whole set (``ex_set_metadata``).
- Security groups are given by name; the driver wants its own security group objects, looked up by name.
- A server action the cloud does not offer (Nova's 400 "There is no such action currently supported", as for
  os-stop where an operator disabled it, or on mimic) is said so in one line.
- Keystone: ``key`` and ``secret`` are the user name and password; ``options`` carry ``ex_force_auth_url``,
  ``ex_force_auth_version`` (``2.0_password``, ``3.x_password``), ``ex_tenant_name`` and, with v3,
  ``ex_domain_name``, ``ex_tenant_domain_id``: libcloud takes them as they are and logs in at the first request.
"""

from __future__ import annotations

from ansible_collections.cloudmesh.libcloud.plugins.module_utils import retries
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.generic import GenericAdapter, security_groups_by_name

NO_SUCH_ACTION = 'There is no such action currently supported'
DOING = {'start': 'starting', 'stop': 'stopping', 'reboot': 'rebooting', 'destroy': 'destroying'}


class OpenStackAdapter(GenericAdapter):

    def unsupported_action(self, action, exc):
        if retries.http_status(exc) == 400 and NO_SUCH_ACTION in str(exc):
            return 'this OpenStack cloud does not support %s nodes (Nova answers: %s)' % (DOING[action], NO_SUCH_ACTION)
        return None

    def security_groups(self, names):
        return security_groups_by_name(self.driver, names)

    def tag_method(self):
        return 'metadata'
