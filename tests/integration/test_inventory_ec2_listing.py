# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory's own EC2 listing (module_utils/providers/ec2.py Ec2InstanceParser) on the local cloud.

The parser reads DescribeInstances answers directly instead of building libcloud Node objects; these tests hold
it to libcloud's own reading of the very same answer, on instances with as many kinds of field as moto gives,
and check that it follows nextToken to the last page.
"""

from __future__ import annotations

import pytest

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.connection import build_driver
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.convert import node_to_dict
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.ec2 import Ec2InstanceParser
from ansible_collections.cloudmesh.libcloud.plugins.plugin_utils import inventory as inv

REGION = 'ap-southeast-2'


@pytest.fixture(scope='module')
def varied(local_cloud):
    """Instances with key pairs, security groups, several tags (one empty), a subnet, several per reservation,
    and every state moto can put them in."""
    local_cloud.reset()
    client = local_cloud.boto3_client('ec2', REGION)
    image = client.describe_images(Owners=['amazon'])['Images'][0]['ImageId']
    client.create_key_pair(KeyName='inventory-key')
    vpc = client.create_vpc(CidrBlock='10.9.0.0/16')['Vpc']['VpcId']
    subnet = client.create_subnet(VpcId=vpc, CidrBlock='10.9.1.0/24')['Subnet']['SubnetId']
    group = client.create_security_group(GroupName='inventory-sg', Description='test', VpcId=vpc)['GroupId']
    ids = []
    for number in range(12):
        kwargs = {}
        if number % 3 == 0:
            kwargs.update(KeyName='inventory-key', SubnetId=subnet, SecurityGroupIds=[group])
        tags = [{'Key': 'Name', 'Value': 'varied-%d' % number}, {'Key': 'empty', 'Value': ''}, {'Key': 'team', 'Value': 'x'}]
        if number == 5:
            tags = [{'Key': 'team', 'Value': 'no-name'}]
        reservation = client.run_instances(ImageId=image, MinCount=1 + number % 2, MaxCount=1 + number % 2,
                                           InstanceType=('t3.micro', 'm5.large')[number % 2],
                                           TagSpecifications=[{'ResourceType': 'instance', 'Tags': tags}], **kwargs)
        ids.extend(instance['InstanceId'] for instance in reservation['Instances'])
    client.stop_instances(InstanceIds=ids[1:3])
    client.terminate_instances(InstanceIds=ids[3:4])
    return local_cloud, ids


def driver_for(cloud):
    return build_driver(cloud.ec2_cloud_entry(REGION), 'compute')


def test_parser_reads_what_libcloud_reads(varied):
    cloud, ids = varied
    driver = driver_for(cloud)
    body = driver.connection.request(driver.path, params={'Action': 'DescribeInstances'}).object
    ours = Ec2InstanceParser.for_driver(driver).page_nodes(body)
    items = [item for reservation in body.iterfind(Ec2InstanceParser.for_driver(driver).reservations_path)
             for item in reservation.iterfind(Ec2InstanceParser.for_driver(driver).instances_path)]
    libclouds = [node_to_dict(driver._to_node(item)) for item in items]  # pylint: disable=protected-access
    assert sorted(node['id'] for node in ours) == sorted(ids)
    for mine, theirs in zip(ours, libclouds):
        # libcloud keeps XML elements as product codes (reduced to their repr); the parser keeps their text.
        assert mine['extra'].pop('product_codes') == [] and theirs['extra'].pop('product_codes') == []
        assert mine == theirs
    states = sorted(node['state'] for node in ours)
    assert states.count('stopped') == 2 and states.count('terminated') == 1
    unnamed = [node for node in ours if node['tags'] == {'team': 'no-name'}]
    assert unnamed and unnamed[0]['name'] == unnamed[0]['id']  # libcloud's rule: no Name tag, the id
    assert any(node['extra']['key_name'] == 'inventory-key' and node['extra']['groups'] for node in ours)


def test_listing_follows_next_token(varied):
    cloud, ids = varied
    driver = driver_for(cloud)
    pages = list(Ec2InstanceParser.for_driver(driver).pages(driver, page_size=5))
    assert len(pages) == 3   # 12 reservations, 5 per page
    assert sorted(node['id'] for page in pages for node in page) == sorted(ids)


def test_fetch_task_on_the_local_cloud(varied):
    cloud, ids = varied
    task = inv.entries_to_tasks([dict(cloud.ec2_cloud_entry(REGION), name='local')], environ={})[0]
    result = inv.FetchResult(task.cloud, task.provider, task.region)
    pages = []
    inv.fetch_task(task, result, pages.append)
    assert result.error is None
    assert sorted(node['id'] for node in result.nodes) == sorted(ids)
    assert pages == [result.nodes]
