# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller side of every module: resolves ``cloud: NAME`` from the play variable ``libcloud_clouds``.

The named (usually vaulted) entry is flattened into the module's own options, below the options given on the
task, so that the key and secret travel as the module's ``no_log`` options and the cloud's name stays readable.
A task without ``cloud`` that names no cloud of its own (no provider, key, host, ...) uses the entry that the
play variable ``libcloud_default_cloud`` names, if set (the role of cloudmesh.yaml's ``cloudmesh.default.cloud``).
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible.plugins.action import ActionBase

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.connection import CONNECTION_FIELDS, merge_cloud_entry, named_entry
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError, kind_of

CLOUDS_VARIABLE = 'libcloud_clouds'
DEFAULT_CLOUD_VARIABLE = 'libcloud_default_cloud'
# Fields that say which cloud or account a task talks to: a task giving one of them describes its own cloud, and
# the default cloud does not apply. The others (region, secure, options, retries, timeout) only tune a connection:
# given on a task, they win over the default cloud's fields as over any cloud entry's.
OWN_CLOUD_FIELDS = ('provider', 'storage_provider', 'dns_provider', 'key', 'secret', 'profile', 'host', 'port')


def find_cloud_entry(name, clouds, named_by=None):
    """The entry called ``name`` in ``clouds`` (the templated ``libcloud_clouds``); errors list names only.

    ``named_by``: the variable that named the cloud when the task did not (``libcloud_default_cloud``).
    """
    source = ' (named by %s)' % named_by if named_by else ''
    if clouds is None:
        raise LibcloudModuleError('unknown cloud %r%s: the variable %s is not defined (load your vaulted clouds file with vars_files '
                                  'or group_vars)' % (name, source, CLOUDS_VARIABLE))
    if not isinstance(clouds, Mapping):
        raise LibcloudModuleError('%s must be a dict of named cloud entries, got %s' % (CLOUDS_VARIABLE, kind_of(clouds)))
    if named_by and name not in clouds:
        known = ', '.join(sorted(str(key) for key in clouds)) or 'none'
        raise LibcloudModuleError('unknown cloud %r%s; known clouds in %s: %s' % (name, source, CLOUDS_VARIABLE, known))
    return named_entry(name, clouds, CLOUDS_VARIABLE)


def names_own_cloud(module_args):
    """Whether a task says itself which cloud it talks to: a ``cloud``, or a field of :data:`OWN_CLOUD_FIELDS`."""
    return any(module_args.get(field) is not None for field in ('cloud',) + OWN_CLOUD_FIELDS)


def default_cloud_name(default):
    """The name in ``default`` (the templated ``libcloud_default_cloud``); None when it is unset or empty."""
    if default is None or default == '':
        return None
    if isinstance(default, bool) or not isinstance(default, (str, int)):
        raise LibcloudModuleError('%s must be the name of an entry in %s, got %s' % (DEFAULT_CLOUD_VARIABLE, CLOUDS_VARIABLE, kind_of(default)))
    return str(default)


class LibcloudAction(ActionBase):
    """Base of the action plugin that every module of the collection has."""

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        module_args = dict(self._task.args)
        try:
            cloud, named_by = module_args.get('cloud'), None
            if not names_own_cloud(module_args):
                cloud, named_by = default_cloud_name(self._template_var(task_vars, DEFAULT_CLOUD_VARIABLE)), DEFAULT_CLOUD_VARIABLE
            if cloud is not None:
                module_args = self._flatten_cloud(module_args, cloud, task_vars, named_by)
            module_args = self.local_paths(module_args)
        except LibcloudModuleError as exc:
            result.update(failed=True, msg=exc.message)
            return result
        module_name = self._task.resolved_action or self._task.action
        result.update(self._execute_module(module_name=module_name, module_args=module_args, task_vars=task_vars))
        return result

    def local_paths(self, module_args):
        """``module_args`` with the controller's files found where Ansible users expect them; none by default."""
        return module_args

    def _template_var(self, task_vars, name):
        value = task_vars.get(name)
        return None if value is None else self._templar.template(value)

    def _flatten_cloud(self, module_args, cloud, task_vars, named_by=None):
        if isinstance(cloud, Mapping):
            entry, cloud_name = dict(cloud), None
        elif isinstance(cloud, bool) or not isinstance(cloud, (str, int)):
            raise LibcloudModuleError('cloud must be the name of an entry in %s or a dict of connection fields, got %s'
                                      % (CLOUDS_VARIABLE, kind_of(cloud)))
        else:
            cloud_name = str(cloud)
            entry = find_cloud_entry(cloud_name, self._template_var(task_vars, CLOUDS_VARIABLE), named_by)
        explicit = dict((field, module_args.get(field)) for field in CONNECTION_FIELDS)
        # Fields still unset stay absent, so that the module's environment fallbacks apply to them.
        module_args.update((field, value) for field, value in merge_cloud_entry(explicit, entry).items() if value is not None)
        # The name stays for the record (it is not secret); an inline entry has been fully flattened.
        if cloud_name is None:
            module_args.pop('cloud', None)
        else:
            module_args['cloud'] = cloud_name
        return module_args
