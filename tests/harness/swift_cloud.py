# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OpenStack object storage on 127.0.0.1: the real Swift (proxy, account, container and object servers, one
replica, tempauth) with the memcached that tempauth keeps its tokens in.

Where this Swift departs from a production one (see tests/harness/README.md): one replica on one device (no
replication, no background daemons: updaters, auditors and replicators never run), and v1 tempauth instead of
Keystone, whose catalog has no entry libcloud can pick, so the cloud entry names the storage URL itself
(``ex_force_base_url``), as a user of a v1-auth Swift does. Nothing here corrects Swift's answers: libcloud's
openstack_swift driver works with it as it is.
"""

from __future__ import annotations

import getpass
import os
import secrets
import time
from pathlib import Path

from tests.harness.server_process import START_TIMEOUT, ObjectStore, emulator_command, free_port

ACCOUNT = 'test'
USER = 'tester'
PASSWORD = 'local-swift-password-DO-NOT-USE'
SERVERS = ('account', 'container', 'object')

SWIFT_CONF = """[swift-hash]
swift_hash_path_prefix = cloudmesh
swift_hash_path_suffix = {suffix}

[storage-policy:0]
name = local
default = yes
"""

# workers = 0: one process that serves every request (eventlet), not a fork per core.
COMMON = """[DEFAULT]
bind_ip = 127.0.0.1
bind_port = {port}
workers = 0
swift_dir = {swift_dir}
devices = {devices}
mount_check = false
log_level = WARNING
"""

STORAGE_SERVER = COMMON + """
[pipeline:main]
pipeline = {name}-server

[app:{name}-server]
use = egg:swift#{name}
"""

PROXY_SERVER = COMMON + """
[pipeline:main]
pipeline = catch_errors cache tempauth proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:tempauth]
use = egg:swift#tempauth
user_{account}_{user} = {password} .admin

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:{memcached_port}

[filter:catch_errors]
use = egg:swift#catch_errors
"""

# Run by the emulators' Python: one ring per storage server, one device, one replica.
BUILD_RINGS = """
import sys
from swift.common.ring import RingBuilder
swift_dir = sys.argv[1]
for name, port in zip(('account', 'container', 'object'), sys.argv[2:]):
    builder = RingBuilder(0, 1, 1)
    builder.add_dev({'region': 1, 'zone': 1, 'ip': '127.0.0.1', 'port': int(port), 'device': 'sdb1', 'weight': 1})
    builder.rebalance()
    builder.get_ring().save('%s/%s.ring.gz' % (swift_dir, name))
"""


class SwiftCloud(ObjectStore):
    """A one-replica Swift with tempauth; ``cloud_entry()`` gives the collection's cloud entry for it."""

    name = 'swift'

    def _launch(self) -> None:
        import subprocess

        commands = dict((name, emulator_command('swift-%s-server' % name)) for name in SERVERS + ('proxy',))
        memcached = emulator_command('memcached')
        python = emulator_command('python')
        deadline = time.monotonic() + START_TIMEOUT
        work = Path(self.workdir)
        swift_dir, devices = work / 'etc', work / 'devices'
        (devices / 'sdb1').mkdir(parents=True)
        swift_dir.mkdir()
        (swift_dir / 'swift.conf').write_text(SWIFT_CONF.format(suffix=secrets.token_hex(8)))
        ports = dict((name, free_port()) for name in SERVERS + ('proxy', 'memcached'))
        subprocess.run([python, '-c', BUILD_RINGS, str(swift_dir)] + [str(ports[name]) for name in SERVERS],
                       check=True, capture_output=True, timeout=START_TIMEOUT)

        memcached_command = [memcached, '-l', '127.0.0.1', '-p', str(ports['memcached']), '-U', '0', '-m', '16']
        if os.geteuid() == 0:
            # memcached refuses to run as root unless told which user to be.
            memcached_command += ['-u', getpass.getuser()]
        self._serve('memcached', memcached_command, ports['memcached'], deadline)
        fields = dict(swift_dir=swift_dir, devices=devices, account=ACCOUNT, user=USER, password=PASSWORD,
                      memcached_port=ports['memcached'])
        for name in SERVERS + ('proxy',):
            template = PROXY_SERVER if name == 'proxy' else STORAGE_SERVER
            conf = swift_dir / ('%s-server.conf' % name)
            conf.write_text(template.format(name=name, port=ports[name], **fields))
            self._serve('swift-%s-server' % name, [commands[name], str(conf)], ports[name], deadline)
        self.port = ports['proxy']

    @property
    def endpoint_url(self) -> str:
        return 'http://127.0.0.1:%d' % self.port

    def cloud_entry(self) -> dict:
        """The cloud entry of Swift with v1 (tempauth) authentication."""
        return {
            'storage_provider': 'openstack_swift',
            'key': '%s:%s' % (ACCOUNT, USER),
            'secret': PASSWORD,
            'options': {
                'ex_force_auth_url': self.endpoint_url + '/auth/v1.0',
                'ex_force_auth_version': '1.0',
                'ex_force_base_url': '%s/v1/AUTH_%s' % (self.endpoint_url, ACCOUNT),
            },
        }

    def driver(self):
        """libcloud's own Swift driver, to check the store independently of the collection."""
        from libcloud.storage.providers import get_driver

        entry = self.cloud_entry()
        return get_driver('openstack_swift')(entry['key'], entry['secret'], **entry['options'])
