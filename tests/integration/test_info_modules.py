# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""libcloud_node_info and libcloud_cloud_info against the local cloud, checked against boto3's view."""

from __future__ import annotations

import boto3
import pytest
import yaml

from tests.harness.ansible_run import run_playbook
from tests.harness.local_cloud import TEST_KEY, TEST_SECRET

REGION = 'us-west-2'


@pytest.fixture(scope='module')
def fleet(local_cloud):
    """Instances with names, tags and states, plus enough one-instance reservations to need paging."""
    local_cloud.reset()
    client = boto3.client('ec2', region_name=REGION, endpoint_url=local_cloud.endpoint_url,
                          aws_access_key_id=TEST_KEY, aws_secret_access_key=TEST_SECRET)
    image = client.describe_images(Owners=['amazon'])['Images'][0]
    ids = {}
    for name, env in (('web-1', 'prod'), ('web-2', 'dev'), ('db-1', 'prod')):
        tags = [{'Key': 'Name', 'Value': name}, {'Key': 'env', 'Value': env}]
        ids[name] = client.run_instances(ImageId=image['ImageId'], MinCount=1, MaxCount=1, InstanceType='t3.micro',
                                         TagSpecifications=[{'ResourceType': 'instance', 'Tags': tags}])['Instances'][0]['InstanceId']
    client.stop_instances(InstanceIds=[ids['web-2']])
    for number in range(130):
        client.run_instances(ImageId=image['ImageId'], MinCount=1, MaxCount=1, InstanceType='t3.nano',
                             TagSpecifications=[{'ResourceType': 'instance', 'Tags': [{'Key': 'Name', 'Value': 'bulk-%d' % number}]}])
    live = sum(len(r['Instances']) for page in client.get_paginator('describe_instances').paginate() for r in page['Reservations'])
    return local_cloud, ids, image, live


@pytest.fixture(scope='module')
def info_run(fleet, tmp_path_factory):
    cloud, ids, image, _live = fleet
    entry = cloud.ec2_cloud_entry(REGION)
    # The account's own image: what cloud_info lists on EC2 without an image_filter.
    cloud.boto3_client('ec2', REGION).create_image(InstanceId=ids['web-1'], Name='own-image-of-web-1')

    def task(title, module, **args):
        return {'name': title, 'cloudmesh.libcloud.' + module: dict(args, cloud='local'), 'register': 'out'}

    play = [{'hosts': 'localhost', 'gather_facts': False, 'vars': {'libcloud_clouds': {'local': entry}}, 'tasks': [
        task('all', 'libcloud_node_info'),
        task('by name glob', 'libcloud_node_info', name='web-*'),
        task('by state', 'libcloud_node_info', name='web-*', state=['STOPPED']),
        task('by tags', 'libcloud_node_info', tags={'env': 'prod'}),
        task('by name and tags', 'libcloud_node_info', name='web-*', tags={'env': 'prod'}),
        task('offer', 'libcloud_cloud_info', size_filter='t3.*', image_filter=image['ImageId']),
        task('images by name', 'libcloud_cloud_info', gather=['images'], image_filter=image['Name'][:6] + '*'),
        task('images by default', 'libcloud_cloud_info'),
    ]}]
    workdir = tmp_path_factory.mktemp('info')
    run = run_playbook(yaml.safe_dump(play) + '\n', workdir, check=True)
    assert run.rc == 0, run.output[-3000:]
    return run


def names(result):
    return sorted(node['name'] for node in result['nodes'])


def test_every_node_is_listed_across_pages(info_run, fleet):
    _cloud, _ids, _image, live = fleet
    assert live == 133
    assert len(info_run.result('all')['nodes']) == live


def test_filters(info_run):
    assert names(info_run.result('by name glob')) == ['web-1', 'web-2']
    assert names(info_run.result('by state')) == ['web-2']
    assert names(info_run.result('by tags')) == ['db-1', 'web-1']
    assert names(info_run.result('by name and tags')) == ['web-1']


def test_node_fields(info_run, fleet):
    _cloud, ids, image, _live = fleet
    (node,) = [node for node in info_run.result('all')['nodes'] if node['name'] == 'web-1']
    assert node['id'] == ids['web-1']
    assert node['state'] == 'running'
    assert node['image'] == image['ImageId']
    assert node['size'] == 't3.micro'
    assert node['location'].startswith(REGION)
    assert node['tags'] == {'Name': 'web-1', 'env': 'prod'}
    assert node['private_ips']


def test_cloud_info(info_run, fleet):
    _cloud, _ids, image, _live = fleet
    offer = info_run.result('offer')
    assert [item['id'] for item in offer['images']] == [image['ImageId']]
    assert offer['sizes'] and all(size['id'].startswith('t3.') for size in offer['sizes'])
    assert {'t3.micro', 't3.nano'} <= {size['id'] for size in offer['sizes']}
    assert offer['locations']
    by_name = info_run.result('images by name')
    assert image['ImageId'] in [item['id'] for item in by_name['images']]
    assert set(by_name) >= {'images'} and 'sizes' not in by_name


def test_ec2_images_by_default_are_the_accounts_own(info_run, fleet):
    """Never every public image by default (moto has hundreds; AWS tens of thousands): the account's own."""
    cloud = fleet[0]
    client = cloud.boto3_client('ec2', REGION)
    own = client.describe_images(Owners=['self'])['Images']
    assert [image['Name'] for image in own] == ['own-image-of-web-1']
    assert len(client.describe_images()['Images']) > 50
    listed = info_run.result('images by default')['images']
    assert [(image['id'], image['name']) for image in listed] == [(own[0]['ImageId'], 'own-image-of-web-1')]
