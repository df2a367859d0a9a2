# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Jobs run the way AWX runs them: `ansible-runner run` on a private data dir whose env/envvars holds exactly
what the "Libcloud" credential type (extensions/awx/credential_type.yml) injects, against the local cloud.

1. The provision job template: playbooks/provision.yml, the fleet declared in the inventory's variables.
2. The inventory update (`ansible-inventory --list --export` on extensions/awx/cloud.libcloud.yml), then a job
   whose inventory is the inventory plugin: it runs on the listed nodes, then tears the fleet down.

The key and secret are in the job's environment (artifacts/<id>/command is the runner's own record of it) and nowhere
else among the artifacts: not in job events, not in stdout.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

from tests.harness.ansible_run import REPO_ROOT, ansible_env, run_ansible, unwrap_unsafe
from tests.harness.local_cloud import TEST_KEY, TEST_SECRET

RUNNER = Path(sys.executable).parent / 'ansible-runner'
CREDENTIAL_TYPE = yaml.safe_load((REPO_ROOT / 'extensions' / 'awx' / 'credential_type.yml').read_text())
INVENTORY_CONFIG = REPO_ROOT / 'extensions' / 'awx' / 'cloud.libcloud.yml'
BUCKET = 'awx-job-bucket'
OBJECT_CONTENT = 'written by an AWX job\n'


def awx_injected_env(credential_type, inputs):
    """The environment AWX gives a job for a credential of ``credential_type`` holding ``inputs``.

    As AWX's CredentialType.inject_credential does it: inputs left blank are not in the template namespace (so
    they render as empty strings), missing booleans are False, templates render in Jinja's immutable sandbox.
    """
    fields = dict((field['id'], field) for field in credential_type['inputs']['fields'])
    assert set(inputs) <= set(fields), 'inputs the credential type does not have: %s' % (set(inputs) - set(fields))
    for required in credential_type['inputs'].get('required', []):
        assert inputs.get(required), 'required input %s is missing' % required
    namespace = {}
    for field_id, field in fields.items():
        value = inputs.get(field_id)
        if field['type'] == 'boolean':
            namespace[field_id] = bool(value)
        elif value not in (None, ''):
            assert isinstance(value, str), 'AWX stores %s as a string' % field_id
            assert value in field.get('choices', [value]), '%s must be one of %s' % (field_id, field['choices'])
            namespace[field_id] = value
    sandbox = ImmutableSandboxedEnvironment()
    return dict((name, sandbox.from_string(template).render(**namespace))
                for name, template in credential_type['injectors']['env'].items())


def local_cloud_inputs(cloud):
    """A "Libcloud" credential for the local cloud, filled in as a user would in AWX's form: one account for compute
    and storage; region left blank (the drivers' default, us-east-1), so AWX injects LIBCLOUD_REGION=''."""
    ec2 = cloud.ec2_cloud_entry()
    s3 = cloud.s3_cloud_entry()
    return {
        'provider': ec2['provider'],
        'storage_provider': s3['storage_provider'],
        'key': ec2['key'],
        'secret': ec2['secret'],
        'host': ec2['host'],
        'port': str(ec2['port']),
        'secure': 'false',
        'options': json.dumps({'timeout': 25}),
    }


def private_data_dir(root, envvars, inventory_files, project_files):
    """An ansible-runner private data dir as AWX lays one out: env/envvars, inventory/, project/."""
    (root / 'env').mkdir(parents=True)
    (root / 'env' / 'envvars').write_text(json.dumps(envvars))
    (root / 'inventory').mkdir()
    for name, content in inventory_files.items():
        (root / 'inventory' / name).write_text(content)
    # The project: this checkout's playbooks, as AWX's project sync puts the repository there.
    shutil.copytree(REPO_ROOT / 'playbooks', root / 'project' / 'playbooks')
    for name, content in project_files.items():
        (root / 'project' / name).write_text(content)
    return root


def runner_env():
    """What the execution environment provides: the collection, ansible and this Python; no LIBCLOUD_* at all
    (ansible_env drops the caller's), so env/envvars is the only source of credentials."""
    env = ansible_env(callback=None)
    env['ANSIBLE_INVENTORY_UNPARSED_FAILED'] = '1'
    assert not [name for name in env if name.startswith('LIBCLOUD_')]
    return env


