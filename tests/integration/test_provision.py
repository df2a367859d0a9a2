# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vault-first workflow: playbooks/provision.yml and teardown.yml with the demo inventory's vaulted clouds.

The demo fleet gives demo-db a key pair imported from a public key, a 1 GiB volume at /dev/sdf and a snapshot of it,
and each node a name in the zone demo.test of a local PowerDNS (started with the vaulted entry's API key): each is
checked with boto3 and DNS queries, independently of the role's report."""

from __future__ import annotations

import re

import pytest
import yaml

from ansible.parsing.vault import VaultLib, VaultSecret

from tests.harness.ansible_run import REPO_ROOT, run_playbook
from tests.harness.powerdns_cloud import PowerDnsCloud

INVENTORY = REPO_ROOT / 'playbooks' / 'inventory' / 'demo'
PASSWORD_FILE = INVENTORY / 'DEMO-ONLY-vault-password.txt'
BUCKET = 'cloudmesh-demo-bucket'
NODE_NAMES = {'demo-web-1', 'demo-web-2', 'demo-db'}
KEY_PAIR, VOLUME, SNAPSHOT = 'demo-key', 'demo-db-sdf', 'demo-db-sdf-snapshot'
ZONE = 'demo.test'
DNS_NAMES = {'demo-web-1': 'demo-web-1.demo.test', 'demo-web-2': 'demo-web-2.demo.test', 'demo-db': 'db.demo.test'}


def recap(run):
    """The PLAY RECAP counters of localhost, from the default callback's output."""
    match = re.search(r'^localhost\s+:\s+(.*)$', run.stdout, re.MULTILINE)
    assert match, run.output[-2000:]
    return dict((name, int(value)) for name, value in re.findall(r'(\w+)=(\d+)', match.group(1)))


def vaulted_clouds():
    password = PASSWORD_FILE.read_bytes().strip()
    vaulted = (INVENTORY / 'group_vars' / 'all' / 'clouds.vault.yml').read_bytes()
    return yaml.safe_load(VaultLib([('default', VaultSecret(password))]).decrypt(vaulted))['libcloud_clouds']


@pytest.fixture(scope='module')
def demo_dns():
    """PowerDNS with the API key of the vaulted entry demo-dns, as tools/demo.sh starts it."""
    with PowerDnsCloud(api_key=vaulted_clouds()['demo-dns']['key']) as cloud:
        yield cloud


@pytest.fixture()
def demo_zone(demo_dns):
    """The zone the demo's nodes are named in (playbooks/demo.yml creates it), empty."""
    demo_dns.reset()
    demo_dns.api.create_zone(ZONE)
    return demo_dns


def names(demo_dns):
    """{node: its name's A records}, as the DNS port answers them."""
    return dict((node, demo_dns.resolve(name)) for node, name in DNS_NAMES.items())


def play(name, local_cloud, workdir, demo_dns, **kwargs):
    return run_playbook(REPO_ROOT / 'playbooks' / name, workdir, inventory=INVENTORY, vault_password_file=PASSWORD_FILE,
                        env={'DEMO_AWS_PORT': local_cloud.port, 'DEMO_POWERDNS_PORT': demo_dns.port}, callback='default', **kwargs)


def instances(local_cloud):
    """{Name tag: instance} of the instances that are not terminated."""
    client = local_cloud.boto3_client('ec2', 'us-east-1')
    reservations = client.describe_instances(Filters=[{'Name': 'instance-state-name', 'Values': ['pending', 'running', 'stopping', 'stopped']}])
    return {tag['Value']: instance for reservation in reservations['Reservations'] for instance in reservation['Instances']
            for tag in instance.get('Tags', []) if tag['Key'] == 'Name'}


def live_nodes(local_cloud):
    return {name: instance['State']['Name'] for name, instance in instances(local_cloud).items()}


def named(resources):
    """{Name tag: resource} of EC2 volumes or snapshots."""
    return {tag['Value']: resource for resource in resources for tag in resource.get('Tags', []) if tag['Key'] == 'Name'}


def storage(local_cloud):
    """The key pair names, and the volumes and snapshots by Name tag."""
    client = local_cloud.boto3_client('ec2', 'us-east-1')
    # moto ignores OwnerIds=['self'] and lists its ~1,300 AMI snapshots (untagged): the filter keeps this fast.
    tagged = [{'Name': 'tag-key', 'Values': ['Name']}]
    return ({pair['KeyName'] for pair in client.describe_key_pairs()['KeyPairs']},
            named(client.describe_volumes(Filters=tagged)['Volumes']),
            named(client.describe_snapshots(OwnerIds=['self'], Filters=tagged)['Snapshots']))


def buckets(local_cloud):
    return [bucket['Name'] for bucket in local_cloud.boto3_client('s3', 'us-east-1').list_buckets()['Buckets']]


@pytest.fixture()
def empty_cloud(local_cloud):
    local_cloud.reset()
    return local_cloud


def test_check_mode_on_an_empty_cloud_predicts_and_creates_nothing(empty_cloud, demo_zone, tmp_path):
    run = play('provision.yml', empty_cloud, tmp_path, demo_zone, check=True, diff=True)
    assert run.rc == 0, run.output[-3000:]
    assert recap(run)['changed'] >= 3
    assert live_nodes(empty_cloud) == {}
    assert buckets(empty_cloud) == []
    assert storage(empty_cloud) == (set(), {}, {})
    # demo-db does not exist yet, so its volume and snapshot are predicted without asking the cloud.
    assert 'volume %s would be created and attached to node demo-db, which does not exist yet, and snapshot %s taken of it' % (
        VOLUME, SNAPSHOT) in run.stdout
    assert 'db.demo.test would get an A record of node demo-db, which does not exist yet' in run.stdout
    assert names(demo_zone) == dict.fromkeys(DNS_NAMES, [])


def test_provision_twice_then_teardown(empty_cloud, demo_zone, tmp_path):
    first = play('provision.yml', empty_cloud, tmp_path / 'first', demo_zone)
    assert first.rc == 0, first.output[-3000:]
    assert recap(first)['changed'] > 0
    assert live_nodes(empty_cloud) == dict.fromkeys(NODE_NAMES, 'running')
    s3 = empty_cloud.boto3_client('s3', 'us-east-1')
    keys = sorted(item['Key'] for item in s3.list_objects_v2(Bucket=BUCKET)['Contents'])
    assert keys == ['hello.txt', 'site/about.txt', 'site/css/site.css', 'site/index.html']
    key_pairs, volumes, snapshots = storage(empty_cloud)
    db = instances(empty_cloud)['demo-db']
    assert key_pairs == {KEY_PAIR}
    assert db['KeyName'] == KEY_PAIR
    public_key = (REPO_ROOT / 'playbooks' / 'files' / 'DEMO-ONLY-demo-key.pub').read_text().split()
    imported = empty_cloud.boto3_client('ec2', 'us-east-1').describe_key_pairs(KeyNames=[KEY_PAIR], IncludePublicKey=True)['KeyPairs'][0]
    assert imported['PublicKey'].split()[:2] == public_key[:2]
    assert set(volumes) == {VOLUME}
    volume = volumes[VOLUME]
    assert (volume['Size'], volume['AvailabilityZone']) == (1, db['Placement']['AvailabilityZone'])
    assert [(item['InstanceId'], item['Device']) for item in volume['Attachments']] == [(db['InstanceId'], '/dev/sdf')]
    assert set(snapshots) == {SNAPSHOT}
    assert snapshots[SNAPSHOT]['VolumeId'] == volume['VolumeId']
    addresses = dict((name, [instance['PublicIpAddress']]) for name, instance in instances(empty_cloud).items())
    assert names(demo_zone) == addresses

    second = play('provision.yml', empty_cloud, tmp_path / 'second', demo_zone)
    assert second.rc == 0, second.output[-3000:]
    assert recap(second)['changed'] == 0

    down = play('teardown.yml', empty_cloud, tmp_path / 'down', demo_zone)
    assert down.rc == 0, down.output[-3000:]
    assert live_nodes(empty_cloud) == {}
    assert BUCKET not in buckets(empty_cloud)
    assert storage(empty_cloud) == (set(), {}, {})
    assert names(demo_zone) == dict.fromkeys(DNS_NAMES, [])


def test_roles_hide_items_that_carry_credentials(empty_cloud, tmp_path):
    """An item with an inline cloud dict would show its secret in the loop results: the roles hide those, in the
    key pair, volume and snapshot tasks too."""
    entry = empty_cloud.ec2_cloud_entry('us-east-1')
    store = empty_cloud.s3_cloud_entry('us-east-1')
    public_key = (REPO_ROOT / 'playbooks' / 'files' / 'DEMO-ONLY-demo-key.pub').read_text().strip()
    node = {'name': 'inline-node', 'cloud': entry, 'image': 'ami-785db401', 'size': 't3.micro', 'key_pair': 'inline-key',
            'public_key': public_key, 'volumes': [{'size': 1, 'device': '/dev/sdf', 'snapshot': 'inline-snapshot'}]}
    play = [{'hosts': 'localhost', 'gather_facts': False, 'vars': {
        'libcloud_nodes': [node],
        'libcloud_buckets': [{'name': 'inline-bucket', 'cloud': store, 'objects': [{'name': 'a.txt', 'content': 'a'}]}],
    }, 'roles': ['cloudmesh.libcloud.libcloud_nodes', 'cloudmesh.libcloud.libcloud_buckets']}]
    run = run_playbook(yaml.safe_dump(play) + '\n', tmp_path, verbosity=3, callback='default')
    assert run.rc == 0, run.output[-3000:]
    assert 'censored' in run.output
    assert entry['secret'] not in run.output
    assert live_nodes(empty_cloud) == {'inline-node': 'running'}
    assert 'inline-bucket' in buckets(empty_cloud)
    key_pairs, volumes, snapshots = storage(empty_cloud)
    assert (key_pairs, set(volumes), set(snapshots)) == ({'inline-key'}, {'inline-node-sdf'}, {'inline-snapshot'})


def test_role_refuses_volumes_with_count_before_any_change(tmp_path):
    """Items the role cannot carry out fail in one message naming them, before any module runs."""
    play = [{'hosts': 'localhost', 'gather_facts': False, 'vars': {'libcloud_nodes': [
        {'name': 'fleet', 'count': 2, 'cloud': 'nowhere', 'volumes': [{'size': 1, 'device': '/dev/sdf'}]},
        {'name': 'keyed', 'cloud': 'nowhere', 'public_key': 'ssh-rsa AAAA demo'},
        {'name': 'unnamed', 'cloud': 'nowhere', 'volumes': [{'size': 1}]},
    ]}, 'roles': ['cloudmesh.libcloud.libcloud_nodes']}]
    run = run_playbook(yaml.safe_dump(play) + '\n', tmp_path, callback='default')
    assert run.rc == 2, run.output[-3000:]
    assert recap(run)['failed'] == 1 and recap(run)['ok'] == 1  # the role's argument check, then this one
    assert ('libcloud_nodes: volumes cannot be declared together with count (items fleet); declare each node that has '
            'volumes as an item of its own; libcloud_nodes: every volume needs a name or a device (items unnamed); '
            'libcloud_nodes: public_key needs key_pair, the name to import it under (items keyed)') in run.stdout
