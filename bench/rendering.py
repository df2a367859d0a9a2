# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""docs/performance.md and its plots from the results of ``report.py`` (docs/performance/results.json).

``render(results, markdown_path)`` writes the markdown and, in the folder of the same name beside it, one PNG per
benchmark (median time against size, ours and the peer on the same axes, the floors dashed), plus the object's
peak memory. The readings are derived from the figures, so that a re-run cannot leave a stale sentence behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
from matplotlib.ticker import FuncFormatter, NullFormatter  # noqa: E402

EVEN = 0.05  # a ratio within 5% of 1 is even: the runs' noise is larger than that


@dataclass
class Spec:
    """How one benchmark is shown: its phases, the names of its sides and the floors of each phase."""
    title: str
    ours: str
    peer: str
    unit: str                   # what the size counts
    phases: tuple
    what: str                   # one paragraph: what is timed
    floors: dict                # phase -> [(series, label)]: dashed on the plot; the first is the table's floor
    cloud: dict                 # phase -> the series of the local cloud's own answer time
    memory: bool = False
    notes: list = field(default_factory=list)
    references: tuple = ()      # phases whose table floor is a reference to compare with, not a floor
    extra_sides: tuple = ()     # (side, label): more contenders, solid on the plots, a column in the table
    cloud_words: str = "the local cloud's own answer"

    def floor_of(self, phase):
        return self.floors[phase][0][0]


SPECS = {
    'inventory': Spec(
        'Inventory', 'cloudmesh.libcloud.libcloud', 'amazon.aws.aws_ec2', 'hosts', ('cold', 'cache hit'),
        '`ansible-inventory -i FILE --list` over instances split over two regions (the first paged, more than 100 '
        'reservations); cold: no cache; cache hit: each plugin with `cache: true` (jsonfile), read after a run that '
        'filled it. The peer names hosts by instance id, so that both build every host.',
        {'cold': [('floor/cold', "moto's DescribeInstances answer + our cache hit")],
         'cache hit': [('static JSON', 'a static JSON inventory of the same hosts')]},
        {'cold': 'server'}, references=('cache hit',)),
    'node_fleet': Spec(
        'Node fleet', 'cloudmesh.libcloud.libcloud_node `count`', 'amazon.aws.ec2_instance `exact_count`', 'nodes',
        ('create', 'unchanged'),
        'One task, state running with wait, in a fresh region per side and round: the fleet is created, then the '
        'same task runs again and must change nothing. Both fleets are checked with boto3.',
        {phase: [('floor/' + phase, 'moto through boto3 + ansible start-up')] for phase in ('create', 'unchanged')},
        {'create': 'cloud/create', 'unchanged': 'cloud/unchanged'}),
    'sync': Spec(
        'Directory sync', 'cloudmesh.libcloud.libcloud_bucket_object `src: DIR`', 'community.aws.s3_sync', 'files',
        ('first', 'unchanged'),
        'One task syncs a folder of small files (1 KiB each, 20 subfolders) into a fresh bucket, then runs again '
        'unchanged. Every object is counted with boto3.',
        {phase: [('floor/' + phase, 'moto through boto3 (8 threads) + ansible start-up')] for phase in ('first', 'unchanged')},
        {'first': 'cloud/first', 'unchanged': 'cloud/unchanged'}),
    'volumes': Spec(
        'Volumes', 'cloudmesh.libcloud.libcloud_volume', 'amazon.aws.ec2_vol', 'volumes', ('create', 'unchanged'),
        'One task looping over the volumes (1 GiB each) in a fresh region per side and round, then the same task '
        'again unchanged.',
        {phase: [('floor/' + phase, 'moto through boto3 + a looped no-op task')] for phase in ('create', 'unchanged')},
        {'create': 'cloud/create', 'unchanged': 'cloud/unchanged'}),
    'big_object': Spec(
        'One object', 'cloudmesh.libcloud.libcloud_bucket_object', 'amazon.aws.s3_object', 'MiB', ('up', 'down'),
        'One task uploads a file of random bytes (ours: `src`; the peer: `mode: put`), another downloads it to a '
        'new path (ours: `dest`; the peer: `mode: get`); each side on a moto of its own, restarted for every run, '
        'and the sha256 of every download checked. Memory: the peak of the summed PSS of the whole process tree '
        '(ansible-playbook, its worker, the module), polled every 20 ms.',
        {phase: [('floor/' + phase, '%s + ansible start-up' % transfer), ('copy', 'a plain copy of the file')]
         for phase, transfer in (('up', 'boto3 upload_file'), ('down', 'one boto3 GET'))},
        {'up': 'boto3/up', 'down': 'get/down'}, memory=True, cloud_words='the bare transfer through boto3',
        extra_sides=(('boto3', 'boto3 alone: upload_file, download_file'),),
        notes=["amazon.aws.s3_object's `mode: get` is boto3's download_file, which fetches the object in ranged GETs; "
               'moto answers each ranged GET in about the time of a whole GET (by hand, 256 MiB: download_file 6.7 s, '
               'one GET 0.35 s, one ranged GET of 8 MiB 0.22 s). The peer\'s downloads here are bounded by that, not by '
               'the peer: the floor of a download is one GET.',
               'Ours uploads a file from 16 MiB up through libcloud\'s `upload_object_via_stream`, a multipart upload '
               'whose parts go one after another; boto3\'s upload_file sends them from 10 threads (by hand, 256 MiB: '
               'libcloud\'s call alone 4.7 s, upload_file 2.3 s, 3.4 s with one thread). That is the larger part of our gap to '
               'the peer on the way up.']),
}


