# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The repository holds no plain-text credentials: every secret is vaulted, templated, or a marked demo placeholder."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[3]

# Credential fields of a cloud entry, and the environment variables that carry them.
CREDENTIAL_FIELDS = {'key', 'secret'}
CREDENTIAL_ENV_NAMES = {'LIBCLOUD_KEY', 'LIBCLOUD_SECRET', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'}
# A mapping is a cloud entry when it has a secret, or a key beside another connection field.
CONNECTION_HINTS = {'provider', 'storage_provider', 'region', 'host', 'port', 'cloud', 'secret'}
# Values that are clearly not real credentials.
PLACEHOLDER = re.compile(r'demo|example|placeholder|do-not-use|changeme|your[-_ ]|\.\.\.|^<.*>$|^x+$', re.IGNORECASE)
AWS_ACCESS_KEY = re.compile(r'\b(AKIA|ASIA)[0-9A-Z]{16}\b')


class Vaulted:
    """What a `!vault` value parses to here: encrypted, hence fine."""


class Loader(yaml.SafeLoader):
    pass


Loader.add_constructor('!vault', lambda loader, node: Vaulted())
Loader.add_constructor('!unsafe', lambda loader, node: loader.construct_scalar(node))


def repository_files():
    listing = subprocess.run(['git', 'ls-files', '--cached', '--others', '--exclude-standard'], cwd=REPO_ROOT,
                             capture_output=True, text=True, check=True).stdout.split()
    return [REPO_ROOT / name for name in listing if (REPO_ROOT / name).is_file()]


def yaml_files():
    return [path for path in repository_files() if path.suffix in ('.yml', '.yaml')]


def is_plain_secret(value):
    if isinstance(value, Vaulted) or value is None or isinstance(value, (bool, int, float, dict, list)):
        return False
    text = str(value).strip()
    return bool(text) and '{{' not in text and not PLACEHOLDER.search(text)


def plaintext_credentials(data, where=''):
    """(path, field) of every plain credential value in a parsed YAML document."""
    found = []
    if isinstance(data, dict):
        is_entry = bool(CREDENTIAL_FIELDS & set(data)) and bool(CONNECTION_HINTS & (set(data) - {'key'}))
        for field, value in data.items():
            if ((is_entry and field in CREDENTIAL_FIELDS) or field in CREDENTIAL_ENV_NAMES) and is_plain_secret(value):
                found.append('%s.%s' % (where, field))
            found.extend(plaintext_credentials(value, '%s.%s' % (where, field)))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            found.extend(plaintext_credentials(item, '%s[%d]' % (where, index)))
    return found


def test_the_scan_finds_plain_credentials():
    document = yaml.load('clouds:\n  - {name: a, provider: ec2, key: AKIDREALLOOKING, secret: hunter2}\n'
                         'env: {LIBCLOUD_SECRET: hunter3}\n', Loader=Loader)
    assert plaintext_credentials(document) == ['.clouds[0].key', '.clouds[0].secret', '.env.LIBCLOUD_SECRET']


def test_the_scan_accepts_vault_templates_and_placeholders():
    document = yaml.load(
        'a:\n'
        '  provider: ec2\n'
        '  key: "{{ lookup(\'env\', \'K\') }}"\n'
        '  secret: !vault |\n'
        '    $ANSIBLE_VAULT;1.1;AES256\n'
        '    6162\n'
        'b: {provider: s3, key: AKIDDEMOONLYLOCALKEY, secret: demo-only-secret}\n'
        'keyed_groups: [{key: libcloud_tags.role, prefix: role}]\n', Loader=Loader)
    assert plaintext_credentials(document) == []


@pytest.mark.parametrize('path', yaml_files(), ids=lambda path: str(path.relative_to(REPO_ROOT)))
def test_no_plaintext_credentials_in_yaml(path):
    text = path.read_text(errors='replace')
    if text.startswith('$ANSIBLE_VAULT;'):
        return
    found = []
    for document in yaml.load_all(text, Loader=Loader):
        found.extend(plaintext_credentials(document))
    assert not found, 'plain-text credentials in %s: %s (vault them: see docs/credentials.md)' % (path, ', '.join(found))


def test_no_aws_access_key_ids_anywhere():
    offenders = [str(path.relative_to(REPO_ROOT)) for path in repository_files()
                 if path.suffix not in ('.gz', '.png') and AWS_ACCESS_KEY.search(path.read_text(errors='replace'))]
    assert not offenders
