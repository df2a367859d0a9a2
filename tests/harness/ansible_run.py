# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run real ``ansible-playbook`` processes against this checkout of the collection.

The collection is exposed through ``collections/ansible_collections/cloudmesh/libcloud``, a link to the
repository root (git ignores it), so that tests exercise exactly the working tree.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
COLLECTIONS_DIR = REPO_ROOT / 'collections'
# LIBCLOUD_TEST_ANSIBLE_VENV=DIR runs every ansible CLI, and the modules (its python), from the venv DIR instead of
# this one: `make floor` runs a subset of the tests on the oldest ansible-core the collection supports that way.
ANSIBLE_VENV = os.environ.get('LIBCLOUD_TEST_ANSIBLE_VENV')
if ANSIBLE_VENV:
    # Not resolved: a venv's bin/python is a link, and only the link's path makes Python use the venv.
    BIN_DIR = Path(os.path.abspath(ANSIBLE_VENV)) / 'bin'
    ANSIBLE_PYTHON = str(BIN_DIR / 'python')
    if not (BIN_DIR / 'ansible-playbook').is_file():
        raise RuntimeError('LIBCLOUD_TEST_ANSIBLE_VENV=%s holds no bin/ansible-playbook (make floor-venv builds .venv-floor)' % ANSIBLE_VENV)
else:
    BIN_DIR = Path(sys.executable).parent
    ANSIBLE_PYTHON = sys.executable


def ensure_collection_link():
    """Create the ``collections/`` link tree once; it points at the repository itself."""
    link = COLLECTIONS_DIR / 'ansible_collections' / 'cloudmesh' / 'libcloud'
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        try:
            link.symlink_to(REPO_ROOT, target_is_directory=True)
        except FileExistsError:
            pass  # another pytest worker made it first
    return COLLECTIONS_DIR


def empty_config():
    path = ensure_collection_link() / 'ansible.cfg'
    if not path.exists():
        path.write_text('[defaults]\n')
    return path


def ansible_env(extra_env=None, callback='ansible.posix.json'):
    """Environment for an ansible command: this collection, this venv's Python, no user configuration."""
    env = dict(os.environ)
    # Credentials of the caller's environment must not leak into a test that did not ask for them.
    for name in list(env):
        if name.startswith('LIBCLOUD_') or name.startswith('AWS_'):
            del env[name]
    # Nor the caller's ~/.aws/credentials (AWS clouds read its profiles when no key is given): a test writes its own.
    env['AWS_SHARED_CREDENTIALS_FILE'] = os.devnull
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': str(ensure_collection_link()),
        # An empty configuration: no ansible.cfg of the caller's folders or home may change the runs.
        'ANSIBLE_CONFIG': str(empty_config()),
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_FORCE_COLOR': '0',
        'ANSIBLE_RETRY_FILES_ENABLED': '0',
        'ANSIBLE_HOST_KEY_CHECKING': '0',
        'ANSIBLE_PYTHON_INTERPRETER': ANSIBLE_PYTHON,
        'ANSIBLE_LOCALHOST_WARNING': '0',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': '0',
        'PATH': '%s%s%s' % (BIN_DIR, os.pathsep, env.get('PATH', '')),
    })
    if callback:
        env['ANSIBLE_STDOUT_CALLBACK'] = callback
    if extra_env:
        env.update(dict((key, str(value)) for key, value in extra_env.items()))
    return env


@dataclass
class PlaybookRun:
    rc: int
    stdout: str
    stderr: str
    report: dict = field(default_factory=dict)

    @property
    def output(self):
        return self.stdout + self.stderr

    def task_results(self, host='localhost'):
        """Each task's result for ``host``, in order, keyed by the task's name (json callback only)."""
        results = []
        for play in self.report.get('plays', []):
            for task in play.get('tasks', []):
                outcome = task.get('hosts', {}).get(host)
                if outcome is not None:
                    results.append((task['task']['name'], outcome))
        return results

    def result(self, name, host='localhost'):
        """The result of the last task called ``name``."""
        found = [outcome for task_name, outcome in self.task_results(host) if task_name == name]
        if not found:
            raise KeyError('no task named %r; tasks: %s' % (name, [task_name for task_name, dummy in self.task_results(host)]))
        return found[-1]

    def task_seconds(self, name):
        """How long the task ``name`` ran, from the json callback's timestamps."""
        for play in self.report.get('plays', []):
            for task in play.get('tasks', []):
                if task['task']['name'] == name:
                    duration = task['task']['duration']
                    start, end = (datetime.datetime.fromisoformat(duration[key].replace('Z', '+00:00')) for key in ('start', 'end'))
                    return (end - start).total_seconds()
        raise KeyError(name)

    @property
    def stats(self):
        return self.report.get('stats', {}).get('localhost', {})


