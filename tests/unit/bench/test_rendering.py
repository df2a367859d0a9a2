# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The performance report's renderer: markdown tables, readings and PNG plots from a small results dict."""

from __future__ import annotations

import json

from bench import report
from bench.rendering import render

PNG_MAGIC = b'\x89PNG\r\n\x1a\n'


def size(value, runs, medians, memory=None):
    found = {'size': value, 'runs': runs, 'medians': medians, 'samples': dict((name, [median]) for name, median in medians.items())}
    if memory:
        found['memory_mib'] = memory
    return found


RESULTS = {
    'date': '2025-01-02', 'wall_seconds': 600, 'machine': {'CPU': 'Test CPU', 'cores': 2}, 'versions': {'moto': '5.2.5'},
    'benchmarks': {
        'sync': {'note': 'fewer runs at 5,000 files', 'sizes': [
            size(100, 5, {'ours/first': 2.0, 'peer/first': 4.0, 'floor/first': 1.5, 'cloud/first': 0.3,
                          'ours/unchanged': 1.2, 'peer/unchanged': 2.4, 'floor/unchanged': 1.1, 'cloud/unchanged': 0.01}),
            size(5000, 2, {'ours/first': 30.0, 'peer/first': 20.0, 'floor/first': 25.0, 'cloud/first': 24.0,
                           'ours/unchanged': 3.0, 'peer/unchanged': 30.0, 'floor/unchanged': 2.9, 'cloud/unchanged': 0.5}),
        ]},
        'big_object': {'sizes': [
            size(64, 3, {'ours/up': 2.0, 'peer/up': 3.0, 'boto3/up': 0.5, 'copy': 0.05, 'floor/up': 1.5,
                         'ours/down': 2.0, 'peer/down': 3.0, 'boto3/down': 0.4, 'get/down': 0.1, 'floor/down': 1.1},
                 memory={'ours/up': 100.0, 'peer/up': 130.0, 'boto3/up': 40.0}),
            size(1024, 3, {'ours/up': 12.0, 'peer/up': 11.0, 'boto3/up': 8.0, 'copy': 0.9, 'floor/up': 9.0,
                           'ours/down': 5.0, 'peer/down': 90.0, 'boto3/down': 88.0, 'get/down': 1.0, 'floor/down': 2.0},
                 memory={'ours/up': 104.0, 'peer/up': 180.0, 'boto3/up': 45.0}),
        ]},
    },
}


def test_render_writes_tables_readings_and_plots(tmp_path):
    images = render(RESULTS, tmp_path / 'performance.md')
    markdown = (tmp_path / 'performance.md').read_text()

    assert sorted(path.name for path in images) == ['big_object.png', 'big_object_memory.png', 'sync.png']
    for path in images:
        assert path.parent == tmp_path / 'performance'
        assert path.read_bytes().startswith(PNG_MAGIC)
        # Relative links, so that GitHub and the docs site both find the images.
        assert '](performance/%s)' % path.name in markdown
    assert '| files | phase | ours (s) | peer (s) | ours/peer | floor (s) | ours above floor (s) | runs |' in markdown
    assert '| 100 | first | 2.00 | 4.00 | 0.50 | 1.50 | +0.50 | 5 |' in markdown
    assert '| 5,000 | first | 30.00 | 20.00 | 1.50 | 25.00 | +5.00 | 2 |' in markdown
    # The object's table has a column for boto3 alone, and its memory a table of its own.
    assert '| MiB | phase | ours (s) | peer (s) | boto3 (s) | ours/peer | floor (s) | ours above floor (s) | runs |' in markdown
    assert '| 1,024 | up | 12.00 | 11.00 | 8.00 | 1.09 | 9.00 | +3.00 | 3 |' in markdown
    assert '| 1,024 | up | 104 | 180 | 45 |' in markdown
    assert '| CPU | Test CPU |' in markdown
    assert 'fewer runs at 5,000 files' in markdown
    # Readings come from the figures: where ours is slower, and where the local cloud bounds the figure.
    assert '**ours is slower at 5,000 files**' in markdown
    assert "bounded by the local cloud's answer time" in markdown
    assert '**ours is slower than the peer at every size** (ours/peer 0.67x at 64 MiB, 1.09x at 1 GiB)' not in markdown
    assert 'ours/peer 0.67x at 64 MiB, 1.09x at 1 GiB; **ours is slower at 1 GiB**' in markdown
    # Where the bare transfer takes more than ours, it does not bound our figure.
    assert 'At 1 GiB ours is 3.00 s above its floor of 2.00 s; the bare transfer through boto3 is 20% of our time.' in markdown
    assert 'ours is faster than the peer at every size (ours/peer 0.50x at 100 files, 0.10x at 5,000 files)' in markdown
    # Benchmarks without results are left out, not rendered empty.
    assert 'Inventory:' not in markdown


def test_render_only_reads_the_results_file(tmp_path, capsys):
    results = tmp_path / 'results.json'
    results.write_text(json.dumps(RESULTS))
    assert report.main(['--render-only', '--results', str(results), '--markdown', str(tmp_path / 'out.md')]) == 0
    assert (tmp_path / 'out' / 'sync.png').is_file()
    assert 'Directory sync' in (tmp_path / 'out.md').read_text()
    assert 'wrote' in capsys.readouterr().out
