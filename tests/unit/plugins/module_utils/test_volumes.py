# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Volumes' pure logic: where each provider keeps a volume's zone and attachment, the one line for a cloud without
the API, and the bad input that fails before any request."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from libcloud.common.exceptions import BaseHTTPError

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.generic import GenericAdapter, offered
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.volume_reconcile import VolumeReconciler, location_zone


def volume(**extra):
    return SimpleNamespace(id='v-1', name='data', size=1, state='available', extra=extra)


@pytest.mark.parametrize('extra, attachment', [
    ({'instance_id': 'i-1', 'device': '/dev/sdf'}, ('i-1', '/dev/sdf')),                  # EC2
    ({'attachments': [{'serverId': 'srv-1', 'device': '/dev/vdb'}]}, ('srv-1', '/dev/vdb')),  # OpenStack (Nova)
    ({'attachments': [{'server_id': 'srv-2', 'device': '/dev/vdc'}]}, ('srv-2', '/dev/vdc')),  # OpenStack (Cinder)
    ({'instance_id': None, 'attachments': []}, (None, None)),
    ({}, (None, None)),
])
def test_volume_attachment(extra, attachment):
    assert GenericAdapter.volume_attachment(volume(**extra)) == attachment


@pytest.mark.parametrize('extra, zone', [
    ({'zone': 'us-east-1a'}, 'us-east-1a'),
    ({'location': 'nova'}, 'nova'),
    ({'availability_zone': SimpleNamespace(name='az-2')}, 'az-2'),
    ({}, None),
])
def test_volume_zone(extra, zone):
    assert GenericAdapter.volume_zone(volume(**extra)) == zone


def test_location_zone_prefers_ec2s_availability_zone():
    assert location_zone(SimpleNamespace(name='0', availability_zone=SimpleNamespace(name='us-east-1b'))) == 'us-east-1b'
    assert location_zone(SimpleNamespace(name='nova')) == 'nova'


@pytest.mark.parametrize('status', [404, 405, 501])
def test_a_cloud_without_the_api_fails_in_one_line(status):
    def listing():
        raise BaseHTTPError(status, '<html>\n<title>Not Found</title>\n</html>')

    with pytest.raises(LibcloudModuleError) as caught:
        offered(SimpleNamespace(), 'block volumes', listing)
    assert caught.value.message == "this cloud does not offer block volumes through libcloud's SimpleNamespace (HTTP %d)" % status


def test_other_failures_pass_through_offered():
    def listing():
        raise BaseHTTPError(403, 'denied')

    with pytest.raises(BaseHTTPError):
        offered(SimpleNamespace(), 'block volumes', listing)


@pytest.mark.parametrize('params, words', [
    (dict(size=0), 'size must be a whole number of GiB above 0, got 0'),
    (dict(size=-3), 'got -3'),
    (dict(size=1, device='/dev/sdf'), 'device is where the volume appears on its node: give node as well'),
])
def test_bad_input_fails_before_any_request(params, words):
    base = dict(name='data', state='present', size=None, node=None, device=None, location=None, volume_type=None,
                extra=None, tags=None, purge_tags=False, wait=True)
    base.update(params)
    reconciler = VolumeReconciler(SimpleNamespace(), base)  # a driver that would fail any request
    with pytest.raises(LibcloudModuleError, match=words):
        reconciler.validate()


@pytest.mark.parametrize('status, settled', [('attaching', False), ('attached', True), ('detaching', False), (None, True)])
def test_ec2_attachment_settles_when_its_own_status_says_attached(status, settled):
    from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.ec2 import Ec2Adapter
    assert Ec2Adapter.attachment_settled(volume(instance_id='i-1', attachment_status=status)) is settled
    assert GenericAdapter.attachment_settled(volume(instance_id='i-1', attachment_status=status)) is True
