# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/awx_setup.yml without a live AWX: its syntax, the awx.awx modules it uses, and the credential it
would store, which AWX's injection must turn back into the very LIBCLOUD_* variables it was read from."""

from __future__ import annotations

import shutil

import yaml

from tests.harness.ansible_run import REPO_ROOT, run_ansible, run_playbook
from tests.integration.test_awx_runner import awx_injected_env

SETUP = REPO_ROOT / 'playbooks' / 'awx_setup.yml'
AWX_MODULES = {'awx.awx.credential_type', 'awx.awx.credential', 'awx.awx.execution_environment', 'awx.awx.project',
               'awx.awx.inventory', 'awx.awx.inventory_source', 'awx.awx.job_template'}


def setup_play():
    plays = yaml.safe_load(SETUP.read_text())
    assert len(plays) == 1
    return plays[0]


def test_syntax_check(tmp_path):
    proc = run_ansible(['ansible-playbook', '--syntax-check', SETUP], tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_creates_every_object_with_awx_modules():
    play = setup_play()
    modules = set(key for task in play['tasks'] for key in task if key.startswith('awx.awx.'))
    assert modules == AWX_MODULES
    tasks = dict((key, task) for task in play['tasks'] for key in task if key.startswith('awx.awx.'))
    source = tasks['awx.awx.inventory_source']['awx.awx.inventory_source']
    assert source['source'] == 'scm' and play['vars']['awx_inventory_source_path'].endswith('.libcloud.yml')
    assert (REPO_ROOT / play['vars']['awx_inventory_source_path']).is_file()
    playbooks = [item['playbook'] for item in tasks['awx.awx.job_template']['loop']]
    assert playbooks == ['playbooks/provision.yml', 'playbooks/teardown.yml']
    assert all((REPO_ROOT / playbook).is_file() for playbook in playbooks)
    # The credential's inputs hold the secret: the task must not show them.
    assert tasks['awx.awx.credential']['no_log'] is True


def test_no_controller_address_or_secret_in_the_file():
    text = SETUP.read_text()
    for option in ('controller_host', 'controller_oauthtoken', 'controller_username', 'controller_password'):
        assert option not in text  # the awx.awx modules read CONTROLLER_* from the environment themselves


def test_credential_inputs_round_trip_through_the_injectors(tmp_path, local_cloud):
    """The setup play's own variables, evaluated by ansible: the credential type read from
    extensions/awx/credential_type.yml, and inputs read from LIBCLOUD_* that AWX injects back unchanged."""
    play = setup_play()
    # The play as it is, its awx.awx tasks replaced by one that shows the evaluated variables.
    shutil.copytree(REPO_ROOT / 'extensions', tmp_path / 'extensions')
    (tmp_path / 'playbooks').mkdir()
    play['tasks'] = [{'name': 'Evaluated', 'ansible.builtin.debug': {
        'msg': {'type': '{{ awx_credential_type }}', 'inputs': '{{ awx_credential_inputs }}'}}}]
    playbook = tmp_path / 'playbooks' / 'awx_setup_vars.yml'
    playbook.write_text(yaml.safe_dump([play], sort_keys=False))
    entry = local_cloud.ec2_cloud_entry()
    env = {'LIBCLOUD_PROVIDER': 'ec2', 'LIBCLOUD_STORAGE_PROVIDER': 's3', 'LIBCLOUD_DNS_PROVIDER': 'powerdns', 'LIBCLOUD_KEY': entry['key'],
           'LIBCLOUD_SECRET': entry['secret'], 'LIBCLOUD_HOST': entry['host'], 'LIBCLOUD_PORT': str(entry['port']),
           'LIBCLOUD_SECURE': 'no', 'LIBCLOUD_OPTIONS': '{"timeout": 25}', 'LIBCLOUD_RETRIES': '4',
           'LIBCLOUD_TIMEOUT': '20'}
    run = run_playbook(playbook, tmp_path, env=env)
    assert run.rc == 0, run.output
    evaluated = run.result('Evaluated')['msg']
    assert evaluated['type'] == yaml.safe_load((REPO_ROOT / 'extensions' / 'awx' / 'credential_type.yml').read_text())
    inputs = evaluated['inputs']
    assert 'region' not in inputs  # unset variables make no input
    assert inputs['secure'] == 'false'  # normalised to one of the credential type's choices
    injected = awx_injected_env(evaluated['type'], inputs)
    assert injected == dict(env, LIBCLOUD_REGION='', LIBCLOUD_TOKEN='', LIBCLOUD_SECURE='false')
