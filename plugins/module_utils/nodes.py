# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Listing, selecting and looking up compute nodes, and the driver calls that change them."""

from __future__ import annotations

import difflib
import fnmatch
import inspect
import re
import uuid

from ansible_collections.cloudmesh.libcloud.plugins.module_utils import retries
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.convert import node_tags, state_name
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.node_state import GONE

# AWS accepts 5..1000; asking for the most keeps the number of round trips low.
EC2_PAGE_SIZE = 1000


def _is_ec2(driver):
    try:
        from libcloud.compute.drivers.ec2 import BaseEC2NodeDriver
    except ImportError:
        return False
    return isinstance(driver, BaseEC2NodeDriver)


def _list_ec2_nodes(driver, filters=None):
    """Every EC2 instance, following ``nextToken``.

    libcloud's ``list_nodes`` reads only the first page (AWS and moto page DescribeInstances) and makes an
    extra DescribeAddresses call per listing; elastic IPs already appear as the instance's public address.
    """
    from libcloud.compute.drivers.ec2 import NAMESPACE
    from libcloud.utils.xml import findall, findtext

    nodes = []
    token = None
    while True:
        params = {'Action': 'DescribeInstances', 'MaxResults': str(EC2_PAGE_SIZE)}
        if filters:
            params.update(driver._build_filters(filters))  # pylint: disable=protected-access
        if token:
            params['NextToken'] = token
        body = driver.connection.request(driver.path, params=params).object
        for reservation in findall(element=body, xpath='reservationSet/item', namespace=NAMESPACE):
            nodes.extend(driver._to_nodes(reservation, 'instancesSet/item'))  # pylint: disable=protected-access
        token = findtext(element=body, xpath='nextToken', namespace=NAMESPACE)
        if not token:
            return nodes


def list_nodes(driver, ec2_filters=None):
    """All nodes of ``driver``; ``ec2_filters`` narrows the listing on the server where the provider is EC2."""
    if _is_ec2(driver):
        return _list_ec2_nodes(driver, ec2_filters)
    return driver.list_nodes()


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
    """Images of ``driver``, narrowed on the server where it can (EC2 lists every public image otherwise)."""
    if not _is_ec2(driver) or not pattern:
        return driver.list_images()
    if pattern.startswith('ami-') and not any(char in pattern for char in '*?['):
        return driver.list_images(ex_image_ids=[pattern])
    # EC2's name filter understands * and ? itself.
    return driver.list_images(ex_filters={'name': pattern})


# ---------------------------------------------------------------------------------------------------------------
# Managing nodes by name (libcloud_node)

# EC2 instance states that count as a live node; the listing asks the server for these only.
EC2_LIVE_STATES = ['pending', 'running', 'stopping', 'stopped']

# AWS accepts at most 200 values in one filter; waits on more nodes than this take one listing per chunk.
EC2_FILTER_VALUES = 200

# Our options and the create_node keyword arguments that drivers take for them, in order of preference.
CREATE_KWARGS = {
    'key_name': ('ex_keyname', 'ex_key_name'),
    'user_data': ('ex_userdata', 'ex_user_data'),
    'security_groups': ('ex_security_groups', 'ex_securitygroup'),
    # GCE calls its tags labels (its metadata is something else); EC2 and OpenStack call them metadata.
    'tags': ('ex_labels', 'ex_metadata', 'ex_tags'),
}

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


def uses_name_tag(driver):
    """Whether the provider keeps a node's name in its tags (EC2's Name tag)."""
    return _is_ec2(driver)


def is_live(node):
    return current_state(node) not in GONE


def _ec2_literal(value):
    # EC2 filter values treat * and ? as wildcards; a backslash makes them literal.
    return ''.join('\\' + char if char in '*?\\' else char for char in value)


def find_named_nodes(driver, name, numbered=False):
    """Live nodes called ``name`` (or ``<name>-<anything>`` with ``numbered``), in one listing.

    On EC2 the server filters by Name tag and live state: one request, however many instances the account holds.
    """
    prefix = name + '-'
    if _is_ec2(driver):
        value = _ec2_literal(prefix) + '*' if numbered else _ec2_literal(name)
        nodes = list_nodes(driver, {'tag:Name': [value], 'instance-state-name': EC2_LIVE_STATES})
    else:
        nodes = list_nodes(driver)
    return [node for node in nodes if is_live(node) and ((node.name or '').startswith(prefix) if numbered else node.name == name)]