def number(value):
    return '{:,}'.format(value)


def seconds(value):
    return '-' if value is None else '%.2f' % value


def ratio_of(medians, phase):
    ours, peer = medians.get('ours/' + phase), medians.get('peer/' + phase)
    return ours / peer if ours and peer else None


def size_label(spec, size):
    if spec.unit == 'MiB':
        return '1 GiB' if size == 1024 else '%d MiB' % size
    return '%s %s' % (number(size), spec.unit[:-1] if size == 1 else spec.unit)


def comparison(spec, phase, sizes):
    """One sentence on where ours is faster or slower than the peer."""
    ratios = [(size_label(spec, found['size']), ratio_of(found['medians'], phase)) for found in sizes]
    ratios = [(label, value) for label, value in ratios if value]
    if not ratios:
        return ''
    values = ', '.join('%.2fx at %s' % (value, label) for label, value in ratios)
    if all(value < 1 - EVEN for _label, value in ratios):
        return 'ours is faster than the peer at every size (ours/peer %s).' % values
    if all(value > 1 + EVEN for _label, value in ratios):
        return '**ours is slower than the peer at every size** (ours/peer %s).' % values
    slower = [label for label, value in ratios if value > 1 + EVEN]
    text = 'ours/peer %s' % values
    return text + ('; **ours is slower at %s**.' % ', '.join(slower) if slower else '; even or faster elsewhere.')


def against_floor(spec, phase, found):
    """One sentence on how far the largest size is above its floor, and whether the local cloud bounds it."""
    medians = found['medians']
    ours = medians.get('ours/' + phase)
    floor, cloud = medians.get(spec.floor_of(phase)), medians.get(spec.cloud.get(phase))
    if not ours or floor is None:
        return ''
    label = size_label(spec, found['size'])
    if phase in spec.references:
        return 'At %s ours takes %.2f s, %.2fx %s (%.2f s).' % (label, ours, ours / floor, spec.floors[phase][0][1], floor)
    if ours < floor * (1 - EVEN):
        return 'At %s ours (%.2f s) is under this floor (%.2f s), which overstates what the cloud needs.' % (label, ours, floor)
    if ours <= floor * (1 + EVEN):
        text = 'At %s ours is at its floor (%.2f s against %.2f s, within the noise)' % (label, ours, floor)
    else:
        text = 'At %s ours is %.2f s above its floor of %.2f s' % (label, ours - floor, floor)
    if cloud:
        share = cloud / ours
        text += '; %s is %s of our time' % (spec.cloud_words, '%d%%' % round(100 * share) if share >= 0.005 else 'under 1%')
        if 0.5 <= share <= 1:
            text += ': **this figure is bounded by the local cloud\'s answer time**, not by the module'
    return text + '.'


