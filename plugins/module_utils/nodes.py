# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Listing, selecting and looking up compute nodes, and the driver calls that change them.

Where providers differ, these ask the driver's adapter (module_utils/providers/); nothing here asks which provider
it talks to.
"""

from __future__ import annotations

import fnmatch
import inspect

from ansible_collections.cloudmesh.libcloud.plugins.module_utils import retries
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.convert import node_tags, state_name
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.node_state import GONE, tags_after
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers import adapter_for
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.generic import not_found, pick, provider_name


def list_nodes(driver):
    """All nodes of ``driver``."""
    return adapter_for(driver).list_nodes()


def node_matches(node, name=None, states=None, tags=None):
    """True when ``node`` matches the name glob, one of ``states`` and every one of ``tags``."""
    if name and not fnmatch.fnmatchcase(node.name or '', name):
        return False
    if states and state_name(node.state) not in states:
        return False
    if tags:
        have = node_tags(node)
        if any(have.get(str(key)) != str(value) for key, value in tags.items()):
            return False
    return True


def list_images(driver, pattern=None):
    """Images of ``driver``, narrowed on the server by ``pattern`` where it can (the caller still filters)."""
    return adapter_for(driver).list_images(pattern)


# ---------------------------------------------------------------------------------------------------------------
# Managing nodes by name (libcloud_node)

# Our options and the create_node keyword arguments that drivers take for them, in order of preference.
CREATE_KWARGS = {
    'key_name': ('ex_keyname', 'ex_key_name'),
    'user_data': ('ex_userdata', 'ex_user_data'),
    'security_groups': ('ex_security_groups', 'ex_securitygroup', 'ex_security_group_ids'),
    # Where a new node goes. The driver's adapter turns ids and names into what its create_node takes (EC2 subnet
    # objects and group ids, OpenStack network and security group objects).
    'subnet': ('ex_subnet',),
    'networks': ('networks',),
    # GCE calls its tags labels (its metadata is something else); EC2 and OpenStack call them metadata.
    'tags': ('ex_labels', 'ex_metadata', 'ex_tags'),
}
PLACEMENT = ('subnet', 'networks', 'security_groups')

# Power actions: libcloud's standard method first, then the older ex_ variant.
POWER_METHODS = {
    'start': ('start_node', 'ex_start_node'),
    'stop': ('stop_node', 'ex_stop_node'),
    'reboot': ('reboot_node',),
    'destroy': ('destroy_node',),
}


def current_state(node):
    """The node's state word: libcloud's, or the provider's own where libcloud only says ``unknown``.

    libcloud's EC2 driver maps both ``stopping`` and ``shutting-down`` to ``unknown``; they mean opposite things.
    """
    state = state_name(node.state)
    raw = (node.extra or {}).get('status')
    if state == 'unknown' and isinstance(raw, str) and raw.strip():
        return raw.strip().lower()
    return state


def is_live(node):
    return current_state(node) not in GONE


def find_named_nodes(driver, name, numbered=False):
    """Live nodes called ``name`` (or ``<name>-<anything>`` with ``numbered``), in one listing the server narrows
    where it can."""
    prefix = name + '-'
    nodes = adapter_for(driver).nodes_named(name, numbered)
    return [node for node in nodes if is_live(node) and ((node.name or '').startswith(prefix) if numbered else node.name == name)]


def nodes_by_id(driver, ids):
    """``{id: node}`` for the nodes with these ids, in any state."""
    ids = [str(ident) for ident in ids]
    if not ids:
        return {}
    wanted = set(ids)
    return dict((str(node.id), node) for node in adapter_for(driver).nodes_with_ids(ids) if str(node.id) in wanted)


# ---------------------------------------------------------------------------------------------------------------
# Images, sizes and locations by id or exact name

def find_image(driver, wanted):
    """The image whose id or exact name is ``wanted``, asked for directly where the server can find it."""
    return adapter_for(driver).find_image(str(wanted))


def find_size(driver, wanted):
    """The size (flavor, instance type) whose id or exact name is ``wanted``; size lists are short."""
    return _find_listed('size', str(wanted), driver.list_sizes())


def find_location(driver, wanted):
    """The location (zone, region) whose id or exact name is ``wanted``."""
    return _find_listed('location', str(wanted), driver.list_locations())


def _find_listed(option, wanted, items):
    found = pick(option, wanted, items)
    if found is None:
        raise not_found(option, wanted, [str(item.id) for item in items] + [item.name for item in items])
    return found


# ---------------------------------------------------------------------------------------------------------------
# Creating, powering and tagging

def _parameters(func):
    """Names of the keyword arguments ``func`` takes, and whether it takes any (``**kwargs``)."""
    parameters = inspect.signature(func).parameters
    any_kwargs = any(p.kind == inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    return set(parameters), any_kwargs


def create_kwargs(driver, options, extra=None):
    """The create_node keyword arguments for our ``options`` (key_name, user_data, tags; subnet, networks and
    security_groups, by id or name) and ``extra``.

    Fails, naming the option, when the provider's create_node cannot take one. Tags a driver takes only after
    creation (see :func:`tag_method`) are left out here. Placement is looked up last (read-only requests), after
    everything that can be refused without asking the cloud.
    """
    accepted, any_kwargs = _parameters(driver.create_node)
    adapter = adapter_for(driver)
    options, extra = dict(options), dict(extra or {})
    for keyword, option in adapter.extra_by_id_or_name.items():
        value = _id_or_name(option, extra.get(keyword))
        if value is not None:
            if options.get(option):
                raise LibcloudModuleError('extra.%s conflicts with the option %s: give one of them' % (keyword, option))
            options[option] = value
            del extra[keyword]
    # Empty tags or placement lists ask for nothing.
    given = [option for option, value in options.items() if value is not None and not (option in PLACEMENT + ('tags',) and not value)]
    kwargs = {}
    for option in given:
        keyword = next((name for name in CREATE_KWARGS[option] if name in accepted), None)
        if keyword is None and not (option in PLACEMENT and any_kwargs):
            if option == 'tags' and tag_method(driver):
                continue
            raise LibcloudModuleError('option %s is not supported by the %s driver (its create_node takes none of %s)'
                                      % (option, provider_name(driver), ', '.join(CREATE_KWARGS[option])))
        if option not in PLACEMENT:
            kwargs[keyword] = options[option]
    for keyword, value in extra.items():
        if keyword in ('name', 'size', 'image', 'location'):
            raise LibcloudModuleError('extra.%s is not allowed: use the option %s' % (keyword, keyword))
        if keyword in ('ex_mincount', 'ex_maxcount'):
            # Several nodes of one name would no longer be identified by it.
            raise LibcloudModuleError('extra.%s is not allowed: use the option count' % keyword)
        option = next((option for option in given if keyword in CREATE_KWARGS[option]), None)
        if option is not None:
            raise LibcloudModuleError('extra.%s conflicts with the option %s: give one of them' % (keyword, option))
        if keyword not in accepted and not any_kwargs:
            known = sorted(name for name in accepted if name.startswith('ex_'))
            raise LibcloudModuleError('extra.%s is not an argument of the %s driver\'s create_node; it takes %s'
                                      % (keyword, provider_name(driver), ', '.join(known) or 'no ex_ arguments'))
        kwargs[keyword] = value
    kwargs.update(adapter.placement_arguments(**dict((option, options[option]) for option in PLACEMENT if option in given)))
    return kwargs


def _id_or_name(option, value):
    """An ``extra`` value as the ``option`` takes it by id or name (a string, or strings for networks); None when it
    is anything else, which goes to the driver as it is."""
    if option == 'subnet':
        return value if isinstance(value, str) and value else None
    values = [value] if isinstance(value, str) else value
    if isinstance(values, list) and values and all(isinstance(item, str) for item in values):
        return values
    return None


def required_for_create(driver):
    """Which of image, size and location the driver's create_node cannot do without."""
    parameters = inspect.signature(driver.create_node).parameters
    return [name for name in ('image', 'size', 'location')
            if name in parameters and parameters[name].default is inspect.Parameter.empty]


