# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A cheap guard on performance in ``make test``: at the smallest size of four benchmarks of docs/performance.md,
ours/peer, measured here with the benchmarks' own code (the sides alternating), must stay under a generous limit:
2.5x the ratio of the committed report, and never under 1.5. A change that makes us several times slower than the
peer fails the build; the machine's load, which slows both sides alike, does not. The limits follow the report:
re-run ``make bench`` after a change that is meant to move them.

Two runs of each side, and the fastest of each: a busy machine only ever makes a run slower, so with few runs the
fastest is steadier than a median (and the guard stays near a minute beside the other pytest worker)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import big_object, inventory, node_fleet, sync
from bench.measuring import ratio

RESULTS = Path(__file__).resolve().parents[2] / 'docs' / 'performance' / 'results.json'
FACTOR = 2.5
MINIMUM = 1.5
RUNS = 2

# benchmark: (phase, smallest size of the report, the measurement of that phase alone, no floors)
GUARDS = {
    'inventory': ('cold', 100, lambda: inventory.measure(100, RUNS, phases=('cold',), statics=())),
    'node_fleet': ('create', 1, lambda: node_fleet.measure(1, RUNS, phases=('create',), floors=False)),
    'sync': ('first', 100, lambda: sync.measure(100, RUNS, phases=('first',), floors=False)),
    'big_object': ('up', 64, lambda: big_object.measure(64, RUNS, sides=('ours', 'peer'), phases=('up',), references=False)),
}


def reported_ratio(name, phase, size):
    """ours/peer of ``phase`` at ``size`` in the committed report."""
    sizes = json.loads(RESULTS.read_text())['benchmarks'].get(name, {}).get('sizes', [])
    found = [entry for entry in sizes if entry['size'] == size]
    if not found or ratio(found[0], phase) is None:
        pytest.fail('%s holds no %s %s at size %s: run make bench' % (RESULTS, name, phase, size))
    return ratio(found[0], phase)


@pytest.mark.parametrize('name', list(GUARDS))
def test_not_several_times_slower_than_the_peer(name):
    phase, size, measure = GUARDS[name]
    reported = reported_ratio(name, phase, size)
    limit = max(MINIMUM, FACTOR * reported)
    samples = measure()['samples']
    measured = min(samples['ours/' + phase]) / min(samples['peer/' + phase])
    assert measured <= limit, (
        '%s %s at size %s: ours/peer is %.2f, over the limit of %.2f (%.1fx the %.2f of docs/performance.md, at least %.1f); '
        'runs: %s' % (name, phase, size, measured, limit, FACTOR, reported, MINIMUM,
                      '; '.join('%s %s' % (series, ', '.join('%.2f s' % value for value in values)) for series, values in sorted(samples.items()))))
