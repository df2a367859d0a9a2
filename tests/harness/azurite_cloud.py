# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure Blob storage on 127.0.0.1: Azurite (Microsoft's emulator, npm package ``azurite``), blob service only.

Where Azurite departs from Azure (see tests/harness/README.md): one well-known account (``devstoreaccount1``)
served in path style (``http://host:port/devstoreaccount1/container/blob``) rather than from an account host
name, plain HTTP, and data kept in a folder of its own. libcloud's azure_blobs driver puts the account in the
path itself when it is given a ``host`` that is not Azure's: the cloud entry below is what a user of
Azurite (or of Azure Stack) writes, and nothing here corrects Azurite's answers.
"""

from __future__ import annotations

import time

from tests.harness.server_process import START_TIMEOUT, ObjectStore, emulator_command, free_port

# Azurite's documented development account and key (public, the same for every Azurite): not a secret.
ACCOUNT = 'devstoreaccount1'
ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='


class AzuriteCloud(ObjectStore):
    """An Azurite blob server with its data in a temporary folder; ``cloud_entry()`` gives its cloud entry."""

    name = 'azurite'

    def _launch(self) -> None:
        azurite = emulator_command('azurite-blob')
        self.port = free_port()
        command = [azurite, '--blobHost', '127.0.0.1', '--blobPort', str(self.port), '--location', self.workdir,
                   '--silent', '--disableTelemetry']
        self._serve('azurite-blob', command, self.port, time.monotonic() + START_TIMEOUT)

    def cloud_entry(self) -> dict:
        return {
            'storage_provider': 'azure_blobs',
            'key': ACCOUNT,
            'secret': ACCOUNT_KEY,
            'host': '127.0.0.1',
            'port': self.port,
            'secure': False,
        }

    def driver(self):
        """libcloud's own Azure Blobs driver, to check the store independently of the collection."""
        from libcloud.storage.providers import get_driver

        return get_driver('azure_blobs')(ACCOUNT, ACCOUNT_KEY, host='127.0.0.1', port=self.port, secure=False)