def create_node(driver, name, image=None, size=None, location=None, kwargs=None):
    """Create one node called ``name``; never two, however the provider's answers get lost.

    A create whose answer was lost (a reset, a time-out, a 5xx) may have worked: it is tried again only after a
    listing shows no live node of that name; a node found is the one created. Where the provider takes an
    idempotency token (EC2's ClientToken), every try sends the same one, so the provider itself refuses a twin.
    """
    arguments = dict(kwargs or {})
    for keyword, value in (('image', image), ('size', size), ('location', location)):
        if value is not None:
            arguments[keyword] = value
    for keyword, value in adapter_for(driver).idempotency_arguments().items():
        arguments.setdefault(keyword, value)

    def live_twin():
        found = find_named_nodes(driver, name)
        return found[0] if found else None

    return retries.create_once(driver, lambda: driver.create_node(name=name, **arguments), live_twin)


def power(driver, node, action):
    """``start``, ``stop``, ``reboot`` or ``destroy`` ``node``; the standard method first, then the ex_ variant."""
    for method_name in POWER_METHODS[action]:
        method = getattr(driver, method_name, None)
        if method is None:
            continue
        try:
            done = method(node)
        except NotImplementedError:
            continue
        except Exception as exc:
            if action == 'destroy' and _already_gone(exc):
                return  # a retried destroy whose first answer was lost: the wanted state
            reason = adapter_for(driver).unsupported_action(action, exc)
            if reason:
                raise LibcloudModuleError('cannot %s node %s (%s): %s' % (action, node.name, node.id, reason)) from None
            raise
        if done is False:
            raise LibcloudModuleError('the provider refused to %s node %s (%s)' % (action, node.name, node.id))
        return
    raise LibcloudModuleError('the %s driver cannot %s nodes (it has none of %s)'
                              % (provider_name(driver), action, ', '.join(POWER_METHODS[action])))


