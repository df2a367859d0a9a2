# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The libcloud_nodes role's `dns` items: after the nodes converge, each gets an A record of its first public (else
private) address in a zone of PowerDNS; teardown removes the records. Each step is checked by DNS queries to the
server and by boto3's view of the nodes, independently of the role's report."""

from __future__ import annotations

import pytest

from tests.harness.ansible_run import run_playbook

ZONE = 'nodes.test'
IMAGE = 'ami-785db401'
PLAYBOOK = '''
- hosts: localhost
  gather_facts: false
  roles:
    - role: cloudmesh.libcloud.libcloud_nodes
'''


def fleet(dns_entry):
    """A single node named www, a fleet of two named web-1 and web-2 (its DNS entry inline), and one without dns."""
    return {'libcloud_nodes': [
        {'name': 'dns-solo', 'cloud': 'aws', 'image': IMAGE, 'size': 't3.micro', 'dns': {'zone': ZONE, 'name': 'www', 'cloud': 'dns'}},
        {'name': 'dns-fleet', 'count': 2, 'cloud': 'aws', 'image': IMAGE, 'size': 't3.micro',
         'dns': {'zone': ZONE + '.', 'name': 'web', 'cloud': dns_entry, 'ttl': 120}},
        {'name': 'dns-none', 'cloud': 'aws', 'image': IMAGE, 'size': 't3.micro'},
    ]}


def addresses(local_cloud):
    """{Name tag: public IP} of the running instances, as EC2 reports them."""
    client = local_cloud.boto3_client('ec2', 'us-east-1')
    reservations = client.describe_instances(Filters=[{'Name': 'instance-state-name', 'Values': ['pending', 'running']}])
    return dict((tag['Value'], instance.get('PublicIpAddress') or instance['PrivateIpAddress'])
                for reservation in reservations['Reservations'] for instance in reservation['Instances']
                for tag in instance.get('Tags', []) if tag['Key'] == 'Name')


def names(powerdns):
    return dict((name, powerdns.resolve('%s.%s' % (name, ZONE))) for name in ('www', 'web-1', 'web-2', 'dns-none'))


@pytest.fixture(scope='module')
def scenario(local_cloud, powerdns_cloud, tmp_path_factory):
    """Check mode, apply, apply again, teardown in check mode, teardown: each run and what DNS answered after it."""
    local_cloud.reset()
    powerdns_cloud.reset()
    powerdns_cloud.api.create_zone(ZONE)
    root = tmp_path_factory.mktemp('role-dns')
    dns_entry = powerdns_cloud.cloud_entry()
    clouds = {'libcloud_clouds': {'aws': local_cloud.ec2_cloud_entry(), 'dns': dns_entry}}
    runs, answers = {}, {}

    def step(name, **kwargs):
        extra_vars = dict(clouds, **fleet(dns_entry))
        if name.startswith('teardown'):
            extra_vars['libcloud_nodes_state_override'] = 'absent'
        runs[name] = run_playbook(PLAYBOOK, root / name, extra_vars=extra_vars, **kwargs)
        assert runs[name].rc == 0, runs[name].output[-4000:]
        answers[name] = names(powerdns_cloud)

    step('check', check=True, diff=True)
    step('apply')
    answers['apply ttls'] = [powerdns_cloud.resolve_ttl('web-%d.%s' % (index, ZONE)) for index in (1, 2)]
    step('again')
    nodes = addresses(local_cloud)
    step('teardown check', check=True)
    step('teardown')
    yield runs, answers, nodes, dns_entry
    powerdns_cloud.reset()


def role_result(run, name):
    """The result of the role's task ``name``."""
    return run.result('cloudmesh.libcloud.libcloud_nodes : ' + name)


def dns_changed(run):
    """Whether the role's DNS tasks changed anything (the fleet's inline DNS entry hides the registered results)."""
    return any(role_result(run, name).get('changed', False)
               for name in ('Give the nodes their DNS names', 'Remove the DNS names of removed nodes'))


def test_check_mode_predicts_the_names_and_creates_nothing(scenario):
    runs, answers, _nodes, _entry = scenario
    predicted = role_result(runs['check'], 'Predict the DNS names of nodes that check mode could not ask about')
    assert len([item for item in predicted['results'] if item.get('changed')]) == 3, predicted
    # The fleet's predictions hold its inline DNS entry: hidden.
    messages = [item['msg'] for item in predicted['results'] if 'msg' in item]
    assert any(message.startswith('www.nodes.test would get an A record of node dns-solo') for message in messages), messages
    assert answers['check'] == {'www': [], 'web-1': [], 'web-2': [], 'dns-none': []}


def test_each_node_resolves_to_its_address(scenario):
    runs, answers, nodes, _entry = scenario
    assert answers['apply'] == {'www': [nodes['dns-solo']], 'web-1': [nodes['dns-fleet-1']], 'web-2': [nodes['dns-fleet-2']],
                                'dns-none': []}
    assert dns_changed(runs['apply'])
    # The fleet's ttl reached the records.
    assert answers['apply ttls'] == [120, 120]


def test_second_run_changes_nothing(scenario):
    runs, answers, _nodes, _entry = scenario
    assert not dns_changed(runs['again'])
    assert runs['again'].stats['changed'] == 0, runs['again'].stats
    assert answers['again'] == answers['apply']


def test_teardown_removes_the_names(scenario, powerdns_cloud):
    runs, answers, _nodes, _entry = scenario
    assert answers['teardown check'] == answers['apply']
    assert dns_changed(runs['teardown check'])
    assert answers['teardown'] == {'www': [], 'web-1': [], 'web-2': [], 'dns-none': []}
    assert dns_changed(runs['teardown'])
    # The zone stays: the role only removes the names it declared.
    assert ZONE in powerdns_cloud.api.zones()


def test_inline_dns_credentials_are_hidden(scenario):
    runs, _answers, _nodes, entry = scenario
    for name, run in runs.items():
        assert entry['key'] not in run.output, name
    registered = role_result(runs['apply'], 'Register what was done to key pairs, volumes, snapshots and DNS names')
    assert registered.get('censored'), registered


def test_missing_zone_fails_in_one_line(local_cloud, powerdns_cloud, tmp_path):
    local_cloud.reset()
    clouds = {'libcloud_clouds': {'aws': local_cloud.ec2_cloud_entry(), 'dns': powerdns_cloud.cloud_entry()}}
    items = {'libcloud_nodes': [{'name': 'dns-lost', 'cloud': 'aws', 'image': IMAGE, 'size': 't3.micro',
                                 'dns': {'zone': 'missing.test', 'cloud': 'dns'}}]}
    run = run_playbook(PLAYBOOK, tmp_path, extra_vars=dict(clouds, **items))
    assert run.rc != 0
    failed = role_result(run, 'Give the nodes their DNS names')
    messages = [item['msg'] for item in failed['results'] if item.get('failed')]
    assert len(messages) == 1 and '\n' not in messages[0] and 'missing.test' in messages[0], messages