def memory_reading(spec, sizes):
    lines = []
    for phase in spec.phases:
        spans = []
        for side in ('ours', 'peer', 'boto3'):
            values = [found.get('memory_mib', {}).get('%s/%s' % (side, phase)) for found in sizes]
            values = [value for value in values if value]
            if values:
                flat = ' (flat)' if max(values) < 1.5 * min(values) else ''
                spans.append('%s %.0f-%.0f MiB%s' % (side, min(values), max(values), flat))
        if spans:
            span = '%s to %s' % (size_label(spec, sizes[0]['size']), size_label(spec, sizes[-1]['size']))
            lines.append('- peak memory, %s, from %s: %s.' % (phase, span, '; '.join(spans)))
    return lines


def table(spec, sizes):
    extra = ''.join(' %s (s) |' % side for side, _label in spec.extra_sides)
    rows = ['| %s | phase | ours (s) | peer (s) |%s ours/peer | floor (s) | ours above floor (s) | runs |' % (spec.unit, extra),
            '| ---: | --- | ---: | ---: |%s ---: | ---: | ---: | ---: |' % (' ---: |' * len(spec.extra_sides))]
    for found in sizes:
        medians = found['medians']
        for phase in spec.phases:
            ours, floor = medians.get('ours/' + phase), medians.get(spec.floor_of(phase))
            phase_ratio = ratio_of(medians, phase)
            extra = ''.join(' %s |' % seconds(medians.get('%s/%s' % (side, phase))) for side, _label in spec.extra_sides)
            rows.append('| %s | %s | %s | %s |%s %s | %s | %s | %d |' % (
                number(found['size']), phase, seconds(ours), seconds(medians.get('peer/' + phase)), extra,
                '%.2f' % phase_ratio if phase_ratio else '-', seconds(floor),
                '%+.2f' % (ours - floor) if ours and floor is not None else '-', found['runs']))
    if spec.memory:
        rows += ['', '| %s | phase | ours peak (MiB) | peer peak (MiB) | boto3 alone peak (MiB) |' % spec.unit,
                 '| ---: | --- | ---: | ---: | ---: |']
        for found in sizes:
            memory = found.get('memory_mib', {})
            for phase in spec.phases:
                rows.append('| %s | %s | %s |' % (number(found['size']), phase, ' | '.join(
                    '%.0f' % memory[key] if key in memory else '-' for key in ('%s/%s' % (side, phase) for side in ('ours', 'peer', 'boto3')))))
    return rows


def log_axes(axes, spec, sizes):
    axes.set_xscale('log')
    axes.set_yscale('log')
    axes.set_xticks([found['size'] for found in sizes])
    axes.set_xticklabels([number(found['size']) for found in sizes])
    axes.xaxis.set_minor_formatter(NullFormatter())
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _position: '%g' % value))
    # Minor ticks labelled so that a narrow range still shows numbers: every one within a decade, else 2 and 5 only.
    low, high = axes.get_ylim()
    digits = '123456789' if high < 10 * low else '25'
    axes.yaxis.set_minor_formatter(FuncFormatter(lambda value, _position: '%g' % value if ('%g' % value).lstrip('0.')[:1] in digits else ''))
    axes.set_xlabel(spec.unit)
    axes.grid(True, which='both', alpha=0.3)


def plot(spec, sizes, path, key='medians', ylabel='median wall time (s)'):
    """One figure: a panel per phase, ours and the peer (and the spec's extra sides) solid, the floors dashed."""
    figure, panels = plt.subplots(1, len(spec.phases), figsize=(5.2 * len(spec.phases), 4), squeeze=False)
    for axes, phase in zip(panels[0], spec.phases):
        lines = [('ours/' + phase, 'ours: ' + spec.ours.replace('`', ''), dict(color='C0', marker='o')),
                 ('peer/' + phase, 'peer: ' + spec.peer.replace('`', ''), dict(color='C1', marker='s'))]
        lines += [('%s/%s' % (side, phase), label, dict(color='C2', marker='^')) for side, label in spec.extra_sides]
        if key == 'medians':
            styles = ('--', ':', '-.')
            lines += [(series, label, dict(color='0.35', linestyle=styles[index], marker='.'))
                      for index, (series, label) in enumerate(spec.floors.get(phase, []))]
        plotted = 0
        for series, label, style in lines:
            points = [(found['size'], found.get(key, {})[series]) for found in sizes if series in found.get(key, {})]
            if points:
                axes.plot([x for x, _y in points], [y for _x, y in points], label=label, **style)
                plotted += 1
        log_axes(axes, spec, sizes)
        if key != 'medians':
            axes.set_yscale('linear')
            axes.set_ylim(bottom=0)
        axes.set_title('%s: %s' % (spec.title, phase))
        axes.set_ylabel(ylabel)
        if plotted:
            axes.legend(fontsize='small')
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)


