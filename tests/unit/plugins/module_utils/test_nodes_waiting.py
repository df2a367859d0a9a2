# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Polling with a deadline (plugins/module_utils/waiting.py), on a fake clock."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.waiting import Deadline, WaitTimeout, settle, wait_until


class FakeClock:
    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


def probe_done_after(calls):
    seen = []

    def probe():
        seen.append(len(seen) + 1)
        return len(seen) >= calls, 'call %d' % len(seen)
    return probe


def test_the_first_look_is_immediate():
    clock = FakeClock()
    assert wait_until(probe_done_after(1), Deadline(10, clock), sleep=clock.sleep) == 'call 1'
    assert clock.sleeps == []


def test_backs_off_from_a_short_delay_to_the_cap():
    clock = FakeClock()
    assert wait_until(probe_done_after(8), Deadline(100, clock), first_delay=0.2, max_delay=2, sleep=clock.sleep) == 'call 8'
    assert clock.sleeps == [0.2, 0.4, 0.8, 1.6, 2, 2, 2]


def test_timeout_carries_the_last_seen_value_and_keeps_to_the_deadline():
    clock = FakeClock()
    with pytest.raises(WaitTimeout) as info:
        wait_until(probe_done_after(1000), Deadline(3, clock), first_delay=1, max_delay=5, sleep=clock.sleep)
    assert info.value.last == 'call 3'
    assert clock.sleeps == [1, 2]
    assert clock.now == 103


def test_settle_fails_at_the_deadline_in_one_line_naming_what_it_was_doing():
    volume = SimpleNamespace(id='vol-1', name='data', state='inuse')
    with pytest.raises(LibcloudModuleError) as caught:
        settle('volume', volume, lambda: volume, lambda seen: False, 'detaching', Deadline(0))
    assert caught.value.message == 'volume data (vol-1) did not finish detaching before wait_timeout (it is inuse)'
    with pytest.raises(LibcloudModuleError, match=r'\(it is gone\)'):
        settle('snapshot', volume, lambda: None, lambda seen: False, 'completing', Deadline(0))
    assert settle('volume', volume, lambda: volume, lambda seen: seen is volume, 'attaching', Deadline(0)) is volume
