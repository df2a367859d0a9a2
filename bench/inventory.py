# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: the cloudmesh.libcloud.libcloud inventory against amazon.aws.aws_ec2 on one local cloud.

    .venv/bin/python bench/inventory.py [--hosts 1000] [--runs 5] [--skip-static]

Starts its own local cloud, launches ``--hosts`` instances split over two regions (the first region in
more than 100 reservations, so that listings are paged), then times ``ansible-inventory -i FILE --list``
in alternating runs of: our plugin without cache, the peer, our plugin on a cache hit, and static inventory
files listing the same hosts with the same hostvars (YAML as the goal says, and JSON, ansible's fastest
file format). Prints the median of each and the ratios against the goals: ours <= 0.5x the peer, a cache
hit <= 1.8x the static YAML file.

It also prints the floor that no inventory plugin can go below on this machine: the time moto needs to answer
DescribeInstances for both regions (requested at once, read raw), plus the time of a cache hit (ansible's own
start-up, host building and --list output for these hosts, with no fetching at all).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.harness.ansible_run import BIN_DIR, ansible_env, ensure_collection_link, unwrap_unsafe  # noqa: E402
from tests.harness.local_cloud import TEST_KEY, TEST_SECRET, LocalCloud  # noqa: E402

sys.path.insert(0, str(ensure_collection_link()))
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.connection import build_driver  # noqa: E402

REGIONS = ('us-east-1', 'eu-west-1')
SINGLE_RESERVATIONS = 150   # in the first region: more than moto's default page of 100 reservations
BATCH = 50                  # instances per run_instances call for the rest

GOAL_VS_PEER = 0.5
GOAL_HIT_VS_STATIC = 1.8


def launch(cloud, total):
    """``total`` instances, half in each region; returns the number of reservations per region."""
    reservations = {}
    for index, region in enumerate(REGIONS):
        wanted = total // len(REGIONS) + (total % len(REGIONS) if index == 0 else 0)
        client = cloud.boto3_client('ec2', region)
        image = client.describe_images(Owners=['amazon'])['Images'][0]['ImageId']
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
    entry = cloud.ec2_cloud_entry()
    entry.pop('region')
    ours = {'plugin': 'cloudmesh.libcloud.libcloud', 'clouds': [dict(entry, name='bench', regions=list(REGIONS))]}
    cached = dict(ours, cache=True, cache_plugin='ansible.builtin.jsonfile', cache_connection=str(workdir / 'cache'),
                  cache_timeout=86400)
    peer = {'plugin': 'amazon.aws.aws_ec2', 'endpoint_url': cloud.endpoint_url, 'access_key': TEST_KEY,
            'secret_key': TEST_SECRET, 'regions': list(REGIONS)}
    files = {'ours': workdir / 'ours.libcloud.yml', 'cache hit': workdir / 'cached.libcloud.yml', 'peer': workdir / 'peer.aws_ec2.yml'}
    for name, config in (('ours', ours), ('cache hit', cached), ('peer', peer)):
        files[name].write_text(yaml.safe_dump(config))
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--hosts', type=int, default=1000, help='instances to launch, split over two regions (default 1000)')
    parser.add_argument('--runs', type=int, default=5, help='timed runs of each (default 5)')
    parser.add_argument('--skip-static', action='store_true', help='do not time the static files (slow for many hosts)')
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix='bench-inventory-') as tmp, LocalCloud() as cloud:
        workdir = Path(tmp)
        started = time.perf_counter()
        reservations = launch(cloud, args.hosts)
        print('launched %d instances in %s (reservations per region: %s) in %.1f s'
              % (args.hosts, ', '.join(REGIONS), reservations, time.perf_counter() - started))
        files = write_configs(cloud, workdir)

        # Warm-up runs, not timed: they fill our cache and check that everyone lists every host.
        fresh = list_inventory(files['ours'], workdir)[1]
        cached_fill = list_inventory(files['cache hit'], workdir)[1]
        cached_hit = list_inventory(files['cache hit'], workdir)[1]
        peer = list_inventory(files['peer'], workdir)[1]
        print('hosts listed: ours %d, cache hit %d, peer %d' % (host_count(fresh), host_count(cached_hit), host_count(peer)))
        if host_count(fresh) != args.hosts or cached_hit != cached_fill:
            raise SystemExit('ours did not list every host, or the cache hit differs from the run that filled it')
        if not args.skip_static:
            files.update(write_static(fresh, workdir))
            for name in ('static YAML', 'static JSON'):
                static = list_inventory(files[name], workdir)[1]
                if host_count(static) != args.hosts:
                    raise SystemExit('%s lists %d hosts' % (name, host_count(static)))

        order = [name for name in ('ours', 'peer', 'cache hit', 'static YAML', 'static JSON') if name in files]
        times = dict((name, []) for name in order)
        times['server'] = []
        for run in range(args.runs):
            # Alternating, so that a slow spell of the machine hits every contender alike.
            for name in order if run % 2 == 0 else reversed(order):
                times[name].append(list_inventory(files[name], workdir)[0])
            times['server'].append(server_seconds(cloud))

    medians = dict((name, statistics.median(values)) for name, values in times.items())
    print('\n%d hosts, median of %d alternating runs of `ansible-inventory -i FILE --list`:' % (args.hosts, args.runs))
    for name in order:
        print('  %-12s %6.2f s   (runs: %s)' % (name, medians[name], ', '.join('%.2f' % value for value in times[name])))
    print('  %-12s %6.2f s   (runs: %s)  moto answering DescribeInstances for both regions at once'
          % ('server', medians['server'], ', '.join('%.2f' % value for value in times['server'])))
    ratio = medians['ours'] / medians['peer']
    print('ours / peer:             %.2fx   goal <= %.1fx: %s' % (ratio, GOAL_VS_PEER, 'met' if ratio <= GOAL_VS_PEER else 'NOT met'))
    floor = medians['server'] + medians['cache hit']
    print('floor for any plugin:    %.2f s = %.2fx the peer (server + cache hit); ours is %.2f s above it'
          % (floor, floor / medians['peer'], medians['ours'] - floor))
    if 'static YAML' in medians:
        hit_ratio = medians['cache hit'] / medians['static YAML']
        print('cache hit / static YAML: %.2fx   goal <= %.1fx: %s'
              % (hit_ratio, GOAL_HIT_VS_STATIC, 'met' if hit_ratio <= GOAL_HIT_VS_STATIC else 'NOT met'))
        print('cache hit / static JSON: %.2fx   (stricter reference)' % (medians['cache hit'] / medians['static JSON']))
    return 0


if __name__ == '__main__':
    sys.exit(main())