class RunnerJob:
    def __init__(self, root, ident, proc):
        self.root = root
        self.ident = ident
        self.proc = proc
        self.artifacts = root / 'artifacts' / ident

    @property
    def status(self):
        return (self.artifacts / 'status').read_text().strip()

    @property
    def rc(self):
        return int((self.artifacts / 'rc').read_text().strip())

    @property
    def stdout(self):
        return (self.artifacts / 'stdout').read_text()

    def events(self):
        return [json.loads(path.read_text()) for path in sorted((self.artifacts / 'job_events').glob('*.json'))]

    def ok_results(self, task_name):
        """{host: result} of the task's runner_on_ok events."""
        return dict((event['event_data']['host'], event['event_data']['res']) for event in self.events()
                    if event['event'] == 'runner_on_ok' and event['event_data'].get('task') == task_name)

    def describe(self):
        status = self.status if (self.artifacts / 'status').exists() else '?'
        return 'ansible-runner %s: status %s\n%s\n%s' % (self.ident, status, self.proc.stdout[-4000:], self.proc.stderr[-2000:])


def run_job(root, playbook, ident):
    proc = subprocess.run([str(RUNNER), 'run', str(root), '-p', playbook, '--ident', ident], env=runner_env(),
                          capture_output=True, text=True, timeout=600, check=False)
    return RunnerJob(root, ident, proc)


def assert_secret_only_in_command(job):
    """The key and secret reached the job (the runner's `command` record holds its environment) and no other
    artifact: not the job events, not stdout."""
    command = (job.artifacts / 'command').read_text()
    assert TEST_SECRET in command and TEST_KEY in command
    scanned = [path for path in job.artifacts.rglob('*') if path.is_file() and path.name != 'command']
    assert any(path.parent.name == 'job_events' for path in scanned) and job.artifacts / 'stdout' in scanned
    for credential in (TEST_SECRET, TEST_KEY):
        leaking = [str(path.relative_to(job.artifacts)) for path in scanned if credential in path.read_text(errors='replace')]
        assert leaking == []
        assert credential not in job.proc.stdout + job.proc.stderr


def fleet(image):
    return {
        'libcloud_nodes': [{'name': 'awx-web', 'count': 2, 'image': image, 'size': 't3.micro', 'tags': {'role': 'web', 'env': 'awx'}}],
        'libcloud_buckets': [{'name': BUCKET, 'objects': [{'name': 'hello.txt', 'content': OBJECT_CONTENT, 'content_type': 'text/plain'}]}],
    }


def live_instances(ec2):
    reservations = ec2.describe_instances(Filters=[{'Name': 'tag:env', 'Values': ['awx']}])['Reservations']
    instances = [instance for reservation in reservations for instance in reservation['Instances']]
    return dict((dict((tag['Key'], tag['Value']) for tag in instance.get('Tags', []))['Name'], instance)
                for instance in instances if instance['State']['Name'] != 'terminated')


@pytest.fixture(scope='module')
def awx_env(local_cloud):
    return awx_injected_env(CREDENTIAL_TYPE, local_cloud_inputs(local_cloud))


@pytest.fixture(scope='module')
def image(local_cloud):
    """An image of the emptied local cloud."""
    local_cloud.reset()
    return local_cloud.boto3_client('ec2').describe_images(Owners=['amazon'])['Images'][0]['ImageId']


@pytest.fixture(scope='module')
def provision_job(awx_env, image, tmp_path_factory):
    # The inventory as AWX writes it for the job: the "Libcloud" inventory's variables declare the fleet.
    root = private_data_dir(tmp_path_factory.mktemp('awx-provision'), awx_env,
                            {'hosts.yml': yaml.safe_dump({'all': {'vars': fleet(image)}})}, {})
    return run_job(root, 'playbooks/provision.yml', 'provision')


@pytest.fixture(scope='module')
def inventory_update(provision_job, awx_env, tmp_path_factory):
    """AWX's inventory update for a source of type scm: ansible-inventory on the project's *.libcloud.yml file."""
    assert provision_job.status == 'successful', provision_job.describe()
    workdir = tmp_path_factory.mktemp('awx-inventory-update')
    shutil.copy(INVENTORY_CONFIG, workdir / INVENTORY_CONFIG.name)
    proc = run_ansible(['ansible-inventory', '-i', INVENTORY_CONFIG.name, '--list', '--export'], workdir,
                       env=dict(awx_env, ANSIBLE_INVENTORY_UNPARSED_FAILED='1'))
    assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope='module')
