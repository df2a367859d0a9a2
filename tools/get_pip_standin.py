# -*- coding: utf-8 -*-
# Copyright (c) 2025, cloudmesh.libcloud contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Offline stand-in for the get-pip bootstrap script that ansible-test downloads.

Marker (tools/sanity.sh only replaces cache files that contain it): cloudmesh-get-pip-standin

ansible-test creates each of its virtual environments without pip, then runs
``~/.ansible/test/cache/get_pip_<version>.py`` inside it, with arguments such as
``--disable-pip-version-check pip==24.2 --no-setuptools --no-wheel``.  It downloads
that script from a host that only ansible's CI reaches; tools/sanity.sh copies this
file there instead.  It:

1. writes the caller's effective pip configuration (prepared by tools/sanity.sh next
   to this file as ``get_pip_standin.pip.conf``) to ``sys.prefix/pip.conf``, because
   ansible-test runs pip with a scrubbed environment (only PATH, HOME, LC_ALL survive),
   so ``PIP_*`` variables and proxies would otherwise be lost for every later install;
2. bootstraps pip with ``ensurepip``;
3. installs the requested packages (``pip==<version>``) with that pip;
4. removes the setuptools that ``ensurepip`` adds on Python < 3.12 when
   ``--no-setuptools`` was asked for, so the environment matches what get-pip gives.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt'
COMPANION_CONFIG = 'get_pip_standin.pip.conf'
GET_PIP_ONLY_OPTIONS = ('--no-setuptools', '--no-wheel')


def run(cmd, quiet=False):
    """Run a command; show its output only when it fails (if quiet)."""
    if not quiet:
        subprocess.run(cmd, check=True)
        return
    proc = subprocess.run(cmd, check=False, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode:
        sys.stderr.write(proc.stdout)
        raise subprocess.CalledProcessError(proc.returncode, cmd)


def has_distribution(name):
    """Return True if the target environment has the named distribution installed."""
    code = 'import importlib.metadata as m, sys\ntry:\n    m.version(sys.argv[1])\nexcept m.PackageNotFoundError:\n    sys.exit(1)\n'
    return subprocess.run([sys.executable, '-c', code, name], check=False).returncode == 0


def main():
    """Bootstrap pip into the running interpreter's environment."""
    args = sys.argv[1:]
    pip_args = [arg for arg in args if arg not in GET_PIP_ONLY_OPTIONS]

    here = os.path.dirname(os.path.abspath(__file__))
    companion = os.path.join(here, COMPANION_CONFIG)
    extra = []
    if os.path.isfile(companion):
        shutil.copyfile(companion, os.path.join(sys.prefix, 'pip.conf'))
    elif os.path.isfile(SYSTEM_CA_BUNDLE):
        extra = ['--cert', SYSTEM_CA_BUNDLE]

    had_setuptools = has_distribution('setuptools')
    had_wheel = has_distribution('wheel')

    run([sys.executable, '-m', 'ensurepip', '--default-pip'], quiet=True)
    run([sys.executable, '-m', 'pip', 'install'] + extra + pip_args)

    for option, name, had in (('--no-setuptools', 'setuptools', had_setuptools), ('--no-wheel', 'wheel', had_wheel)):
        if option in args and not had and has_distribution(name):
            run([sys.executable, '-m', 'pip', 'uninstall', '--yes', '--disable-pip-version-check', name], quiet=True)


if __name__ == '__main__':
    main()
