# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make the provider's nodes match a libcloud_node task: one listing, a plan per node, then the writes and waits.

The unchanged path is a single listing. Writes of many nodes run concurrently (bounded), and all nodes that
wait, wait together: one listing per poll, whatever their number.
"""

from __future__ import annotations

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.convert import node_tags, node_to_dict
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError, describe_exception
from ansible_collections.cloudmesh.libcloud.plugins.module_utils import node_state
from ansible_collections.cloudmesh.libcloud.plugins.module_utils import nodes as libcloud_nodes
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers import adapter_for
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.waiting import Deadline, WaitTimeout, wait_until
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.workers import DriverPool


class ManagedNode:
    """One node the task manages: its name, requested state, current libcloud node (None if missing) and plan."""

    def __init__(self, name, desired, node, wanted_tags=None):
        self.name = name
        self.desired = desired
        self.node = node
        self.wanted_tags = wanted_tags
        self.before_state = libcloud_nodes.current_state(node) if node is not None else None
        self.before_tags = node_tags(node) if node is not None else {}
        self.steps = ()
        self.to_set, self.to_remove = {}, []
        self.written = False
        self.stale = False

    @property
    def changed(self):
        return node_state.changes(self.steps) or bool(self.to_set or self.to_remove)

    def diff_before(self):
        return {'state': self.before_state or 'absent', 'tags': self.before_tags}

    def diff_after(self, name_tag):
        """``name_tag``: the tag that will hold a new node's name (None where the provider keeps no name in tags)."""
        state = node_state.predicted_state(self.desired, self.before_state)
        if state == 'absent':
            return {'state': 'absent', 'tags': {}}
        if self.before_state is None:
            tags = dict(self.wanted_tags or {})
            if name_tag:
                tags[name_tag] = self.name
        else:
            tags = node_state.tags_after(self.before_tags, self.to_set, self.to_remove)
        return {'state': state, 'tags': tags}