def inventory_job(inventory_update, awx_env, image, tmp_path_factory):
    """A job whose inventory is the plugin (plus the fleet variables, as in the AWX inventory): it runs on the nodes
    the plugin lists, then the teardown playbook removes the fleet."""
    playbook = [
        {'name': 'The inventory plugin listed the fleet', 'hosts': 'localhost', 'gather_facts': False, 'tasks': [
            {'name': 'Two web nodes', 'ansible.builtin.assert': {'that': ["groups['tag_role_web'] | length == 2"]}}]},
        {'name': 'Run on the listed nodes', 'hosts': 'tag_role_web', 'gather_facts': False, 'connection': 'local', 'tasks': [
            {'name': 'Node variables', 'ansible.builtin.debug': {
                'msg': '{{ {"id": libcloud_id, "state": libcloud_state, "provider": libcloud_provider, "tags": libcloud_tags} }}'}}]},
        {'ansible.builtin.import_playbook': 'playbooks/teardown.yml'},
    ]
    root = private_data_dir(tmp_path_factory.mktemp('awx-inventory'), awx_env, {
        INVENTORY_CONFIG.name: INVENTORY_CONFIG.read_text(),
        'fleet.yml': yaml.safe_dump({'all': {'vars': fleet(image)}}),
    }, {'inventory_job.yml': yaml.safe_dump(playbook, sort_keys=False)})
    return run_job(root, 'inventory_job.yml', 'inventory')


def test_credential_type_injects_every_connection_field():
    from ansible_collections.cloudmesh.libcloud.plugins.module_utils.connection import ENV_VARS

    fields = dict((field['id'], field) for field in CREDENTIAL_TYPE['inputs']['fields'])
    # Every field but profile: AWX stores the key itself; a profile would need a credentials file in the EE.
    injected = dict((field, var) for field, var in ENV_VARS.items() if field != 'profile')
    assert set(fields) == set(injected)
    assert CREDENTIAL_TYPE['injectors']['env'] == dict((var, '{{ %s }}' % field) for field, var in injected.items())
    assert set(CREDENTIAL_TYPE['injectors']) == {'env'}  # no extra_vars: they would show in the job's variables
    assert fields['secret']['secret'] is True and fields['options']['secret'] is True and fields['token']['secret'] is True
    assert not fields['key'].get('secret')
    # A boolean field that is left blank is injected as False: `secure` would silently turn HTTPS off.
    assert all(field['type'] == 'string' for field in fields.values())
    assert CREDENTIAL_TYPE['kind'] == 'cloud' and CREDENTIAL_TYPE['inputs']['required'] == ['key']


def test_modules_read_the_injected_environment_as_the_credential_means_it(awx_env, local_cloud, monkeypatch, boto3_ec2):
    """The job's environment, read by a module of the collection: the blank region is unset (the driver's default,
    not an empty region), port and options arrive as a number and a dict, and the drivers built from it reach the
    local cloud."""
    from ansible.module_utils.testing import patch_module_args

    from ansible_collections.cloudmesh.libcloud.plugins.module_utils.base import LibcloudModule
    from ansible_collections.cloudmesh.libcloud.plugins.module_utils.connection import ENV_VARS, build_driver

    # LIBCLOUD_PROFILE is not injected at all (the credential type has no profile): unset as a blank field is.
    blank = sorted(field for field, variable in ENV_VARS.items() if awx_env.get(variable, '') == '')
    assert 'region' in blank  # the credential leaves it blank (see local_cloud_inputs)
    for variable, value in awx_env.items():
        monkeypatch.setenv(variable, value)
    with patch_module_args({}):
        connection = LibcloudModule().connection
    assert sorted(field for field, value in connection.items() if value is None) == blank
    assert (connection['provider'], connection['storage_provider']) == ('ec2', 's3')
    assert (connection['host'], connection['port'], connection['secure']) == ('127.0.0.1', local_cloud.port, False)
    assert connection['options'] == {'timeout': 25}
    zones = [location.name for location in build_driver(connection, 'compute').list_locations()]
    assert zones == [zone['ZoneName'] for zone in boto3_ec2('us-east-1').describe_availability_zones()['AvailabilityZones']]
    local_cloud.boto3_client('s3').create_bucket(Bucket='awx-env-probe')
    try:
        assert 'awx-env-probe' in [container.name for container in build_driver(connection, 'storage').list_containers()]
    finally:
        local_cloud.boto3_client('s3').delete_bucket(Bucket='awx-env-probe')