def run_playbook(playbook, workdir, *, extra_vars=None, env=None, check=False, diff=False, verbosity=0,
                 vault_password_file=None, inventory=None, callback='ansible.posix.json', timeout=600, args=()):
    """Run ``playbook`` (a path, or YAML text written to ``workdir``) and return a :class:`PlaybookRun`."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    if isinstance(playbook, str) and '\n' in playbook:
        path = workdir / 'playbook.yml'
        path.write_text(playbook)
        playbook = path
    command = [str(BIN_DIR / 'ansible-playbook'), str(playbook)]
    command += ['-i', str(inventory) if inventory else 'localhost,', '-c', 'local']
    if extra_vars:
        vars_path = workdir / 'extra_vars.json'
        vars_path.write_text(json.dumps(extra_vars))
        command += ['-e', '@%s' % vars_path]
    if check:
        command.append('--check')
    if diff:
        command.append('--diff')
    if verbosity:
        command.append('-' + 'v' * verbosity)
    if vault_password_file:
        command += ['--vault-password-file', str(vault_password_file)]
    command += list(args)
    proc = subprocess.run(command, cwd=str(workdir), env=ansible_env(env, callback), capture_output=True, text=True,
                          timeout=timeout, check=False)
    report = {}
    if callback == 'ansible.posix.json':
        try:
            report = json.loads(proc.stdout[proc.stdout.index('{'):])
        except ValueError:
            report = {}
    return PlaybookRun(proc.returncode, proc.stdout, proc.stderr, report)


def run_ansible(command, workdir, *, env=None, timeout=600, input_text=None):
    """Run another ansible CLI (``ansible-inventory``, ``ansible-doc``, ``ansible-vault`` ...) from BIN_DIR."""
    command = [str(BIN_DIR / command[0])] + [str(part) for part in command[1:]]
    return subprocess.run(command, cwd=str(workdir), env=ansible_env(env, callback=None), capture_output=True, text=True,
                          timeout=timeout, check=False, input=input_text)


def write_vault(workdir, data, password, name='clouds.vault.yml'):
    """``data`` as a vault-encrypted YAML file in ``workdir``, and its password file; made with ansible-vault itself."""
    workdir = Path(workdir)
    password_file = workdir / 'vault-password.txt'
    password_file.write_text(password + '\n')
    path = workdir / name
    path.write_text(yaml.safe_dump(data))
    proc = run_ansible(['ansible-vault', 'encrypt', '--vault-password-file', password_file, path], workdir)
    assert proc.returncode == 0, proc.stderr
    assert path.read_text().startswith('$ANSIBLE_VAULT;')
    return path, password_file


def write_config(workdir, name, config, vaulted=None):
    """An inventory configuration ``name``.libcloud.yml in ``workdir``; a field whose value is a key of ``vaulted`` becomes that `!vault` block."""
    lines = []
    for line in yaml.safe_dump(config, sort_keys=False).splitlines():
        field, value = line.partition(': ')[::2]
        if vaulted and value in vaulted:
            block = vaulted[value].splitlines()
            indent = ' ' * (len(field) - len(field.lstrip(' -')) + 4)
            line = '%s: %s\n%s' % (field, block[0], '\n'.join(indent + part.strip() for part in block[1:]))
        lines.append(line)
    path = workdir / ('%s.libcloud.yml' % name)
    path.write_text('\n'.join(lines) + '\n')
    return path


def unwrap_unsafe(value):
    """``ansible-inventory --list`` output without the ``{"__ansible_unsafe": ...}`` wrapping of untrusted strings."""
    if isinstance(value, dict):
        if set(value) == {'__ansible_unsafe'}:
            return value['__ansible_unsafe']
        return dict((key, unwrap_unsafe(item)) for key, item in value.items())
    if isinstance(value, list):
        return [unwrap_unsafe(item) for item in value]
    return value


def one_line_failure(result, *names):
    """A failed task whose message is one line, names each of ``names``, and carries no traceback."""
    assert result.get('failed') is True, result
    assert '\n' not in result['msg'], result['msg']
    for name in names:
        assert name in result['msg'], (name, result['msg'])
    assert result.get('exception', '(traceback unavailable)') == '(traceback unavailable)'
    assert 'module_stderr' not in result and 'Traceback' not in result['msg']
    # Bad input is the module's to explain: no Python exception from below it ("TypeError: ...").
    assert not re.match(r'[\w.]*(Error|Exception): ', result['msg']), result['msg']
    assert result.get('changed') in (False, None)


def timed_task(task, workdir, timeout=600):
    """Run one task in a playbook of its own (the benchmarks' unit); its wall time, process start to exit, and its
    result. A failed run ends the benchmark with the end of its output."""
    playbook = yaml.safe_dump([{'hosts': 'localhost', 'gather_facts': False, 'tasks': [task]}], sort_keys=False)
    started = time.monotonic()
    run = run_playbook(playbook, workdir, timeout=timeout)
    elapsed = time.monotonic() - started
    if run.rc != 0:
        raise SystemExit('benchmark run failed (rc %s):\n%s' % (run.rc, run.output[-3000:]))
    return elapsed, run.result(task['name'])
