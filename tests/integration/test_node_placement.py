# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""libcloud_node's placement options, given by id or name: ``subnet`` and ``security_groups`` on EC2 (moto, checked
with boto3), ``networks`` and ``security_groups`` on OpenStack (mimic, checked with libcloud's own driver).

EC2: the test makes a VPC with two subnets (one with a Name tag, two more sharing a name), security groups in it and
a namesake group in the default VPC, all with boto3; one playbook then creates nodes by subnet id and Name tag, by
group id and name (a group name is looked up in the subnet's VPC, or the default VPC without a subnet), with the old
``extra.ex_subnet`` as a string and through the ``libcloud_nodes`` role; re-runs them (unchanged); and runs the bad
input (unknown, ambiguous, of another VPC, unsupported) in check mode and for real. boto3 then says where each
instance landed.

OpenStack: mimic has no network or security group API that libcloud can read (its Nova answers 404 to
``os-networksv2`` and ``os-security-groups``, and its Neutron is not in the catalog under the compute service's
name; it lists no networks anyway) and ignores ``networks`` in a create. So mimic proves only that a task naming
networks or groups there fails at once in one line saying that this cloud does not offer them through the
driver, in check mode too, and creates nothing. Resolution against a listing is covered by the unit tests
(tests/unit/plugins/module_utils/test_placement.py).

Every module task has ``ignore_errors``: a wrong outcome fails the tests that read it, not the whole file.
"""

from __future__ import annotations

import pytest
import yaml

from tests.harness.ansible_run import one_line_failure, run_playbook

REGION = 'us-east-2'   # no other test uses it
ZONE_A, ZONE_B = REGION + 'a', REGION + 'b'
OPENSTACK_IMAGE = 'CentOS 7 (PVHVM)'
OPENSTACK_SIZE = '2'


def play(entry, tasks):
    return yaml.safe_dump([{'hosts': 'localhost', 'gather_facts': False, 'vars': {'libcloud_clouds': {'c': entry}}, 'tasks': tasks}],
                          sort_keys=False)


def node(title, check=False, **args):
    task = {'name': title, 'ignore_errors': True, 'cloudmesh.libcloud.libcloud_node': dict(cloud='c', **args)}
    if check:
        task.update(check_mode=True, diff=True)
    return task


def succeeded(result):
    assert result.get('failed') is not True, result
    return result


def live_instances(client, prefix):
    """{name: [instance]} of the live instances whose Name tag starts with ``prefix``, straight from the server."""
    found = {}
    for reservation in client.describe_instances(Filters=[{'Name': 'tag:Name', 'Values': [prefix + '*']}])['Reservations']:
        for instance in reservation['Instances']:
            if instance['State']['Name'] not in ('terminated', 'shutting-down'):
                name = dict((tag['Key'], tag['Value']) for tag in instance.get('Tags', []))['Name']
                found.setdefault(name, []).append(instance)
    return found


def the_instance(live, name):
    found = live.get(name, [])
    assert len(found) == 1, (name, sorted(live))
    return found[0]


def groups_of(instance):
    return sorted(group['GroupId'] for group in instance['SecurityGroups'])


# --- EC2 on moto -----------------------------------------------------------------------------------------------

@pytest.fixture(scope='module')
def network(local_cloud):
    """The VPC, subnets and security groups of the scenario, made with boto3; their ids."""
    client = local_cloud.boto3_client('ec2', REGION)
    ids = {'default_vpc': client.describe_vpcs(Filters=[{'Name': 'is-default', 'Values': ['true']}])['Vpcs'][0]['VpcId']}
    ids['vpc'] = client.create_vpc(CidrBlock='10.42.0.0/16')['Vpc']['VpcId']

    def subnet(cidr, zone, name=None):
        made = client.create_subnet(VpcId=ids['vpc'], CidrBlock=cidr, AvailabilityZone=zone)['Subnet']['SubnetId']
        if name:
            client.create_tags(Resources=[made], Tags=[{'Key': 'Name', 'Value': name}])
        return made

    ids['app'] = subnet('10.42.1.0/24', ZONE_A, 'pl-app')
    ids['plain'] = subnet('10.42.2.0/24', ZONE_B)
    ids['twins'] = sorted([subnet('10.42.3.0/24', ZONE_A, 'pl-twin'), subnet('10.42.4.0/24', ZONE_B, 'pl-twin')])
    ids['web'] = client.create_security_group(GroupName='pl-web', Description='web', VpcId=ids['vpc'])['GroupId']
    ids['db'] = client.create_security_group(GroupName='pl-db', Description='db', VpcId=ids['vpc'])['GroupId']
    # A namesake in the default VPC: a name is looked up where the node goes, never across VPCs.
    ids['default_web'] = client.create_security_group(GroupName='pl-web', Description='web', VpcId=ids['default_vpc'])['GroupId']
    return ids


@pytest.fixture(scope='module')
def ec2(local_cloud, network, tmp_path_factory):
    client = local_cloud.boto3_client('ec2', REGION)
    image = client.describe_images(Owners=['amazon'])['Images'][0]['ImageId']
    base = dict(image=image, size='t3.micro')
    by_name = node('subnet and groups by name', name='pl-a', subnet='pl-app', security_groups=['pl-web', 'pl-db'], **base)
    by_id = node('subnet and group by id', name='pl-b', subnet=network['plain'], security_groups=[network['web']], **base)
    no_subnet = node('groups without a subnet', name='pl-c', security_groups=['pl-web', network['default_web']], **base)
    old_extra = node('extra.ex_subnet by name', name='pl-d', extra={'ex_subnet': 'pl-app'}, **base)
    bad = dict(name='pl-bad', **base)
    tasks = [
        node('check by name', check=True, name='pl-check', subnet='pl-app', security_groups=['pl-web', network['db']], **base),
        node('check unknown subnet', check=True, subnet='pl-ap', **bad),
        by_name, by_id, no_subnet, old_extra,
        dict(by_name, name='subnet and groups by name again'),
        dict(by_id, name='subnet and group by id again'),
        dict(no_subnet, name='groups without a subnet again'),
        dict(old_extra, name='extra.ex_subnet by name again'),
        node('unknown subnet', subnet='pl-ap', **bad),
        node('unknown subnet id', subnet='subnet-0123456789abcdef0', **bad),
        node('ambiguous subnet', subnet='pl-twin', **bad),
        node('unknown group', subnet='pl-app', security_groups=['pl-wbe'], **bad),
        node('group of another VPC', subnet='pl-app', security_groups=[network['default_web']], **bad),
        node('subnet twice', subnet='pl-app', extra={'ex_subnet': 'pl-app'}, **bad),
        node('networks on EC2', networks=['pl-app'], **bad),
        {'name': 'role', 'ignore_errors': True, 'ansible.builtin.include_role': {'name': 'cloudmesh.libcloud.libcloud_nodes'},
         'vars': {'libcloud_nodes': [dict(name='pl-role', cloud='c', subnet=network['app'], security_groups=['pl-db'], **base)]}},
    ]
    run = run_playbook(play(local_cloud.ec2_cloud_entry(REGION), tasks), tmp_path_factory.mktemp('placement'))
    assert 'role' in [name for name, _result in run.task_results()], run.output[-3000:]
    return run, live_instances(client, 'pl-')


def test_a_subnet_and_groups_by_name_land_there(ec2, network):
    run, live = ec2
    instance = the_instance(live, 'pl-a')
    assert (instance['SubnetId'], instance['VpcId']) == (network['app'], network['vpc'])
    # pl-web of the subnet's VPC, not its namesake in the default VPC.
    assert groups_of(instance) == sorted([network['web'], network['db']])
    result = succeeded(run.result('subnet and groups by name'))
    assert result['changed'] is True and result['node']['id'] == instance['InstanceId']
    again = succeeded(run.result('subnet and groups by name again'))
    assert again['changed'] is False and again['node']['id'] == instance['InstanceId']


def test_a_subnet_and_group_by_id_land_there(ec2, network):
    run, live = ec2
    instance = the_instance(live, 'pl-b')
    assert (instance['SubnetId'], instance['VpcId'], groups_of(instance)) == (network['plain'], network['vpc'], [network['web']])
    assert succeeded(run.result('subnet and group by id'))['changed'] is True
    assert succeeded(run.result('subnet and group by id again'))['changed'] is False


def test_groups_without_a_subnet_are_the_default_vpcs(ec2, network):
    run, live = ec2
    instance = the_instance(live, 'pl-c')
    assert instance['VpcId'] == network['default_vpc']
    assert groups_of(instance) == [network['default_web']]   # by name and by id: the same group, once
    assert succeeded(run.result('groups without a subnet'))['changed'] is True
    assert succeeded(run.result('groups without a subnet again'))['changed'] is False


def test_a_subnet_name_in_extra_is_resolved_as_the_option_is(ec2, network):
    run, live = ec2
    instance = the_instance(live, 'pl-d')
    assert (instance['SubnetId'], instance['VpcId']) == (network['app'], network['vpc'])
    assert succeeded(run.result('extra.ex_subnet by name'))['changed'] is True
    assert succeeded(run.result('extra.ex_subnet by name again'))['changed'] is False


def test_the_role_passes_the_placement_on(ec2, network):
    run, live = ec2
    succeeded(run.result('role'))
    instance = the_instance(live, 'pl-role')
    assert (instance['SubnetId'], groups_of(instance)) == (network['app'], [network['db']])


def test_check_mode_resolves_predicts_and_creates_nothing(ec2):
    run, live = ec2
    predicted = succeeded(run.result('check by name'))
    assert predicted['changed'] is True
    assert predicted['diff']['before']['state'] == 'absent' and predicted['diff']['after']['state'] == 'running'
    assert 'pl-check' not in live
    one_line_failure(run.result('check unknown subnet'), "unknown subnet 'pl-ap'", 'closest: pl-app')


@pytest.mark.parametrize('task, parts', [
    ('unknown subnet', ["unknown subnet 'pl-ap'", 'closest: pl-app']),
    ('unknown subnet id', ["unknown subnet 'subnet-0123456789abcdef0'"]),
    ('unknown group', ["unknown security group 'pl-wbe'", 'closest: pl-web']),
    ('subnet twice', ['extra.ex_subnet conflicts with the option subnet']),
    ('networks on EC2', ['option networks is not supported by the ec2 driver']),
])
def test_bad_placement_fails_in_one_line_and_creates_nothing(ec2, task, parts):
    run, live = ec2
    one_line_failure(run.result(task), *parts)
    assert 'pl-bad' not in live


def test_an_ambiguous_subnet_name_lists_the_ids(ec2, network):
    run, _live = ec2
    one_line_failure(run.result('ambiguous subnet'), "subnet 'pl-twin' is the name of several subnets (%s)" % ', '.join(network['twins']))


def test_a_group_of_another_vpc_is_not_taken(ec2, network):
    run, _live = ec2
    one_line_failure(run.result('group of another VPC'), "security group %s (pl-web) is in %s, not in the node's VPC %s (its subnet's)"
                     % (network['default_web'], network['default_vpc'], network['vpc']))


# --- OpenStack on mimic ----------------------------------------------------------------------------------------

@pytest.fixture(scope='module')
def openstack(mimic_cloud, tmp_path_factory):
    entry = mimic_cloud.fresh_entry()
    base = dict(name='pl-os', image=OPENSTACK_IMAGE, size=OPENSTACK_SIZE)
    tasks = [
        node('network by name', networks=['private'], **base),
        node('network by name, check mode', check=True, networks=['private'], **base),
        node('networks in extra', extra={'networks': ['private']}, **base),
        node('security group by name', security_groups=['default'], **base),
        node('subnet on OpenStack', subnet='private', **base),
    ]
    run = run_playbook(play(entry, tasks), tmp_path_factory.mktemp('placement-os'))
    return run, [item.name for item in mimic_cloud.driver(entry).list_nodes()]


@pytest.mark.parametrize('task, what', [
    ('network by name', 'networks'),
    ('network by name, check mode', 'networks'),
    ('networks in extra', 'networks'),
    ('security group by name', 'security groups'),
])
def test_mimic_offers_no_networks_nor_groups_and_says_so(openstack, task, what):
    run, names = openstack
    one_line_failure(run.result(task), 'this cloud does not offer %s through libcloud\'s OpenStack_1_1_NodeDriver (HTTP 404)' % what,
                     "api_version: '2.0'")
    assert names == []


def test_a_subnet_on_openstack_is_refused(openstack):
    run, names = openstack
    one_line_failure(run.result('subnet on OpenStack'), 'option subnet is not supported by the openstack driver')
    assert names == []
