# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base class of every cloudmesh.libcloud module.

A module is a small class: class-level ``argument_spec`` and ``module_kwargs``, the driver ``kind`` it needs,
and one ``run()`` that returns the result dict. The base class resolves the connection, builds the driver
once, and turns every expected failure into one line, never a traceback.
"""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.connection import (
    CONNECTION_FIELDS,
    build_driver,
    check_integers,
    complete_credentials,
    connection_argument_spec,
    deadline_seconds,
    merge_cloud_entry,
    secret_values,
)
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError, describe_exception
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers import secret_files
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.waiting import Deadline


class LibcloudModule:
    argument_spec = {}
    module_kwargs = {}
    kind = 'compute'

    def __init__(self):
        spec = connection_argument_spec()
        spec.update(self.argument_spec)
        self.ansible = AnsibleModule(argument_spec=spec, **self.module_kwargs)
        self.params = self.ansible.params
        self.check_mode = self.ansible.check_mode
        self._driver = None
        self.connection = self._resolve_connection()
        # One deadline for the whole task: retries of every driver (worker threads included) stop at it.
        self.deadline = Deadline(self.deadline_seconds())

    def deadline_seconds(self):
        """How long the task may keep retrying; modules that wait have a deadline of their own."""
        return deadline_seconds(self.connection)

    def _resolve_connection(self):
        conn = dict((field, self.params.get(field)) for field in CONNECTION_FIELDS)
        cloud = self.params.get('cloud')
        failure = None
        try:
            if isinstance(cloud, dict):
                # The action plugin normally flattens a cloud entry into the options; this covers direct calls.
                conn = merge_cloud_entry(conn, cloud)
            check_integers(conn)
            conn = complete_credentials(conn, self.kind)
        except LibcloudModuleError as exc:
            failure = exc.message
        if failure is not None:
            # Outside the except block: ansible-core before 2.19 adds the traceback of the exception being handled.
            self.ansible.fail_json(msg=failure)
        for value in secret_values(conn):
            self.ansible.no_log_values.add(value)
        return conn

    @property
    def driver(self):
        if self._driver is None:
            self._driver = self.new_driver()
        return self._driver

    def new_driver(self):
        """A driver of its own for a worker thread: libcloud connections are not thread-safe."""
        return build_driver(self.connection, self.kind, self.deadline)

    def warn(self, message):
        self.ansible.warn(message)

    def run(self):
        raise NotImplementedError

    def __call__(self):
        failure = None
        try:
            result = self.run()
        except LibcloudModuleError as exc:
            failure = dict(exc.result, msg=self.one_line(exc))
        except Exception as exc:  # pylint: disable=broad-exception-caught
            # libcloud raises plain exceptions, socket errors and HTTP errors alike; the user gets one line.
            failure = dict(msg=self.one_line(exc))
        finally:
            # Credentials written to files for this task's drivers go now: exit_json and fail_json end the process.
            secret_files.remove_all()
        # Outside the except blocks, so that fail_json adds no traceback to the result.
        if failure is not None:
            self.ansible.fail_json(**failure)
        self.ansible.exit_json(**result)

    def one_line(self, exc):
        return describe_exception(exc, secret_values(self.connection))


def wait_options(timeout):
    """The ``wait`` and ``wait_timeout`` options of a module that waits, ``timeout`` seconds by default."""
    return dict(wait=dict(type='bool', default=True), wait_timeout=dict(type='int', default=timeout))


class WaitingModule(LibcloudModule):
    """A module that waits for the cloud to settle (see :func:`wait_options`)."""

    def deadline_seconds(self):
        # Creating, waiting and every retry on the way share the one wait_timeout.
        return self.params['wait_timeout']
