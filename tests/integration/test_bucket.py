# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""libcloud_bucket on S3 (moto) and LOCAL: create, keep, refuse to drop a non-empty bucket, force, check mode."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.harness.ansible_run import run_playbook
from tests.integration.test_objects import make_backend

BUCKET = 'bucket-lifecycle'


def bucket(task, **args):
    return {'name': task, 'cloudmesh.libcloud.libcloud_bucket': dict(args, name=BUCKET), 'register': 'out'}


@pytest.fixture(scope='module', params=['s3', 'local'])
def lifecycle(request, local_cloud, tmp_path_factory):
    workdir = tmp_path_factory.mktemp('bucket-%s' % request.param)
    backend = make_backend(request.param, local_cloud, workdir / 'store')
    snap = backend.snapshot_task
    tasks = [
        dict(bucket('create in check mode'), check_mode=True, diff=True),
        snap('state after check mode', BUCKET),
        bucket('create'),
        bucket('create again'),
        snap('state after create', BUCKET),
        {'name': 'put an object', 'register': 'out',
         'cloudmesh.libcloud.libcloud_bucket_object': {'bucket': BUCKET, 'name': 'dir/a.txt', 'content': 'a\n'}},
        dict(bucket('delete without force', state='absent'), ignore_errors=True),
        dict(bucket('delete with force in check mode', state='absent', force=True), check_mode=True),
        snap('state after refused deletes', BUCKET),
        bucket('delete with force', state='absent', force=True),
        bucket('delete again', state='absent'),
    ]
    play = [{'hosts': 'localhost', 'gather_facts': False,
             'module_defaults': {'group/cloudmesh.libcloud.libcloud': {'cloud': backend.entry}}, 'tasks': tasks}]
    run = run_playbook(yaml.safe_dump(play, sort_keys=False) + '\n', workdir)
    assert run.rc == 0, run.output[-3000:]
    return backend, run


def state(run, task):
    return json.loads(run.result(task)['stdout'])


def test_create_is_idempotent_and_check_mode_writes_nothing(lifecycle):
    _backend, run = lifecycle
    predicted = run.result('create in check mode')
    assert predicted['changed'] is True and predicted['bucket']['exists'] is True
    assert predicted['diff']['before']['exists'] is False and predicted['diff']['after']['exists'] is True
    assert state(run, 'state after check mode')['exists'] is False
    created = run.result('create')
    assert created['changed'] is True and created['bucket']['name'] == BUCKET and created['bucket']['exists'] is True
    assert run.result('create again')['changed'] is False
    assert state(run, 'state after create') == {'exists': True, 'objects': {}}


def test_a_non_empty_bucket_is_kept_without_force(lifecycle):
    _backend, run = lifecycle
    refused = run.result('delete without force')
    assert refused['failed'] is True
    assert refused['msg'] == "bucket '%s' is not empty: set force=true to delete its objects first" % BUCKET
    assert run.result('delete with force in check mode')['changed'] is True
    after = state(run, 'state after refused deletes')
    assert after['exists'] is True and list(after['objects']) == ['dir/a.txt']


def test_force_deletes_objects_then_the_bucket(lifecycle):
    backend, run = lifecycle
    deleted = run.result('delete with force')
    assert deleted['changed'] is True and deleted['bucket']['exists'] is False
    assert run.result('delete again')['changed'] is False
    assert backend.state(BUCKET) == {'exists': False, 'objects': {}}
