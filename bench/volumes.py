#!/usr/bin/env python
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: 10 volumes in one looped task, then the unchanged re-run, against amazon.aws.ec2_vol.

    .venv/bin/python bench/volumes.py [--count 10] [--rounds 3] [--sides ours peer] [--json FILE]

One local cloud (moto) serves both. Each round gives each side a region of its own: ours runs
cloudmesh.libcloud.libcloud_volume, the peer amazon.aws.ec2_vol, each as a one-task ansible-playbook looping over
``vol-0`` ... ``vol-9`` (size 1 GiB, zone <region>a), timed from the outside (process start to exit), first to
create the volumes, then again unchanged. Each side's volumes are checked with boto3 (count, Name tags, size, zone)
before any figure counts. The sides alternate from round to round so that a busy machine slows both alike; the
medians are compared (ours/peer).

Two floors are measured in the same rounds: the cloud's, in a third region as fresh as the sides' (the same 10
volumes made by boto3 directly, 10 CreateVolume calls with their Name tags; unchanged: 10 DescribeVolumes by Name),
and ansible's (the same one-task playbook looping 10 times over ansible.builtin.ping, no cloud at all). Each side
is reported as its time above them. Only same-run figures compare: absolute ones swing with the machine's load.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench.measuring import add_floor, in_turn, result, write_json  # noqa: E402
from tests.harness.ansible_run import timed_task  # noqa: E402
from tests.harness.local_cloud import TEST_KEY, TEST_SECRET, LocalCloud  # noqa: E402

# Regions (ours, peer, floor), one triple per round; each has a zone "<region>a" on moto.
REGION_TRIPLES = [('us-west-1', 'us-west-2', 'us-east-2'), ('eu-west-1', 'eu-west-2', 'eu-west-3'),
                  ('ap-south-1', 'ap-southeast-1', 'ap-southeast-2'), ('eu-central-1', 'eu-north-1', 'ap-northeast-1'),
                  ('ca-central-1', 'sa-east-1', 'ap-northeast-2')]
PHASES = ('create', 'unchanged')
SIDES = ('ours', 'peer')
SIZE_GIB = 1
TASK = 'volumes'


def volume_name(number):
    return 'vol-%d' % number


def looped(module, args, count):
    """One task running ``module`` once per item of range(count), names from ``volume_name``."""
    return {'name': TASK, module: args, 'loop': '{{ range(%d) | list }}' % count}


def ours_task(cloud, region, count):
    return looped('cloudmesh.libcloud.libcloud_volume', {
        'cloud': cloud.ec2_cloud_entry(region), 'name': 'vol-{{ item }}', 'size': SIZE_GIB, 'location': region + 'a'}, count)


def peer_task(cloud, region, count):
    return looped('amazon.aws.ec2_vol', {
        'name': 'vol-{{ item }}', 'volume_size': SIZE_GIB, 'zone': region + 'a', 'region': region,
        'endpoint_url': cloud.endpoint_url, 'access_key': TEST_KEY, 'secret_key': TEST_SECRET}, count)


def ansible_floor_task(count):
    return looped('ansible.builtin.ping', {}, count)


def check_changed(side, phase, outcome, count):
    """Create: every item changed; unchanged: none."""
    items = [item.get('changed') for item in outcome.get('results', [])]
    expected = [phase == 'create'] * count
    if items != expected or outcome.get('changed') is not (phase == 'create'):
        raise SystemExit('%s %s run reported changed=%s, items %s (expected %s)' % (side, phase, outcome.get('changed'), items, expected))


def volumes_in(cloud, region):
    """(Name tag, size, zone, state) of every volume in ``region``, as boto3 sees them, sorted."""
    client = cloud.boto3_client('ec2', region)
    found = []
    for page in client.get_paginator('describe_volumes').paginate():
        for volume in page['Volumes']:
            tags = dict((tag['Key'], tag['Value']) for tag in volume.get('Tags', []))
            found.append((tags.get('Name'), volume['Size'], volume['AvailabilityZone'], volume['State']))
    return sorted(found, key=str)


def expected_volumes(region, count):
    return sorted(((volume_name(number), SIZE_GIB, region + 'a', 'available') for number in range(count)), key=str)


def check_volumes(cloud, side, phase, region, count):
    found = volumes_in(cloud, region)
    if found != expected_volumes(region, count):
        raise SystemExit('%s has %s in %s after the %s run, not the %d volumes %s'
                         % (side, found, region, phase, count, [volume_name(number) for number in range(count)]))