@pytest.mark.parametrize('value, expected', [('', None), ('8080', '8080')])
def test_modules_read_a_blank_injected_variable_as_unset(monkeypatch, value, expected):
    """The modules' environment fallback (the inventory plugin reads the environment the same way)."""
    from ansible.module_utils.errors import AnsibleFallbackNotFound

    from ansible_collections.cloudmesh.libcloud.plugins.module_utils.connection import connection_argument_spec

    monkeypatch.setenv('LIBCLOUD_PORT', value)
    fallback, names = connection_argument_spec()['port']['fallback']
    if expected is None:
        with pytest.raises(AnsibleFallbackNotFound):
            fallback(*names)
    else:
        assert fallback(*names) == expected


def test_provision_job_succeeds(provision_job):
    assert provision_job.status == 'successful', provision_job.describe()
    assert provision_job.rc == 0
    assert 'failed=0' in provision_job.stdout


def test_provision_job_made_the_fleet(provision_job, local_cloud):
    assert provision_job.status == 'successful', provision_job.describe()
    instances = live_instances(local_cloud.boto3_client('ec2'))
    assert sorted(instances) == ['awx-web-1', 'awx-web-2']
    assert all(instance['State']['Name'] == 'running' and instance['InstanceType'] == 't3.micro' for instance in instances.values())
    # No region in the credential: the driver's default.
    assert all(instance['Placement']['AvailabilityZone'].startswith('us-east-1') for instance in instances.values())
    s3 = local_cloud.boto3_client('s3')
    assert s3.get_object(Bucket=BUCKET, Key='hello.txt')['Body'].read().decode() == OBJECT_CONTENT


def test_provision_job_artifacts_hold_no_secret(provision_job):
    assert provision_job.status == 'successful', provision_job.describe()
    assert_secret_only_in_command(provision_job)


def test_inventory_update_lists_the_nodes_without_secrets(inventory_update, local_cloud):
    inventory = unwrap_unsafe(json.loads(inventory_update.stdout))
    assert sorted(inventory['tag_role_web']['hosts']) == ['awx-web-1', 'awx-web-2']
    assert 'awx-web-1' in inventory['state_running']['hosts']
    ids = dict((name, instance['InstanceId']) for name, instance in live_instances(local_cloud.boto3_client('ec2')).items())
    assert dict((name, inventory['_meta']['hostvars'][name]['libcloud_id']) for name in ids) == ids
    for credential in (TEST_SECRET, TEST_KEY):
        assert credential not in inventory_update.stdout + inventory_update.stderr


def test_inventory_job_runs_on_the_listed_nodes(inventory_job, provision_job):
    assert inventory_job.status == 'successful', inventory_job.describe()
    assert inventory_job.rc == 0
    reports = dict((host, result['msg']) for host, result in inventory_job.ok_results('Node variables').items())
    assert sorted(reports) == ['awx-web-1', 'awx-web-2']
    for host, report in reports.items():
        assert report['state'] == 'running' and report['provider'] == 'ec2'
        assert report['tags'] == {'Name': host, 'role': 'web', 'env': 'awx'}


def test_inventory_job_tore_the_fleet_down(inventory_job, local_cloud):
    assert inventory_job.status == 'successful', inventory_job.describe()
    assert live_instances(local_cloud.boto3_client('ec2')) == {}
    buckets = [bucket['Name'] for bucket in local_cloud.boto3_client('s3').list_buckets()['Buckets']]
    assert BUCKET not in buckets


def test_inventory_job_artifacts_hold_no_secret(inventory_job):
    assert inventory_job.status == 'successful', inventory_job.describe()
    assert_secret_only_in_command(inventory_job)
