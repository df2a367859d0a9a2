# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resolves ``cloud: NAME`` on the controller for libcloud_key_pair, and hides a result that carries a private key."""

from __future__ import annotations

from ansible_collections.cloudmesh.libcloud.plugins.plugin_utils.action import LibcloudAction


class ActionModule(LibcloudAction):

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        if result.get('private_key'):
            # As if the task said no_log: no output shows the key at any verbosity; the registered variable holds it.
            result['_ansible_no_log'] = True
        return result
