# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The harness's switch to another venv's ansible (LIBCLOUD_TEST_ANSIBLE_VENV), read when ansible_run is imported:
each case imports it in a fresh Python. That the switched runs really use that venv is checked by
tests/integration/test_ansible_core.py under ``make floor``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
SHOW = ('import json, sys; from tests.harness import ansible_run as run; env = run.ansible_env(); '
        'print(json.dumps([str(run.BIN_DIR), env["ANSIBLE_PYTHON_INTERPRETER"], env["PATH"].split(":")[0], '
        '"LIBCLOUD_TEST_ANSIBLE_VENV" in env]))')


def harness_settings(venv=None):
    env = dict(os.environ)
    env.pop('LIBCLOUD_TEST_ANSIBLE_VENV', None)
    if venv is not None:
        env['LIBCLOUD_TEST_ANSIBLE_VENV'] = str(venv)
    return subprocess.run([sys.executable, '-c', SHOW], cwd=str(REPO_ROOT), env=env, capture_output=True, text=True, check=False)


def test_unset_runs_this_venv():
    proc = harness_settings()
    assert proc.returncode == 0, proc.stderr
    bin_dir, python, first_path, leaked = json.loads(proc.stdout)
    assert bin_dir == first_path == str(Path(sys.executable).parent)
    assert python == sys.executable
    assert not leaked


def test_set_runs_that_venv_and_its_python(tmp_path):
    venv = tmp_path / 'floor'
    (venv / 'bin').mkdir(parents=True)
    (venv / 'bin' / 'ansible-playbook').write_text('')
    proc = harness_settings(venv)
    assert proc.returncode == 0, proc.stderr
    bin_dir, python, first_path, leaked = json.loads(proc.stdout)
    assert bin_dir == first_path == str(venv / 'bin')
    # the venv's own link, not the interpreter it points at: only that path makes Python use the venv's packages
    assert python == str(venv / 'bin' / 'python')
    assert not leaked   # the LIBCLOUD_* clean-up keeps the switch out of the ansible runs


def test_a_venv_without_ansible_fails_naming_the_make_target(tmp_path):
    proc = harness_settings(tmp_path / 'missing')
    assert proc.returncode != 0
    assert 'LIBCLOUD_TEST_ANSIBLE_VENV=%s holds no bin/ansible-playbook' % (tmp_path / 'missing') in proc.stderr
    assert 'make floor-venv' in proc.stderr
