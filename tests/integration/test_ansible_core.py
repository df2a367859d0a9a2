# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What differs between the ansible-core versions the collection supports, on whichever core the harness runs: this
venv's, or the oldest supported one under ``make floor`` (``LIBCLOUD_TEST_ANSIBLE_VENV``, see tests/harness/README.md).

- The harness really runs that venv's ansible and, for the modules, its python.
- A vaulted ``clouds_file`` whose fields are templates is read and rendered (ansible-core 2.19 must be told that the
  file is trusted; 2.17 and 2.18 take no such argument).
- Data from a cloud is never templated: a node tagged with a Jinja expression shows the expression as it is, and the
  lookup in it never runs (2.19 leaves such strings untrusted by itself; 2.17 and 2.18 need them marked unsafe).
"""

from __future__ import annotations

import subprocess

import yaml

from tests.harness.ansible_run import ANSIBLE_PYTHON, BIN_DIR, run_playbook, write_config, write_vault

UNTRUSTED_TAG = "{{ lookup('pipe', 'touch %s') }}"


def test_the_harness_runs_the_chosen_ansible_and_python(tmp_path):
    core = subprocess.run([str(BIN_DIR / 'python'), '-c', 'from ansible.release import __version__; print(__version__)'],
                          capture_output=True, text=True, check=True).stdout.strip()
    playbook = yaml.safe_dump([{'hosts': 'localhost', 'gather_facts': False, 'tasks': [
        {'name': 'core', 'ansible.builtin.debug': {'msg': '{{ ansible_version.full }}'}},
        {'name': 'python', 'ansible.builtin.setup': {'gather_subset': ['!all', '!min', 'python']}},
    ]}])
    run = run_playbook(playbook, tmp_path)
    assert run.rc == 0, run.output[-3000:]
    assert run.result('core')['msg'] == core
    assert run.result('python')['ansible_facts']['ansible_python']['executable'] == ANSIBLE_PYTHON


def test_vaulted_clouds_file_with_templates_and_cloud_data_never_templated(local_cloud, tmp_path):
    client = local_cloud.boto3_client('ec2', 'us-east-1')
    image = client.describe_images(Owners=['amazon'])['Images'][0]['ImageId']
    marker = tmp_path / 'templated'
    tags = {'Name': 'untrusted-node', 'core_test': 'untrusted', 'note': UNTRUSTED_TAG % marker}
    instance = client.run_instances(ImageId=image, MinCount=1, MaxCount=1, TagSpecifications=[
        {'ResourceType': 'instance', 'Tags': [{'Key': key, 'Value': value} for key, value in tags.items()]}])['Instances'][0]

    entry = dict(local_cloud.ec2_cloud_entry('us-east-1'), key="{{ lookup('env', 'CORE_TEST_KEY') }}")
    write_vault(tmp_path, {'libcloud_clouds': {'local': entry}}, 'core-test-password')
    path = write_config(tmp_path, 'core', {'plugin': 'cloudmesh.libcloud.libcloud', 'clouds_file': 'clouds.vault.yml',
                                           'filters': {'tags': {'core_test': 'untrusted'}},
                                           'keyed_groups': [{'key': 'libcloud_tags.core_test', 'prefix': 'tag'}]})
    playbook = yaml.safe_dump([{'hosts': 'tag_untrusted', 'gather_facts': False, 'tasks': [
        {'name': 'node', 'ansible.builtin.debug': {'msg': '{{ [libcloud_id, libcloud_tags.note, inventory_hostname] }}'}},
    ]}])
    run = run_playbook(playbook, tmp_path, inventory=path, vault_password_file=tmp_path / 'vault-password.txt',
                       env={'CORE_TEST_KEY': local_cloud.key})
    assert run.rc == 0, run.output[-3000:]
    assert run.result('node', host='untrusted-node')['msg'] == [instance['InstanceId'], tags['note'], 'untrusted-node']
    assert not marker.exists()
