#!/usr/bin/env python
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: a fleet of 20 nodes with wait, then the unchanged re-run, against amazon.aws.ec2_instance.

    .venv/bin/python bench/node_fleet.py [--count 20] [--rounds 3] [--json FILE]

One local cloud (moto) serves both. Each round gives each side a region of its own: ours runs
cloudmesh.libcloud.libcloud_node (count, state running, wait), the peer amazon.aws.ec2_instance (exact_count,
state running, wait), each as a one-task ansible-playbook, timed from the outside (process start to exit), first
to create the fleet, then again unchanged. Both sides' fleets are checked with boto3 before any figure counts.
The runs alternate between the two sides so that a busy machine slows both alike. The medians are compared:
goals are create <= 1.0x the peer and unchanged <= 0.8x.

Two floors are measured in the same rounds: the cloud's, in a third region (boto3 straight: one RunInstances of
the whole fleet with its Name tag and one DescribeInstances that finds it running; unchanged: one
DescribeInstances by Name), and ansible's (a one-task playbook that does nothing).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench.measuring import add_floor, ansible_floor, any_image, in_turn, ratio, result, write_json  # noqa: E402
from tests.harness.ansible_run import timed_task  # noqa: E402
from tests.harness.local_cloud import TEST_KEY, TEST_SECRET, LocalCloud  # noqa: E402

# Regions (ours, peer, floor), one triple per round.
REGION_TRIPLES = [('us-west-1', 'us-west-2', 'us-east-2'), ('eu-west-1', 'eu-west-2', 'eu-west-3'),
                  ('ap-south-1', 'ap-southeast-1', 'ap-southeast-2'), ('eu-central-1', 'eu-north-1', 'ap-northeast-1'),
                  ('ca-central-1', 'sa-east-1', 'ap-northeast-2')]
PHASES = ('create', 'unchanged')
GOALS = {'create': 1.0, 'unchanged': 0.8}
SIZE = 't3.micro'
NAME = 'fleet'


def ours_task(cloud, region, image, count):
    return {'name': 'fleet', 'cloudmesh.libcloud.libcloud_node': {
        'cloud': cloud.ec2_cloud_entry(region), 'name': NAME, 'count': count, 'state': 'running', 'wait': True,
        'image': image, 'size': SIZE}}


def peer_task(cloud, region, image, count):
    return {'name': 'fleet', 'amazon.aws.ec2_instance': {
        'name': NAME, 'exact_count': count, 'state': 'running', 'wait': True, 'image_id': image, 'instance_type': SIZE,
        'region': region, 'endpoint_url': cloud.endpoint_url, 'access_key': TEST_KEY, 'secret_key': TEST_SECRET}}


def running_fleet(cloud, region):
    """Names and states of the live instances in ``region``, as boto3 sees them."""
    client = cloud.boto3_client('ec2', region)
    found = []
    for page in client.get_paginator('describe_instances').paginate():
        for reservation in page['Reservations']:
            for instance in reservation['Instances']:
                if instance['State']['Name'] not in ('terminated', 'shutting-down'):
                    found.append(instance['State']['Name'])
    return found


def cloud_floor(client, image, count):
    """Seconds for moto alone, through boto3: the fleet in one RunInstances and one DescribeInstances that finds it
    running; then the unchanged check, one DescribeInstances by Name."""
    by_name = [{'Name': 'tag:Name', 'Values': [NAME]}, {'Name': 'instance-state-name', 'Values': ['pending', 'running']}]
    started = time.monotonic()
    client.run_instances(ImageId=image, MinCount=count, MaxCount=count, InstanceType=SIZE, TagSpecifications=[
        {'ResourceType': 'instance', 'Tags': [{'Key': 'Name', 'Value': NAME}]}])
    while sum(len(reservation['Instances']) for reservation in client.describe_instances(Filters=[
            {'Name': 'tag:Name', 'Values': [NAME]}, {'Name': 'instance-state-name', 'Values': ['running']}])['Reservations']) < count:
        time.sleep(0.01)
    create = time.monotonic() - started
    started = time.monotonic()
    client.describe_instances(Filters=by_name)
    return create, time.monotonic() - started


