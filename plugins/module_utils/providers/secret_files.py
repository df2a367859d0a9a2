# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Credentials that a driver takes only as a file path (Azure's management certificate), given as the file's
contents instead: a vaulted value needs no file on the host that runs the task.

The contents go to a private temporary file (mode 0600, as ``mkstemp`` makes it) that lives as long as the driver
using it. :func:`remove_all` removes every such file at the end of a module's task, also when it failed; a file
whose driver is garbage-collected goes then, and the interpreter's exit removes any still there.
"""

from __future__ import annotations

import os
import tempfile
import threading
import weakref

_FILE_PREFIX = 'cloudmesh-libcloud-credential-'

_lock = threading.Lock()
_removers = []


def is_contents(value):
    """Whether ``value`` is a file's contents (PEM text, a JSON document) rather than a path to one."""
    text = value.strip()
    return '\n' in text or text.startswith(('-----BEGIN', '{'))


def driver_with_file(make_driver, value):
    """``make_driver(path)``: ``path`` is ``value`` when it is a path, else a private file holding ``value``.

    A path that names no file is passed on as it is, so that the driver reports it as missing.
    """
    if not value or os.path.isfile(os.path.expanduser(value)) or not is_contents(value):
        return make_driver(value)
    descriptor, path = tempfile.mkstemp(prefix=_FILE_PREFIX, suffix='.pem')
    try:
        with os.fdopen(descriptor, 'w') as stream:
            stream.write(value)
        driver = make_driver(path)
    except BaseException:
        _remove(path)
        raise
    with _lock:
        _removers.append(weakref.finalize(driver, _remove, path))
    return driver


def remove_all():
    """Remove the files of every driver built so far: the task is over."""
    with _lock:
        removers = list(_removers)
        del _removers[:]
    for remover in removers:
        remover()


def _remove(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
