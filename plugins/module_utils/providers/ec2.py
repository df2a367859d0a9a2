# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What we do differently on EC2 and the clouds that speak its API (libcloud's BaseEC2NodeDriver: Eucalyptus,
Nimbus, Outscale).

- Listings follow ``nextToken`` (libcloud reads only the first page) and skip libcloud's extra DescribeAddresses.
- The server narrows listings: by Name tag and live state, by instance id; images by id or name, never a listing
  of every public image (without a pattern, the account's own images).
- A node's name is its Name tag; tags are added and deleted key by key. Subnets (by id or Name tag) and security
  groups (by id or name, in the node's VPC) are looked up here.
- create_node carries a ClientToken, so that EC2 itself refuses a twin of a retried create.
- On EC2 itself, requests are signed with Signature Version 4 unless ``options.signature_version`` says otherwise:
  libcloud 3.9.1 signs us-east-1, us-west-1/2, eu-west-1, sa-east-1 and several ap- regions with version 2, which
  AWS is retiring (and which ap-east-1, in its table, never accepted); version 4 works in every region. Credentials
  may come from a profile of AWS's shared credentials file (see ``aws_credentials``).
- On EC2 itself, the inventory reads DescribeInstances pages straight into node dicts (:class:`Ec2InstanceParser`);
  the compatible clouds answer in XML namespaces of their own and are read through libcloud.
"""

from __future__ import annotations

import inspect
import re
import uuid

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.convert import json_safe, state_name
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers import aws_credentials
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.generic import GenericAdapter, not_found, pick, resolve_listed

# AWS accepts 5..1000; asking for the most keeps the number of round trips low.
PAGE_SIZE = 1000

# Instance states that count as a live node; a listing by name asks the server for these only.
LIVE_STATES = ['pending', 'running', 'stopping', 'stopped']

# AWS accepts at most 200 values in one filter; a listing of more ids takes one request per chunk.
FILTER_VALUES = 200

# What an id looks like, as against a name: EC2 refuses names of security groups that start with sg-.
SUBNET_ID = re.compile(r'^subnet-[0-9a-f]+$')
GROUP_ID = re.compile(r'^sg-[0-9a-f]+$')


def literal(value):
    """``value`` for an EC2 filter, which treats * and ? as wildcards: a backslash makes them literal."""
    return ''.join('\\' + char if char in '*?\\' else char for char in value)


class Ec2CompatibleAdapter(GenericAdapter):
    name_tag = 'Name'

    def list_nodes(self):
        return self.describe_instances()

    def describe_instances(self, filters=None):
        """Every instance matching ``filters``, following ``nextToken``."""
        from libcloud.compute.drivers.ec2 import NAMESPACE
        from libcloud.utils.xml import findall, findtext

        driver = self.driver
        nodes = []
        token = None
        while True:
            params = {'Action': 'DescribeInstances', 'MaxResults': str(PAGE_SIZE)}
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

    def nodes_named(self, name, numbered):
        # One request, however many instances the account holds.
        value = literal(name + '-') + '*' if numbered else literal(name)
        return self.describe_instances({'tag:Name': [value], 'instance-state-name': LIVE_STATES})

    def nodes_with_ids(self, ids):
        nodes = []
        for start in range(0, len(ids), FILTER_VALUES):
            # A filter, not InstanceId: an id the server does not know yet (eventual consistency) is just missing.
            nodes.extend(self.describe_instances({'instance-id': ids[start:start + FILTER_VALUES]}))
        return nodes

    def list_images(self, pattern=None):
        if not pattern:
            # The account's own images: every public image is tens of thousands of entries and minutes of listing.
            return self.driver.list_images(ex_owner='self')
        if pattern.startswith('ami-') and not any(char in pattern for char in '*?['):
            return self.driver.list_images(ex_image_ids=[pattern])
        # EC2's name filter understands * and ? itself.
        return self.driver.list_images(ex_filters={'name': pattern})

    def find_image(self, wanted):
        if re.match(r'^ami-[0-9a-fA-F]+$', wanted):
            found = self._images(ex_image_ids=[wanted])
            if found:
                return found[0]
        found = pick('image', wanted, self._images(ex_filters={'name': literal(wanted)}))
        if found:
            return found
        # A few names that start like the wanted one, to suggest; bounded by the prefix, not a listing of everything.
        candidates = self._images(ex_filters={'name': literal(wanted[:4]) + '*'})
        raise not_found('image', wanted, [image.name for image in candidates])

    def _images(self, **kwargs):
        from libcloud.common.exceptions import BaseHTTPError

        try:
            return self.driver.list_images(**kwargs)
        except BaseHTTPError as exc:
            # An unknown or malformed AMI id is an error on EC2, not an empty answer.
            if 'InvalidAMIID' in str(exc):
                return []
            raise

    # A subnet id or Name tag in extra.ex_subnet (the docs once suggested it) is resolved as the option subnet is.
    extra_by_id_or_name = {'ex_subnet': 'subnet'}

    def subnet_arguments(self, wanted):
        driver = self.driver
        if SUBNET_ID.match(wanted):
            # A filter, not SubnetId: an unknown id is just missing, not an error.
            found = driver.ex_list_subnets(filters={'subnet-id': [wanted]})
            if found:
                return {'ex_subnet': found[0]}
        found = pick('subnet', wanted, driver.ex_list_subnets(filters={'tag:Name': [literal(wanted)]}))
        if found is None:
            # Only now the region's subnets, to suggest the closest: tens of them, not thousands.
            subnets = driver.ex_list_subnets()
            raise not_found('subnet', wanted, [subnet.id for subnet in subnets] + [subnet.name for subnet in subnets], known=True)
        return {'ex_subnet': found}

    def security_group_arguments(self, wanted, placement):
        # A group name means a group of the VPC the node goes to: the subnet's, else the default VPC. A launch into a
        # subnet takes group ids (libcloud's ex_security_group_ids, only with ex_subnet); one without takes names,
        # which EC2 looks up in the default VPC, where these were found.
        subnet = placement.get('ex_subnet')
        vpc_id = subnet.extra.get('vpc_id') if subnet is not None else self.default_vpc_id()
        scope = {'vpc-id': [vpc_id]} if vpc_id else {}
        where = ' in %s' % vpc_id if vpc_id else ''
        ids = [value for value in wanted if GROUP_ID.match(value)]
        names = [value for value in wanted if value not in ids]
        listed = []
        if ids:
            listed += self.driver.ex_get_security_groups(filters=dict(scope, **{'group-id': ids}))
        if names:
            listed += self.driver.ex_get_security_groups(filters=dict(scope, **{'group-name': [literal(name) for name in names]}))
        groups = list(dict((group.id, group) for group in listed).values())  # a group given by id and by name: once
        missing = [value for value in wanted if pick('security group', value, groups) is None]
        if missing:
            missing_ids = [value for value in missing if GROUP_ID.match(value)]
            elsewhere = self.driver.ex_get_security_groups(filters={'group-id': missing_ids}) if vpc_id and missing_ids else []
            if elsewhere:
                group = elsewhere[0]
                raise LibcloudModuleError("security group %s (%s) is in %s, not in the node's VPC %s (%s); give a group of that VPC"
                                          % (group.id, group.name, group.extra.get('vpc_id'), vpc_id,
                                             "its subnet's" if subnet is not None else 'the default VPC, as no subnet is given'))
            # Only now every group where the node goes, to suggest the closest.
            groups = self.driver.ex_get_security_groups(filters=scope or None)
        found = resolve_listed('security group', wanted, groups, where)
        if subnet is not None:
            return {'ex_security_group_ids': [group.id for group in found]}
        return {'ex_security_groups': [group.name for group in found]}

    def default_vpc_id(self):
        """The id of the region's default VPC, or None (an account without one, or a cloud without VPCs)."""
        found = self.driver.ex_list_networks(filters={'is-default': 'true'})
        return found[0].id if found else None

    def idempotency_arguments(self):
        # Outscale's create_node takes no ClientToken.
        if 'ex_clienttoken' in inspect.signature(self.driver.create_node).parameters:
            return {'ex_clienttoken': uuid.uuid4().hex}
        return {}

    def tag_method(self):
        return 'incremental'

    def volumes(self, name=None):
        return self.driver.list_volumes(ex_filters={'tag:Name': [literal(name)]} if name else None)

    def volume_by_id(self, ident):
        # A filter, not VolumeId: an id the server does not know (any more) is just missing, not an error.
        return next(iter(self.driver.list_volumes(ex_filters={'volume-id': [ident]})), None)

    @staticmethod
    def attachment_settled(volume):
        # An attaching volume is already "in-use" on EC2; its attachment's own status says when it is done.
        return (volume.extra or {}).get('attachment_status') in (None, 'attached')

    def create_volume_arguments(self, volume_type):
        # libcloud asks for "standard" (magnetic) volumes unless told otherwise; None lets EC2 apply its default (gp2/gp3).
        return {'ex_volume_type': volume_type}

    def snapshots(self, name=None, ident=None):
        # Without an owner, DescribeSnapshots lists every public snapshot of every account; a name or id is
        # looked for by the server (libcloud's list_snapshots takes no filter).
        driver = self.driver
        params = {'Action': 'DescribeSnapshots', 'Owner.1': 'self'}
        filters = {'tag:Name': [literal(name)]} if name else {}
        if ident:
            filters['snapshot-id'] = [ident]
        if filters:
            params.update(driver._build_filters(filters))  # pylint: disable=protected-access
        return driver._to_snapshots(driver.connection.request(driver.path, params=params).object)  # pylint: disable=protected-access

    def create_snapshot(self, volume, name, description):
        # libcloud's create_volume_snapshot writes the name as the description; EC2 keeps the name in the Name tag.
        driver = self.driver
        params = {'Action': 'CreateSnapshot', 'VolumeId': volume.id, 'Description': description or name}
        snapshot = driver._to_snapshot(driver.connection.request(driver.path, params=params).object, name)  # pylint: disable=protected-access
        if driver.ex_create_tags(snapshot, {'Name': name}):
            snapshot.extra['tags'] = {'Name': name}
        return snapshot


class Ec2Adapter(Ec2CompatibleAdapter):

    @classmethod
    def new_driver(cls, driver_class, key, kwargs):
        return driver_class(key, **dict({'signature_version': '4'}, **kwargs))

    @classmethod
    def complete_credentials(cls, conn):
        return aws_credentials.complete(conn)

    def node_pages(self):
        return Ec2InstanceParser.for_driver(self.driver).pages(self.driver)


class Ec2InstanceParser:
    """DescribeInstances pages straight into :func:`node_to_dict`'s dicts.

    Building libcloud Node objects costs more than the whole XML parse (every field is an XPath lookup that
    rebuilds its namespaced path); inventories list thousands of instances, so this reads the same fields
    from the same response with direct child lookups. It uses the EC2 driver's own namespace, field map and
    state map, so the dicts equal ``node_to_dict(driver._to_node(item))``; a test compares the two on the
    local cloud. Follows ``nextToken`` and skips DescribeAddresses, as the adapter's listing does.
    """

    _instances = {}

    def __init__(self, namespace, extra_map, state_map, unknown_state):
        self.ns = '{%s}' % namespace
        self.node_fields = self._compile(extra_map['node'])
        self.ebs_fields = self._compile(extra_map['ebs_instance_block_device'])
        self.state_map = dict((key, state_name(value)) for key, value in state_map.items())
        self.unknown_state = state_name(unknown_state)
        tag = self.tag
        self.reservations_path = '%s/%s' % (tag('reservationSet'), tag('item'))
        self.instances_path = '%s/%s' % (tag('instancesSet'), tag('item'))
        self.tags_path = '%s/%s' % (tag('tagSet'), tag('item'))
        self.devices_path = '%s/%s' % (tag('blockDeviceMapping'), tag('item'))
        self.groups_path = '%s/%s' % (tag('groupSet'), tag('item'))
        self.interfaces_path = '%s/%s' % (tag('networkInterfaceSet'), tag('item'))
        self.product_codes_path = '%s/%s/%s' % (tag('productCodesSet'), tag('item'), tag('productCode'))

    @classmethod
    def for_driver(cls, driver):
        from libcloud.compute.drivers.ec2 import NAMESPACE, RESOURCE_EXTRA_ATTRIBUTES_MAP
        from libcloud.compute.types import NodeState

        key = (NAMESPACE, type(driver))
        if key not in cls._instances:
            cls._instances[key] = cls(NAMESPACE, RESOURCE_EXTRA_ATTRIBUTES_MAP, driver.NODE_STATE_MAP, NodeState.UNKNOWN)
        return cls._instances[key]

    def tag(self, name):
        return self.ns + name

    def _compile(self, mapping):
        return [(attribute, tuple(self.tag(part) for part in spec['xpath'].split('/')), spec['transform_func'])
                for attribute, spec in mapping.items()]

    def pages(self, driver, page_size=None):
        """The node dicts of each DescribeInstances page, following ``nextToken``."""
        params = {'Action': 'DescribeInstances', 'MaxResults': str(page_size or PAGE_SIZE)}
        next_token = self.tag('nextToken')
        while True:
            body = driver.connection.request(driver.path, params=params).object
            yield self.page_nodes(body)
            token = body.findtext(next_token)
            if not token:
                return
            params['NextToken'] = token

    def page_nodes(self, body):
        return [self.instance(item) for reservation in body.iterfind(self.reservations_path)
                for item in reservation.iterfind(self.instances_path)]

    @staticmethod
    def _text(element, steps):
        # libcloud's findattr: '' for an empty element, None for a missing one.
        for step in steps[:-1]:
            element = element.find(step)
            if element is None:
                return None
        return element.findtext(steps[-1])

    def _extra(self, element, fields):
        extra = {}
        for attribute, steps, transform in fields:
            value = self._text(element, steps)
            extra[attribute] = None if value is None else json_safe(transform(value))
        return extra

    def _findtext(self, element, name):
        # libcloud's findtext: as above, but '' stays ''.
        return element.findtext(self.ns + name)

    def instance(self, item):
        text = self._findtext
        instance_id = text(item, 'instanceId')
        tags = {}
        for tag in item.iterfind(self.tags_path):
            tags[text(tag, 'key')] = text(tag, 'value')
        extra = self._extra(item, self.node_fields)
        extra['block_device_mapping'] = [{'device_name': text(device, 'deviceName'), 'ebs': self._extra(device, self.ebs_fields)}
                                         for device in item.iterfind(self.devices_path)]
        extra['groups'] = [{'group_id': text(group, 'groupId'), 'group_name': text(group, 'groupName')}
                           for group in item.iterfind(self.groups_path)]
        # libcloud's EC2NetworkInterface objects, reduced to their id as json_safe reduces them.
        extra['network_interfaces'] = [text(interface, 'networkInterfaceId') for interface in item.iterfind(self.interfaces_path)]
        extra['product_codes'] = [code.text for code in item.iterfind(self.product_codes_path)]
        extra['tags'] = tags
        public_ip = text(item, 'ipAddress')
        private_ip = text(item, 'privateIpAddress')
        return {
            'id': str(instance_id),
            'name': tags.get('Name', instance_id),
            'state': self.state_map.get(extra['status'], self.unknown_state),
            'public_ips': [public_ip] if public_ip else [],
            'private_ips': [private_ip] if private_ip else [],
            'image': extra['image_id'],
            'size': extra['instance_type'],
            'location': extra['availability'],
            'tags': dict((str(key), '' if value is None else str(value)) for key, value in tags.items()),
            'extra': extra,
        }
