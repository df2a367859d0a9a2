# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: a 512 MiB object goes up and comes back; the sha256 must survive and memory must stay bounded.

One ansible-playbook run uploads the file and downloads it to another path (then a second run repeats both
tasks, which must change nothing). Its peak memory is measured two ways:

- GNU ``/usr/bin/time -v``: "Maximum resident set size", which Linux reports for the largest single process of
  the tree (ansible-playbook, its forked worker, or the module's Python), not for their sum;
- the sums of RSS and of PSS over every process of the tree, polled from /proc/<pid>/smaps_rollup every 20 ms
  (a peak shorter than the interval could be missed). The RSS sum counts the pages that ansible-playbook shares
  with its forked worker once per process, so it overstates the tree; the PSS sum shares them out.

Goal: all three under 300 MiB. The peer, amazon.aws.s3_object (mode put, then mode get, boto3's managed transfers),
is measured the same way on its own server. moto keeps objects in memory, so each tool gets its own local cloud,
stopped afterwards.

    .venv/bin/python bench/big_object.py [--mib 512]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.harness.ansible_run import BIN_DIR, ansible_env  # noqa: E402
from tests.harness.local_cloud import TEST_KEY, TEST_SECRET, LocalCloud  # noqa: E402

GNU_TIME = '/usr/bin/time'
BUCKET = 'bench-big-object'
GOAL_MIB = 300
MIB = 1024 * 1024


def write_random_file(path, mib):
    """``mib`` MiB of random bytes; returns their sha256."""
    sha256 = hashlib.sha256()
    with open(path, 'wb') as handle:
        for _number in range(mib):
            chunk = os.urandom(MIB)
            sha256.update(chunk)
            handle.write(chunk)
    return sha256.hexdigest()


def file_sha256(path):
    sha256 = hashlib.sha256()
    with open(path, 'rb') as handle:
        for chunk in iter(lambda: handle.read(MIB), b''):
            sha256.update(chunk)
    return sha256.hexdigest()


def _children_map():
    children = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry) as handle:
                fields = handle.read().rsplit(')', 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def _memory_kib(pid):
    """(RSS, PSS) of a process in KiB; PSS shares each page among the processes that map it."""
    rss = pss = 0
    try:
        with open('/proc/%d/smaps_rollup' % pid) as handle:
            for line in handle:
                if line.startswith('Rss:'):
                    rss = int(line.split()[1])
                elif line.startswith('Pss:'):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


class TreeMemorySampler(threading.Thread):
    """Polls the summed RSS and PSS of ``pid`` and all its descendants and keeps the highest sums seen."""

    def __init__(self, pid, interval=0.02):
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak_rss_kib = 0
        self.peak_pss_kib = 0
        self.samples = 0
        self._done = threading.Event()

    def run(self):
        while not self._done.is_set():
            children = _children_map()
            tree, pending = [], [self.pid]
            while pending:
                pid = pending.pop()
                tree.append(pid)
                pending.extend(children.get(pid, []))
            memory = [_memory_kib(pid) for pid in tree]
            self.peak_rss_kib = max(self.peak_rss_kib, sum(rss for rss, _pss in memory))
            self.peak_pss_kib = max(self.peak_pss_kib, sum(pss for _rss, pss in memory))
            self.samples += 1
            self._done.wait(self.interval)

    def stop(self):
        self._done.set()
        self.join()


def measured_playbook(tasks, workdir):
    """Run a playbook under GNU time -v: (seconds, GNU time max RSS, polled tree RSS and PSS peaks (KiB), stdout)."""
    playbook = workdir / ('playbook-%d.yml' % time.monotonic_ns())
    playbook.write_text(yaml.safe_dump([{'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}], sort_keys=False))
    command = [GNU_TIME, '-v', str(BIN_DIR / 'ansible-playbook'), str(playbook), '-i', 'localhost,', '-c', 'local']
    started = time.monotonic()
    proc = subprocess.Popen(command, cwd=str(workdir), env=ansible_env(callback='default'), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    sampler = TreeMemorySampler(proc.pid)
    sampler.start()
    stdout, stderr = proc.communicate()
    elapsed = time.monotonic() - started
    sampler.stop()
    if proc.returncode != 0:
        raise SystemExit('playbook failed:\n%s\n%s' % (stdout[-3000:], stderr[-2000:]))
    max_rss = int(re.search(r'Maximum resident set size \(kbytes\): (\d+)', stderr).group(1))
    return elapsed, max_rss, sampler.peak_rss_kib, sampler.peak_pss_kib, stdout


def ours_tasks(cloud, src, dest):
    common = {'cloud': cloud.s3_cloud_entry(), 'bucket': BUCKET, 'name': 'big.bin'}
    return [
        {'name': 'upload', 'cloudmesh.libcloud.libcloud_bucket_object': dict(common, src=str(src), create_bucket=True)},
        {'name': 'download', 'cloudmesh.libcloud.libcloud_bucket_object': dict(common, state='downloaded', dest=str(dest))},
    ]


def peer_tasks(cloud, src, dest):
    common = {'bucket': BUCKET, 'object': 'big.bin', 'endpoint_url': cloud.endpoint_url, 'region': 'us-east-1',
              'access_key': TEST_KEY, 'secret_key': TEST_SECRET}
    return [
        {'name': 'upload', 'amazon.aws.s3_object': dict(common, mode='put', src=str(src))},
        {'name': 'download', 'amazon.aws.s3_object': dict(common, mode='get', dest=str(dest))},
    ]


def measure(name, make_tasks, src, src_sha256, workdir, rerun):
    dest = workdir / ('%s-download.bin' % name)
    with LocalCloud() as cloud:
        client = cloud.boto3_client('s3')
        if name == 'peer':
            client.create_bucket(Bucket=BUCKET)
        runs = [measured_playbook(make_tasks(cloud, src, dest), workdir)]
        if rerun:
            runs.append(measured_playbook(make_tasks(cloud, src, dest), workdir))
        stored = client.head_object(Bucket=BUCKET, Key='big.bin')
    dest_sha256 = file_sha256(dest)
    dest.unlink()
    return {
        'runs': runs,
        'sha256 intact': dest_sha256 == src_sha256,
        'stored sha256': stored['Metadata'].get('sha256'),
        'etag': stored['ETag'].strip('"'),
    }


def report(name, figures, src_sha256):
    print('%s:' % name)
    for number, (seconds, max_rss, tree_rss, tree_pss, stdout) in enumerate(figures['runs'], 1):
        recap = re.search(r'ok=\d+\s+changed=\d+', stdout)
        print('  run %d: %6.1f s; GNU time max RSS %6.1f MiB; whole tree, polled: RSS sum %6.1f MiB, PSS sum %6.1f MiB  (%s)'
              % (number, seconds, max_rss / 1024.0, tree_rss / 1024.0, tree_pss / 1024.0, recap.group(0) if recap else '?'))
    print('  downloaded sha256 equals the source: %s; ETag %s; stored metadata sha256 %s'
          % (figures['sha256 intact'], figures['etag'],
             'equals the source' if figures['stored sha256'] == src_sha256 else figures['stored sha256']))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--mib', type=int, default=512)
    parser.add_argument('--skip-peer', action='store_true')
    args = parser.parse_args()
    if not os.access(GNU_TIME, os.X_OK):
        raise SystemExit('%s (GNU time) is needed for this benchmark' % GNU_TIME)

    workdir = Path(tempfile.mkdtemp(prefix='bench-big-object-'))
    try:
        src = workdir / 'big.bin'
        src_sha256 = write_random_file(src, args.mib)
        ours = measure('ours', ours_tasks, src, src_sha256, workdir, rerun=True)
        peer = None if args.skip_peer else measure('peer', peer_tasks, src, src_sha256, workdir, rerun=False)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print('%d MiB object up and back, one ansible-playbook run (upload task + download task):' % args.mib)
    report('cloudmesh.libcloud.libcloud_bucket_object (run 2 repeats both tasks: nothing to do)', ours, src_sha256)
    if peer is not None:
        report('amazon.aws.s3_object (mode put, mode get)', peer, src_sha256)
    # The strictest of the three figures: the RSS sum counts the pages shared after fork once per process.
    peak_mib = max(max(run[1], run[2], run[3]) for run in ours['runs']) / 1024.0
    met = ours['sha256 intact'] and ours['stored sha256'] == src_sha256 and peak_mib < GOAL_MIB
    print('goal: sha256 intact and peak RSS < %d MiB: %s (%.1f MiB)' % (GOAL_MIB, 'met' if met else 'MISSED', peak_mib))
    return 0 if met else 1


if __name__ == '__main__':
    sys.exit(main())
