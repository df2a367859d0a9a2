# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: the cloudmesh.libcloud.libcloud inventory against amazon.aws.aws_ec2 on one local cloud.

    .venv/bin/python bench/inventory.py [--hosts 1000] [--runs 5] [--skip-static] [--json FILE]

Starts its own local cloud, launches ``--hosts`` instances split over two regions (the first region in
more than 100 reservations, so that listings are paged), then times ``ansible-inventory -i FILE --list``
in alternating runs of: our plugin and the peer without cache (cold), both on a cache hit, and static
inventory files listing the same hosts with the same hostvars (YAML as the goal says, and JSON, ansible's
fastest file format). Prints the median of each and the ratios against the goals: ours <= 0.5x the peer, a
cache hit <= 1.8x the static YAML file.

It also measures the floor that no inventory plugin can go below on this machine: the time moto needs to answer
DescribeInstances for both regions (requested at once, read raw), plus the time of our cache hit (ansible's own
start-up, host building and --list output for these hosts, with no fetching at all).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench.measuring import add_floor, any_image, in_turn, ratio, result, write_json  # noqa: E402
from tests.harness.ansible_run import BIN_DIR, ansible_env, ensure_collection_link, unwrap_unsafe  # noqa: E402
from tests.harness.local_cloud import TEST_KEY, TEST_SECRET, LocalCloud  # noqa: E402

sys.path.insert(0, str(ensure_collection_link()))
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.connection import build_driver  # noqa: E402

REGIONS = ('us-east-1', 'eu-west-1')
SINGLE_RESERVATIONS = 150   # in the first region: more than moto's default page of 100 reservations
BATCH = 50                  # instances per run_instances call for the rest
PHASES = ('cold', 'cache hit')
STATICS = ('static YAML', 'static JSON')

GOAL_VS_PEER = 0.5
GOAL_HIT_VS_STATIC = 1.8


def launch(cloud, total):
    """``total`` instances, half in each region; returns the number of reservations per region."""
    reservations = {}
    for index, region in enumerate(REGIONS):
        wanted = total // len(REGIONS) + (total % len(REGIONS) if index == 0 else 0)
        client = cloud.boto3_client('ec2', region)
        image = any_image(client)
        made = calls = 0
        while made < wanted:
            count = 1 if (index == 0 and made < SINGLE_RESERVATIONS) else min(BATCH, wanted - made)
            tags = [{'Key': 'Name', 'Value': 'bench-%s-%d' % (region, made)}, {'Key': 'env', 'Value': ('prod', 'dev')[calls % 2]}]
            client.run_instances(ImageId=image, MinCount=count, MaxCount=count, InstanceType='t3.micro',
                                 TagSpecifications=[{'ResourceType': 'instance', 'Tags': tags}])
            made += count
            calls += 1
        reservations[region] = calls
    return reservations


def write_configs(cloud, workdir):
    """Inventory files ``SIDE/PHASE``: ours and the peer, each without a cache and with one."""
    entry = cloud.ec2_cloud_entry()
    entry.pop('region')
    ours = {'plugin': 'cloudmesh.libcloud.libcloud', 'clouds': [dict(entry, name='bench', regions=list(REGIONS))]}
    # The peer names hosts by instance id: its default (the private DNS name) merges hosts whose random moto IPs
    # collide (4,921 hosts for 5,000 instances), and it would build fewer hosts than ours.
    peer = {'plugin': 'amazon.aws.aws_ec2', 'endpoint_url': cloud.endpoint_url, 'access_key': TEST_KEY,
            'secret_key': TEST_SECRET, 'regions': list(REGIONS), 'hostnames': ['instance-id']}
    files = {}
    for side, config, suffix in (('ours', ours, 'libcloud.yml'), ('peer', peer, 'aws_ec2.yml')):
        cached = dict(config, cache=True, cache_plugin='ansible.builtin.jsonfile', cache_timeout=86400,
                      cache_connection=str(workdir / ('cache-' + side)))
        for phase, body in (('cold', config), ('cache hit', cached)):
            path = files['%s/%s' % (side, phase)] = workdir / ('%s-%s.%s' % (side, phase.replace(' ', '-'), suffix))
            path.write_text(yaml.safe_dump(body))
    return files


def list_inventory(path, workdir):
    """Wall time of ``ansible-inventory -i path --list`` and its parsed output."""
    command = [str(BIN_DIR / 'ansible-inventory'), '-i', str(path), '--list']
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=str(workdir), env=ansible_env(callback=None), capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError('%s failed:\n%s' % (' '.join(command), proc.stderr[-3000:]))
    return seconds, json.loads(proc.stdout)


def write_static(listing, workdir):
    """Static inventory files holding the same hosts, groups and hostvars as ``listing`` (our --list)."""
    hostvars = unwrap_unsafe(listing['_meta']['hostvars'])
    children = dict((group, {'hosts': dict((host, hostvars[host]) for host in body.get('hosts', []))})
                    for group, body in listing.items() if group not in ('_meta', 'all') and body.get('hosts'))
    data = {'all': {'children': children}}
    static_yaml = workdir / 'static.yml'
    static_yaml.write_text(yaml.dump(data, Dumper=getattr(yaml, 'CSafeDumper', yaml.SafeDumper)))
    static_json = workdir / 'static.json'
    static_json.write_text(json.dumps(data))
    return {'static YAML': static_yaml, 'static JSON': static_json}


