# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The order of work in plugins/module_utils/node_reconcile.py, on a plain fake provider.

What only the fake can show: how many listings a run makes, that waits of many nodes share each poll, and what a
timeout reports. That the module works on a real provider API is shown by tests/integration/test_node*.py.
"""

from __future__ import annotations

import threading

from libcloud.compute.base import Node, NodeImage, NodeSize
from libcloud.compute.types import NodeState
import pytest

from ansible_collections.cloudmesh.libcloud.plugins.module_utils import node_reconcile
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError


class BareProvider:
    """Nodes in memory. New and started nodes are pending for ``boot_listings`` listings, then running."""

    type = 'fake'

    def __init__(self, boot_listings=1):
        self.boot_listings = boot_listings
        self.nodes = {}
        self.listings = 0
        self.writes = []
        self.lock = threading.Lock()

    def _node(self, ident, name, state, tags=None):
        node = Node(id=ident, name=name, state=state, public_ips=[], private_ips=[], driver=self, extra={'metadata': dict(tags or {})})
        node.extra['booting'] = self.boot_listings
        self.nodes[ident] = node
        return node

    def list_nodes(self):
        with self.lock:
            self.listings += 1
            for node in self.nodes.values():
                if node.state == NodeState.PENDING:
                    node.extra['booting'] -= 1
                    if node.extra['booting'] <= 0:
                        node.state = NodeState.RUNNING
            return [Node(id=node.id, name=node.name, state=node.state, public_ips=[], private_ips=[], driver=self,
                         extra=dict(node.extra, metadata=dict(node.extra['metadata']))) for node in self.nodes.values()]

    def list_images(self):
        return [NodeImage('img-1', 'linux', self)]

    def list_sizes(self):
        return [NodeSize('small', 'small', 1, 1, 1, 0, self)]

    def create_node(self, name, size, image, ex_metadata=None):
        with self.lock:
            self.writes.append(('create', name))
            return self._node('n-%d' % (len(self.nodes) + 1), name, NodeState.PENDING, ex_metadata)

    def stop_node(self, node):
        with self.lock:
            self.writes.append(('stop', node.name))
            self.nodes[node.id].state = NodeState.STOPPED
        return True

    def destroy_node(self, node):
        with self.lock:
            self.writes.append(('destroy', node.name))
            del self.nodes[node.id]
        return True


class FakeProvider(BareProvider):
    """A provider that can change tags (as OpenStack's metadata)."""

    def ex_set_metadata(self, node, metadata):
        self.writes.append(('tags', node.name))
        self.nodes[node.id].extra['metadata'] = dict(metadata)
        return metadata


def params(**options):
    values = dict(name='web', state='present', image='linux', size='small', location=None, key_name=None, user_data=None,
                  security_groups=None, tags=None, purge_tags=False, extra=None, count=None, wait=True, wait_timeout=60)
    values.update(options)
    return values


def run(provider, check_mode=False, diff=False, **options):
    reconciler = node_reconcile.NodeReconciler(provider, params(**options), check_mode=check_mode, driver_factory=lambda: provider)
    return reconciler.run(diff=diff)


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr(node_reconcile, 'wait_until', _fast_wait_until)


def _fast_wait_until(probe, deadline, **_kwargs):
    from ansible_collections.cloudmesh.libcloud.plugins.module_utils import waiting
    return waiting.wait_until(probe, deadline, first_delay=0.0001, max_delay=0.0001)


def test_an_unchanged_run_is_one_listing():
    provider = FakeProvider()
    run(provider, count=5)
    provider.listings = 0
    result = run(provider, count=5)
    assert result['changed'] is False
    assert provider.listings == 1


def test_many_nodes_wait_together():
    provider = FakeProvider(boot_listings=3)
    result = run(provider, count=6, state='stopped', tags={'env': 'test'})
    assert result['changed'] is True
    assert [node['state'] for node in result['nodes']] == ['stopped'] * 6
    assert [node['tags'] for node in result['nodes']] == [{'env': 'test'}] * 6
    # One listing to decide, three polls until all six run, one poll that sees them all stopped.
    assert provider.listings == 1 + 3 + 1
    assert sorted(provider.writes) == sorted([('create', 'web-%d' % n) for n in range(1, 7)] + [('stop', 'web-%d' % n) for n in range(1, 7)])


def test_check_mode_writes_nothing_and_predicts_the_change():
    provider = FakeProvider()
    result = run(provider, check_mode=True, diff=True, count=2)
    assert result['changed'] is True and result['nodes'] == [] and provider.writes == []
    assert result['diff']['after'] == {'web-1': {'state': 'running', 'tags': {}}, 'web-2': {'state': 'running', 'tags': {}}}


def test_a_timeout_reports_the_last_state_and_that_something_changed():
    provider = FakeProvider(boot_listings=10 ** 6)
    reconciler = node_reconcile.NodeReconciler(provider, params(wait_timeout=1), driver_factory=lambda: provider)
    reconciler.deadline.at = reconciler.deadline.clock() + 0.05
    with pytest.raises(LibcloudModuleError) as info:
        reconciler.run()
    assert info.value.message == 'timed out after 1s waiting for node web (n-1) to be running; its last state: pending'
    assert info.value.result['changed'] is True
    assert info.value.result['node']['state'] == 'pending'


def test_a_failed_write_among_many_fails_the_task_and_says_what_was_changed():
    provider = FakeProvider()

    def create_node(name, size, image, ex_metadata=None):
        if name == 'web-2':
            raise RuntimeError('quota exceeded')
        return FakeProvider.create_node(provider, name, size, image, ex_metadata)

    provider.create_node = create_node
    with pytest.raises(LibcloudModuleError) as info:
        run(provider, count=3)
    assert info.value.message == 'node web-2: create failed: RuntimeError: quota exceeded'
    assert info.value.result['changed'] is True


def test_tags_on_a_provider_that_cannot_change_them_fail_before_any_write():
    provider = BareProvider()
    run(provider)
    with pytest.raises(LibcloudModuleError, match='the fake driver cannot change the tags of an existing node'):
        run(provider, state='stopped', tags={'a': '1'})
    assert provider.writes == [('create', 'web')]


def test_missing_image_or_size_is_named():
    with pytest.raises(LibcloudModuleError, match='image and size are required to create node web'):
        run(FakeProvider(), image=None, size=None)