def measure(count, rounds=3, phases=PHASES, floors=True, log=print):
    """Medians over ``rounds`` (each in fresh regions of a cloud of its own) of a fleet of ``count`` nodes: each side
    per phase, and the floors."""
    if not 1 <= rounds <= len(REGION_TRIPLES):
        raise ValueError('rounds must be between 1 and %d' % len(REGION_TRIPLES))
    samples = dict(('%s/%s' % (side, phase), []) for phase in phases for side in ('ours', 'peer'))
    workdir = REPO_ROOT / 'tests' / 'output' / 'bench_node_fleet'
    with LocalCloud() as cloud:
        for round_number, (our_region, peer_region, floor_region) in enumerate(REGION_TRIPLES[:rounds]):
            sides = {'ours': (ours_task, our_region), 'peer': (peer_task, peer_region)}
            images = dict((region, any_image(cloud.boto3_client('ec2', region))) for region in (our_region, peer_region, floor_region))
            for phase in phases:
                for side in in_turn(('ours', 'peer'), round_number):
                    make_task, region = sides[side]
                    elapsed, outcome = timed_task(make_task(cloud, region, images[region], count),
                                                  workdir / ('%d-%s-%s' % (round_number, side, phase)))
                    if outcome['changed'] is not (phase == 'create'):
                        raise SystemExit('%s %s run reported changed=%s' % (side, phase, outcome['changed']))
                    fleet = running_fleet(cloud, region)
                    if fleet != ['running'] * count:
                        raise SystemExit('%s has %s after the %s run, not %d running nodes' % (side, fleet, phase, count))
                    samples['%s/%s' % (side, phase)].append(elapsed)
                    log('round %d  %-4s  %-9s  %5.2f s  (%s)' % (round_number + 1, side, phase, elapsed, region))
            if floors:
                create, unchanged = cloud_floor(cloud.boto3_client('ec2', floor_region), images[floor_region], count)
                samples.setdefault('cloud/create', []).append(create)
                samples.setdefault('cloud/unchanged', []).append(unchanged)
                samples.setdefault('ansible', []).append(ansible_floor(workdir / ('%d-ansible' % round_number)))
                log('round %d  floors: cloud create %.2f s, unchanged %.2f s; ansible %.2f s'
                    % (round_number + 1, create, unchanged, samples['ansible'][-1]))
    found = result(count, rounds, samples)
    for phase in phases:
        add_floor(found, phase, 'cloud/' + phase, 'ansible')
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument('--count', type=int, default=20)
    parser.add_argument('--rounds', type=int, default=3, help='rounds, each in fresh regions (at most %d)' % len(REGION_TRIPLES))
    parser.add_argument('--json', metavar='FILE', help='also write the result (medians and samples) to FILE')
    args = parser.parse_args(argv)
    if not 1 <= args.rounds <= len(REGION_TRIPLES):
        parser.error('--rounds must be between 1 and %d' % len(REGION_TRIPLES))
    found = measure(args.count, args.rounds)
    write_json(args.json, found)
    medians = found['medians']

    print()
    print('node_fleet: %d nodes with wait, medians of %d rounds on one local moto' % (args.count, args.rounds))
    print('%-10s %8s %8s %7s %6s %8s' % ('phase', 'ours', 'peer', 'ratio', 'goal', 'floor'))
    met = True
    for phase in PHASES:
        phase_ratio = ratio(found, phase)
        met = met and phase_ratio <= GOALS[phase]
        print('%-10s %7.2fs %7.2fs %6.2fx %5.1fx %7.2fs %s' % (
            phase, medians['ours/' + phase], medians['peer/' + phase], phase_ratio, GOALS[phase], medians['floor/' + phase],
            'met' if phase_ratio <= GOALS[phase] else 'MISSED'))
    print('floor: the cloud alone through boto3 plus a one-task playbook that does nothing (%.2f s)' % medians['ansible'])
    return 0 if met else 1


if __name__ == '__main__':
    sys.exit(main())
