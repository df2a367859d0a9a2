# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS credentials from the standard shared credentials file, for the EC2 and S3 adapters.

Precedence, highest first (documented in docs/credentials.md, tested in test_aws_credentials.py):

1. ``key``/``secret``/``token`` from the task, the cloud entry or ``LIBCLOUD_KEY``/``LIBCLOUD_SECRET``/``LIBCLOUD_TOKEN``;
   a ``profile`` beside a ``key`` is refused (one of them would be ignored without a word).
2. the profile named by ``profile`` (task, cloud entry, ``LIBCLOUD_PROFILE``), else by ``AWS_PROFILE``, else the
   profile ``default`` where the file has one: its ``aws_access_key_id``, ``aws_secret_access_key`` and
   ``aws_session_token``.

The file is ``AWS_SHARED_CREDENTIALS_FILE``, else ``~/.aws/credentials`` of the user running the module, as for
the AWS CLI and boto3. Errors name the profile and the file, never a value from it.
"""

from __future__ import annotations

import configparser
import os

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError

# The file's keys and the connection fields they fill.
FILE_KEYS = (('aws_access_key_id', 'key'), ('aws_secret_access_key', 'secret'), ('aws_session_token', 'token'))


def credentials_file(environ):
    return os.path.expanduser(environ.get('AWS_SHARED_CREDENTIALS_FILE') or '~/.aws/credentials')


def read_profiles(path):
    """The profiles of the credentials file at ``path``: {name: {key: value}}; {} when there is no file."""
    parser = configparser.RawConfigParser()
    try:
        with open(path) as stream:
            parser.read_file(stream)
    except FileNotFoundError:
        return {}
    except (OSError, configparser.Error) as exc:
        # configparser's message quotes the offending line, which may hold a secret: name the file only.
        raise LibcloudModuleError('cannot read the AWS shared credentials file %s (%s)' % (path, type(exc).__name__)) from None
    return dict((name, dict(parser.items(name))) for name in parser.sections())


def complete(conn, environ=None):
    """``conn`` with ``key``, ``secret`` and ``token`` from the shared credentials file where precedence says so."""
    environ = os.environ if environ is None else environ
    named = conn.get('profile')
    if conn.get('key'):
        if named:
            raise LibcloudModuleError('give either key (with secret) or profile %r, not both: the key comes from the task, the cloud entry '
                                      'or LIBCLOUD_KEY' % named)
        if not conn.get('secret'):
            # libcloud would fail at the first request signature with a TypeError (str + bool).
            raise LibcloudModuleError('no secret given: set the option secret, the field secret of the cloud entry, or the environment '
                                      'variable LIBCLOUD_SECRET (or leave key out too and use a profile)')
        return conn
    profile = named or environ.get('AWS_PROFILE') or 'default'
    path = credentials_file(environ)
    profiles = read_profiles(path)
    if profile not in profiles:
        if profile == 'default' and not named and not environ.get('AWS_PROFILE'):
            return conn  # nothing asked for, nothing found: the caller reports the missing key
        source = 'profile' if named else 'AWS_PROFILE'
        raise LibcloudModuleError('AWS profile %r (from %s) is not in %s; profiles there: %s'
                                  % (profile, source, path, ', '.join(sorted(profiles)) or 'none'))
    stray = [field for field in ('secret', 'token') if conn.get(field)]
    if stray:
        raise LibcloudModuleError('%s given without key: give key with it, or take key, secret and token from AWS profile %r'
                                  % (' and '.join(stray), profile))
    found = profiles[profile]
    if not found.get('aws_access_key_id') or not found.get('aws_secret_access_key'):
        raise LibcloudModuleError('AWS profile %r in %s needs aws_access_key_id and aws_secret_access_key' % (profile, path))
    # The profile is used up: a second pass (the module resolves, then builds its drivers) finds a key and no profile.
    completed = dict(conn, profile=None)
    completed.update((field, found[file_key]) for file_key, field in FILE_KEYS if found.get(file_key))
    return completed
