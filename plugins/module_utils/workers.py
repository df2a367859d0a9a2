# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Work on many items at once, each worker thread with a libcloud driver of its own."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

# Enough to hide API latency, few enough not to look like a flood to the provider.
MAX_WORKERS = 8


class DriverPool:
    """Runs ``function(driver, item)`` over items in a bounded thread pool.

    libcloud connections keep per-request state and are not thread-safe, so every worker thread builds its own
    driver with ``driver_factory``; without a factory (or with ``workers=1``) the items run one after another
    on ``driver``.
    """

    def __init__(self, driver, driver_factory=None, workers=MAX_WORKERS):
        self.driver = driver
        self.workers = workers if driver_factory is not None else 1
        self._driver_factory = driver_factory
        self._threads = threading.local()

    def _thread_driver(self):
        driver = getattr(self._threads, 'driver', None)
        if driver is None:
            driver = self._threads.driver = self._driver_factory()
        return driver

    def map(self, function, items):
        """For each item, in order, what ``function`` returned or the exception it raised: one failure stops no other."""
        def call(driver, item):
            try:
                return function(driver, item)
            except Exception as exc:  # pylint: disable=broad-exception-caught
                return exc

        items = list(items)
        if self.workers <= 1 or len(items) < 2:
            return [call(self.driver, item) for item in items]
        with ThreadPoolExecutor(max_workers=min(self.workers, len(items))) as pool:
            return list(pool.map(lambda item: call(self._thread_driver(), item), items))
