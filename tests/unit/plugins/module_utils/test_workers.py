# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import threading

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.workers import MAX_WORKERS, DriverPool


class Driver:
    pass


def test_each_worker_thread_gets_a_driver_of_its_own_and_failures_stop_no_other():
    built = []

    def factory():
        built.append(Driver())
        return built[-1]

    pool = DriverPool(Driver(), factory)
    seen = {}

    def work(driver, item):
        seen.setdefault(threading.get_ident(), set()).add(id(driver))
        if item == 3:
            raise ValueError('boom')
        return item * 2

    outcomes = pool.map(work, range(40))
    assert isinstance(outcomes[3], ValueError)
    assert [outcome for number, outcome in enumerate(outcomes) if number != 3] == [number * 2 for number in range(40) if number != 3]
    assert all(len(drivers) == 1 for drivers in seen.values())
    assert len(built) == len(seen) <= MAX_WORKERS


def test_without_a_factory_items_run_serially_on_the_given_driver():
    driver = Driver()
    pool = DriverPool(driver)
    assert pool.workers == 1
    assert pool.map(lambda used, item: (used is driver, threading.get_ident()), [1, 2]) == [(True, threading.get_ident())] * 2
