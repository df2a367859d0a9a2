# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Key pairs by name (libcloud_key_pair): import a public key, or let the provider create the pair and keep its
private key in a file, written once, 0600, atomically.

Whether a stored pair holds the declared public key: where the provider returns the public key (OpenStack), the
key material is compared; otherwise its fingerprint is compared with every form providers compute from a public
key: MD5 of the DER public key (EC2, for imported RSA keys), MD5 of the OpenSSH key blob (OpenStack, GCE) and
SHA-256 of that blob (OpenSSH's own, and EC2's for imported ed25519 keys). A pair the provider created has a
fingerprint of its private key (EC2: SHA-1), which no public key matches: it is reported as different.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import tempfile

from ansible_collections.cloudmesh.libcloud.plugins.module_utils import retries
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.convert import json_safe
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers import adapter_for
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.providers.generic import offered, remove_file


def parse_public_key(text):
    """``(type, blob bytes)`` of an OpenSSH public key line ``TYPE BASE64 [COMMENT]``; fails in one line naming
    public_key when ``text`` is not one (the key text itself is public, but may be long: it is not repeated)."""
    parts = str(text).strip().split(None, 2)
    problem = None
    if len(parts) < 2 or '\n' in str(text).strip():
        problem = 'expected one line "TYPE BASE64 [COMMENT]", for example the contents of ~/.ssh/id_ed25519.pub'
    else:
        try:
            blob = base64.b64decode(parts[1], validate=True)
        except (binascii.Error, ValueError):
            blob, problem = b'', 'its second field is not base64'
        # The blob starts with its own type name: a truncated or pasted-together key fails here.
        if problem is None and blob[4:4 + len(parts[0])] != parts[0].encode('ascii', 'replace'):
            problem = 'its key data is not a %s key' % parts[0]
        if problem is None:
            try:
                from cryptography.hazmat.primitives import serialization
                serialization.load_ssh_public_key(('%s %s' % (parts[0], parts[1])).encode('ascii'))
            except ImportError:
                pass  # the checks above stand alone; libcloud's fingerprints then fall back as well
            except (ValueError, TypeError) as exc:
                problem = str(exc).split('\n', 1)[0] or 'unsupported key'
    if problem:
        raise LibcloudModuleError('public_key is not an OpenSSH public key: %s' % problem)
    return parts[0], blob


def _colon_hex(digest):
    return ':'.join('%02x' % byte for byte in digest)


def _der(key_type, blob):
    """The DER (SubjectPublicKeyInfo) form of a public key, or None without cryptography or for a type it lacks."""
    try:
        from cryptography.hazmat.primitives import serialization
        key = serialization.load_ssh_public_key(('%s %s' % (key_type, base64.b64encode(blob).decode('ascii'))).encode('ascii'))
        return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    except Exception:  # pylint: disable=broad-exception-caught
        return None


def fingerprints(text):
    """Every normalized fingerprint a provider may store for the public key ``text``."""
    key_type, blob = parse_public_key(text)
    # nosec: MD5 is how providers name keys, not a protection.
    found = {_colon_hex(hashlib.md5(blob).digest()), base64.b64encode(hashlib.sha256(blob).digest()).decode('ascii')}
    der = _der(key_type, blob)
    if der is not None:
        # EC2's form for imported RSA keys; the SHA-256 one is what EC2-compatible servers such as moto give ed25519 keys.
        found.update((_colon_hex(hashlib.md5(der).digest()), _colon_hex(hashlib.sha256(der).digest())))
    return set(normalize_fingerprint(value) for value in found)


def normalize_fingerprint(value):
    """Hex fingerprints in lower case with colons; base64 ones without ``SHA256:`` and padding."""
    value = str(value or '').strip()
    if value.upper().startswith('SHA256:'):
        value = value[7:]
    bare = value.replace(':', '')
    if len(bare) in (32, 40, 64) and all(char in '0123456789abcdefABCDEF' for char in bare):
        return _colon_hex(binascii.unhexlify(bare))
    return value.rstrip('=')


def holds_key(pair, text):
    """True when ``pair`` holds the public key ``text``, False when it does not, None when the provider tells
    neither the public key nor a fingerprint."""
    if getattr(pair, 'public_key', None):
        try:
            return parse_public_key(pair.public_key) == parse_public_key(text)
        except LibcloudModuleError:
            pass  # not OpenSSH text: compare fingerprints
    if getattr(pair, 'fingerprint', None):
        return normalize_fingerprint(pair.fingerprint) in fingerprints(text)
    return None


def key_pair_to_dict(pair):
    """``name, fingerprint, public_key, extra`` of a libcloud KeyPair: never its private key."""
    extra = dict((key, value) for key, value in (pair.extra or {}).items() if 'private' not in str(key).lower())
    return {'name': pair.name, 'fingerprint': pair.fingerprint, 'public_key': getattr(pair, 'public_key', None) or None,
            'extra': json_safe(extra)}


def find_key_pair(driver, name):
    """The pair called ``name``, or None: from the listing (some clouds, such as mimic, cannot GET one pair)."""
    return next((pair for pair in list_key_pairs(driver) if pair.name == name), None)


def list_key_pairs(driver):
    return offered(driver, 'key pairs', adapter_for(driver).key_pairs)


