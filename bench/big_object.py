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
    .venv/bin/python bench/big_object.py --mib 64 --runs 3 --json FILE

With ``--json``, it measures what ``report.py`` shows instead (``measure()``): up and down as one-task playbooks
each, against the peer and boto3 alone (upload_file, download_file, and one plain GET: the physical floor of a
transfer through S3's API), with a plain copy of the file and ansible's start-up as references; seconds and peak
PSS sums, medians of ``--runs``.
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

from bench.measuring import add_floor, ansible_floor, in_turn, result, write_json  # noqa: E402
from tests.harness.ansible_run import BIN_DIR, ansible_env  # noqa: E402
from tests.harness.local_cloud import TEST_KEY, TEST_SECRET, LocalCloud  # noqa: E402

GNU_TIME = '/usr/bin/time'
BUCKET = 'bench-big-object'
GOAL_MIB = 300
MIB = 1024 * 1024
SIDES = ('ours', 'peer', 'boto3')
PHASES = ('up', 'down')

# boto3 alone, in a Python process of its own, timed inside it (interpreter start and imports excluded), so that its
# memory is polled like the playbooks': its managed transfers (upload_file, download_file), and one plain GET
# streamed to the file. The GET is the floor of a download on moto: download_file splits the object into ranged GETs,
# and moto answers each of them in about the time of a whole GET.
BOTO3_REFERENCE = """
import sys, time
import boto3
direction, endpoint, bucket, key, path = sys.argv[1:]
client = boto3.client('s3', endpoint_url=endpoint, region_name='us-east-1')
started = time.monotonic()
if direction == 'up':
    client.upload_file(path, bucket, key)
elif direction == 'down':
    client.download_file(bucket, key, path)
else:
    body = client.get_object(Bucket=bucket, Key=key)['Body']
    with open(path, 'wb') as handle:
        for chunk in iter(lambda: body.read(1024 * 1024), b''):
            handle.write(chunk)
print(time.monotonic() - started)
"""


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


def measured_process(command, workdir, env):
    """Run ``command``, polling its process tree's memory: (seconds, polled tree RSS and PSS peaks (KiB), stdout,
    stderr). A failed command ends the benchmark with the end of its output."""
    started = time.monotonic()
    proc = subprocess.Popen(command, cwd=str(workdir), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = TreeMemorySampler(proc.pid)
    sampler.start()
    stdout, stderr = proc.communicate()
    elapsed = time.monotonic() - started
    sampler.stop()
    if proc.returncode != 0:
        raise SystemExit('%s failed:\n%s\n%s' % (command[0], stdout[-3000:], stderr[-2000:]))
    return elapsed, sampler.peak_rss_kib, sampler.peak_pss_kib, stdout, stderr


def measured_playbook(tasks, workdir, gnu_time=True):
    """Run a playbook (under GNU time -v unless ``gnu_time`` is false): (seconds, GNU time max RSS or 0, polled tree
    RSS and PSS peaks (KiB), stdout)."""
    playbook = workdir / ('playbook-%d.yml' % time.monotonic_ns())
    playbook.write_text(yaml.safe_dump([{'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}], sort_keys=False))
    command = [str(BIN_DIR / 'ansible-playbook'), str(playbook), '-i', 'localhost,', '-c', 'local']
    if gnu_time:
        command = [GNU_TIME, '-v'] + command
    elapsed, tree_rss, tree_pss, stdout, stderr = measured_process(command, workdir, ansible_env(callback='default'))
    max_rss = int(re.search(r'Maximum resident set size \(kbytes\): (\d+)', stderr).group(1)) if gnu_time else 0
    return elapsed, max_rss, tree_rss, tree_pss, stdout


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


def round_trip(name, make_tasks, src, src_sha256, workdir, rerun):
    """Both tasks in one playbook on a cloud of its own (then again, when ``rerun``), under GNU time: main()'s figures."""
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


def boto3_reference(cloud, direction, path, workdir):
    """(seconds of the transfer, polled tree RSS and PSS peaks (KiB)) of boto3's upload_file or download_file."""
    env = dict(os.environ, AWS_ACCESS_KEY_ID=TEST_KEY, AWS_SECRET_ACCESS_KEY=TEST_SECRET, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    command = [sys.executable, '-c', BOTO3_REFERENCE, direction, cloud.endpoint_url, BUCKET, 'big.bin', str(path)]
    _elapsed, tree_rss, tree_pss, stdout, _stderr = measured_process(command, workdir, env)
    return float(stdout.split()[-1]), tree_rss, tree_pss


def one_side(side, src, dest, workdir, phases):
    """{series: (seconds, peak PSS of the process tree in KiB)} of one side, on a cloud of its own (moto keeps every
    object in memory: a fresh server for each side and run keeps them from slowing each other). boto3 also times
    one plain GET of the object (``get/down``) after its download_file."""
    figures = {}
    with LocalCloud() as cloud:
        client = cloud.boto3_client('s3')
        if side != 'ours':
            client.create_bucket(Bucket=BUCKET)
        for phase in phases:
            if side == 'boto3':
                seconds, _rss, pss = boto3_reference(cloud, phase, src if phase == 'up' else dest, workdir)
                if phase == 'down':
                    get_seconds, _rss, get_pss = boto3_reference(cloud, 'get', dest, workdir)
                    figures['get/down'] = (get_seconds, get_pss)
            else:
                task = {'ours': ours_tasks, 'peer': peer_tasks}[side](cloud, src, dest)[PHASES.index(phase)]
                seconds, _max_rss, _rss, pss, _stdout = measured_playbook([task], workdir, gnu_time=False)
            figures['%s/%s' % (side, phase)] = (seconds, pss)
        if client.head_object(Bucket=BUCKET, Key='big.bin')['ContentLength'] != src.stat().st_size:
            raise SystemExit('%s stored an object of another size than the file' % side)
    return figures


def measure(mib, runs=3, sides=SIDES, phases=PHASES, references=True, log=print):
    """Medians over ``runs`` of a ``mib`` MiB object going up and coming down: seconds and peak PSS (MiB) of each
    side, the sides alternating; and the references: a plain copy of the file and ansible's start-up."""
    samples, memory = {}, {}
    workdir = Path(tempfile.mkdtemp(prefix='bench-big-object-'))
    try:
        src = workdir / 'big.bin'
        src_sha256 = write_random_file(src, mib)
        for run in range(runs):
            for side in in_turn(sides, run):
                dest = workdir / ('%s-download.bin' % side)
                for series, (seconds, pss) in one_side(side, src, dest, workdir, phases).items():
                    samples.setdefault(series, []).append(seconds)
                    memory.setdefault(series, []).append(pss / 1024.0)
                    log('run %d  %-10s  %6.2f s  peak PSS %6.1f MiB' % (run + 1, series, seconds, pss / 1024.0))
                if 'down' in phases:
                    if file_sha256(dest) != src_sha256:
                        raise SystemExit('%s downloaded other bytes than it uploaded' % side)
                    dest.unlink()
            if references:
                copy = workdir / 'copy.bin'
                started = time.monotonic()
                shutil.copyfile(src, copy)
                samples.setdefault('copy', []).append(time.monotonic() - started)
                copy.unlink()
                samples.setdefault('ansible', []).append(ansible_floor(workdir / 'ansible'))
                log('run %d  copy %.2f s, ansible %.2f s' % (run + 1, samples['copy'][-1], samples['ansible'][-1]))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    found = result(mib, runs, samples, memory)
    add_floor(found, 'up', 'boto3/up', 'ansible')
    add_floor(found, 'down', 'get/down', 'ansible')
    return found


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
    parser.add_argument('--runs', type=int, default=3, help='with --json: runs of each side, alternating (default 3)')
    parser.add_argument('--json', metavar='FILE', help="measure up and down separately, as report.py does, and write the result to FILE")
    args = parser.parse_args()
    if args.json:
        found = measure(args.mib, args.runs, sides=('ours', 'boto3') if args.skip_peer else SIDES)
        write_json(args.json, found)
        for name in sorted(found['medians']):
            memory = found.get('memory_mib', {}).get(name)
            print('  %-10s %7.2f s%s' % (name, found['medians'][name], '  peak PSS %.1f MiB' % memory if memory else ''))
        return 0
    if not os.access(GNU_TIME, os.X_OK):
        raise SystemExit('%s (GNU time) is needed for this benchmark' % GNU_TIME)

    workdir = Path(tempfile.mkdtemp(prefix='bench-big-object-'))
    try:
        src = workdir / 'big.bin'
        src_sha256 = write_random_file(src, args.mib)
        ours = round_trip('ours', ours_tasks, src, src_sha256, workdir, rerun=True)
        peer = None if args.skip_peer else round_trip('peer', peer_tasks, src, src_sha256, workdir, rerun=False)
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
