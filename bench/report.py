# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every benchmark of bench/ over the sizes of the performance report, then docs/performance.md and its plots.

    .venv/bin/python bench/report.py                      # what `make bench` runs (about 50 minutes on 2 cores)
    .venv/bin/python bench/report.py --render-only        # re-render from docs/performance/results.json
    .venv/bin/python bench/report.py --only sync --sizes 10 20 --runs 2 --results /tmp/r.json --markdown /tmp/p.md

Each benchmark's ``measure(size, runs)`` starts its own local cloud(s), alternates ours and the peer within the size
and returns medians (see bench/measuring.py). The results are saved after every size, so that an interrupted run
keeps what it measured; ``--only`` replaces the named benchmarks in an existing results file and keeps the others.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import sysconfig
import time
from importlib import metadata
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench import big_object, inventory, node_fleet, sync, volumes  # noqa: E402
from bench.rendering import render  # noqa: E402

MARKDOWN = REPO_ROOT / 'docs' / 'performance.md'
RESULTS = REPO_ROOT / 'docs' / 'performance' / 'results.json'

# (size, runs) of each benchmark: fewer runs at the largest sizes, where one run of the peer takes minutes.
PLAN = {
    'inventory': (lambda size, runs: inventory.measure(size, runs, statics=('static JSON',)), [(100, 5), (1000, 5), (5000, 3)]),
    'node_fleet': (node_fleet.measure, [(1, 5), (10, 5), (50, 3)]),
    'sync': (sync.measure, [(100, 5), (1000, 3), (5000, 2)]),
    'volumes': (volumes.measure, [(1, 3), (10, 3)]),
    'big_object': (big_object.measure, [(64, 5), (256, 3), (1024, 3)]),
}
NOTES = {
    'sync': 'At 5,000 files, 2 runs (the median of two is their mean): one run of community.aws.s3_sync there, first sync and '
            're-run, takes over two minutes.',
}
PYTHON_PACKAGES = ('ansible-core', 'ansible', 'apache-libcloud', 'moto', 'boto3', 'matplotlib')
COLLECTIONS = ('amazon.aws', 'community.aws')


def machine():
    """CPU model, cores and memory, from /proc."""
    found = {'CPU': platform.processor() or platform.machine(), 'cores': os.cpu_count(), 'RAM': '?'}
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'):
                found['CPU'] = line.split(':', 1)[1].strip()
                break
        for line in Path('/proc/meminfo').read_text().splitlines():
            if line.startswith('MemTotal:'):
                found['RAM'] = '%.1f GiB' % (int(line.split()[1]) / 1024.0 / 1024.0)
    except OSError:
        pass
    found['system'] = '%s %s' % (platform.system(), platform.release())
    return found


def versions():
    found = {'Python': platform.python_version()}
    for name in PYTHON_PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = 'not installed'
    # The peers come with the ansible package, in this venv's site-packages.
    for name in COLLECTIONS:
        manifest = Path(sysconfig.get_paths()['purelib']) / 'ansible_collections' / name.replace('.', '/') / 'MANIFEST.json'
        found[name] = json.loads(manifest.read_text())['collection_info']['version'] if manifest.is_file() else 'not installed'
    return found


def load(path):
    return json.loads(Path(path).read_text()) if Path(path).is_file() else {'benchmarks': {}}


def save(results, path):
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(results, indent=1, sort_keys=True) + '\n')


def measure_all(names, results, results_path, sizes=None, runs=None):
    """Measure ``names`` in turn, each over its plan (or ``sizes`` / ``runs``), saving after every size."""
    started = time.monotonic()
    results.update(machine=machine(), versions=versions(), date=datetime.date.today().isoformat())
    for name in names:
        measure, plan = PLAN[name]
        if sizes:
            plan = [(size, runs or 2) for size in sizes]
        elif runs:
            plan = [(size, runs) for size, _runs in plan]
        entry = results['benchmarks'][name] = {'sizes': [], 'note': '' if sizes or runs else NOTES.get(name, '')}
        benchmark_started = time.monotonic()
        for size, size_runs in plan:
            print('== %s: size %s, %d runs' % (name, size, size_runs), flush=True)
            size_started = time.monotonic()
            entry['sizes'].append(dict(measure(size, size_runs), wall_seconds=round(time.monotonic() - size_started, 1)))
            entry['wall_seconds'] = round(time.monotonic() - benchmark_started, 1)
            save(results, results_path)
            print('== %s: size %s took %.0f s' % (name, size, entry['sizes'][-1]['wall_seconds']), flush=True)
    results['wall_seconds'] = round(sum(entry.get('wall_seconds', 0) for entry in results['benchmarks'].values()), 1)
    save(results, results_path)
    print('measured in %.1f minutes' % ((time.monotonic() - started) / 60.0))
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--render-only', action='store_true', help='render from the results file, measure nothing')
    parser.add_argument('--only', nargs='+', choices=sorted(PLAN), help='measure only these benchmarks')
    parser.add_argument('--sizes', nargs='+', type=int, help="with --only: these sizes instead of the plan's")
    parser.add_argument('--runs', type=int, help="runs of every size instead of the plan's")
    parser.add_argument('--results', default=str(RESULTS), help='results file (default: %(default)s)')
    parser.add_argument('--markdown', default=str(MARKDOWN), help='report, its PNGs beside it in the folder of its name (default: %(default)s)')
    args = parser.parse_args(argv)
    if args.sizes and not args.only:
        parser.error('--sizes needs --only')
    results = load(args.results)
    if not args.render_only:
        results = measure_all(args.only or list(PLAN), results, args.results, args.sizes, args.runs)
    if not results['benchmarks']:
        parser.error('%s holds no results: run without --render-only first' % args.results)
    for path in render(results, args.markdown):
        print('wrote %s' % path)
    print('wrote %s' % args.markdown)
    return 0


if __name__ == '__main__':
    sys.exit(main())
