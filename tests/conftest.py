# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared fixtures: the local test cloud (moto behind MotoWireFix) and boto3 clients to check its state; the other
local clouds (mimic for OpenStack Nova, the real Swift, Azurite, PowerDNS), each started by the first test that asks for it."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

# The repository root on sys.path makes ``tests.harness`` importable however pytest was started.
REPO_ROOT = str(Path(__file__).resolve().parent.parent)
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

from tests.harness.ansible_run import ensure_collection_link  # noqa: E402
from tests.harness.azurite_cloud import AzuriteCloud  # noqa: E402
from tests.harness.local_cloud import DEFAULT_REGION, LocalCloud  # noqa: E402
from tests.harness.mimic_cloud import MimicCloud  # noqa: E402
from tests.harness.powerdns_cloud import PowerDnsCloud  # noqa: E402
from tests.harness.swift_cloud import SwiftCloud  # noqa: E402

# Tests import the working tree as ansible_collections.cloudmesh.libcloud; first on the path, so that an
# installed copy of the collection cannot stand in for it.
COLLECTIONS_DIR = str(ensure_collection_link())
sys.path.insert(0, COLLECTIONS_DIR)
# On a fresh clone the folder did not exist when pytest put it on sys.path, and Python remembered that.
sys.path_importer_cache.pop(COLLECTIONS_DIR, None)
importlib.invalidate_caches()

# ansible-test's work tree under tests/output holds copies of these tests.
collect_ignore = ['output']


@pytest.fixture(scope='session')
def local_cloud():
    """One local cloud for the whole session, stopped at its end."""
    with LocalCloud() as cloud:
        yield cloud


@pytest.fixture(scope='session')
def auth_cloud():
    """A local cloud that checks credentials (``LocalCloud(auth=True)``), started by the first test that asks for
    it and stopped at the session's end: only ``auth_cloud.key`` / ``auth_cloud.secret`` are accepted."""
    with LocalCloud(auth=True) as cloud:
        yield cloud


@pytest.fixture
def fresh_cloud(local_cloud):
    """The session's local cloud, emptied before the test."""
    local_cloud.reset()
    return local_cloud


@pytest.fixture
def boto3_ec2(local_cloud):
    """``boto3_ec2(region)``: a boto3 EC2 client on the local cloud."""
    def make(region=DEFAULT_REGION):
        return local_cloud.boto3_client('ec2', region)
    return make


@pytest.fixture
def boto3_s3(local_cloud):
    """``boto3_s3(region)``: a boto3 S3 client on the local cloud."""
    def make(region=DEFAULT_REGION):
        return local_cloud.boto3_client('s3', region)
    return make


@pytest.fixture(scope='session')
def mimic_cloud():
    """OpenStack compute (mimic): ``mimic_cloud.fresh_entry()`` is the cloud entry of a new, empty tenant."""
    with MimicCloud() as cloud:
        yield cloud


@pytest.fixture(scope='session')
def swift_cloud():
    """OpenStack object storage: the real Swift with tempauth (and its memcached)."""
    with SwiftCloud() as cloud:
        yield cloud


@pytest.fixture(scope='session')
def azurite_cloud():
    """Azure Blob storage: Azurite."""
    with AzuriteCloud() as cloud:
        yield cloud


@pytest.fixture
def fresh_swift(swift_cloud):
    """The session's Swift, emptied before the test."""
    swift_cloud.reset()
    return swift_cloud


@pytest.fixture
def fresh_azurite(azurite_cloud):
    """The session's Azurite, emptied before the test."""
    azurite_cloud.reset()
    return azurite_cloud


@pytest.fixture(scope='session')
def powerdns_cloud():
    """DNS: PowerDNS Authoritative (Debian packages), its API for ``cloud_entry()`` and ``api``, its DNS port for
    ``resolve()``."""
    with PowerDnsCloud() as cloud:
        yield cloud


@pytest.fixture
def fresh_powerdns(powerdns_cloud):
    """The session's PowerDNS with every zone deleted before the test."""
    powerdns_cloud.reset()
    return powerdns_cloud
