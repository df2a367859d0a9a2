# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The local cloud through libcloud's real EC2 and S3 drivers, checked against boto3's view of the server."""

from __future__ import annotations

import json
import urllib.request

import pytest
from libcloud.compute.base import Node
from libcloud.compute.drivers.ec2 import EC2NodeDriver
from libcloud.compute.types import NodeState
from libcloud.storage.drivers.s3 import S3StorageDriver

from tests.harness.local_cloud import TEST_KEY, TEST_SECRET, LocalCloud, ec2_cloud_entry, libcloud_driver, s3_cloud_entry


def driver_for(entry, driver_class):
    """A libcloud driver from a cloud entry, the way the collection builds one."""
    return libcloud_driver(entry, driver_class)


@pytest.fixture
def ec2(fresh_cloud):
    return driver_for(fresh_cloud.ec2_cloud_entry(), EC2NodeDriver)


@pytest.fixture(scope='module')
def amazon_images(local_cloud):
    # moto's ~1,300 public AMIs come back after every reset; listing them takes a second, so once.
    return driver_for(local_cloud.ec2_cloud_entry(), EC2NodeDriver).list_images(ex_owner='amazon')


def tags_seen_by_boto3(client, resource_id):
    found = client.describe_tags(Filters=[{'Name': 'resource-id', 'Values': [resource_id]}])['Tags']
    return dict((tag['Key'], tag['Value']) for tag in found)


def state_seen_by_boto3(client, instance_id):
    reservations = client.describe_instances(InstanceIds=[instance_id])['Reservations']
    return reservations[0]['Instances'][0]['State']['Name']


def test_cloud_entry_fields():
    """What an entry holds, written out: plain HTTP to the loopback address, no signature_version (SigV4 is the default)."""
    assert ec2_cloud_entry(4567, 'eu-west-1') == {
        'provider': 'ec2', 'key': TEST_KEY, 'secret': TEST_SECRET, 'region': 'eu-west-1', 'host': '127.0.0.1',
        'port': 4567, 'secure': False}
    assert s3_cloud_entry(4567) == {
        'storage_provider': 's3', 'key': TEST_KEY, 'secret': TEST_SECRET, 'region': 'us-east-1', 'host': '127.0.0.1',
        'port': 4567, 'secure': False, 'options': {}}


