# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the benchmarks share: the result each ``measure()`` returns, the ansible floor, and ``--json`` output.

A result is a plain dict, so that ``report.py`` can keep it in docs/performance/results.json::

    {'size': 100, 'runs': 5, 'samples': {'ours/cold': [1.2, ...], ...}, 'medians': {'ours/cold': 1.2, ...}}

Series are named ``SIDE/PHASE``: ``ours/cold``, ``peer/cold``, and ``floor/cold`` (what no module can go below on
this machine: the local cloud's own answer time plus ansible's start-up, where the benchmark measures them).
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.harness.ansible_run import timed_task  # noqa: E402


def result(size, runs, samples, memory_samples=None, **extra):
    """The dict of one size: the median of each series, and the samples they come from (seconds; memory in MiB)."""
    found = dict(size=size, runs=runs, samples=samples,
                 medians=dict((name, statistics.median(values)) for name, values in samples.items() if values))
    if memory_samples:
        found['memory_samples'] = memory_samples
        found['memory_mib'] = dict((name, statistics.median(values)) for name, values in memory_samples.items() if values)
    found.update(extra)
    return found


def add_floor(found, phase, *parts):
    """``floor/PHASE`` as the sum of the medians ``parts`` (e.g. the cloud's answer time and ansible's start-up)."""
    medians = found['medians']
    if all(part in medians for part in parts):
        medians['floor/' + phase] = sum(medians[part] for part in parts)
    return found


def ratio(found, phase):
    """ours/peer of the medians of ``phase``, or None when either side was not measured."""
    medians = found['medians']
    ours, peer = medians.get('ours/' + phase), medians.get('peer/' + phase)
    return ours / peer if ours and peer else None


def in_turn(sides, run_number):
    """The sides in the order of this run: alternating, so that a slow spell of the machine hits each side alike."""
    return list(sides) if run_number % 2 == 0 else list(reversed(sides))


def ansible_floor(workdir):
    """Wall time of a one-task playbook that does nothing (ansible.builtin.ping): ansible-playbook's own share of
    every one-task figure."""
    return timed_task({'name': 'floor', 'ansible.builtin.ping': {}}, workdir)[0]


def any_image(client):
    """The id of an Amazon Linux 2 image of the EC2 client's region. Asked by name: moto answers DescribeImages for
    all of its ~1,300 Amazon images in 2-7 s, and by name in 0.01 s."""
    return client.describe_images(Owners=['amazon'], Filters=[{'Name': 'name', 'Values': ['amzn2-ami-hvm-*']}])['Images'][0]['ImageId']


def write_json(path, found):
    if path:
        Path(path).write_text(json.dumps(found, indent=1, sort_keys=True) + '\n')
