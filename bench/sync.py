# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: sync a folder of 1,000 files of 1 KiB into a bucket, in one task.

cloudmesh.libcloud.libcloud_bucket_object (src: a folder) against community.aws.s3_sync, on the same local moto
server in the same run, into separate buckets. Each figure is the wall time of a whole ansible-playbook run with
that one task (about 1 s of it is ansible-playbook starting). Goals: our first sync at most 0.5x the peer's wall
time, and our unchanged re-run under 6 s.

    .venv/bin/python bench/sync.py [--files 1000] [--size 1024]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.harness.ansible_run import timed_task  # noqa: E402
from tests.harness.local_cloud import TEST_KEY, TEST_SECRET, LocalCloud  # noqa: E402

OURS_BUCKET = 'bench-sync-libcloud'
PEER_BUCKET = 'bench-sync-s3-sync'


def ours_task(cloud, src):
    return {'name': 'sync', 'cloudmesh.libcloud.libcloud_bucket_object': {
        'cloud': cloud.s3_cloud_entry(), 'bucket': OURS_BUCKET, 'src': str(src), 'prefix': 'site/'}}


def peer_task(cloud, src):
    return {'name': 'sync', 'community.aws.s3_sync': {
        'bucket': PEER_BUCKET, 'file_root': str(src), 'key_prefix': 'site', 'mode': 'push', 'region': 'us-east-1',
        'endpoint_url': cloud.endpoint_url, 'access_key': TEST_KEY, 'secret_key': TEST_SECRET}}


def count_objects(client, bucket):
    return sum(page.get('KeyCount', 0) for page in client.get_paginator('list_objects_v2').paginate(Bucket=bucket))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--files', type=int, default=1000)
    parser.add_argument('--size', type=int, default=1024, help='bytes per file')
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix='bench-sync-') as tmp, LocalCloud() as cloud:
        workdir = Path(tmp)
        src = workdir / 'site'
        for number in range(args.files):
            folder = src / ('d%02d' % (number % 20))
            folder.mkdir(parents=True, exist_ok=True)
            (folder / ('f%04d.txt' % number)).write_bytes(os.urandom(args.size))
        client = cloud.boto3_client('s3')
        for bucket in (OURS_BUCKET, PEER_BUCKET):
            client.create_bucket(Bucket=bucket)

        figures = {}
        # The peer goes first, so our runs meet the fuller server.
        figures['peer first sync'] = timed_task(peer_task(cloud, src), workdir / 'peer-1', timeout=1200)[0]
        figures['peer re-run'] = timed_task(peer_task(cloud, src), workdir / 'peer-2', timeout=1200)[0]
        figures['ours first sync'], first = timed_task(ours_task(cloud, src), workdir / 'ours-1', timeout=1200)
        figures['ours re-run'], rerun = timed_task(ours_task(cloud, src), workdir / 'ours-2', timeout=1200)

        assert first['changed'] and len(first['uploaded']) == args.files, 'our first sync did not upload every file'
        assert not rerun['changed'] and len(rerun['unchanged']) == args.files, 'our re-run was not a no-op'
        for bucket in (OURS_BUCKET, PEER_BUCKET):
            assert count_objects(client, bucket) == args.files, '%s does not hold %d objects' % (bucket, args.files)

    ratio = figures['ours first sync'] / figures['peer first sync']
    print('sync of %d files of %d bytes, one task, wall time of the whole ansible-playbook run:' % (args.files, args.size))
    for name, seconds in figures.items():
        print('  %-16s %7.2f s' % (name, seconds))
    print('  ratio ours/peer first sync: %.2f (goal <= 0.50: %s)' % (ratio, 'met' if ratio <= 0.5 else 'MISSED'))
    print('  our unchanged re-run: %.2f s (goal < 6 s: %s)' % (figures['ours re-run'], 'met' if figures['ours re-run'] < 6 else 'MISSED'))
    return 0 if ratio <= 0.5 and figures['ours re-run'] < 6 else 1


if __name__ == '__main__':
    sys.exit(main())