class NodeReconciler:
    """Decide, then (unless in check mode) act. ``params`` are the module's options."""

    def __init__(self, driver, params, check_mode=False, driver_factory=None, warn=None, deadline=None):
        self.driver = driver
        self.params = params
        self.check_mode = check_mode
        self.pool = DriverPool(driver, driver_factory)
        self.warn = warn or (lambda message: None)
        self.deadline = deadline or Deadline(params.get('wait_timeout') or 600)
        self.items = []
        self.create_args = None
        self.mismatches = []

    # -- deciding ------------------------------------------------------------------------------------------------

    def decide(self):
        params = self.params
        node_state.validate(params)
        name, count, tags = params['name'], params.get('count'), node_state.normalize_tags(params.get('tags'))
        live = libcloud_nodes.find_named_nodes(self.driver, name, numbered=count is not None)
        if count is not None:
            live = [node for node in live if node_state.number_of(name, node.name)]
        node_state.refuse_duplicates(live)
        for node_name, desired, node in node_state.desired_nodes(name, params.get('state') or 'present', count, live):
            item = ManagedNode(node_name, desired, node, tags)
            item.steps = node_state.plan(desired, item.before_state, params.get('wait', True), 'node %s' % node_name)
            if node is not None and desired != 'absent':
                item.to_set, item.to_remove = node_state.tag_changes(item.before_tags, tags, params.get('purge_tags'))
            self.items.append(item)
        if any(item.to_set or item.to_remove for item in self.items) and not libcloud_nodes.tag_method(self.driver):
            raise LibcloudModuleError('the %s driver cannot change the tags of an existing node; remove tags from the task'
                                      % libcloud_nodes.provider_name(self.driver))
        if any('create' in item.steps for item in self.items):
            self.create_args = self._create_args(tags)
        self.mismatches = self._mismatches()
        return self.items

    def _create_args(self, tags):
        params = self.params
        missing = [option for option in libcloud_nodes.required_for_create(self.driver) if not params.get(option)]
        if missing:
            creating = [item.name for item in self.items if 'create' in item.steps]
            needed = ' and '.join(missing) + (' are' if len(missing) > 1 else ' is')
            raise LibcloudModuleError('%s required to create node %s' % (needed, ', '.join(creating[:3]) + (' ...' if len(creating) > 3 else '')))
        options = dict((option, params.get(option)) for option in ('key_name', 'user_data', 'subnet', 'networks', 'security_groups'))
        options['tags'] = tags
        kwargs = libcloud_nodes.create_kwargs(self.driver, options, params.get('extra'))
        return {
            'image': libcloud_nodes.find_image(self.driver, params['image']) if params.get('image') else None,
            'size': libcloud_nodes.find_size(self.driver, params['size']) if params.get('size') else None,
            'location': libcloud_nodes.find_location(self.driver, params['location']) if params.get('location') else None,
            'kwargs': kwargs,
            # Tags the driver cannot take at creation are set right after it.
            'tags_after_create': bool(tags) and not any(name in kwargs for name in libcloud_nodes.CREATE_KWARGS['tags']),
        }

    def _mismatches(self):
        """Existing nodes whose image or size differ from the requested ones: reported, never recreated."""
        found = []
        resolved = {}
        for item in self.items:
            if item.node is None or item.desired == 'absent':
                continue
            actual = node_to_dict(item.node)
            for option, finder in (('image', libcloud_nodes.find_image), ('size', libcloud_nodes.find_size)):
                wanted = self.params.get(option)
                if not wanted or not actual[option] or str(wanted) == str(actual[option]):
                    continue
                if option not in resolved:
                    # Only now look the requested one up: it may be a name for the id the node carries.
                    resolved[option] = str(finder(self.driver, wanted).id)
                if resolved[option] != str(actual[option]):
                    found.append({'name': item.name, 'id': str(item.node.id), 'option': option,
                                  'requested': str(wanted), 'actual': str(actual[option])})
                    self.warn('node %s (%s) has %s %s, not the requested %s; libcloud_node does not recreate nodes, '
                              'so it is left as it is' % (item.name, item.node.id, option, actual[option], wanted))
        return found

    # -- acting --------------------------------------------------------------------------------------------------

    def execute(self):
        """Run every plan: each round runs the writes up to the next wait (concurrently), then all waits together."""
        work = {}
        for item in self.items:
            steps = list(item.steps)
            if item.to_set or item.to_remove:
                steps.insert(0, 'tags')
            if 'create' in steps and self.create_args['tags_after_create']:
                item.to_set = node_state.normalize_tags(self.params.get('tags'))
                steps.insert(steps.index('create') + 1, 'tags')
            if steps:
                work[item] = steps
        try:
            while work:
                writes = {}
                for item, steps in work.items():
                    while steps and steps[0] not in node_state.WAITS:
                        writes.setdefault(item, []).append(steps.pop(0))
                self._run_writes(writes)
                waits = dict((item, steps.pop(0)) for item, steps in work.items() if steps)
                self._wait(waits)
                work = dict((item, steps) for item, steps in work.items() if steps)
            self._refresh()
        except LibcloudModuleError as exc:
            # What was written before the failure stays written: the result says so.
            exc.result['changed'] = any(item.written for item in self.items)
            raise

    def _run_writes(self, writes):
        outcomes = self.pool.map(lambda driver, pair: self._write(driver, *pair), list(writes.items()))
        errors = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
        if errors:
            raise _as_module_error(errors[0], len(errors))

    def _write(self, driver, item, steps):
        for step in steps:
            try:
                if step == 'create':
                    args = self.create_args
                    item.node = libcloud_nodes.create_node(driver, item.name, args['image'], args['size'], args['location'],
                                                           args['kwargs'])
                elif step == 'tags':
                    libcloud_nodes.apply_tags(driver, item.node, item.to_set, item.to_remove, node_tags(item.node))
                else:
                    libcloud_nodes.power(driver, item.node, step)
            except Exception as exc:  # pylint: disable=broad-exception-caught
                raise _as_module_error(exc, 1, 'node %s: %s' % (item.name, step))
            item.written = True
            item.stale = True

    def _wait(self, waits):
        if not waits:
            return
        by_id = dict((str(item.node.id), (item, step)) for item, step in waits.items())

        def probe():
            seen = libcloud_nodes.nodes_by_id(self.driver, list(by_id))
            pending = []
            for ident, (item, step) in by_id.items():
                node = seen.get(ident)
                state = libcloud_nodes.current_state(node) if node is not None else None
                if node is not None:
                    item.node, item.stale = node, False
                if not node_state.reached(step, state, 'node %s (%s)' % (item.name, ident)):
                    pending.append((item, step, state))
            return not pending, pending

        try:
            wait_until(probe, self.deadline)
        except WaitTimeout as timeout:
            item, step, state = timeout.last[0]
            others = len(timeout.last) - 1
            raise LibcloudModuleError('timed out after %ss waiting for node %s (%s) to be %s; its last state: %s%s'
                                      % (self.deadline.seconds, item.name, item.node.id, step[len('wait_'):], state or 'not listed',
                                         ' (and %d more nodes not ready)' % others if others else ''),
                                      node=node_to_dict(item.node))

    def _refresh(self):
        """One listing for the nodes written to but not seen since (no final wait): the result shows what is."""
        stale = [item for item in self.items if item.stale and item.node is not None]
        if not stale:
            return
        seen = libcloud_nodes.nodes_by_id(self.driver, [item.node.id for item in stale])
        for item in stale:
            item.node = seen.get(str(item.node.id), item.node)
            item.stale = False

    # -- reporting -----------------------------------------------------------------------------------------------

    def run(self, diff=False):
        """The module's result: decide, act unless in check mode, report."""
        self.decide()
        changed = any(item.changed for item in self.items)
        if changed and not self.check_mode:
            self.execute()
        result = {'changed': changed, 'mismatches': self.mismatches}
        if self.params.get('count') is None:
            item = self.items[0]
            result['node'] = node_to_dict(item.node) if item.node is not None else {}
        else:
            result['nodes'] = [node_to_dict(item.node) for item in self.items if item.desired != 'absent' and item.node is not None]
        if diff:
            name_tag = adapter_for(self.driver).name_tag
            if self.params.get('count') is None:
                item = self.items[0]
                result['diff'] = {'before': item.diff_before(), 'after': item.diff_after(name_tag)}
            else:
                result['diff'] = {'before': dict((item.name, item.diff_before()) for item in self.items),
                                  'after': dict((item.name, item.diff_after(name_tag)) for item in self.items)}
        return result


def _as_module_error(exc, how_many, what=None):
    if isinstance(exc, LibcloudModuleError):
        error = exc
    else:
        error = LibcloudModuleError('%s failed: %s' % (what, describe_exception(exc)) if what else describe_exception(exc))
    if how_many > 1:
        error = LibcloudModuleError('%s (and %d more failures)' % (error.message, how_many - 1), **error.result)
    return error