def server_seconds(cloud):
    """Wall time of one raw DescribeInstances per region, all at once (moto's share of any listing)."""
    drivers = [build_driver(cloud.ec2_cloud_entry(region)) for region in REGIONS]

    def ask(driver):
        driver.connection.request(driver.path, params={'Action': 'DescribeInstances', 'MaxResults': '1000'})

    threads = [threading.Thread(target=ask, args=(driver,)) for driver in drivers]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def host_count(listing):
    return len(listing.get('_meta', {}).get('hostvars', {}))


def measure(hosts, runs=5, phases=PHASES, statics=STATICS, log=print):
    """Medians of ``runs`` alternating runs of each side in each phase (and of the ``statics``) for ``hosts``
    instances, and the cold floor (moto's answer plus our cache hit) when the cache hit is measured."""
    with tempfile.TemporaryDirectory(prefix='bench-inventory-') as tmp, LocalCloud() as cloud:
        workdir = Path(tmp)
        started = time.perf_counter()
        reservations = launch(cloud, hosts)
        log('launched %d instances in %s (reservations per region: %s) in %.1f s'
            % (hosts, ', '.join(REGIONS), reservations, time.perf_counter() - started))
        files = write_configs(cloud, workdir)
        contenders = dict(('%s/%s' % (side, phase), files['%s/%s' % (side, phase)]) for phase in phases for side in ('ours', 'peer'))

        # Warm-up runs, not timed, where a cache must be filled or the static files written from our listing. A cold
        # run is what fills a cache, so the run that fills it stands for the cold one, and the hit must list the same.
        listings = {}
        for side in ('ours', 'peer') if 'cache hit' in phases or statics else ():
            path = contenders.get(side + '/cache hit', contenders[side + '/cold'])
            listings[side + '/cold'] = list_inventory(path, workdir)[1]
            if side + '/cache hit' in contenders:
                listings[side + '/cache hit'] = list_inventory(path, workdir)[1]
                if listings[side + '/cache hit'] != listings[side + '/cold']:
                    raise SystemExit('%s: the cache hit differs from the run that filled the cache' % side)
        if statics:
            static_files = write_static(listings['ours/cold'], workdir)
            for name in statics:
                contenders[name] = static_files[name]

        samples = dict((name, []) for name in contenders)
        samples['server'] = []
        for run in range(runs):
            for name in in_turn(list(contenders), run):
                seconds, listing = list_inventory(contenders[name], workdir)
                # Every run must list every host, or its time says nothing.
                if host_count(listing) != hosts:
                    raise SystemExit('%s lists %d hosts, not %d' % (name, host_count(listing), hosts))
                samples[name].append(seconds)
            samples['server'].append(server_seconds(cloud))
    return add_floor(result(hosts, runs, samples, reservations=reservations), 'cold', 'server', 'ours/cache hit')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--hosts', type=int, default=1000, help='instances to launch, split over two regions (default 1000)')
    parser.add_argument('--runs', type=int, default=5, help='timed runs of each (default 5)')
    parser.add_argument('--skip-static', action='store_true', help='do not time the static files (slow for many hosts)')
    parser.add_argument('--json', metavar='FILE', help='also write the result (medians and samples) to FILE')
    args = parser.parse_args(argv)

    found = measure(args.hosts, args.runs, statics=() if args.skip_static else STATICS)
    write_json(args.json, found)
    medians, samples = found['medians'], found['samples']
    print('\n%d hosts, median of %d alternating runs of `ansible-inventory -i FILE --list`:' % (args.hosts, args.runs))
    for name in samples:
        note = '  moto answering DescribeInstances for both regions at once' if name == 'server' else ''
        print('  %-15s %6.2f s   (runs: %s)%s' % (name, medians[name], ', '.join('%.2f' % value for value in samples[name]), note))
    cold = ratio(found, 'cold')
    print('ours / peer, cold:       %.2fx   goal <= %.1fx: %s' % (cold, GOAL_VS_PEER, 'met' if cold <= GOAL_VS_PEER else 'NOT met'))
    print('ours / peer, cache hit:  %.2fx' % ratio(found, 'cache hit'))
    floor = medians['floor/cold']
    print('floor for any plugin:    %.2f s = %.2fx the peer (server + our cache hit); ours is %.2f s above it'
          % (floor, floor / medians['peer/cold'], medians['ours/cold'] - floor))
    if 'static YAML' in medians:
        hit_ratio = medians['ours/cache hit'] / medians['static YAML']
        print('cache hit / static YAML: %.2fx   goal <= %.1fx: %s'
              % (hit_ratio, GOAL_HIT_VS_STATIC, 'met' if hit_ratio <= GOAL_HIT_VS_STATIC else 'NOT met'))
        print('cache hit / static JSON: %.2fx   (stricter reference)' % (medians['ours/cache hit'] / medians['static JSON']))
    return 0


if __name__ == '__main__':
    sys.exit(main())