def header(results):
    machine, versions = results.get('machine', {}), results.get('versions', {})
    lines = ['# Performance', '',
             'Measured by `make bench` (`bench/report.py`) on %s in %.0f minutes, against the local clouds of the tests '
             '(moto on 127.0.0.1). Every figure is the median wall time of whole `ansible-playbook` (or `ansible-inventory`) '
             'runs, process start to exit, ours and the peer alternating on the same server in the same run. Absolute '
             'figures swing 2-3x with the machine\'s load: compare the ratios, which come from the same runs. A *floor* is '
             'what no module can go below on this machine: the local cloud\'s own answer time (measured with boto3 or a raw '
             'request in the same runs) plus ansible\'s start-up; it is dashed on the plots.'
             % (results.get('date', '?'), results.get('wall_seconds', 0) / 60.0), '',
             '`make test` guards the ratios at the smallest sizes (`tests/integration/test_performance_guard.py`): a '
             'change that makes us several times slower than the peer fails the build. `bench/report.py --render-only` '
             're-renders this page from `docs/performance/results.json`.', '',
             '| machine and versions | |', '| --- | --- |']
    lines += ['| %s | %s |' % item for item in list(machine.items()) + list(versions.items())]
    return lines


def summary(results):
    lines = ['', '## Summary', '', '| benchmark | phase | ours/peer, smallest size | ours/peer, largest size |',
             '| --- | --- | ---: | ---: |']
    for name, spec in SPECS.items():
        sizes = results.get('benchmarks', {}).get(name, {}).get('sizes', [])
        for phase in spec.phases if sizes else ():
            first, last = ratio_of(sizes[0]['medians'], phase), ratio_of(sizes[-1]['medians'], phase)
            lines.append('| %s | %s | %s (%s) | %s (%s) |' % (
                spec.title, phase, '%.2f' % first if first else '-', size_label(spec, sizes[0]['size']),
                '%.2f' % last if last else '-', size_label(spec, sizes[-1]['size'])))
    return lines


def render(results, markdown_path):
    """Write ``markdown_path`` and its PNGs (in the folder named like it, without the suffix); returns the PNGs."""
    markdown_path = Path(markdown_path)
    images = markdown_path.parent / markdown_path.stem
    images.mkdir(parents=True, exist_ok=True)
    lines, written = header(results) + summary(results), []
    for name, spec in SPECS.items():
        entry = results.get('benchmarks', {}).get(name)
        if not entry or not entry.get('sizes'):
            continue
        sizes = sorted(entry['sizes'], key=lambda found: found['size'])
        plot(spec, sizes, images / (name + '.png'))
        written.append(images / (name + '.png'))
        lines += ['', '## %s: %s against %s' % (spec.title, spec.ours, spec.peer), '', spec.what, '',
                  '![%s: median time against size](%s/%s.png)' % (spec.title, images.name, name), '']
        if spec.memory:
            plot(spec, sizes, images / (name + '_memory.png'), key='memory_mib', ylabel='peak PSS of the process tree (MiB)')
            written.append(images / (name + '_memory.png'))
            lines += ['![%s: peak memory against size](%s/%s_memory.png)' % (spec.title, images.name, name), '']
        lines += table(spec, sizes) + ['', 'Floors (dashed): ' + '; '.join('%s%s: %s' % (
            phase, ' (a reference, not a floor)' if phase in spec.references else '',
            ', '.join(label for _series, label in spec.floors.get(phase, []))) for phase in spec.phases) + '.']
        for note in spec.notes:
            lines += ['', note]
        lines += ['', 'Reading (from the figures above):', '']
        for phase in spec.phases:
            sentences = [text for text in (comparison(spec, phase, sizes), against_floor(spec, phase, sizes[-1])) if text]
            lines.append('- %s: %s' % (phase, ' '.join(sentences)))
        if spec.memory:
            lines += memory_reading(spec, sizes)
        if entry.get('note'):
            lines += ['', entry['note']]
    markdown_path.write_text('\n'.join(lines) + '\n')
    return written
