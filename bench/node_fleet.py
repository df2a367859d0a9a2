#!/usr/bin/env python
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: a fleet of 20 nodes with wait, then the unchanged re-run, against amazon.aws.ec2_instance.

    .venv/bin/python bench/node_fleet.py [--count 20] [--rounds 3]

One local cloud (moto) serves both. Each round gives each side a region of its own: ours runs
cloudmesh.libcloud.libcloud_node (count, state running, wait), the peer amazon.aws.ec2_instance (exact_count,
state running, wait), each as a one-task ansible-playbook, timed from the outside (process start to exit), first
to create the fleet, then again unchanged. Both sides' fleets are checked with boto3 before any figure counts.
The runs alternate between the two sides so that a busy machine slows both alike. The medians are compared:
goals are create <= 1.0x the peer and unchanged <= 0.8x.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.harness.ansible_run import timed_task  # noqa: E402
from tests.harness.local_cloud import TEST_KEY, TEST_SECRET, LocalCloud  # noqa: E402

# Pairs of regions (ours, peer), one pair per round.
REGION_PAIRS = [('us-west-1', 'us-west-2'), ('eu-west-1', 'eu-west-2'), ('ap-south-1', 'ap-southeast-1'),
                ('eu-central-1', 'eu-north-1'), ('ca-central-1', 'sa-east-1')]
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument('--count', type=int, default=20)
    parser.add_argument('--rounds', type=int, default=3, help='rounds, each in fresh regions (at most %d)' % len(REGION_PAIRS))
    args = parser.parse_args(argv)
    times = {(side, phase): [] for side in ('ours', 'peer') for phase in ('create', 'unchanged')}
    workdir = REPO_ROOT / 'tests' / 'output' / 'bench_node_fleet'
    with LocalCloud() as cloud:
        images = {}
        for round_number, (our_region, peer_region) in enumerate(REGION_PAIRS[:args.rounds]):
            sides = {'ours': (ours_task, our_region), 'peer': (peer_task, peer_region)}
            for region in (our_region, peer_region):
                client = cloud.boto3_client('ec2', region)
                images[region] = client.describe_images(Owners=['amazon'])['Images'][0]['ImageId']
            # Alternate who goes first from round to round.
            order = ('ours', 'peer') if round_number % 2 == 0 else ('peer', 'ours')
            for phase in ('create', 'unchanged'):
                for side in order:
                    make_task, region = sides[side]
                    elapsed, result = timed_task(make_task(cloud, region, images[region], args.count),
                                                 workdir / ('%d-%s-%s' % (round_number, side, phase)))
                    if result['changed'] is not (phase == 'create'):
                        raise SystemExit('%s %s run reported changed=%s' % (side, phase, result['changed']))
                    fleet = running_fleet(cloud, region)
                    if fleet != ['running'] * args.count:
                        raise SystemExit('%s has %s after the %s run, not %d running nodes' % (side, fleet, phase, args.count))
                    times[(side, phase)].append(elapsed)
                    print('round %d  %-4s  %-9s  %5.2f s  (%s)' % (round_number + 1, side, phase, elapsed, region), flush=True)

    print()
    print('node_fleet: %d nodes with wait, medians of %d rounds on one local moto' % (args.count, args.rounds))
    print('%-10s %8s %8s %7s %6s' % ('phase', 'ours', 'peer', 'ratio', 'goal'))
    met = True
    for phase in ('create', 'unchanged'):
        ours, peer = statistics.median(times[('ours', phase)]), statistics.median(times[('peer', phase)])
        ratio = ours / peer
        met = met and ratio <= GOALS[phase]
        print('%-10s %7.2fs %7.2fs %6.2fx %5.1fx %s' % (phase, ours, peer, ratio, GOALS[phase], 'met' if ratio <= GOALS[phase] else 'MISSED'))
    return 0 if met else 1


if __name__ == '__main__':
    sys.exit(main())
