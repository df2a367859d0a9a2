# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resolves ``cloud: NAME`` on the controller for the module of the same name."""

from __future__ import annotations

from ansible_collections.cloudmesh.libcloud.plugins.plugin_utils.action import LibcloudAction


class ActionModule(LibcloudAction):
    pass