def nodes_by_id(driver, ids):
    """``{id: node}`` for the nodes with these ids, in any state; one listing (per 200 ids on EC2)."""
    ids = [str(ident) for ident in ids]
    if not ids:
        return {}
    if _is_ec2(driver):
        nodes = []
        for start in range(0, len(ids), EC2_FILTER_VALUES):
            # A filter, not InstanceId: an id the server does not know yet (eventual consistency) is just missing.
            nodes.extend(list_nodes(driver, {'instance-id': ids[start:start + EC2_FILTER_VALUES]}))
    else:
        nodes = list_nodes(driver)
    wanted = set(ids)
    return dict((str(node.id), node) for node in nodes if str(node.id) in wanted)


# ---------------------------------------------------------------------------------------------------------------
# Images, sizes and locations by id or exact name

def _not_found(option, wanted, names):
    close = difflib.get_close_matches(wanted, sorted(set(name for name in names if name)), n=5, cutoff=0.6)
    hint = ('closest: %s' % ', '.join(close)) if close else 'nothing close'
    return LibcloudModuleError('unknown %s %r: no %s has this id or exact name; %s' % (option, wanted, option, hint))


def _pick(option, wanted, items):
    """The one item whose id, else whose exact name, is ``wanted``."""
    by_id = [item for item in items if str(item.id) == wanted]
    if by_id:
        return by_id[0]
    by_name = [item for item in items if item.name == wanted]
    if len(by_name) > 1:
        raise LibcloudModuleError('%s %r is the name of several %ss (%s); give the id instead'
                                  % (option, wanted, option, ', '.join(sorted(str(item.id) for item in by_name)[:10])))
    return by_name[0] if by_name else None


def _ec2_images(driver, **kwargs):
    from libcloud.common.exceptions import BaseHTTPError

    try:
        return driver.list_images(**kwargs)
    except BaseHTTPError as exc:
        # An unknown or malformed AMI id is an error on EC2, not an empty answer.
        if 'InvalidAMIID' in str(exc):
            return []
        raise


def find_image(driver, wanted):
    """The image whose id or exact name is ``wanted``; on EC2 asked for directly, never by listing every image."""
    wanted = str(wanted)
    if not _is_ec2(driver):
        images = driver.list_images()
        found = _pick('image', wanted, images)
        if found is None:
            raise _not_found('image', wanted, [image.name for image in images])
        return found
    if re.match(r'^ami-[0-9a-fA-F]+$', wanted):
        found = _ec2_images(driver, ex_image_ids=[wanted])
        if found:
            return found[0]
    found = _pick('image', wanted, _ec2_images(driver, ex_filters={'name': _ec2_literal(wanted)}))
    if found:
        return found
    # A few names that start like the wanted one, to suggest; bounded by the prefix, not a listing of everything.
    candidates = _ec2_images(driver, ex_filters={'name': _ec2_literal(wanted[:4]) + '*'})
    raise _not_found('image', wanted, [image.name for image in candidates])


def find_size(driver, wanted):
    """The size (flavor, instance type) whose id or exact name is ``wanted``; size lists are short."""
    return _find_listed('size', str(wanted), driver.list_sizes())


def find_location(driver, wanted):
    """The location (zone, region) whose id or exact name is ``wanted``."""
    return _find_listed('location', str(wanted), driver.list_locations())


def _find_listed(option, wanted, items):
    found = _pick(option, wanted, items)
    if found is None:
        raise _not_found(option, wanted, [str(item.id) for item in items] + [item.name for item in items])
    return found


# ---------------------------------------------------------------------------------------------------------------
# Creating, powering and tagging

