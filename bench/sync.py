# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: sync a folder of 1,000 files of 1 KiB into a bucket, in one task.

cloudmesh.libcloud.libcloud_bucket_object (src: a folder) against community.aws.s3_sync, on the same local moto
server in the same run, into separate buckets (fresh ones each run). Each figure is the wall time of a whole
ansible-playbook run with that one task (about 1 s of it is ansible-playbook starting): the first sync, then the
unchanged re-run. The sides alternate from run to run. Goals: our first sync at most 0.5x the peer's wall time,
and our unchanged re-run under 6 s.

Floors, in the same runs: the cloud's (the same files put by boto3 straight from 8 threads; unchanged: one listing
of the bucket) and ansible's (a one-task playbook that does nothing).

    .venv/bin/python bench/sync.py [--files 1000] [--size 1024] [--runs 3] [--json FILE]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench.measuring import add_floor, ansible_floor, in_turn, ratio, result, write_json  # noqa: E402
from tests.harness.ansible_run import timed_task  # noqa: E402
from tests.harness.local_cloud import TEST_KEY, TEST_SECRET, LocalCloud  # noqa: E402

PHASES = ('first', 'unchanged')
PREFIX = 'site'
FLOOR_THREADS = 8


def ours_task(cloud, bucket, src):
    return {'name': 'sync', 'cloudmesh.libcloud.libcloud_bucket_object': {
        'cloud': cloud.s3_cloud_entry(), 'bucket': bucket, 'src': str(src), 'prefix': PREFIX + '/'}}


def peer_task(cloud, bucket, src):
    return {'name': 'sync', 'community.aws.s3_sync': {
        'bucket': bucket, 'file_root': str(src), 'key_prefix': PREFIX, 'mode': 'push', 'region': 'us-east-1',
        'endpoint_url': cloud.endpoint_url, 'access_key': TEST_KEY, 'secret_key': TEST_SECRET}}


def count_objects(client, bucket):
    return sum(page.get('KeyCount', 0) for page in client.get_paginator('list_objects_v2').paginate(Bucket=bucket))


def write_folder(src, files, size):
    """``files`` random files of ``size`` bytes in 20 subfolders; returns their paths."""
    paths = []
    for number in range(files):
        folder = src / ('d%02d' % (number % 20))
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / ('f%04d.txt' % number)
        path.write_bytes(os.urandom(size))
        paths.append(path)
    return paths


def check(side, phase, outcome, files, client, bucket):
    """The run did what a sync must: every file uploaded once, then nothing."""
    first = phase == 'first'
    if bool(outcome['changed']) is not first:
        raise SystemExit('%s %s run reported changed=%s' % (side, phase, outcome['changed']))
    if side == 'ours' and len(outcome['uploaded' if first else 'unchanged']) != files:
        raise SystemExit('our %s run did not report every file as %s' % (phase, 'uploaded' if first else 'unchanged'))
    if count_objects(client, bucket) != files:
        raise SystemExit('%s does not hold %d objects after the %s %s run' % (bucket, files, side, phase))


def cloud_floor(client, bucket, src, paths):
    """Seconds for moto alone: every file put by boto3 from a few threads, then one listing of the bucket."""
    def put(path):
        client.put_object(Bucket=bucket, Key='%s/%s' % (PREFIX, path.relative_to(src)), Body=path.read_bytes())

    started = time.monotonic()
    with ThreadPoolExecutor(FLOOR_THREADS) as pool:
        list(pool.map(put, paths))
    first = time.monotonic() - started
    started = time.monotonic()
    if count_objects(client, bucket) != len(paths):
        raise SystemExit('the floor bucket %s does not hold %d objects' % (bucket, len(paths)))
    return first, time.monotonic() - started


def measure(files, runs=3, size=1024, phases=PHASES, floors=True, log=print):
    """Medians over ``runs`` (fresh buckets each) of syncing ``files`` files of ``size`` bytes: each side per phase,
    and the floors."""
    samples = dict(('%s/%s' % (side, phase), []) for phase in phases for side in ('ours', 'peer'))
    make_task = {'ours': ours_task, 'peer': peer_task}
    with tempfile.TemporaryDirectory(prefix='bench-sync-') as tmp, LocalCloud() as cloud:
        workdir = Path(tmp)
        src = workdir / 'site'
        paths = write_folder(src, files, size)
        client = cloud.boto3_client('s3')
        for run in range(runs):
            buckets = dict((side, 'bench-sync-%s-%d' % (side, run)) for side in ('ours', 'peer', 'floor'))
            for bucket in buckets.values():
                client.create_bucket(Bucket=bucket)
            for phase in phases:
                for side in in_turn(('ours', 'peer'), run):
                    elapsed, outcome = timed_task(make_task[side](cloud, buckets[side], src),
                                                  workdir / ('%d-%s-%s' % (run, side, phase)), timeout=1800)
                    check(side, phase, outcome, files, client, buckets[side])
                    samples['%s/%s' % (side, phase)].append(elapsed)
                    log('run %d  %-4s  %-9s  %6.2f s' % (run + 1, side, phase, elapsed))
            if floors:
                first, unchanged = cloud_floor(client, buckets['floor'], src, paths)
                samples.setdefault('cloud/first', []).append(first)
                samples.setdefault('cloud/unchanged', []).append(unchanged)
                samples.setdefault('ansible', []).append(ansible_floor(workdir / ('%d-ansible' % run)))
                log('run %d  floors: cloud first %.2f s, unchanged %.2f s; ansible %.2f s'
                    % (run + 1, first, unchanged, samples['ansible'][-1]))
    found = result(files, runs, samples, file_bytes=size)
    for phase in phases:
        add_floor(found, phase, 'cloud/' + phase, 'ansible')
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--files', type=int, default=1000)
    parser.add_argument('--size', type=int, default=1024, help='bytes per file')
    parser.add_argument('--runs', type=int, default=3, help='timed runs of each side, alternating (default 3)')
    parser.add_argument('--json', metavar='FILE', help='also write the result (medians and samples) to FILE')
    args = parser.parse_args()

    found = measure(args.files, args.runs, args.size)
    write_json(args.json, found)
    medians = found['medians']
    print('sync of %d files of %d bytes, one task, median wall time of %d whole ansible-playbook runs:'
          % (args.files, args.size, args.runs))
    for name in sorted(medians):
        print('  %-16s %7.2f s' % (name, medians[name]))
    first_ratio = ratio(found, 'first')
    print('  ratio ours/peer first sync: %.2f (goal <= 0.50: %s)' % (first_ratio, 'met' if first_ratio <= 0.5 else 'MISSED'))
    print('  our unchanged re-run: %.2f s (goal < 6 s: %s)' % (medians['ours/unchanged'], 'met' if medians['ours/unchanged'] < 6 else 'MISSED'))
    return 0 if first_ratio <= 0.5 and medians['ours/unchanged'] < 6 else 1


if __name__ == '__main__':
    sys.exit(main())
