# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Polling with a deadline: quick first looks (local and fast clouds answer at once), backing off to a few seconds."""

from __future__ import annotations

import time

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.convert import state_name
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError

FIRST_DELAY = 0.2
MAX_DELAY = 5.0


class WaitTimeout(Exception):
    """The deadline passed before the probe was satisfied; ``last`` is what the probe saw last."""

    def __init__(self, last):
        super().__init__('timed out')
        self.last = last


class Deadline:
    """A point in time ``seconds`` from now, shared by every wait of one task."""

    def __init__(self, seconds, clock=time.monotonic):
        self.clock = clock
        self.seconds = seconds
        self.at = clock() + seconds

    def remaining(self):
        return self.at - self.clock()


def wait_until(probe, deadline, first_delay=FIRST_DELAY, max_delay=MAX_DELAY, sleep=time.sleep):
    """Call ``probe()`` until it returns ``(True, seen)``; return that ``seen``.

    The first call is immediate, then the delay doubles from ``first_delay`` up to ``max_delay``; at the
    deadline, raise :class:`WaitTimeout` carrying what the last call saw.
    """
    delay = first_delay
    while True:
        done, seen = probe()
        if done:
            return seen
        remaining = deadline.remaining()
        if remaining <= 0:
            raise WaitTimeout(seen)
        sleep(min(delay, remaining))
        delay = min(delay * 2, max_delay)


def settle(kind, item, look, done, doing, deadline):
    """Look at ``item`` (a volume, a snapshot) with ``look()`` (None once it is gone) until ``done(seen)``; return
    what was seen last. At the deadline, one line says what it was ``doing`` and in which state it was left."""
    def probe():
        seen = look()
        return done(seen), seen

    try:
        return wait_until(probe, deadline)
    except WaitTimeout as exc:
        state = state_name(exc.last.state) if exc.last is not None else 'gone'
        raise LibcloudModuleError('%s %s (%s) did not finish %s before wait_timeout (it is %s)'
                                  % (kind, item.name, item.id, doing, state)) from None