def check_private_key_folder(path):
    """Fail when the folder that is to hold the private key file ``path`` does not exist."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise LibcloudModuleError('private_key_path: the folder %s does not exist' % folder)


def check_private_key_path(path, force):
    """Fail before anything is created when ``path`` cannot take the private key."""
    check_private_key_folder(path)
    if os.path.isdir(path):
        raise LibcloudModuleError('private_key_path: %s is a folder; give the path of the file to write' % path)
    if os.path.lexists(path) and not force:
        raise LibcloudModuleError('private_key_path: %s exists and is never overwritten; remove it, or set force: true' % path)


def write_private_key(path, text, force):
    """Write ``text`` to ``path``, mode 0600, all or nothing; an existing file stays unless ``force``."""
    folder = os.path.dirname(os.path.abspath(path))
    handle, staging = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), dir=folder)  # mkstemp makes it 0600
    try:
        with os.fdopen(handle, 'w') as stream:
            stream.write(text if text.endswith('\n') else text + '\n')
            stream.flush()
            os.fsync(stream.fileno())
        if force:
            os.replace(staging, path)
        else:
            os.link(staging, path)  # fails if the path exists: never over a file that appeared meanwhile
    finally:
        remove_file(staging)


def create_key_pair(driver, name, public_key=None):
    """Import ``public_key`` as ``name``, or let the provider create the pair; once, however answers get lost."""
    def create():
        if public_key:
            return driver.import_key_pair_from_string(name, public_key.strip())
        return driver.create_key_pair(name)

    # A pair found after a lost answer carries no private key: the reconciler then says the key was lost.
    return offered(driver, 'key pairs', retries.create_once, driver, create, lambda: find_key_pair(driver, name))


class KeyPairReconciler:
    """Makes the key pair ``params['name']`` match ``params``; check mode runs the same decisions and writes nothing."""

    def __init__(self, driver, params, check_mode=False, warn=None):
        self.driver = driver
        self.params = params
        self.check_mode = check_mode
        self.warn = warn or (lambda message: None)

    def validate(self):
        """Bad input fails here, before any request."""
        params = self.params
        if params.get('public_key'):
            parse_public_key(params['public_key'])
            if params.get('private_key_path'):
                raise LibcloudModuleError('private_key_path is for a pair the provider creates: leave it out with public_key')
        elif params.get('public_key') is not None:
            raise LibcloudModuleError('public_key is empty: give the text of an OpenSSH public key, or leave it out')
        if params.get('private_key_path') and params['state'] == 'present':
            check_private_key_folder(params['private_key_path'])

    def run(self, diff=False):
        self.validate()
        name = self.params['name']
        pair = find_key_pair(self.driver, name)
        result = dict(changed=False, mismatch=False)
        if self.params['state'] == 'absent':
            after = None
            if pair is not None:
                result['changed'] = True
                if not self.check_mode:
                    self.driver.delete_key_pair(pair)
        else:
            after = self._present(pair, result)
        result['key_pair'] = after
        if diff:
            # The declared key, in check mode and real runs alike (EC2 does not show a stored public key).
            declared = (self.params.get('public_key') or '').strip() or None
            if after and declared and result['changed']:
                after = dict(after, public_key=after['public_key'] or declared)
            result['diff'] = dict(before=self._diff_view(key_pair_to_dict(pair) if pair is not None else None),
                                  after=self._diff_view(after))
        return result

    def _present(self, pair, result):
        public_key, force, path = self.params.get('public_key'), self.params['force'], self.params.get('private_key_path')
        name = self.params['name']
        if pair is not None:
            if not public_key:
                return key_pair_to_dict(pair)
            same = holds_key(pair, public_key)
            if same:
                return key_pair_to_dict(pair)
            if not force:
                result['mismatch'] = True
                self.warn('key pair %s holds %s public key than public_key; it is left as it is (force: true replaces it)'
                          % (name, 'another' if same is False else 'a key the provider does not show, perhaps another,'))
                return key_pair_to_dict(pair)
        if path and not public_key:
            check_private_key_path(path, force)
        result['changed'] = True
        if self.check_mode:
            return {'name': name, 'fingerprint': None, 'public_key': public_key.strip() if public_key else None, 'extra': {}}
        if pair is not None:
            self.driver.delete_key_pair(pair)
        created = create_key_pair(self.driver, name, public_key)
        if not public_key:
            self._keep_private_key(created, path, force, result)
        return key_pair_to_dict(created)

    def _keep_private_key(self, created, path, force, result):
        private_key = getattr(created, 'private_key', None)
        if not private_key:
            raise LibcloudModuleError('key pair %s was created, but the answer that carried its private key was lost; '
                                      'remove the pair (state: absent) and run the task again' % created.name)
        if path:
            try:
                write_private_key(path, private_key, force)
            except OSError as exc:
                # Without its file the new pair is useless and its key would be lost: take the pair back.
                self.driver.delete_key_pair(created)
                raise LibcloudModuleError('private_key_path: cannot write %s (%s); the new key pair was removed again'
                                          % (path, exc.strerror or exc)) from None
            result['private_key_path'] = path
        result['private_key'] = private_key

    @staticmethod
    def _diff_view(pair):
        if not pair:
            return {}
        return {'name': pair['name'], 'fingerprint': pair['fingerprint'], 'public_key': pair['public_key']}
