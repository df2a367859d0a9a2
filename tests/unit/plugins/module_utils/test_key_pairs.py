# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Key pairs' pure logic: reading an OpenSSH public key, the fingerprints providers store, comparing a stored pair
with a declared key, and writing a private key file once, 0600, atomically."""

from __future__ import annotations

import base64
import hashlib
import os
import stat
import subprocess
from types import SimpleNamespace

import pytest
from libcloud.compute.base import NodeDriver

from ansible_collections.cloudmesh.libcloud.plugins.module_utils import key_pairs, retries
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError


@pytest.fixture(scope='module')
def keys(tmp_path_factory):
    """Two real OpenSSH public keys (RSA, ed25519) from ssh-keygen."""
    folder = tmp_path_factory.mktemp('keys')
    found = {}
    for kind, more in (('rsa', ['-b', '2048']), ('ed25519', [])):
        path = folder / kind
        subprocess.run(['ssh-keygen', '-q', '-t', kind, '-N', '', '-C', 'me@host', '-f', str(path)] + more, check=True)
        found[kind] = (folder / (kind + '.pub')).read_text()
    return found


def ssh_keygen_md5(text, tmp_path):
    path = tmp_path / 'key.pub'
    path.write_text(text)
    out = subprocess.run(['ssh-keygen', '-l', '-E', 'md5', '-f', str(path)], check=True, capture_output=True, text=True).stdout
    return out.split()[1][len('MD5:'):]


def test_parse_public_key_reads_type_and_blob(keys):
    key_type, blob = key_pairs.parse_public_key(keys['ed25519'])
    assert key_type == 'ssh-ed25519'
    assert blob == base64.b64decode(keys['ed25519'].split()[1])


@pytest.mark.parametrize('text, words', [
    ('', 'expected one line'),
    ('ssh-rsa', 'expected one line'),
    ('ssh-rsa not!base64', 'not base64'),
    ('ssh-rsa ' + base64.b64encode(b'\x00\x00\x00\x0bssh-ed25519junk').decode(), 'not a ssh-rsa key'),
    ('ssh-rsa AAAA\nssh-rsa AAAA', 'expected one line'),
])
def test_bad_public_key_fails_in_one_line_naming_the_option(text, words):
    with pytest.raises(LibcloudModuleError) as caught:
        key_pairs.parse_public_key(text)
    assert caught.value.message.startswith('public_key is not an OpenSSH public key')
    assert words in caught.value.message and '\n' not in caught.value.message


def test_a_truncated_key_is_refused(keys):
    key_type, data = keys['rsa'].split()[:2]
    with pytest.raises(LibcloudModuleError):
        key_pairs.parse_public_key('%s %s' % (key_type, data[:len(data) // 2 // 4 * 4]))


def test_fingerprints_hold_the_openssh_md5_and_sha256(keys, tmp_path):
    found = key_pairs.fingerprints(keys['rsa'])
    assert ssh_keygen_md5(keys['rsa'], tmp_path) in found
    blob = base64.b64decode(keys['rsa'].split()[1])
    assert base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip('=') in found


def test_fingerprints_hold_ec2s_md5_of_the_der_key(keys):
    from libcloud.utils.publickey import get_pubkey_ssh2_fingerprint
    assert get_pubkey_ssh2_fingerprint(keys['rsa']) in key_pairs.fingerprints(keys['rsa'])


@pytest.mark.parametrize('stored, normal', [
    ('93:D9:76:9A:B3:F5:24:4B:65:A1:64:06:73:40:20:CF', '93:d9:76:9a:b3:f5:24:4b:65:a1:64:06:73:40:20:cf'),
    ('93d9769ab3f5244b65a16406734020cf', '93:d9:76:9a:b3:f5:24:4b:65:a1:64:06:73:40:20:cf'),
    ('SHA256:abcDEF+/x=', 'abcDEF+/x'),
])
def test_normalize_fingerprint(stored, normal):
    assert key_pairs.normalize_fingerprint(stored) == normal


def test_holds_key_compares_key_material_when_the_provider_returns_it(keys):
    # mimic returns a made-up fingerprint with the public key: the key material decides.
    pair = SimpleNamespace(public_key=keys['rsa'].replace('me@host', 'other comment'), fingerprint='aa:aa')
    assert key_pairs.holds_key(pair, keys['rsa']) is True
    assert key_pairs.holds_key(pair, keys['ed25519']) is False


def test_holds_key_compares_fingerprints_otherwise(keys):
    from libcloud.utils.publickey import get_pubkey_ssh2_fingerprint
    pair = SimpleNamespace(public_key=None, fingerprint=get_pubkey_ssh2_fingerprint(keys['rsa']))
    assert key_pairs.holds_key(pair, keys['rsa']) is True
    assert key_pairs.holds_key(pair, keys['ed25519']) is False
    assert key_pairs.holds_key(SimpleNamespace(public_key=None, fingerprint=None), keys['rsa']) is None


def test_key_pair_to_dict_has_no_private_material():
    pair = SimpleNamespace(name='k', fingerprint='f', public_key=None, private_key='-----BEGIN',
                           extra={'private_key_pem': 'x', 'tags': {'a': 'b'}})
    result = key_pairs.key_pair_to_dict(pair)
    assert result == {'name': 'k', 'fingerprint': 'f', 'public_key': None, 'extra': {'tags': {'a': 'b'}}}


def test_write_private_key_is_0600_and_never_overwrites(tmp_path):
    path = tmp_path / 'id.pem'
    key_pairs.write_private_key(str(path), '-----BEGIN KEY-----', force=False)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert path.read_text() == '-----BEGIN KEY-----\n'
    with pytest.raises(FileExistsError):
        key_pairs.write_private_key(str(path), 'other', force=False)
    assert path.read_text() == '-----BEGIN KEY-----\n'
    key_pairs.write_private_key(str(path), 'other', force=True)
    assert path.read_text() == 'other\n'
    assert sorted(os.listdir(tmp_path)) == ['id.pem']  # no staging file left behind


def test_check_private_key_path(tmp_path):
    with pytest.raises(LibcloudModuleError, match='private_key_path: the folder .* does not exist'):
        key_pairs.check_private_key_path(str(tmp_path / 'missing' / 'id.pem'), force=False)
    (tmp_path / 'id.pem').write_text('x')
    with pytest.raises(LibcloudModuleError, match='exists and is never overwritten'):
        key_pairs.check_private_key_path(str(tmp_path / 'id.pem'), force=False)
    key_pairs.check_private_key_path(str(tmp_path / 'id.pem'), force=True)


class FlakyDriver(NodeDriver):
    """A driver whose first create loses its answer after the pair was made (plain fake: pure retry logic)."""

    def __init__(self):  # pylint: disable=super-init-not-called
        self.pairs, self.calls = [], 0

    def list_key_pairs(self):
        return list(self.pairs)

    def import_key_pair_from_string(self, name, key_material):
        self.calls += 1
        self.pairs.append(SimpleNamespace(name=name, public_key=key_material, fingerprint=None, private_key=None, extra={}))
        if self.calls == 1:
            raise ConnectionResetError(104, 'Connection reset by peer')
        return self.pairs[-1]


def test_a_lost_create_answer_never_makes_a_twin(keys):
    driver = FlakyDriver()
    driver.connection = SimpleNamespace(retry_policy=retries.RetryPolicy(attempts=3, sleep=lambda seconds: None))
    created = key_pairs.create_key_pair(driver, 'k', keys['rsa'])
    assert created.name == 'k' and driver.calls == 1 and len(driver.pairs) == 1
