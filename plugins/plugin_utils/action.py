# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller side of every module: resolves ``cloud: NAME`` from the play variable ``libcloud_clouds``.

The named (usually vaulted) entry is flattened into the module's own options, below the options given on the
task, so that the key and secret travel as the module's ``no_log`` options and the cloud's name stays readable.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible.plugins.action import ActionBase

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.connection import CONNECTION_FIELDS, merge_cloud_entry, named_entry
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError, kind_of

CLOUDS_VARIABLE = 'libcloud_clouds'


def find_cloud_entry(name, clouds):
    """The entry called ``name`` in ``clouds`` (the templated ``libcloud_clouds``); errors list names only."""
    if clouds is None:
        raise LibcloudModuleError('unknown cloud %r: the variable %s is not defined (load your vaulted clouds file with vars_files '
                                  'or group_vars)' % (name, CLOUDS_VARIABLE))
    if not isinstance(clouds, Mapping):
        raise LibcloudModuleError('%s must be a dict of named cloud entries, got %s' % (CLOUDS_VARIABLE, kind_of(clouds)))
    return named_entry(name, clouds, CLOUDS_VARIABLE)


class LibcloudAction(ActionBase):
    """Base of the action plugin that every module of the collection has."""

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        module_args = dict(self._task.args)
        cloud = module_args.get('cloud')
        if cloud is not None:
            try:
                module_args = self._flatten_cloud(module_args, cloud, task_vars)
            except LibcloudModuleError as exc:
                result.update(failed=True, msg=exc.message)
                return result
        module_name = self._task.resolved_action or self._task.action
        result.update(self._execute_module(module_name=module_name, module_args=module_args, task_vars=task_vars))
        return result

    def _flatten_cloud(self, module_args, cloud, task_vars):
        if isinstance(cloud, Mapping):
            entry, cloud_name = dict(cloud), None
        elif isinstance(cloud, bool) or not isinstance(cloud, (str, int)):
            raise LibcloudModuleError('cloud must be the name of an entry in %s or a dict of connection fields, got %s'
                                      % (CLOUDS_VARIABLE, kind_of(cloud)))
        else:
            cloud_name = str(cloud)
            clouds = task_vars.get(CLOUDS_VARIABLE)
            if clouds is not None:
                clouds = self._templar.template(clouds)
            entry = find_cloud_entry(cloud_name, clouds)
        explicit = dict((field, module_args.get(field)) for field in CONNECTION_FIELDS)
        # Fields still unset stay absent, so that the module's environment fallbacks apply to them.
        module_args.update((field, value) for field, value in merge_cloud_entry(explicit, entry).items() if value is not None)
        # The name stays for the record (it is not secret); an inline entry has been fully flattened.
        if cloud_name is None:
            module_args.pop('cloud', None)
        else:
            module_args['cloud'] = cloud_name
        return module_args
