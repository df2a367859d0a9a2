# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Credential precedence, secrecy and errors, through real ansible-playbook runs against the local cloud.

The cloud checks credentials (``LocalCloud(auth=True)``, the ``auth_cloud`` fixture): the source that must win
carries the cloud's key and secret, and every source that must lose carries the same key with a wrong secret.
A task then succeeds only if precedence picked the right source, which the secret proves (not only the region
or the port); control tasks show that each losing source on its own is refused.
"""

from __future__ import annotations

import json
import re
import time

import pytest
import yaml

from tests.harness.ansible_run import run_ansible, run_playbook, write_vault
from tests.harness.local_cloud import TEST_KEY, TEST_SECRET

NODE_NAME = 'cred-probe'
VAULT_PASSWORD = 'test-vault-password'
BUCKET = 'cred-probe-bucket'
# The secret every losing source carries (with the cloud's own key): the server refuses it.
WRONG_SECRET = 'wrong-secret-DO-NOT-USE'
# What libcloud's EC2 driver raises for a refused key or secret, as the modules report it.
REFUSED = 'AuthFailure: AWS was not able to validate the provided access credentials'
# The server's or libcloud's name for refused credentials, in a one-line message (with or without a retry layer).
REFUSED_STYLE = re.compile(r'InvalidCreds|AuthFailure|SignatureDoesNotMatch|InvalidAccessKeyId|S3 answers 403 Forbidden for bucket')
# No retrying a refused connection in tests about something else (the collection's `retries`; ignored without it).
NO_RETRIES = {'LIBCLOUD_RETRIES': '1'}


class VaultText(str):
    """The ciphertext of an inline ``!vault`` value, written as such in a playbook."""


class PlaybookDumper(yaml.SafeDumper):
    pass


PlaybookDumper.add_representer(VaultText, lambda dumper, value: dumper.represent_scalar('!vault', str(value), style='|'))


def dump_play(play):
    return yaml.dump(play, Dumper=PlaybookDumper, sort_keys=False) + '\n'


def launch(cloud, region, name):
    client = cloud.boto3_client('ec2', region)
    image = client.describe_images(Owners=['amazon'])['Images'][0]['ImageId']
    reservation = client.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType='t3.micro',
                                       TagSpecifications=[{'ResourceType': 'instance', 'Tags': [{'Key': 'Name', 'Value': name}]}])
    return reservation['Instances'][0]['InstanceId']


def vault_password(workdir):
    password_file = workdir / 'vault-password.txt'
    password_file.write_text(VAULT_PASSWORD + '\n')
    return password_file


def vault_inline(workdir, value):
    """An inline ``!vault`` value made with ``ansible-vault encrypt_string`` (the value read from stdin)."""
    proc = run_ansible(['ansible-vault', 'encrypt_string', '--vault-password-file', vault_password(workdir),
                        '--stdin-name', 'value'], workdir, input_text=value)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    start = next(index for index, line in enumerate(lines) if '!vault' in line)
    ciphertext = [line.strip() for line in lines[start + 1:] if line.strip()]
    assert ciphertext[0].startswith('$ANSIBLE_VAULT;') and value not in proc.stdout
    return VaultText('\n'.join(ciphertext) + '\n')


def wrong(entry):
    """The same cloud entry with a wrong secret: same key, server, port and region, only the secret differs."""
    return dict(entry, secret=WRONG_SECRET)


def environment(cloud, region='us-east-1', key=None, secret=None):
    """Every LIBCLOUD_* variable of a complete connection to ``cloud`` (AWX injects them this way)."""
    return {
        'LIBCLOUD_PROVIDER': 'ec2', 'LIBCLOUD_KEY': key or cloud.key, 'LIBCLOUD_SECRET': secret or cloud.secret,
        'LIBCLOUD_REGION': region, 'LIBCLOUD_HOST': cloud.host, 'LIBCLOUD_PORT': cloud.port, 'LIBCLOUD_SECURE': 'false',
        'LIBCLOUD_OPTIONS': json.dumps({'timeout': 25}),
    }


def node_ids(result):
    return [node['id'] for node in result['nodes']]


@pytest.fixture(scope='module')
def cloud_with_nodes(auth_cloud):
    auth_cloud.reset()
    ids = {region: launch(auth_cloud, region, NODE_NAME) for region in ('us-east-1', 'eu-west-1')}
    return auth_cloud, ids


def node_info_task(name, args, **keywords):
    task = {'name': name, 'cloudmesh.libcloud.libcloud_node_info': dict(args, name=NODE_NAME), 'register': 'out'}
    task.update(keywords)
    return task


def with_defaults(name, defaults, args, **keywords):
    task = node_info_task(name, args, **keywords)
    task['module_defaults'] = {'group/cloudmesh.libcloud.libcloud': defaults}
    return task


# (task, region whose node it must find); every one of them wins only with the cloud's own secret.
WINNING = [
    ('vaulted cloud by name', 'us-east-1'),  # the vaulted entry's secret, over the environment's wrong one
    ('inline cloud dict', 'us-east-1'),  # the inline entry's secret, over the environment's
    ('inline cloud dict with !vault values', 'us-east-1'),  # inline !vault key and secret inside the dict
    ('explicit options win', 'us-east-1'),  # port, region and secret given on the task, over the entry 'dead'
    ('explicit !vault secret wins over the entry', 'us-east-1'),  # an inline !vault option, over the entry 'wrong'
    ('explicit region wins', 'eu-west-1'),
    ('module_defaults group', 'us-east-1'),  # cloud from module_defaults, over the environment
    ('module_defaults overridden by the task', 'us-east-1'),  # the task's cloud, over module_defaults' 'wrong'
    ('module_defaults secret wins over the entry', 'us-east-1'),  # module_defaults count as task options
]

# (task, why it must be refused): each losing source on its own, to show that it really is wrong.
LOSING = [
    ('control: the entry with the wrong secret alone', "entry 'wrong'"),
    ('control: the environment alone', 'LIBCLOUD_SECRET'),
]


@pytest.fixture(scope='module')
def precedence_run(cloud_with_nodes, tmp_path_factory):
    """One playbook holding every way of passing credentials; each test reads its task's result.

    The environment holds a complete connection with the wrong secret, the vaulted file an entry 'local' (right
    secret), 'wrong' (wrong secret, otherwise identical) and 'dead' (wrong secret, port 1, other region).
    """
    cloud, _ids = cloud_with_nodes
    workdir = tmp_path_factory.mktemp('precedence')
    entry = cloud.ec2_cloud_entry('us-east-1')
    dead_entry = dict(wrong(cloud.ec2_cloud_entry('eu-west-1')), port=1)
    vars_file, password_file = write_vault(workdir, {
        'libcloud_clouds': {'local': entry, 'wrong': wrong(entry), 'dead': dead_entry},
        'vaulted_secret': cloud.secret,
    }, VAULT_PASSWORD)
    vaulted_key, vaulted_secret = vault_inline(workdir, cloud.key), vault_inline(workdir, cloud.secret)
    play = {
        'hosts': 'localhost', 'gather_facts': False, 'vars_files': [str(vars_file)],
        'tasks': [
            node_info_task('vaulted cloud by name', {'cloud': 'local'}),
            node_info_task('inline cloud dict', {'cloud': entry}),
            node_info_task('inline cloud dict with !vault values', {'cloud': dict(entry, key=vaulted_key, secret=vaulted_secret)}),
            node_info_task('explicit options win', {'cloud': 'dead', 'port': cloud.port, 'region': 'us-east-1',
                                                    'secret': '{{ vaulted_secret }}'}),
            node_info_task('explicit !vault secret wins over the entry', {'cloud': 'wrong', 'secret': vaulted_secret}),
            node_info_task('explicit region wins', {'cloud': 'local', 'region': 'eu-west-1'}),
            with_defaults('module_defaults group', {'cloud': 'local'}, {}),
            with_defaults('module_defaults overridden by the task', {'cloud': 'wrong'}, {'cloud': 'local'}),
            with_defaults('module_defaults secret wins over the entry', {'secret': vaulted_secret}, {'cloud': 'wrong'}),
            node_info_task('control: the entry with the wrong secret alone', {'cloud': 'wrong'}, ignore_errors=True),
            node_info_task('control: the environment alone', {}, ignore_errors=True),
        ],
    }
    playbook = workdir / 'precedence.yml'
    playbook.write_text(dump_play([play]))
    run = run_playbook(playbook, workdir, vault_password_file=password_file, env=environment(cloud, secret=WRONG_SECRET))
    assert run.rc == 0, run.output
    return run


@pytest.mark.parametrize('task, region', WINNING)
def test_credential_sources(precedence_run, cloud_with_nodes, task, region):
    _cloud, ids = cloud_with_nodes
    result = precedence_run.result(task)
    assert not result.get('failed'), result.get('msg')
    assert node_ids(result) == [ids[region]]
    assert result['changed'] is False


@pytest.mark.parametrize('task, source', LOSING)
def test_losing_sources_are_refused_on_their_own(precedence_run, task, source):
    result = precedence_run.result(task)
    assert result['failed'] is True, source
    assert REFUSED in result['msg']


def test_cloud_name_stays_readable_and_secrets_are_masked(precedence_run, cloud_with_nodes):
    cloud, _ids = cloud_with_nodes
    result = precedence_run.result('vaulted cloud by name')
    args = result['invocation']['module_args']
    assert args['cloud'] == 'local'
    assert args['secret'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
    report = json.dumps(precedence_run.report)
    for value in (cloud.secret, cloud.key, WRONG_SECRET):
        assert value not in report


def test_environment_only(cloud_with_nodes, tmp_path):
    """The environment is the only source: its secret is the one that works."""
    cloud, ids = cloud_with_nodes
    play = [{'hosts': 'localhost', 'gather_facts': False, 'tasks': [node_info_task('from the environment', {})]}]
    run = run_playbook(dump_play(play), tmp_path, env=environment(cloud, region='eu-west-1'))
    assert run.rc == 0, run.output
    assert node_ids(run.result('from the environment')) == [ids['eu-west-1']]


def test_cloud_entry_wins_over_the_environment(cloud_with_nodes, tmp_path):
    cloud, ids = cloud_with_nodes
    env = dict(environment(cloud, region='eu-west-1', key=TEST_KEY, secret=WRONG_SECRET), LIBCLOUD_PORT='1', LIBCLOUD_PROVIDER='gce')
    play = [{'hosts': 'localhost', 'gather_facts': False,
             'tasks': [node_info_task('entry over env', {'cloud': cloud.ec2_cloud_entry('us-east-1')})]}]
    run = run_playbook(dump_play(play), tmp_path, env=env)
    assert run.rc == 0, run.output
    assert node_ids(run.result('entry over env')) == [ids['us-east-1']]


def test_secret_never_appears_at_vvvv(cloud_with_nodes, tmp_path):
    """The default callback at -vvvv, with vaulted, inline and environment credentials, and failing tasks."""
    cloud, _ids = cloud_with_nodes
    entry = cloud.ec2_cloud_entry('us-east-1')
    vars_file, password_file = write_vault(tmp_path, {'libcloud_clouds': {'local': entry}}, VAULT_PASSWORD)
    play = [{'hosts': 'localhost', 'gather_facts': False, 'vars_files': [str(vars_file)], 'tasks': [
        node_info_task('vaulted', {'cloud': 'local'}),
        node_info_task('inline', {'cloud': entry}),
        node_info_task('environment', {}),
        node_info_task('failing', {'cloud': 'local', 'port': 1}, ignore_errors=True),
        node_info_task('refused', {'cloud': 'local', 'secret': WRONG_SECRET}, ignore_errors=True),
        {'name': 'cloud info', 'cloudmesh.libcloud.libcloud_cloud_info': {'cloud': 'local', 'gather': ['sizes']}},
    ]}]
    env = dict(environment(cloud), **NO_RETRIES)
    run = run_playbook(dump_play(play), tmp_path, env=env, verbosity=4, callback='default', vault_password_file=password_file)
    assert run.rc == 0, run.output[-3000:]
    assert 'ok=6' in run.output and 'ignored=2' in run.output
    assert 'invocation' in run.output  # -vvvv really shows the module arguments
    assert 'AuthFailure' in run.output  # the refused task did reach the server
    for value in (cloud.secret, cloud.key, WRONG_SECRET):
        assert value not in run.output


# Every case carries the secret (in the task or in the clouds variable), so that the check of the output means something.
@pytest.mark.parametrize('args, message', [
    ({'provider': 'ec3', 'key': 'test-access-key', 'secret': TEST_SECRET}, "unknown provider 'ec3'; closest valid: ec2"),
    ({'cloud': 'nope'}, "unknown cloud 'nope'; known clouds in libcloud_clouds: local"),
    ({'provider': 'ec2', 'secret': TEST_SECRET},
     'no key given: set the option key, the field key of the cloud entry, or the environment variable LIBCLOUD_KEY'),
    ({'key': 'test-access-key', 'secret': TEST_SECRET}, 'no provider given: set the option provider'),
    ({'cloud': {'provider': 'ec2', 'key': 'test-access-key', 'passwd': TEST_SECRET}}, 'unknown field(s) in cloud entry: passwd'),
])
def test_errors_are_one_line_without_traceback(tmp_path, args, message):
    play = [{'hosts': 'localhost', 'gather_facts': False, 'vars': {'libcloud_clouds': {'local': {'provider': 'ec2', 'secret': TEST_SECRET}}},
             'tasks': [{'name': 'bad', 'cloudmesh.libcloud.libcloud_node_info': args}]}]
    run = run_playbook(yaml.safe_dump(play) + '\n', tmp_path, verbosity=3)
    assert run.rc == 2
    result = run.result('bad')
    assert result['failed'] is True
    assert result['msg'].startswith(message)
    assert '\n' not in result['msg']
    # ansible-core 2.19 marks every failure at -vvv with an `exception` key; ours must carry no traceback.
    assert result.get('exception', '(traceback unavailable)') == '(traceback unavailable)'
    assert 'Traceback' not in run.output
    assert TEST_SECRET not in run.output


def test_unreachable_endpoint_fails_fast_with_one_line(tmp_path):
    play = [{'hosts': 'localhost', 'gather_facts': False, 'tasks': [{'name': 'dead', 'cloudmesh.libcloud.libcloud_node_info': {
        'provider': 'ec2', 'key': TEST_KEY, 'secret': TEST_SECRET, 'host': '127.0.0.1', 'port': 1, 'secure': False}}]}]
    run = run_playbook(yaml.safe_dump(play) + '\n', tmp_path, env=NO_RETRIES)
    assert run.rc == 2
    message = run.result('dead')['msg']
    assert 'Connection refused' in message or 'ConnectionError' in message
    assert '\n' not in message and TEST_SECRET not in message


def test_environment_fills_fields_a_named_entry_lacks(cloud_with_nodes, tmp_path):
    """The demo's case: the vaulted entry names no port, LIBCLOUD_PORT supplies it (and nothing else: the
    environment's secret is wrong, the entry's is used)."""
    cloud, ids = cloud_with_nodes
    entry = cloud.ec2_cloud_entry('us-east-1')
    del entry['port']
    play = [{'hosts': 'localhost', 'gather_facts': False, 'vars': {'libcloud_clouds': {'local': entry}},
             'tasks': [node_info_task('port from env', {'cloud': 'local'})]}]
    run = run_playbook(dump_play(play), tmp_path, env=environment(cloud, region='eu-west-1', secret=WRONG_SECRET))
    assert run.rc == 0, run.output
    assert node_ids(run.result('port from env')) == [ids['us-east-1']]


def timed_run(play, workdir, **kwargs):
    started = time.monotonic()
    run = run_playbook(dump_play(play), workdir, **kwargs)
    return run, time.monotonic() - started


@pytest.mark.parametrize('service', ['ec2', 's3'])
def test_bad_credentials_fail_at_once_never_retried(auth_cloud, tmp_path, service):
    """The right key with a wrong secret: the server refuses it, the task fails in one line, and at once.

    Refused credentials are never worth retrying: whatever retry policy the collection applies (default 10
    attempts with exponential backoff), the failing run may take no more than a few seconds longer than the
    same task succeeding.
    """
    if service == 'ec2':
        module, entry, args = 'cloudmesh.libcloud.libcloud_node_info', auth_cloud.ec2_cloud_entry(), {}
    else:
        auth_cloud.boto3_client('s3').create_bucket(Bucket=BUCKET)
        module, entry, args = 'cloudmesh.libcloud.libcloud_bucket_object_info', auth_cloud.s3_cloud_entry(), {'bucket': BUCKET}

    def play(name, cloud_entry):
        return [{'hosts': 'localhost', 'gather_facts': False, 'tasks': [{'name': name, module: dict(args, cloud=cloud_entry)}]}]

    baseline, baseline_seconds = timed_run(play('good', entry), tmp_path / 'good', verbosity=3)
    assert baseline.rc == 0, baseline.output
    failing, failing_seconds = timed_run(play('bad', wrong(entry)), tmp_path / 'bad', verbosity=3)
    assert failing.rc == 2, failing.output
    result = failing.result('bad')
    assert result['failed'] is True
    assert REFUSED_STYLE.search(result['msg']), result['msg']
    assert '\n' not in result['msg']
    assert result.get('exception', '(traceback unavailable)') == '(traceback unavailable)'
    assert 'Traceback' not in failing.output
    for value in (auth_cloud.secret, auth_cloud.key, WRONG_SECRET):
        assert value not in failing.output
    # Well under any retry backoff: the whole run, beyond the same run succeeding, and the task on its own.
    assert failing_seconds - baseline_seconds < 5, (failing_seconds, baseline_seconds)
    assert failing.task_seconds('bad') < 5


@pytest.mark.parametrize('state', ['present', 'absent'])
def test_a_bucket_that_answers_403_is_not_reported_present(auth_cloud, tmp_path, state):
    """libcloud's S3 get_container reads a 403 to its HEAD as "the bucket exists": with a wrong secret, every bucket was
    reported present and unchanged. The task fails instead, saying what a 403 can mean."""
    auth_cloud.boto3_client('s3').create_bucket(Bucket=BUCKET)
    play = [{'hosts': 'localhost', 'gather_facts': False, 'tasks': [{'name': 'bucket', 'cloudmesh.libcloud.libcloud_bucket': {
        'cloud': wrong(auth_cloud.s3_cloud_entry()), 'name': BUCKET, 'state': state}}]}]
    run = run_playbook(dump_play(play), tmp_path, env=NO_RETRIES)
    assert run.rc == 2, run.output
    assert run.result('bucket')['msg'] == ("S3 answers 403 Forbidden for bucket %r: the key or secret is refused, the bucket belongs to "
                                           "another account, or the key may not list it (s3:ListBucket)" % BUCKET)
    assert BUCKET in [bucket['Name'] for bucket in auth_cloud.boto3_client('s3').list_buckets()['Buckets']]
