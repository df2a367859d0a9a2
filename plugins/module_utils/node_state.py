# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a node needs to reach its requested state: pure decisions, no driver calls.

Check mode and the real run both take their decisions here, so that they cannot disagree. A plan is a tuple of
steps: the writes ``create``, ``start``, ``stop``, ``reboot``, ``destroy`` and the waits ``wait_running``,
``wait_stopped``, ``wait_gone``.
"""

from __future__ import annotations

import re

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError

STATES = ('present', 'running', 'stopped', 'restarted', 'absent')

# libcloud's NodeState values, plus EC2's own words where libcloud only says "unknown", by where a node heads.
UP = frozenset(('running',))
GOING_UP = frozenset(('pending', 'starting', 'rebooting', 'reconfiguring', 'migrating', 'updating'))
DOWN = frozenset(('stopped', 'suspended', 'paused'))
GOING_DOWN = frozenset(('stopping',))
# Nodes in these states no longer count: a new node of the same name may be created.
GONE = frozenset(('terminated', 'shutting-down'))

WRITES = frozenset(('create', 'start', 'stop', 'reboot', 'destroy'))
WAITS = frozenset(('wait_running', 'wait_stopped', 'wait_gone'))

# Tags that belong to the node's identity or to the provider: never removed by purge_tags.
PROTECTED_TAGS = ('Name',)
PROTECTED_TAG_PREFIXES = ('aws:',)

# From a settled state, the steps to each requested state.
_FROM_UP = {'running': (), 'stopped': ('stop', 'wait_stopped'), 'restarted': ('reboot', 'wait_running')}
_FROM_DOWN = {'running': ('start', 'wait_running'), 'stopped': (), 'restarted': ('start', 'wait_running')}


def plan(desired, current, wait=True, label='the node'):
    """The steps that take a node from ``current`` (its state word; None when it does not exist) to ``desired``.

    Waits between two writes always stay (EC2 cannot stop a pending instance); the final wait only with ``wait``.
    ``restarted`` always restarts: that is a change every time.
    """
    if desired not in STATES:
        raise LibcloudModuleError('state must be one of %s, got %r' % (', '.join(STATES), desired))
    if desired == 'absent':
        steps = () if current is None else ('destroy', 'wait_gone')
    elif current is None:
        steps = ('create', 'wait_running', 'stop', 'wait_stopped') if desired == 'stopped' else ('create', 'wait_running')
    elif desired == 'present':
        steps = ()
    else:
        steps = _power_steps(desired, current, label)
    if not wait and steps and steps[-1] in WAITS:
        steps = steps[:-1]
    return steps


def _power_steps(desired, current, label):
    # A node on its way somewhere is first allowed to get there.
    settle = ()
    if current in GOING_UP:
        settle, current = ('wait_running',), 'running'
    elif current in GOING_DOWN:
        settle, current = ('wait_stopped',), 'stopped'
    if current in UP:
        return settle + _FROM_UP[desired]
    if current in DOWN:
        return settle + _FROM_DOWN[desired]
    raise LibcloudModuleError('%s is in state %s; it cannot be made %s (only running, stopped or transitional nodes can)'
                              % (label, current, desired))


def changes(steps):
    """Whether ``steps`` write anything."""
    return any(step in WRITES for step in steps)


def predicted_state(desired, current):
    """The state word a node should have after its plan ran; ``absent`` when there is no node."""
    if desired == 'absent':
        return 'absent'
    if desired == 'present':
        return current or 'running'
    return 'running' if desired == 'restarted' else desired


def reached(step, state, label='the node'):
    """Whether a node in ``state`` (None: not listed) is where the wait ``step`` wants it; fails if it never will be."""
    if step == 'wait_gone':
        return state is None or state == 'terminated'
    if state is None:
        # Not listed yet: a new node can take a moment to show up (EC2 is eventually consistent).
        return False
    if state in GONE or state == 'error':
        raise LibcloudModuleError('%s went %s while waiting for it to be %s' % (label, state, step[len('wait_'):]))
    if step == 'wait_running':
        return state in UP
    return state in DOWN


def is_protected_tag(key):
    return key in PROTECTED_TAGS or key.startswith(PROTECTED_TAG_PREFIXES)


def tag_changes(current, wanted, purge=False):
    """``(to_set, to_remove)``: tags to add or update, and tag keys to remove (only with ``purge``).

    ``wanted`` None means tags are not managed. Protected tags (Name, aws:*) are never removed.
    """
    if wanted is None:
        return {}, []
    current = current or {}
    to_set = dict((key, value) for key, value in wanted.items() if current.get(key) != value)
    to_remove = []
    if purge:
        to_remove = sorted(key for key in current if key not in wanted and not is_protected_tag(key))
    return to_set, to_remove


def tags_after(current, to_set, to_remove):
    tags = dict((key, value) for key, value in (current or {}).items() if key not in to_remove)
    tags.update(to_set)
    return tags


def normalize_tags(tags):
    """Tag values as strings (YAML gives numbers and booleans); None stays None (tags not managed)."""
    if tags is None:
        return None
    normalized = {}
    for key, value in tags.items():
        normalized[str(key)] = '' if value is None else str(value)
    return normalized


def numbered_name(name, number):
    return '%s-%d' % (name, number)


def number_of(name, node_name):
    """``n`` when ``node_name`` is ``<name>-<n>`` (n >= 1, no leading zero); None otherwise."""
    match = re.match(r'^%s-([1-9][0-9]*)$' % re.escape(name), node_name or '')
    return int(match.group(1)) if match else None


def duplicates(nodes):
    """``{name: [ids]}`` of names that more than one of ``nodes`` carries."""
    by_name = {}
    for node in nodes:
        by_name.setdefault(node.name, []).append(str(node.id))
    return dict((name, sorted(ids)) for name, ids in by_name.items() if len(ids) > 1)


def refuse_duplicates(nodes):
    found = duplicates(nodes)
    if found:
        described = '; '.join('%s: %s' % (name, ', '.join(ids)) for name, ids in sorted(found.items()))
        raise LibcloudModuleError('several live nodes carry the same name, so the name does not identify one node (%s); '
                                  'remove the extra nodes or rename them' % described)


def desired_nodes(name, state, count, live_nodes):
    """``[(node_name, requested_state, node_or_None)]``: every node the task manages, in order.

    Without ``count``: the one node called ``name``. With ``count``: ``<name>-1`` .. ``<name>-<count>`` in
    ``state``, and every higher-numbered ``<name>-<n>`` to be removed.
    """
    by_name = dict((node.name, node) for node in live_nodes)
    if count is None:
        return [(name, state, by_name.get(name))]
    wanted = [(numbered_name(name, number), state, by_name.get(numbered_name(name, number))) for number in range(1, count + 1)]
    surplus = sorted((number_of(name, node.name), node) for node in live_nodes if (number_of(name, node.name) or 0) > count)
    return wanted + [(node.name, 'absent', node) for _number, node in surplus]


def validate(params):
    """Fail fast, with one line, on input that no provider could accept."""
    name = params.get('name')
    if not name or not str(name).strip():
        raise LibcloudModuleError('name must be a non-empty string: it identifies the node')
    if params.get('wait_timeout') is not None and params['wait_timeout'] <= 0:
        raise LibcloudModuleError('wait_timeout must be a positive number of seconds, got %s' % params['wait_timeout'])
    count = params.get('count')
    if count is not None and count < 0:
        raise LibcloudModuleError('count must be 0 or more, got %s' % count)
    if count is not None and params.get('state') == 'absent':
        raise LibcloudModuleError('count cannot be combined with state=absent; use count: 0 to remove every node of the name')
    tags = params.get('tags') or {}
    for key in PROTECTED_TAGS:
        if key in tags and count is None and str(tags[key]) != name:
            raise LibcloudModuleError('tags.%s must not differ from name: the name is the node\'s identity' % key)
        if key in tags and count is not None:
            raise LibcloudModuleError('tags.%s cannot be set with count: each node is named <name>-<number>' % key)