def cloud_floor(cloud, region, count):
    """Seconds for the same volumes made straight from boto3 (one CreateVolume each, Name tag included), then
    for finding each again by Name (one DescribeVolumes each): what moto itself needs, without ansible or a module.

    The region is as fresh as the sides' are when they start: moto sets a region up on its first request there
    (about a second), and that first request is timed here as it is in their runs."""
    client = cloud.boto3_client('ec2', region)
    started = time.monotonic()
    for number in range(count):
        client.create_volume(Size=SIZE_GIB, AvailabilityZone=region + 'a', TagSpecifications=[
            {'ResourceType': 'volume', 'Tags': [{'Key': 'Name', 'Value': volume_name(number)}]}])
    create = time.monotonic() - started
    started = time.monotonic()
    for number in range(count):
        if len(client.describe_volumes(Filters=[{'Name': 'tag:Name', 'Values': [volume_name(number)]}])['Volumes']) != 1:
            raise SystemExit('floor: %s not found once in %s' % (volume_name(number), region))
    unchanged = time.monotonic() - started
    check_volumes(cloud, 'the floor', 'create', region, count)
    return create, unchanged


def measure(count, rounds=3, sides=SIDES, log=print):
    """Medians over ``rounds`` (each in fresh regions) of ``count`` volumes: each side per phase, and the floors."""
    if not 1 <= rounds <= len(REGION_TRIPLES):
        raise ValueError('rounds must be between 1 and %d' % len(REGION_TRIPLES))
    make_task = {'ours': ours_task, 'peer': peer_task}
    samples = dict(('%s/%s' % (side, phase), []) for phase in PHASES for side in tuple(sides) + ('cloud',))
    # The ansible floor changes nothing whatever the phase: its runs (two a round) are one sample.
    samples['ansible'] = []
    workdir = REPO_ROOT / 'tests' / 'output' / 'bench_volumes'
    with LocalCloud() as cloud:
        for round_number, (our_region, peer_region, floor_region) in enumerate(REGION_TRIPLES[:rounds]):
            regions = {'ours': our_region, 'peer': peer_region}
            # Alternate who goes first from round to round.
            order = [side for side in in_turn(SIDES, round_number) if side in sides]
            for phase in PHASES:
                for side in order:
                    region = regions[side]
                    elapsed, outcome = timed_task(make_task[side](cloud, region, count),
                                                  workdir / ('%d-%s-%s' % (round_number, side, phase)))
                    check_changed(side, phase, outcome, count)
                    check_volumes(cloud, side, phase, region, count)
                    samples['%s/%s' % (side, phase)].append(elapsed)
                    log('round %d  %-13s  %-9s  %5.2f s  (%s)' % (round_number + 1, side, phase, elapsed, region))
            # The floors, in the same round.
            for phase, seconds in zip(PHASES, cloud_floor(cloud, floor_region, count)):
                samples['cloud/' + phase].append(seconds)
                log('round %d  %-13s  %-9s  %5.2f s  (%s)' % (round_number + 1, 'cloud floor', phase, seconds, floor_region))
            for run_number in range(2):
                samples['ansible'].append(timed_task(ansible_floor_task(count), workdir / ('%d-ansible-floor-%d' % (round_number, run_number)))[0])
                log('round %d  %-13s  %-9s  %5.2f s' % (round_number + 1, 'ansible floor', '', samples['ansible'][-1]))
    found = result(count, rounds, samples)
    for phase in PHASES:
        add_floor(found, phase, 'cloud/' + phase, 'ansible')
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument('--count', type=int, default=10)
    parser.add_argument('--rounds', type=int, default=3, help='rounds, each in fresh regions (at most %d)' % len(REGION_TRIPLES))
    parser.add_argument('--sides', nargs='+', choices=SIDES, default=list(SIDES), help='the sides to run (default both)')
    parser.add_argument('--json', metavar='FILE', help='also write the result (medians and samples) to FILE')
    args = parser.parse_args(argv)
    if not 1 <= args.rounds <= len(REGION_TRIPLES):
        parser.error('--rounds must be between 1 and %d' % len(REGION_TRIPLES))
    found = measure(args.count, args.rounds, args.sides)
    write_json(args.json, found)
    medians = found['medians']
    print()
    print('volumes: %d volumes of %d GiB in one looped task, medians of %d rounds on one local moto'
          % (args.count, SIZE_GIB, args.rounds))
    print('%-10s %8s %8s %7s %12s %14s' % ('phase', 'ours', 'peer', 'ratio', 'cloud floor', 'ansible floor'))
    for phase in PHASES:
        ours, peer = medians.get('ours/' + phase), medians.get('peer/' + phase)
        print('%-10s %8s %8s %7s %11.2fs %13.2fs' % (
            phase, '%.2fs' % ours if ours else '-', '%.2fs' % peer if peer else '-',
            '%.2fx' % (ours / peer) if ours and peer else '-', medians['cloud/' + phase], medians['ansible']))
    print()
    print('above the floors (median wall time minus the cloud floor; minus both floors):')
    for phase in PHASES:
        for side in args.sides:
            above_cloud = medians['%s/%s' % (side, phase)] - medians['cloud/' + phase]
            above_both = above_cloud - medians['ansible']
            print('  %-10s %-4s  %+.2f s above the cloud floor (%.1fx it), %+.2f s above both' % (
                phase, side, above_cloud, medians['%s/%s' % (side, phase)] / medians['cloud/' + phase], above_both))
    return 0


if __name__ == '__main__':
    sys.exit(main())