def _parameters(func):
    """Names of the keyword arguments ``func`` takes, and whether it takes any (``**kwargs``)."""
    parameters = inspect.signature(func).parameters
    any_kwargs = any(p.kind == inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    return set(parameters), any_kwargs


def provider_name(driver):
    return str(getattr(driver, 'type', None) or getattr(driver, 'name', None) or type(driver).__name__)


def create_kwargs(driver, options, extra=None):
    """The create_node keyword arguments for our ``options`` (key_name, user_data, security_groups, tags) and ``extra``.

    Fails, naming the option, when the provider's create_node cannot take one. Tags a driver takes only after
    creation (see :func:`tag_method`) are left out here.
    """
    accepted, any_kwargs = _parameters(driver.create_node)
    kwargs = {}
    for option, value in options.items():
        if value is None or (option == 'tags' and not value):
            continue
        keyword = next((name for name in CREATE_KWARGS[option] if name in accepted), None)
        if keyword is None:
            if option == 'tags' and tag_method(driver):
                continue
            raise LibcloudModuleError('option %s is not supported by the %s driver (its create_node takes none of %s)'
                                      % (option, provider_name(driver), ', '.join(CREATE_KWARGS[option])))
        if option == 'security_groups' and not _is_ec2(driver) and hasattr(driver, 'ex_list_security_groups'):
            value = _security_group_objects(driver, value)
        kwargs[keyword] = value
    for keyword, value in (extra or {}).items():
        if keyword in ('name', 'size', 'image', 'location'):
            raise LibcloudModuleError('extra.%s is not allowed: use the option %s' % (keyword, keyword))
        if keyword in ('ex_mincount', 'ex_maxcount'):
            # Several nodes of one name would no longer be identified by it.
            raise LibcloudModuleError('extra.%s is not allowed: use the option count' % keyword)
        if keyword in kwargs:
            option = next(option for option, names in CREATE_KWARGS.items() if keyword in names)
            raise LibcloudModuleError('extra.%s conflicts with the option %s: give one of them' % (keyword, option))
        if keyword not in accepted and not any_kwargs:
            known = sorted(name for name in accepted if name.startswith('ex_'))
            raise LibcloudModuleError('extra.%s is not an argument of the %s driver\'s create_node; it takes %s'
                                      % (keyword, provider_name(driver), ', '.join(known) or 'no ex_ arguments'))
        kwargs[keyword] = value
    return kwargs


def _security_group_objects(driver, names):
    # OpenStack's driver wants its own security group objects, not names.
    groups = dict((group.name, group) for group in driver.ex_list_security_groups())
    missing = [name for name in names if name not in groups]
    if missing:
        raise LibcloudModuleError('unknown security_groups: %s; known: %s' % (', '.join(missing), ', '.join(sorted(groups)[:20])))
    return [groups[name] for name in names]


def required_for_create(driver):
    """Which of image, size and location the driver's create_node cannot do without."""
    parameters = inspect.signature(driver.create_node).parameters
    return [name for name in ('image', 'size', 'location')
            if name in parameters and parameters[name].default is inspect.Parameter.empty]


def create_node(driver, name, image=None, size=None, location=None, kwargs=None):
    """Create one node called ``name``; never two, however the provider's answers get lost.

    A create whose answer was lost (a reset, a time-out, a 5xx) may have worked: it is tried again only after a
    listing shows no live node of that name; a node found is the one created. Where the driver takes an
    idempotency token (EC2's ClientToken), every try sends the same one, so the provider itself refuses a twin.
    """
    arguments = dict(kwargs or {})
    for keyword, value in (('image', image), ('size', size), ('location', location)):
        if value is not None:
            arguments[keyword] = value
    if 'ex_clienttoken' in _parameters(driver.create_node)[0]:
        arguments.setdefault('ex_clienttoken', uuid.uuid4().hex)
    answer_lost = []

    def attempt():
        if answer_lost:
            found = find_named_nodes(driver, name)
            if found:
                return found[0]
        try:
            return driver.create_node(name=name, **arguments)
        except Exception as exc:
            if retries.classify(exc) == retries.TRANSIENT:
                answer_lost.append(exc)
            raise

    return retries.policy_of(driver).call(attempt)


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
    create, delete = getattr(driver, 'ex_create_tags', None), getattr(driver, 'ex_delete_tags', None)
    if create and delete and list(inspect.signature(create).parameters)[:2] == ['resource', 'tags']:
        return 'incremental'
    if hasattr(driver, 'ex_set_metadata'):
        return 'metadata'
    if hasattr(driver, 'ex_set_node_labels'):
        return 'labels'
    return None


def apply_tags(driver, node, to_set, to_remove, current):
    """Add or update ``to_set`` and remove the keys ``to_remove`` on ``node`` (whose tags are ``current``)."""
    method = tag_method(driver)
    if method is None:
        raise LibcloudModuleError('the %s driver cannot change the tags of a node; remove tags from the task'
                                  % provider_name(driver))
    if method == 'incremental':
        done = True
        if to_set:
            done = driver.ex_create_tags(node, to_set) is not False
        if to_remove and done:
            done = driver.ex_delete_tags(node, dict((key, None) for key in to_remove)) is not False
    else:
        tags = dict((key, value) for key, value in current.items() if key not in to_remove)
        tags.update(to_set)
        setter = driver.ex_set_metadata if method == 'metadata' else driver.ex_set_node_labels
        done = setter(node, tags) is not False
    if not done:
        raise LibcloudModuleError('the provider refused to change the tags of node %s (%s)' % (node.name, node.id))
