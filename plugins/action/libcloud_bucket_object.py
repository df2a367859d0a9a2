# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resolves ``cloud: NAME`` on the controller for libcloud_bucket_object, and finds a relative ``src`` as
ansible.builtin.copy and amazon.aws.s3_object do: in the role's ``files/``, the role, the playbook's ``files/`` and
the playbook's folder; then in ansible-playbook's working directory."""

from __future__ import annotations

import os

from ansible.errors import AnsibleFileNotFound

from ansible_collections.cloudmesh.libcloud.plugins.plugin_utils.action import LibcloudAction


class ActionModule(LibcloudAction):

    def local_paths(self, module_args):
        source = module_args.get('src')
        if not isinstance(source, str) or not source or os.path.isabs(os.path.expanduser(source)):
            return module_args
        try:
            found = self._find_needle('files', source)
        except AnsibleFileNotFound:
            if not os.path.exists(source):
                return module_args  # found nowhere here: the module says so, or finds it on a host of its own
            # As before: relative to the working directory of ansible-playbook (modules run in a folder of their own).
            found = os.path.abspath(source)
        return dict(module_args, src=found)