def test_cloud_entries_point_at_the_server(fresh_cloud, boto3_ec2, boto3_s3):
    """The endpoint and both entries, used as the collection uses them, reach this server (and the entry's region)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(fresh_cloud.endpoint_url + '/moto-api/config', timeout=10) as answer:
        assert 'batch' in json.loads(answer.read())  # moto's own API answers there
    zones = [location.name for location in driver_for(fresh_cloud.ec2_cloud_entry('eu-west-1'), EC2NodeDriver).list_locations()]
    assert zones == [zone['ZoneName'] for zone in boto3_ec2('eu-west-1').describe_availability_zones()['AvailabilityZones']]
    assert zones and all(zone.startswith('eu-west-1') for zone in zones)
    boto3_s3().create_bucket(Bucket='entry-probe')
    s3 = driver_for(fresh_cloud.s3_cloud_entry(), S3StorageDriver)
    assert [container.name for container in s3.list_containers()] == ['entry-probe']


def test_listings_match_boto3(ec2, amazon_images, boto3_ec2):
    client = boto3_ec2()
    assert len(amazon_images) > 100
    first = client.describe_images(ImageIds=[amazon_images[0].id])['Images'][0]
    assert (amazon_images[0].name, amazon_images[0].extra['owner_id']) == (first['Name'], first['OwnerId'])
    assert 't2.micro' in [size.id for size in ec2.list_sizes()]
    zones = [zone['ZoneName'] for zone in client.describe_availability_zones()['AvailabilityZones']]
    assert [location.name for location in ec2.list_locations()] == zones


def test_node_lifecycle(ec2, amazon_images, boto3_ec2):
    client = boto3_ec2()
    size = next(size for size in ec2.list_sizes() if size.id == 't2.micro')
    node = ec2.create_node(name='harness-node', image=amazon_images[0], size=size, ex_metadata={'role': 'test'})

    listed = ec2.list_nodes()
    assert [(item.id, item.name) for item in listed] == [(node.id, 'harness-node')]
    assert listed[0].extra['tags'] == {'Name': 'harness-node', 'role': 'test'}

    assert ec2.ex_create_tags(node, {'team': 'blue', 'stage': 'dev'}) is True
    assert tags_seen_by_boto3(client, node.id) == {'Name': 'harness-node', 'role': 'test', 'team': 'blue', 'stage': 'dev'}
    assert ec2.ex_delete_tags(node, {'stage': 'dev'}) is True
    assert tags_seen_by_boto3(client, node.id) == {'Name': 'harness-node', 'role': 'test', 'team': 'blue'}
    assert ec2.list_nodes()[0].extra['tags'] == {'Name': 'harness-node', 'role': 'test', 'team': 'blue'}

    assert ec2.reboot_node(node) is True
    assert ec2.stop_node(node) is True
    assert state_seen_by_boto3(client, node.id) == 'stopped'
    assert ec2.list_nodes()[0].state == NodeState.STOPPED
    assert ec2.start_node(node) is True
    assert state_seen_by_boto3(client, node.id) == 'running'

    assert ec2.destroy_node(node) is True
    assert state_seen_by_boto3(client, node.id) == 'terminated'


def test_volume_is_created_with_its_name_tag(ec2, boto3_ec2):
    # create_volume names the volume with a zero-based CreateTags.
    volume = ec2.create_volume(1, 'harness-volume', location=ec2.list_locations()[0])
    assert volume.extra['tags'] == {'Name': 'harness-volume'}
    assert tags_seen_by_boto3(boto3_ec2(), volume.id) == {'Name': 'harness-volume'}
    assert ec2.destroy_volume(volume) is True


def test_errors_reach_libcloud_with_their_message(ec2):
    missing = Node('i-0123456789abcdef0', 'missing', NodeState.UNKNOWN, [], [], ec2)
    with pytest.raises(Exception, match='InvalidInstanceID.NotFound'):
        ec2.reboot_node(missing)


def test_s3_round_trip(fresh_cloud, boto3_s3, tmp_path):
    s3 = driver_for(fresh_cloud.s3_cloud_entry(), S3StorageDriver)
    container = s3.create_container('harness-bucket')
    s3.upload_object_via_stream(iter([b'hello ', b'stream']), container, 'dir/streamed.txt')
    source = tmp_path / 'source.txt'
    source.write_bytes(b'hello file')
    s3.upload_object(str(source), container, 'dir/file.txt')

    assert b''.join(s3.download_object_as_stream(s3.get_object('harness-bucket', 'dir/streamed.txt'))) == b'hello stream'
    target = tmp_path / 'target.txt'
    assert s3.download_object(s3.get_object('harness-bucket', 'dir/file.txt'), str(target)) is True
    assert target.read_bytes() == b'hello file'
    listing = boto3_s3().list_objects_v2(Bucket='harness-bucket')['Contents']
    assert sorted(item['Key'] for item in listing) == ['dir/file.txt', 'dir/streamed.txt']


def test_reset_forgets_everything(fresh_cloud, boto3_s3):
    boto3_s3().create_bucket(Bucket='to-forget')
    fresh_cloud.reset()
    assert boto3_s3().list_buckets()['Buckets'] == []


def test_plain_moto_still_needs_the_wrapper():
    """moto itself, in-process: if this starts failing after a moto upgrade, MotoWireFix may have less to do."""
    from moto.server import DomainDispatcherApplication, create_backend_app
    from werkzeug.test import Client

    from tests.harness.moto_wire import MotoWireFix

    plain = DomainDispatcherApplication(create_backend_app)
    headers = {'Authorization': 'AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0'}
    request = '/?Action=CreateTags&ResourceId.0=i-1&Tag.0.Key=a&Tag.0.Value=b&Version=2016-11-15'
    answer = Client(plain).get(request, headers=headers)
    # A zero-based list rejected, in an error document under a namespace without AWS's trailing slash.
    assert (answer.status_code, answer.data.count(b'<Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15">')) == (400, 1)
    assert b'MissingParameter' in answer.data
    fixed = Client(MotoWireFix(plain)).get(request, headers=headers)
    assert b'<Response><Errors><Error><Code>InvalidID</Code>' in fixed.data


def test_local_cloud_stops_its_server():
    with LocalCloud() as cloud:
        process = cloud.process
        cloud.reset()
    assert process.poll() is not None
    assert cloud.process is None
