# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The authenticating local cloud through libcloud's real EC2 and S3 drivers: its own key and secret work, a wrong
secret or an unknown key is refused by the server, and libcloud raises InvalidCredsError for it."""

from __future__ import annotations

import pytest
from libcloud.common.types import InvalidCredsError
from libcloud.compute.base import NodeImage
from libcloud.compute.drivers.ec2 import EC2NodeDriver
from libcloud.storage.drivers.s3 import S3StorageDriver

from tests.harness.local_cloud import TEST_KEY, TEST_SECRET, ec2_cloud_entry, libcloud_driver, s3_cloud_entry

# What libcloud 3.9.1 raises, behind MotoWireFix, for credentials the server refuses.
EC2_REFUSED = 'AuthFailure: AWS was not able to validate the provided access credentials'
S3_WRONG_SECRET = ('<Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the '
                   'signature you provided. Check your key and signing method.</Message>')
S3_UNKNOWN_KEY = '<Code>InvalidAccessKeyId</Code><Message>The AWS Access Key Id you provided does not exist in our records.</Message>'


def driver_for(entry, driver_class, key=None, secret=None):
    """A libcloud driver from a cloud entry, the way the collection builds one (optionally other credentials)."""
    return libcloud_driver(entry, driver_class, key, secret)


@pytest.fixture
def cloud(auth_cloud):
    auth_cloud.reset()
    return auth_cloud


@pytest.fixture
def ec2(cloud):
    return driver_for(cloud.ec2_cloud_entry(), EC2NodeDriver)


@pytest.fixture
def s3(cloud):
    return driver_for(cloud.s3_cloud_entry(), S3StorageDriver)


def amazon_image(cloud):
    image_id = cloud.boto3_client('ec2').describe_images(Owners=['amazon'])['Images'][0]['ImageId']
    return NodeImage(id=image_id, name=None, driver=None)


def tags_seen_by_boto3(cloud, resource_id):
    found = cloud.boto3_client('ec2').describe_tags(Filters=[{'Name': 'resource-id', 'Values': [resource_id]}])['Tags']
    return dict((tag['Key'], tag['Value']) for tag in found)


def test_the_cloud_has_its_own_credentials(cloud, local_cloud):
    assert (cloud.key, cloud.secret) != (TEST_KEY, TEST_SECRET)
    assert cloud.ec2_cloud_entry('eu-west-1') == ec2_cloud_entry(cloud.port, 'eu-west-1', key=cloud.key, secret=cloud.secret)
    assert (cloud.s3_cloud_entry()['key'], cloud.s3_cloud_entry()['secret']) == (cloud.key, cloud.secret)
    # The default cloud keeps the fixed fake credentials.
    assert (local_cloud.key, local_cloud.ec2_cloud_entry()['secret']) == (TEST_KEY, TEST_SECRET)
    assert ec2_cloud_entry(1)['key'] == TEST_KEY and s3_cloud_entry(1)['secret'] == TEST_SECRET


def test_ec2_works_with_the_right_credentials(cloud, ec2):
    assert ec2.list_nodes() == []
    size = next(size for size in ec2.list_sizes() if size.id == 't2.micro')
    # A space in a parameter: libcloud sends it as '+' but signs it as '%20'.
    node = ec2.create_node(name='auth node', image=amazon_image(cloud), size=size)
    assert [(item.id, item.name) for item in ec2.list_nodes()] == [(node.id, 'auth node')]
    reservations = cloud.boto3_client('ec2').describe_instances()['Reservations']
    assert [instance['InstanceId'] for reservation in reservations for instance in reservation['Instances']] == [node.id]


def test_ec2_zero_based_lists_are_renumbered_and_still_accepted(cloud, ec2):
    instance = cloud.boto3_client('ec2').run_instances(ImageId=amazon_image(cloud).id, MinCount=1, MaxCount=1,
                                                       InstanceType='t2.micro')['Instances'][0]['InstanceId']
    node = next(node for node in ec2.list_nodes() if node.id == instance)
    # CreateTags with ResourceId.0 / Tag.0.Key: MotoWireFix renumbers the signed request, then signs it again.
    assert ec2.ex_create_tags(node, {'team': 'blue team', 'path': 'a/b~c+d=e&f'}) is True
    assert tags_seen_by_boto3(cloud, instance) == {'team': 'blue team', 'path': 'a/b~c+d=e&f'}
    assert ec2.ex_delete_tags(node, {'path': 'a/b~c+d=e&f'}) is True
    assert tags_seen_by_boto3(cloud, instance) == {'team': 'blue team'}


def test_s3_works_with_the_right_credentials(cloud, s3):
    container = s3.create_container('auth-bucket')
    s3.upload_object_via_stream(iter([b'streamed ', b'content']), container, 'dir/a b+c.txt')  # multipart upload
    assert [obj.name for obj in s3.list_container_objects(container)] == ['dir/a b+c.txt']
    assert b''.join(s3.download_object_as_stream(s3.get_object('auth-bucket', 'dir/a b+c.txt'))) == b'streamed content'
    assert [bucket['Name'] for bucket in cloud.boto3_client('s3').list_buckets()['Buckets']] == ['auth-bucket']


def test_single_put_upload_with_the_right_credentials(cloud, s3, tmp_path):
    source = tmp_path / 'file.txt'
    source.write_bytes(b'one put')
    container = s3.create_container('auth-single')
    s3.upload_object(str(source), container, 'file.txt')
    body = cloud.boto3_client('s3').get_object(Bucket='auth-single', Key='file.txt')['Body'].read()
    assert body == b'one put'


@pytest.mark.parametrize('credentials', ['wrong secret', 'unknown key'])
def test_ec2_refuses_bad_credentials(cloud, credentials):
    key, secret = (cloud.key, cloud.secret + '-wrong') if credentials == 'wrong secret' else (TEST_KEY, cloud.secret)
    driver = driver_for(cloud.ec2_cloud_entry(), EC2NodeDriver, key, secret)
    with pytest.raises(InvalidCredsError) as raised:
        driver.list_nodes()
    assert raised.value.value == EC2_REFUSED
    # A renumbered request with a wrong secret is refused too: the harness signs again only what it verified.
    instance = cloud.boto3_client('ec2').run_instances(ImageId=amazon_image(cloud).id, MinCount=1, MaxCount=1,
                                                       InstanceType='t2.micro')['Instances'][0]['InstanceId']
    node = next(node for node in driver_for(cloud.ec2_cloud_entry(), EC2NodeDriver).list_nodes() if node.id == instance)
    with pytest.raises(InvalidCredsError, match='AuthFailure'):
        driver.ex_create_tags(node, {'team': 'red'})
    assert tags_seen_by_boto3(cloud, instance) == {}


@pytest.mark.parametrize('credentials, message', [('wrong secret', S3_WRONG_SECRET), ('unknown key', S3_UNKNOWN_KEY)])
def test_s3_refuses_bad_credentials(cloud, credentials, message):
    key, secret = (cloud.key, cloud.secret + '-wrong') if credentials == 'wrong secret' else (TEST_KEY, cloud.secret)
    driver = driver_for(cloud.s3_cloud_entry(), S3StorageDriver, key, secret)
    for call in (driver.list_containers, lambda: driver.create_container('refused-bucket')):
        with pytest.raises(InvalidCredsError) as raised:
            call()
        # libcloud's S3 driver puts the whole XML error document in the message.
        assert message in raised.value.value
    assert cloud.boto3_client('s3').list_buckets()['Buckets'] == []


def test_reset_keeps_the_credentials(cloud, ec2, s3):
    s3.create_container('before-reset')
    cloud.reset()
    assert s3.list_containers() == []
    assert ec2.list_nodes() == []
    with pytest.raises(InvalidCredsError):
        driver_for(cloud.ec2_cloud_entry(), EC2NodeDriver, TEST_KEY, TEST_SECRET).list_nodes()
