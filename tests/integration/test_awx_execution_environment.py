# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The execution environment: `ansible-builder create` writes a build context offline that holds the collection
and its requirements, and the context's galaxy and introspection steps work, run here as the build runs them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml
from bindep.depends import Depends

from tests.harness.ansible_run import REPO_ROOT

BIN_DIR = Path(sys.executable).parent
# The files execution-environment.yml names, relative to itself.
EE_FILES = ('execution-environment.yml', 'requirements.txt', 'bindep.txt')


def galaxy_version():
    return yaml.safe_load((REPO_ROOT / 'galaxy.yml').read_text())['version']


def offline_env(**extra):
    """No network: any HTTP(S) request would go to a closed port and fail."""
    env = dict(os.environ, HTTP_PROXY='http://127.0.0.1:9', HTTPS_PROXY='http://127.0.0.1:9',
               http_proxy='http://127.0.0.1:9', https_proxy='http://127.0.0.1:9', NO_PROXY='', no_proxy='',
               PATH='%s%s%s' % (BIN_DIR, os.pathsep, os.environ.get('PATH', '')))
    env.update(extra)
    return env


def run(command, cwd, **env):
    proc = subprocess.run([str(part) for part in command], cwd=str(cwd), env=offline_env(**env), capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, '%s failed:\n%s\n%s' % (command, proc.stdout, proc.stderr)
    return proc


@pytest.fixture(scope='module')
def ee_build(tmp_path_factory):
    """The EE definition's files in a scratch folder, the collection tarball where the definition expects it, and
    the context that `ansible-builder create` writes from them."""
    work = tmp_path_factory.mktemp('ee')
    for name in EE_FILES:
        shutil.copy(REPO_ROOT / name, work / name)
    run([BIN_DIR / 'ansible-galaxy', 'collection', 'build', '--force', '--output-path', work / 'build' / 'ee', REPO_ROOT], work)
    # The build file's name otherwise depends on the container engine found (podman: Containerfile, docker: Dockerfile).
    proc = run([BIN_DIR / 'ansible-builder', 'create', '-f', work / 'execution-environment.yml', '-c', work / 'context',
                '--output-filename', 'Containerfile', '-v', '3'], work)
    return work, work / 'context', proc


def test_definition_is_schema_version_3(ee_build):
    work, _context, _proc = ee_build
    definition = yaml.safe_load((work / 'execution-environment.yml').read_text())
    assert definition['version'] == 3
    assert definition['dependencies']['python'] == 'requirements.txt'
    assert definition['dependencies']['system'] == 'bindep.txt'


def test_create_writes_the_context_offline(ee_build):
    _work, context, proc = ee_build
    assert 'Complete!' in proc.stdout
    assert 'No matches' not in proc.stdout + proc.stderr  # the tarball glob found the built collection
    containerfile = (context / 'Containerfile').read_text()
    assert 'COPY _build /build' in containerfile
    assert 'ansible-galaxy collection install' in containerfile and '-r requirements.yml' in containerfile
    assert 'ansible-core==2.19.14' in containerfile


def test_context_holds_the_collection(ee_build):
    _work, context, _proc = ee_build
    tarball = context / '_build' / 'collections' / ('cloudmesh-libcloud-%s.tar.gz' % galaxy_version())
    assert tarball.is_file(), sorted(str(path.relative_to(context)) for path in context.rglob('*'))
    with tarfile.open(tarball) as archive:
        manifest = json.load(archive.extractfile('MANIFEST.json'))
        names = set(archive.getnames())
    assert manifest['collection_info']['namespace'] == 'cloudmesh'
    assert manifest['collection_info']['name'] == 'libcloud'
    assert {'meta/execution-environment.yml', 'requirements.txt', 'bindep.txt', 'extensions/awx/credential_type.yml',
            'plugins/inventory/libcloud.py', 'playbooks/provision.yml'} <= names
    # The galaxy requirement names that very file (so galaxy.yml's version and the EE definition agree).
    requirements = yaml.safe_load((context / '_build' / 'requirements.yml').read_text())
    assert requirements['collections'] == [{'name': 'collections/%s' % tarball.name, 'type': 'file'}]


def test_context_holds_the_python_and_system_requirements(ee_build):
    _work, context, _proc = ee_build
    python_requirements = (context / '_build' / 'requirements.txt').read_text()
    assert 'apache-libcloud==3.9.1' in python_requirements.split()
    assert 'fasteners' in python_requirements
    assert 'ca-certificates' in (context / '_build' / 'bindep.txt').read_text()


def test_galaxy_and_introspect_steps_of_the_build(ee_build, tmp_path):
    """The build's galaxy stage (install from /build) and builder stage (introspect the installed collections),
    run here on the context: the collection installs from its tarball, and its meta/execution-environment.yml
    brings in its Python and system requirements."""
    _work, context, _proc = ee_build
    build_dir = context / '_build'
    collections = tmp_path / 'usr-share-ansible' / 'collections'
    run([BIN_DIR / 'ansible-galaxy', 'collection', 'install', '--offline', '-r', 'requirements.yml', '--collections-path', collections],
        build_dir, ANSIBLE_GALAXY_DISABLE_GPG_VERIFY='1')
    installed = collections / 'ansible_collections' / 'cloudmesh' / 'libcloud'
    assert json.loads((installed / 'MANIFEST.json').read_text())['collection_info']['version'] == galaxy_version()
    proc = run([BIN_DIR / 'ansible-builder', 'introspect', collections, '--write-pip', tmp_path / 'pip.txt',
                '--write-bindep', tmp_path / 'bindep.txt'], build_dir)
    pip_lines = (tmp_path / 'pip.txt').read_text().splitlines()
    assert 'apache-libcloud==3.9.1  # from collection cloudmesh.libcloud' in pip_lines, proc.stdout
    assert any(line.startswith('ca-certificates') and 'cloudmesh.libcloud' in line
               for line in (tmp_path / 'bindep.txt').read_text().splitlines())


@pytest.mark.parametrize('profile, packages', [
    (['platform:rpm', 'platform:redhat', 'platform:centos'], ['ca-certificates', 'openssh-clients']),
    (['platform:dpkg', 'platform:debian', 'platform:ubuntu'], ['ca-certificates', 'openssh-client']),
])
def test_bindep_file_parses_for_both_package_families(profile, packages):
    depends = Depends((REPO_ROOT / 'bindep.txt').read_text())
    assert [rule[0] for rule in depends.active_rules(profile)] == packages


def test_collection_metadata_names_existing_files():
    metadata = yaml.safe_load((REPO_ROOT / 'meta' / 'execution-environment.yml').read_text())
    assert metadata['version'] == 1
    for kind in ('python', 'system'):
        assert (REPO_ROOT / metadata['dependencies'][kind]).is_file()
