# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Polling with a deadline (plugins/module_utils/waiting.py), on a fake clock."""

from __future__ import annotations

import pytest

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.waiting import Deadline, WaitTimeout, wait_until


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