def _already_gone(exc):
    return retries.http_status(exc) == 404 or 'NotFound' in str(exc) or 'could not be found' in str(exc)


def tag_method(driver):
    """How the driver changes a node's tags: ``incremental`` (EC2 tags), ``metadata`` (OpenStack),
    ``labels`` (GCE), or None when it cannot."""
    return adapter_for(driver).tag_method()


def apply_tags(driver, node, to_set, to_remove, current):
    """Add or update ``to_set`` and remove the keys ``to_remove`` on ``node`` (whose tags are ``current``)."""
    method = tag_method(driver)
    if method is None:
        raise LibcloudModuleError('the %s driver cannot change the tags of a node; remove tags from the task'
                                  % provider_name(driver))
    if method == 'incremental':
        done = tag_incrementally(driver, node, to_set, to_remove)
    else:
        setter = driver.ex_set_metadata if method == 'metadata' else driver.ex_set_node_labels
        done = setter(node, tags_after(current, to_set, to_remove)) is not False
    if not done:
        raise LibcloudModuleError('the provider refused to change the tags of node %s (%s)' % (node.name, node.id))


def tag_incrementally(driver, resource, to_set, to_remove):
    """Add or update ``to_set`` and remove the keys ``to_remove`` on any resource (node, volume) with the driver's
    ``ex_create_tags`` and ``ex_delete_tags``; False when the provider refused."""
    done = True
    if to_set:
        done = driver.ex_create_tags(resource, to_set) is not False
    if to_remove and done:
        done = driver.ex_delete_tags(resource, dict((key, None) for key in to_remove)) is not False
    return done
