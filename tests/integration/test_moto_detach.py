# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""libcloud's ``detach_volume`` on the local cloud, end to end: it names no instance (as AWS allows), MotoWireFix
finds the instance in moto's state, and the volume is available again. Also on the authenticating cloud, where the
changed request must be signed again."""

from __future__ import annotations

import pytest
from libcloud.compute.base import NodeImage
from libcloud.compute.drivers.ec2 import EC2NodeDriver

from tests.harness.local_cloud import libcloud_driver

REGION = 'us-west-2'


def driver_for(entry):
    """A libcloud EC2 driver from a cloud entry, the way the collection builds one."""
    return libcloud_driver(entry, EC2NodeDriver)


def volume_state(cloud, volume_id):
    volume = cloud.boto3_client('ec2', REGION).describe_volumes(VolumeIds=[volume_id])['Volumes'][0]
    return volume['State'], [attachment['InstanceId'] for attachment in volume['Attachments']]


@pytest.mark.parametrize('cloud_fixture', ['local_cloud', 'auth_cloud'])
def test_libcloud_detaches_a_volume(request, cloud_fixture):
    cloud = request.getfixturevalue(cloud_fixture)
    driver = driver_for(cloud.ec2_cloud_entry(REGION))
    zone = [location for location in driver.list_locations() if location.availability_zone.name == REGION + 'a'][0]
    image_id = cloud.boto3_client('ec2', REGION).describe_images()['Images'][0]['ImageId']
    size = [size for size in driver.list_sizes() if size.id == 't2.micro'][0]
    node = driver.create_node(name='detach-me', image=NodeImage(image_id, 'image', driver), size=size, location=zone)
    volume = driver.create_volume(1, 'detach-vol', location=zone)
    try:
        assert driver.attach_volume(node, volume, '/dev/sdf')
        assert volume_state(cloud, volume.id) == ('in-use', [node.id])

        assert driver.detach_volume(volume)
        assert volume_state(cloud, volume.id) == ('available', [])
    finally:
        driver.destroy_volume(volume)
        driver.destroy_node(node)


def test_detaching_a_detached_volume_is_left_to_moto(local_cloud):
    """The harness adds an instance only where AWS would find one: a volume attached to none is left alone, and
    moto answers it with its own error. That answer is moto's HTTP 500 again (it looks up instance None before it
    checks the attachment), where AWS answers 400 IncorrectState: code that detaches only attached volumes never
    sees it. If this starts failing after a moto upgrade, moto answers that case itself now."""
    from libcloud.common.exceptions import BaseHTTPError
    from libcloud.common.types import MalformedResponseError

    driver = driver_for(local_cloud.ec2_cloud_entry(REGION))
    volume = driver.create_volume(1, 'never-attached', location=driver.list_locations()[0])
    try:
        with pytest.raises((MalformedResponseError, BaseHTTPError)) as raised:
            driver.detach_volume(volume)
        assert '500 Internal Server Error' in str(raised.value)
    finally:
        driver.destroy_volume(volume)
