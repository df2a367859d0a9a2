# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One exception family, turned into one-line messages in one place."""

from __future__ import annotations

import re
from collections.abc import Mapping


class LibcloudModuleError(Exception):
    """An expected failure: its message is shown to the user as it is, on one line."""

    def __init__(self, message, **result):
        super().__init__(message)
        self.message = message
        self.result = result


def kind_of(value):
    """A value's type as YAML users know it (ansible-core 2.19 hands over tagged subclasses of dict, list, str)."""
    for kind, name in ((bool, 'bool'), (int, 'int'), (float, 'float'), (str, 'str'), (Mapping, 'dict'), (list, 'list'),
                       (type(None), 'null')):
        if isinstance(value, kind):
            return name
    return type(value).__name__


def shown(value, limit=200):
    """``repr(value)``, cut short: a message must keep room for its reason after a long bad value."""
    text = str(value)
    return repr(text if len(text) <= limit else text[:limit] + '...')


_AWS_ERROR = re.compile(r'<Code>([^<]+)</Code>\s*<Message>([^<]*)</Message>', re.DOTALL)
# The query string of a URL in an error text (requests puts the URL in its messages): it may hold a signature,
# an access key id or a token.
_QUERY = re.compile(r'(/[^\s?\'"]*)\?[^\s\'")]*')


def secret_forms(secret):
    """The forms ``secret`` can take in an error text: as given, without its surrounding whitespace (a key file's
    last newline), and as a repr shows each (libcloud's errors show their value so: a newline becomes backslash-n)."""
    forms = []
    for base in (secret, secret.strip()):
        forms.extend((base, repr(base)[1:-1]))
    return [form for form in forms if form.strip()]


def describe_exception(exc, secrets=()):
    """A single readable line for ``exc``, with every secret value masked.

    libcloud often puts a whole XML or JSON body, or a multi-line traceback text, into its exceptions.
    """
    if isinstance(exc, LibcloudModuleError):
        text = exc.message
    else:
        text = str(exc) or repr(exc)
        if len(text) > 1 and text[0] == text[-1] and text[0] in '\'"':
            text = text[1:-1]  # libcloud's LibcloudError (InvalidCredsError, ...) shows its value as a repr
        aws = _AWS_ERROR.search(text)
        if aws:
            text = '%s: %s' % (aws.group(1), aws.group(2))
        text = '%s: %s' % (type(exc).__name__, _QUERY.sub(r'\1?...', text))
    note = getattr(exc, 'cloudmesh_retry_note', None)
    if note:
        text = '%s (%s)' % (text, note)
    # Masked before the text becomes one line, since a PEM or a JSON key file spans lines, then once more in the
    # one-line form. The longest first, so that a secret inside another cannot break the other's mask.
    forms = sorted(set(form for secret in secrets if secret for form in secret_forms(str(secret))), key=len, reverse=True)
    for form in forms:
        text = text.replace(form, '********')
    text = ' '.join(text.split())
    for form in forms:
        text = text.replace(' '.join(form.split()), '********')
    if len(text) > 500:
        text = text[:497] + '...'
    return text
