# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A corpus of bad input across every module, the action plugin and the inventory plugin (issue #10).

Every case must fail with one clear line that names the problem (the option, and the allowed values where there is
a closed set), carry no traceback, change nothing, and fail within a bounded time. The module cases run as the
tasks of ONE playbook (each ``ignore_errors``); the inventory cases as the sources of ONE ``ansible-inventory``
run, plus a few single-source runs that check the exit code with ``ANSIBLE_INVENTORY_UNPARSED_FAILED``.

None of these cases repeats one of test_node_errors.py, test_object_errors.py or test_credentials.py.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field

import pytest
import yaml

from tests.harness.ansible_run import run_ansible, run_playbook, write_vault
from tests.harness.local_cloud import TEST_KEY, TEST_SECRET, seed_object_stores

REGION = 'sa-east-1'      # no other test uses it: nothing may be created there
BUCKET = 'corpus-bucket'
# Seconds a failing task may take: bad input must not wait for a server, a retry or a time-out.
BOUND = 10
VAULT_PASSWORD = 'corpus-vault-password'


@dataclass
class Case:
    title: str
    module: str
    args: dict
    words: tuple
    keywords: dict = field(default_factory=dict)   # task keywords: vars, environment
    exact: str | None = None                         # the whole message, where it is known to the letter
    bug: str | None = None                           # a reason: the case is a known bug (xfail, strict)


def entry_without(entry, *names):
    return dict((key, value) for key, value in entry.items() if key not in names)


# Placeholders, replaced by the fixture once the local cloud and the work folder exist.
EC2, S3, LOCAL, WORKDIR = '@ec2', '@s3', '@local', '@workdir'
EC2_NO = '@ec2-no-'      # '@ec2-no-port' : the EC2 entry without that field (so that the environment supplies it)
S3_NO = '@s3-no-'


def node(title, words, keywords=None, exact=None, bug=None, **args):
    args.setdefault('cloud', 'ec2')
    args.setdefault('name', 'corpus-node')
    return Case(title, 'libcloud_node', args, tuple(words), keywords or {}, exact, bug)


def case(module, title, words, keywords=None, exact=None, bug=None, **args):
    return Case(title, module, args, tuple(words), keywords or {}, exact, bug)


def env(**variables):
    return {'environment': variables}


def task_vars(**variables):
    return {'vars': variables}


STATES = 'present, running, stopped, restarted, absent'
NOT_INT = 'unable to convert to int'
NOT_BOOL = 'unable to convert to bool'
NOT_DICT = 'unable to convert to dict'
NOT_LIST = 'unable to convert to list'

CASES = [
    # --- libcloud_node: option types, ranges, choices ---------------------------------------------------------
    node('node: count not a number', ['count', NOT_INT], count='many'),
    node('node: wait not a boolean', ['wait', NOT_BOOL], wait='perhaps'),
    node('node: wait_timeout not a number', ['wait_timeout', NOT_INT], wait_timeout='soon'),
    node('node: tags a plain string', ['tags', NOT_DICT], tags='env'),
    node('node: security_groups a dict', ['security_groups', NOT_LIST], security_groups={'web': 'sg-1'}),
    node('node: extra a list', ['extra', NOT_DICT], extra=[1, 2]),
    node('node: unknown option', ['Unsupported parameters', 'colour'], colour='blue'),
    node('node: unknown state on', ['state', STATES, 'on'], state='on'),
    node('node: retries option 0', ['retries', 'from 1 to 100', "'0'"], retries=0,
         exact="retries must be a whole number from 1 to 100, got '0'"),
    node('node: retries option 101', ['retries', 'from 1 to 100', "'101'"], retries=101),
    node('node: retries option true', ['retries', 'from 1 to 100', 'True'], retries=True),
    node('node: retries option not a number', ['retries', NOT_INT], retries='ten'),
    node('node: timeout option 0', ['timeout', 'from 1 to 3600', "'0'"], timeout=0),
    node('node: timeout option 3601', ['timeout', 'from 1 to 3600', "'3601'"], timeout=3601),
    node('node: timeout option negative', ['timeout', 'from 1 to 3600', "'-5'"], timeout=-5),
    node('node: timeout option 30s', ['timeout', NOT_INT], timeout='30s'),
    node('node: port option 0', ['port', 'from 1 to 65535', "'0'"], port=0),
    node('node: port option 70000', ['port', 'from 1 to 65535', "'70000'"], port=70000),
    node('node: provider option a near miss', ['unknown provider', "'amazon'", 'valid'], provider='amazon'),
    node('node: provider option gibberish', ['unknown provider', "'zzqqxx'", 'valid: '], provider='zzqqxx'),
    node('node: options.timeout not a number', ['options.timeout', 'from 1 to 3600', 'abc'],
         options={'timeout': 'abc'}),
    # --- the cloud entry given inline (the action plugin flattens it) ------------------------------------------
    node('node: inline cloud with a non-numeric port (issue #10)', ['port', 'notaport'],
         cloud={'provider': 'ec2', 'key': 'corpus-key', 'secret': 'corpus-secret', 'port': 'notaport'},
         exact="cloud entry field port must be a whole number from 1 to 65535, got 'notaport'"),
    node('node: inline cloud with retries x', ['cloud entry field retries', 'from 1 to 100', "'x'"],
         cloud={'provider': 'ec2', 'key': 'corpus-key', 'retries': 'x'}),
    node('node: inline cloud with timeout 0', ['cloud entry field timeout', 'from 1 to 3600', "'0'"],
         cloud={'provider': 'ec2', 'key': 'corpus-key', 'timeout': 0}),
    node('node: inline cloud with retries 2.5', ['cloud entry field retries', 'from 1 to 100', "'2.5'"],
         cloud={'provider': 'ec2', 'key': 'corpus-key', 'retries': 2.5}),
    node('node: inline cloud with port 65536', ['cloud entry field port', 'from 1 to 65535', "'65536'"],
         cloud={'provider': 'ec2', 'key': 'corpus-key', 'port': 65536}),
    node('node: inline cloud with secure perhaps', ['cloud entry field secure', 'boolean', 'perhaps'],
         cloud={'provider': 'ec2', 'key': 'corpus-key', 'secure': 'perhaps'}),
    node('node: inline cloud with options not JSON', ['cloud entry field options', 'dict or a JSON object'],
         cloud={'provider': 'ec2', 'key': 'corpus-key', 'options': 'not json'}),
    node('node: inline cloud with an unknown field', ['unknown field(s) in cloud entry: zone', 'allowed: provider'],
         cloud={'provider': 'ec2', 'key': 'corpus-key', 'zone': 'a'}),
    node('node: inline cloud with an unknown provider', ['unknown provider', "'openstak'", 'openstack'],
         cloud={'provider': 'openstak', 'key': 'corpus-key'}),
    node('node: cloud a list', ['cloud must be the name of an entry in libcloud_clouds or a dict', 'got list'], cloud=['ec2']),
    node('node: cloud a number', ['unknown cloud', '42', 'known clouds in libcloud_clouds'], cloud=42),
    node('node: cloud an empty name', ['unknown cloud', "''", 'known clouds'], cloud=''),
    # --- named entries: from the vaulted vars file, a plain variable, or a bad libcloud_clouds ------------------
    node('node: named entry not a dict', ["libcloud_clouds['not-a-dict'] must be a dict of connection fields"],
         cloud='not-a-dict'),
    node('node: libcloud_clouds a list', ['libcloud_clouds must be a dict of named cloud entries', 'got list'],
         keywords=task_vars(libcloud_clouds=['ec2'])),
    node('node: libcloud_clouds a string', ['libcloud_clouds must be a dict of named cloud entries', 'got str'],
         keywords=task_vars(libcloud_clouds='ec2')),
    node('node: libcloud_clouds null', ["unknown cloud 'ec2'", 'libcloud_clouds is not defined'],
         keywords=task_vars(libcloud_clouds=None)),
    node('node: unknown cloud name', ["unknown cloud 'ec3'", 'known clouds in libcloud_clouds', 'ec2'], cloud='ec3'),
    node('node: vaulted entry with a non-numeric port', ['cloud entry field port', 'notaport'], cloud='vault-port'),
    node('node: vaulted entry with retries 0', ['cloud entry field retries', 'from 1 to 100', "'0'"], cloud='vault-retries'),
    node('node: vaulted entry with an unknown field', ['unknown field(s) in cloud entry: zone'], cloud='vault-unknown-field'),
    node('node: vaulted entry with an unknown provider', ['unknown provider', "'ec22'", 'ec2'], cloud='vault-provider'),
    node('node: plain variable entry with timeout forever', ['cloud entry field timeout', 'from 1 to 3600', 'forever'],
         cloud='plain', keywords=task_vars(libcloud_clouds={'plain': {'provider': 'ec2', 'key': 'k', 'timeout': 'forever'}})),
    # --- LIBCLOUD_* environment variables (the module's fallbacks) ----------------------------------------------
    node('node: LIBCLOUD_RETRIES not a number', ['retries', NOT_INT], keywords=env(LIBCLOUD_RETRIES='abc')),
    node('node: LIBCLOUD_TIMEOUT 0', ['timeout', 'from 1 to 3600', "'0'"], keywords=env(LIBCLOUD_TIMEOUT='0')),
    node('node: LIBCLOUD_PORT not a number', ['port', NOT_INT], cloud=EC2_NO + 'port', keywords=env(LIBCLOUD_PORT='notaport')),
    # --- libcloud_node_info ------------------------------------------------------------------------------------
    case('libcloud_node_info', 'node_info: state a dict', ['state', NOT_LIST], cloud='ec2', state={'running': True}),
    case('libcloud_node_info', 'node_info: a misspelt state', ['state', 'runing', 'running'], cloud='ec2', state=['runing']),
    case('libcloud_node_info', 'node_info: tags a plain string', ['tags', NOT_DICT], cloud='ec2', tags='env'),
    case('libcloud_node_info', 'node_info: unknown option', ['Unsupported parameters', 'filter'], cloud='ec2', filter='web-*'),
    case('libcloud_node_info', 'node_info: timeout 1.5', ['timeout', NOT_INT], cloud='ec2', timeout=1.5),
    case('libcloud_node_info', 'node_info: a storage-only cloud', ['no provider given', 'LIBCLOUD_PROVIDER'], cloud='s3'),
    case('libcloud_node_info', 'node_info: LIBCLOUD_RETRIES 500', ['retries', 'from 1 to 100', "'500'"], cloud='ec2',
         keywords=env(LIBCLOUD_RETRIES='500')),
    case('libcloud_node_info', 'node_info: LIBCLOUD_OPTIONS not JSON', ['options', NOT_DICT], cloud=EC2_NO + 'options',
         keywords=env(LIBCLOUD_OPTIONS='not json')),
    case('libcloud_node_info', 'node_info: LIBCLOUD_SECURE perhaps', ['secure', NOT_BOOL], cloud=EC2_NO + 'secure',
         keywords=env(LIBCLOUD_SECURE='perhaps')),
    case('libcloud_node_info', 'node_info: LIBCLOUD_OPTIONS timeout not a number', ['options.timeout', 'from 1 to 3600', "'abc'"],
         cloud=EC2_NO + 'options', keywords=env(LIBCLOUD_OPTIONS='{"timeout": "abc"}')),
    case('libcloud_node_info', 'node_info: options.timeout option 0', ['options.timeout', 'from 1 to 3600', "'0'"],
         cloud='ec2', options={'timeout': 0}),
    # --- libcloud_cloud_info -----------------------------------------------------------------------------------
    case('libcloud_cloud_info', 'cloud_info: gather an unknown item', ['gather', 'images, sizes, locations', 'pictures'],
         cloud='ec2', gather=['pictures']),
    case('libcloud_cloud_info', 'cloud_info: gather a string with one unknown item', ['gather', 'images, sizes, locations', 'flavours'],
         cloud='ec2', gather='images,flavours'),
    case('libcloud_cloud_info', 'cloud_info: unknown option', ['Unsupported parameters', 'filters'], cloud='ec2', filters={}),
    case('libcloud_cloud_info', 'cloud_info: port not a number', ['port', NOT_INT], cloud='ec2', port='http'),
    case('libcloud_cloud_info', 'cloud_info: an old provider constant', ['unknown provider', "'EC2_US_EAST'"], cloud='ec2',
         provider='EC2_US_EAST'),
    case('libcloud_cloud_info', 'cloud_info: LIBCLOUD_TIMEOUT negative', ['timeout', 'from 1 to 3600', "'-1'"], cloud='ec2',
         keywords=env(LIBCLOUD_TIMEOUT='-1')),
    case('libcloud_cloud_info', 'cloud_info: LIBCLOUD_PROVIDER unknown', ['unknown provider', "'nosuchcloud'"],
         cloud=EC2_NO + 'provider', keywords=env(LIBCLOUD_PROVIDER='nosuchcloud')),
    case('libcloud_cloud_info', 'cloud_info: inline cloud with options.timeout 4000', ['options.timeout', 'from 1 to 3600', "'4000'"],
         cloud={'provider': 'ec2', 'key': 'corpus-key', 'options': {'timeout': 4000}}),
    case('libcloud_cloud_info', 'cloud_info: inline cloud with retries 0', ['cloud entry field retries', "'0'"],
         cloud={'provider': 'ec2', 'key': 'corpus-key', 'retries': 0}),
    # --- libcloud_bucket ---------------------------------------------------------------------------------------
    case('libcloud_bucket', 'bucket: missing name', ['missing required arguments: name'], cloud='s3'),
    case('libcloud_bucket', 'bucket: unknown state', ['state', 'present, absent', 'gone'], cloud='s3', name=BUCKET, state='gone'),
    case('libcloud_bucket', 'bucket: force not a boolean', ['force', NOT_BOOL], cloud='s3', name=BUCKET, force='perhaps'),
    case('libcloud_bucket', 'bucket: name with a leading dash', ["invalid bucket name '-leading-dash'", 'S3 bucket names have 3 to 63'],
         cloud='s3', name='-leading-dash'),
    case('libcloud_bucket', 'bucket: name like an IP address', ["invalid bucket name '192.168.1.1'", 'IP address'],
         cloud='s3', name='192.168.1.1'),
    case('libcloud_bucket', 'bucket: name of 64 characters', ['invalid bucket name', '3 to 63 characters'], cloud='s3', name='a' * 64),
    case('libcloud_bucket', 'bucket: reserved prefix', ["invalid bucket name 'xn--corpus'", 'S3 reserves bucket names'],
         cloud='s3', name='xn--corpus'),
    case('libcloud_bucket', 'bucket: empty name', ["invalid bucket name ''", 'must not be empty'], cloud='s3', name=''),
    case('libcloud_bucket', 'bucket: unknown storage_provider', ['unknown storage_provider', "'s4'", 's3'], cloud='s3',
         name=BUCKET, storage_provider='s4'),
    case('libcloud_bucket', 'bucket: vaulted entry with options.timeout abc', ['options.timeout', 'from 1 to 3600', "'abc'"],
         cloud='vault-options-timeout', name=BUCKET),
    case('libcloud_bucket', 'bucket: inline cloud with a non-numeric port', ['cloud entry field port', 'notaport'], name=BUCKET,
         cloud={'storage_provider': 's3', 'key': 'corpus-key', 'secret': 'corpus-secret', 'port': 'notaport'}),
    case('libcloud_bucket', 'bucket: a compute-only cloud', ['no storage_provider given', 'LIBCLOUD_STORAGE_PROVIDER'],
         cloud='ec2', name=BUCKET),
    case('libcloud_bucket', 'bucket: vaulted entry with secure perhaps', ['cloud entry field secure', 'perhaps'],
         cloud='vault-secure', name=BUCKET),
    case('libcloud_bucket', 'bucket: vaulted entry with timeout forever', ['cloud entry field timeout', 'forever'],
         cloud='vault-timeout', name=BUCKET),
    case('libcloud_bucket', 'bucket: local name with a slash', ["invalid bucket name 'a/b'", 'on the local driver'],
         cloud=LOCAL, name='a/b'),
    case('libcloud_bucket', 'bucket: local name ..', ["invalid bucket name '..'", 'on the local driver'], cloud=LOCAL, name='..'),
    case('libcloud_bucket', 'bucket: control character', ['invalid bucket name', 'control characters'], cloud='s3',
         name='bad\x01name'),
    case('libcloud_bucket', 'bucket: LIBCLOUD_STORAGE_PROVIDER unknown', ['unknown storage_provider', "'nosuchstore'"],
         cloud=S3_NO + 'storage_provider', name=BUCKET, keywords=env(LIBCLOUD_STORAGE_PROVIDER='nosuchstore')),
    # --- libcloud_bucket_object --------------------------------------------------------------------------------
    case('libcloud_bucket_object', 'object: dest a folder on s3', ['dest', 'is a folder', 'path of the file'], cloud='s3',
         bucket=BUCKET, name='a.txt', state='downloaded', dest=WORKDIR),
    case('libcloud_bucket_object', 'object: dest a folder on local', ['dest', 'is a folder'], cloud=LOCAL,
         bucket='bucket', name='a.txt', state='downloaded', dest=WORKDIR),
    case('libcloud_bucket_object', 'object: dest under a regular file', ['the folder of dest', 'does not exist'], cloud=LOCAL,
         bucket='bucket', name='a.txt', state='downloaded', dest=WORKDIR + '/src.txt/out.txt'),
    case('libcloud_bucket_object', 'object: downloaded without dest', ['state is downloaded', 'dest'], cloud='s3',
         bucket=BUCKET, name='a.txt', state='downloaded'),
    case('libcloud_bucket_object', 'object: name and prefix', ['mutually exclusive', 'name|prefix'], cloud='s3',
         bucket=BUCKET, name='a.txt', prefix='a', state='absent'),
    case('libcloud_bucket_object', 'object: content and content_base64', ['mutually exclusive', 'content|content_base64'],
         cloud='s3', bucket=BUCKET, name='x', content='x', content_base64='eA=='),
    case('libcloud_bucket_object', 'object: unknown state', ['state', 'present, absent, downloaded', 'uploaded'], cloud='s3',
         bucket=BUCKET, name='x', state='uploaded'),
    case('libcloud_bucket_object', 'object: metadata a plain string', ['metadata', NOT_DICT], cloud='s3', bucket=BUCKET,
         name='x', content='x', metadata='owner'),
    case('libcloud_bucket_object', 'object: missing bucket', ['missing required arguments: bucket'], cloud='s3', name='x', content='x'),
    case('libcloud_bucket_object', 'object: delete_extra not a boolean', ['delete_extra', NOT_BOOL], cloud='s3', bucket=BUCKET,
         src=WORKDIR, delete_extra='sometimes'),
    case('libcloud_bucket_object', 'object: unknown overwrite newer', ['overwrite', 'different, always, never', 'newer'],
         cloud='s3', bucket=BUCKET, name='x', content='x', overwrite='newer'),
    case('libcloud_bucket_object', 'object: src a device', ['src /dev/null is neither a file nor a folder'], cloud='s3',
         bucket=BUCKET, name='x', src='/dev/null'),
    case('libcloud_bucket_object', 'object: mode with a digit 9', ['mode must be octal', "'0999'"], cloud=LOCAL,
         bucket='bucket', name='a.txt', state='downloaded', dest=WORKDIR + '/out.txt', mode='0999'),
    case('libcloud_bucket_object', 'object: name of 1025 bytes', ['invalid object name', 'longer than 1024 bytes'], cloud='s3',
         bucket=BUCKET, name='n' * 1025, content='x'),
    case('libcloud_bucket_object', 'object: name with a newline', ['invalid object name', 'NUL or newline'], cloud='s3',
         bucket=BUCKET, name='a\nb', content='x'),
    case('libcloud_bucket_object', 'object: local name with an empty segment', ['invalid object name', 'empty or "." path segments'],
         cloud=LOCAL, bucket='bucket', name='a//b', content='x'),
    case('libcloud_bucket_object', 'object: metadata key with a space', ["invalid metadata key 'bad key'"], cloud='s3',
         bucket=BUCKET, name='x', content='x', metadata={'bad key': 'v'}),
    case('libcloud_bucket_object', 'object: metadata value not ASCII', ['invalid value of metadata key', 'owner'], cloud='s3',
         bucket=BUCKET, name='x', content='x', metadata={'owner': 'Zoë'}),
    case('libcloud_bucket_object', 'object: content without name', ['name is required with src (a file), content or content_base64'],
         cloud='s3', bucket=BUCKET, content='x'),
    case('libcloud_bucket_object', 'object: prefix with content', ['prefix and delete_extra are only used'], cloud='s3',
         bucket=BUCKET, prefix='p/', content='x'),
    case('libcloud_bucket_object', 'object: download from a missing bucket', ["bucket 'no-such-corpus-bucket' does not exist"],
         cloud='s3', bucket='no-such-corpus-bucket', name='a.txt', state='downloaded', dest=WORKDIR + '/out.txt'),
    case('libcloud_bucket_object', 'object: download of a missing object', ["object 'nope.txt' does not exist in bucket"],
         cloud='s3', bucket=BUCKET, name='nope.txt', state='downloaded', dest=WORKDIR + '/out.txt'),
    case('libcloud_bucket_object', 'object: download with an invalid bucket name', ["invalid bucket name 'UPPER'"],
         cloud='s3', bucket='UPPER', name='a.txt', state='downloaded', dest=WORKDIR + '/out.txt'),
    case('libcloud_bucket_object', 'object: timeout not a number', ['timeout', NOT_INT], cloud='s3', bucket=BUCKET, name='x',
         content='x', timeout='abc'),
    case('libcloud_bucket_object', 'object: LIBCLOUD_RETRIES 0', ['retries', 'from 1 to 100', "'0'"], cloud='s3', bucket=BUCKET,
         name='x', content='x', keywords=env(LIBCLOUD_RETRIES='0')),
    case('libcloud_bucket_object', 'object: inline cloud with timeout 99999', ['cloud entry field timeout', "'99999'"],
         cloud={'storage_provider': 'local', 'key': '/tmp', 'timeout': 99999}, bucket='bucket', name='x', content='x'),
    # --- libcloud_bucket_object_info ---------------------------------------------------------------------------
    case('libcloud_bucket_object_info', 'object_info: missing bucket', ['missing required arguments: bucket'], cloud='s3'),
    case('libcloud_bucket_object_info', 'object_info: name and prefix', ['mutually exclusive', 'name|prefix'], cloud='s3',
         bucket=BUCKET, name='a.txt', prefix='a'),
    case('libcloud_bucket_object_info', 'object_info: details not a boolean', ['details', NOT_BOOL], cloud='s3', bucket=BUCKET,
         details='perhaps'),
    case('libcloud_bucket_object_info', 'object_info: a missing bucket', ["bucket 'no-such-corpus-bucket' does not exist"],
         cloud='s3', bucket='no-such-corpus-bucket'),
    case('libcloud_bucket_object_info', 'object_info: unknown option', ['Unsupported parameters', 'recursive'], cloud='s3',
         bucket=BUCKET, recursive=True),
    case('libcloud_bucket_object_info', 'object_info: inline cloud with a non-numeric port', ['cloud entry field port', 'notaport'],
         cloud={'storage_provider': 's3', 'key': 'corpus-key', 'port': 'notaport'}, bucket=BUCKET),
    case('libcloud_bucket_object_info', 'object_info: cloud a list', ['cloud must be the name of an entry', 'got list'],
         cloud=['s3'], bucket=BUCKET),
    case('libcloud_bucket_object_info', 'object_info: invalid bucket name', ["invalid bucket name 'Bad..Name'"], cloud='s3',
         bucket='Bad..Name'),
    case('libcloud_bucket_object_info', 'object_info: empty object name', ["invalid object name ''", 'must not be empty'],
         cloud='s3', bucket=BUCKET, name=''),
    case('libcloud_bucket_object_info', 'object_info: LIBCLOUD_PORT 99999', ['port', 'from 1 to 65535', "'99999'"],
         cloud=S3_NO + 'port', bucket=BUCKET, keywords=env(LIBCLOUD_PORT='99999')),
    case('libcloud_bucket_object_info', 'object_info: vaulted entry that is not a dict', ["libcloud_clouds['not-a-dict']"],
         cloud='not-a-dict', bucket=BUCKET),
]


def resolve(value, places):
    """``value`` with the placeholders of the case table replaced by what the fixture built."""
    if isinstance(value, dict):
        return dict((key, resolve(item, places)) for key, item in value.items())
    if isinstance(value, list):
        return [resolve(item, places) for item in value]
    if isinstance(value, str):
        for prefix, entry in ((EC2_NO, places['ec2']), (S3_NO, places['s3'])):
            if value.startswith(prefix):
                return entry_without(entry, value[len(prefix):])
        if value in (EC2, S3, LOCAL):
            return places[value[1:]]
        if value.startswith(WORKDIR):
            return str(places['workdir']) + value[len(WORKDIR):]
    return value


@pytest.fixture(scope='module')
def corpus_run(local_cloud, tmp_path_factory):
    workdir = tmp_path_factory.mktemp('corpus')
    store = seed_object_stores(local_cloud, workdir, BUCKET)
    s3 = local_cloud.boto3_client('s3')
    buckets_before = sorted(bucket['Name'] for bucket in s3.list_buckets()['Buckets'])
    places = {'ec2': local_cloud.ec2_cloud_entry(REGION), 's3': local_cloud.s3_cloud_entry(),
              'local': {'storage_provider': 'local', 'key': str(store)}, 'workdir': workdir}
    ec2, s3_entry = places['ec2'], places['s3']
    vars_file, password_file = write_vault(workdir, {'libcloud_clouds': {
        'ec2': ec2, 's3': s3_entry,
        'vault-port': dict(ec2, port='notaport'),
        'vault-retries': dict(ec2, retries=0),
        'vault-unknown-field': dict(ec2, zone='a'),
        'vault-provider': dict(ec2, provider='ec22'),
        'vault-secure': dict(s3_entry, secure='perhaps'),
        'vault-timeout': dict(s3_entry, timeout='forever'),
        'vault-options-timeout': dict(s3_entry, options={'timeout': 'abc'}),
        'not-a-dict': 'ec2',
    }}, VAULT_PASSWORD)
    tasks = []
    for item in CASES:
        task = {'name': item.title, 'cloudmesh.libcloud.' + item.module: resolve(item.args, places), 'ignore_errors': True}
        task.update(resolve(item.keywords, places))
        tasks.append(task)
    play = [{'hosts': 'localhost', 'gather_facts': False, 'vars_files': [str(vars_file)], 'tasks': tasks}]
    started = time.monotonic()
    run = run_playbook(yaml.safe_dump(play, sort_keys=False), workdir, verbosity=3, vault_password_file=password_file,
                       env={'ANSIBLE_PIPELINING': '1'})
    seconds = time.monotonic() - started
    # At -vvv ansible prints its own lines (some with braces) before the json callback's document.
    run.report = json.loads(run.stdout[run.stdout.index('\n{\n') + 1:])
    assert run.rc == 0, run.output[-3000:]   # every failure ignored
    instances = local_cloud.boto3_client('ec2', REGION).describe_instances()['Reservations']
    buckets_after = sorted(bucket['Name'] for bucket in s3.list_buckets()['Buckets'])
    return run, {'workdir': workdir, 'store': store, 'instances': instances, 'seconds': seconds,
                 'buckets': (buckets_before, buckets_after)}


def check_module_failure(run, title, words, exact=None):
    """The shared assertions of a module case; returns the message."""
    result = run.result(title)
    assert result.get('failed') is True, result
    message = result.get('msg')
    assert isinstance(message, str) and message, result
    assert '\n' not in message, message
    # An uncaught exception shows as "Task failed: ..." (action plugin) or "Module failed: ..." (module).
    assert not message.startswith(('Task failed', 'Module failed')), message
    assert 'Traceback' not in message, message
    for word in words:
        assert word in message, (word, message)
    if exact is not None:
        assert message == exact
    # ansible-core 2.19 marks every failure with an `exception` key; ours must carry no traceback.
    assert result.get('exception', '(traceback unavailable)') == '(traceback unavailable)', result.get('exception')
    assert 'module_stderr' not in result and 'module_stdout' not in result, result
    assert result.get('changed') in (False, None)
    assert run.task_seconds(title) < BOUND
    return message


def case_params(cases):
    return [pytest.param(item, id=item.title, marks=[pytest.mark.xfail(strict=True, reason=item.bug)] if item.bug else [])
            for item in cases]


@pytest.mark.parametrize('item', case_params(CASES))
def test_module_bad_input_fails_with_one_clear_line(corpus_run, item):
    run, _facts = corpus_run
    check_module_failure(run, item.title, item.words, item.exact)


def test_corpus_size_and_spread():
    assert len(CASES) >= 60
    assert len(set(item.title for item in CASES)) == len(CASES)
    modules = set(item.module for item in CASES)
    assert modules == {'libcloud_node', 'libcloud_node_info', 'libcloud_cloud_info', 'libcloud_bucket',
                       'libcloud_bucket_object', 'libcloud_bucket_object_info'}
    assert len(INVENTORY_CASES) + len(INVENTORY_ENV_CASES) >= 30


def test_corpus_changed_nothing_and_leaked_nothing(corpus_run):
    run, facts = corpus_run
    assert 'Traceback' not in run.output
    assert TEST_SECRET not in run.output and TEST_KEY not in run.output
    assert facts['instances'] == []
    before, after = facts['buckets']
    assert before == after
    stored = sorted(path.relative_to(facts['store']).as_posix() for path in facts['store'].rglob('*'))
    assert stored == ['bucket', 'bucket/a.txt']
    assert not (facts['workdir'] / 'out.txt').exists()
    assert facts['seconds'] < BOUND * len(CASES)


# ==============================================================================================================
# The inventory plugin
# ==============================================================================================================

PLUGIN = 'cloudmesh.libcloud.libcloud'
GOOD = {'name': 'a', 'provider': 'ec2', 'key': 'corpus-key', 'secret': 'corpus-secret', 'region': 'us-east-1',
        'host': '127.0.0.1', 'port': 1, 'secure': False}


# ansible-core's option check quotes a bad value whole (clouds given as a dict, secret included); the plugin hides
# it. That case carries a secret of its own, checked for in the whole output like the others.
ECHOED_SECRET = 'echoed-by-core-0451'


def entry(**fields):
    return dict(GOOD, **fields)


def config(**options):
    return dict({'plugin': PLUGIN}, **options)


@dataclass
class InventoryCase:
    title: str
    config: object                    # a dict (dumped as YAML) or the file's text
    words: tuple
    files: dict = field(default_factory=dict)   # more files next to the config: name -> text, or None for a folder
    warning: bool = False             # the source parses; the problem is a warning naming the cloud
    bug: str | None = None


def inv(title, cfg, words, files=None, warning=False, bug=None):
    return InventoryCase(title, cfg, tuple(words), files or {}, warning, bug)


CLOUDS_FILE = {'clouds.yml': yaml.safe_dump({'libcloud_clouds': {'known': entry_without(GOOD, 'name')}})}

INVENTORY_CASES = [
    # clouds: wrong types, unknown fields, names
    inv('clouds a string', config(clouds='aws'), ['clouds item 1 must be a dict', 'got str']),
    inv('clouds a dict', config(clouds=entry(secret=ECHOED_SECRET)), ['clouds', 'list']),
    inv('clouds item a number', config(clouds=[entry(), 5]), ['clouds item 2 must be a dict', 'got int']),
    inv('clouds item with an unknown field', config(clouds=[entry(zone='a')]), ['clouds item 1', 'unknown field(s) zone', 'allowed:']),
    inv('clouds item with a misspelt secret', config(clouds=[entry(secrets='x')]), ['clouds item 1', 'unknown field(s) secrets']),
    inv('clouds item without a name', config(clouds=[entry_without(GOOD, 'name')]), ['clouds item 1 needs a name']),
    inv('clouds name used twice', config(clouds=[entry(), entry()]), ["the name 'a' is used twice"]),
    inv('entry with a non-numeric port', config(clouds=[entry(port='notaport')]),
        ["clouds entry 'a'", 'cloud entry field port', 'from 1 to 65535', "'notaport'"]),
    inv('entry with retries 0', config(clouds=[entry(retries=0)]), ["clouds entry 'a'", 'cloud entry field retries', "'0'"]),
    inv('entry with retries not a number', config(clouds=[entry(retries='many')]), ["clouds entry 'a'", 'retries', "'many'"]),
    inv('entry with timeout 3601', config(clouds=[entry(timeout=3601)]), ["clouds entry 'a'", 'timeout', 'from 1 to 3600']),
    inv('entry with secure perhaps', config(clouds=[entry(secure='perhaps')]), ["clouds entry 'a'", 'secure', 'boolean']),
    inv('entry with options not JSON', config(clouds=[entry(options='not json')]), ["clouds entry 'a'", 'options', 'JSON object']),
    inv('regions a string', config(clouds=[entry(regions='us-east-1')]), ["clouds entry 'a'", 'regions must be a list']),
    inv('regions a list of numbers', config(clouds=[entry(regions=[1, 2])]), ["clouds entry 'a'", 'regions must be a list']),
    inv('regions with an empty name', config(clouds=[entry(regions=['us-east-1', ''])]), ["clouds entry 'a'", 'regions']),
    # clouds_file: missing, unreadable, wrong content. "Unreadable" cannot be a chmod 000 file: these tests run as
    # root, and root reads it anyway. A folder, bytes that are not YAML and a vault-encrypted file read without a
    # vault password are what an unreadable clouds_file looks like to the plugin instead.
    inv('cloud reference without a clouds_file', config(clouds=[{'cloud': 'known'}]), ["cloud 'known'", 'no clouds_file is set']),
    inv('cloud reference unknown in the clouds_file', config(clouds_file='clouds.yml', clouds=[{'cloud': 'nope'}]),
        ["unknown cloud 'nope'", 'clouds_file', 'known'], files=CLOUDS_FILE),
    inv('clouds_file missing', config(clouds_file='missing.yml'), ['clouds_file', 'missing.yml', 'could not be read']),
    inv('clouds_file a folder', config(clouds_file='a-folder'), ['clouds_file', 'a-folder', 'could not be read'],
        files={'a-folder': None}),
    inv('clouds_file not YAML', config(clouds_file='garbage.yml'), ['clouds_file', 'garbage.yml', 'could not be read'],
        files={'garbage.yml': 'libcloud_clouds: {a: [unclosed\n  ::: }}} @@@\n'}),
    inv('clouds_file binary garbage', config(clouds_file='binary.yml'), ['clouds_file', 'binary.yml'],
        files={'binary.yml': '\x00\x01\x02\xff\xfe garbage\x00'}),
    inv('clouds_file vault-encrypted, no password given', config(clouds_file='clouds.vault.yml'),
        ['clouds_file', 'clouds.vault.yml', 'could not be read', 'vault'], files={'clouds.vault.yml': '@vault'}),
    inv('clouds_file a YAML list', config(clouds_file='list.yml'), ['clouds_file', 'must hold a dict libcloud_clouds'],
        files={'list.yml': '- a\n- b\n'}),
    inv('clouds_file libcloud_clouds a list', config(clouds_file='list2.yml'), ['clouds_file', 'must hold a dict libcloud_clouds'],
        files={'list2.yml': 'libcloud_clouds: [a, b]\n'}),
    inv('clouds_file entry not a dict', config(clouds_file='notdict.yml', clouds=[{'cloud': 'a'}]),
        ["clouds_file['a'] must be a dict"], files={'notdict.yml': 'libcloud_clouds: {a: just-a-string}\n'}),
    inv('clouds_file entry with a non-numeric port', config(clouds_file='badport.yml', clouds=[{'cloud': 'a'}]),
        ["clouds entry 'a'", 'port', "'notaport'"],
        files={'badport.yml': yaml.safe_dump({'libcloud_clouds': {'a': dict(entry_without(GOOD, 'name'), port='notaport')}})}),
    inv('no clouds at all', config(), ['no clouds to list', 'clouds_file']),
    # filters, hostnames, fail_on_errors
    inv('filters with an unknown key', config(clouds=[entry()], filters={'colour': 'red'}),
        ['filters', 'unknown key(s) colour', 'allowed: state, name, tags']),
    inv('filters.state a dict', config(clouds=[entry()], filters={'state': {'running': True}}), ['filters.state must be a list']),
    inv('filters.state a number', config(clouds=[entry()], filters={'state': 5}), ['filters.state must be a list']),
    inv('filters.state with a misspelt state', config(clouds=[entry()], filters={'state': ['runing']}),
        ['filters.state', 'runing', 'running']),
    inv('filters.tags a list', config(clouds=[entry()], filters={'tags': ['env']}), ['filters.tags must be a dict']),
    inv('filters a list', config(clouds=[entry()], filters=['state']), ['filters']),
    inv('hostnames with an unknown value', config(clouds=[entry()], hostnames=['name', 'fqdn']),
        ['hostnames', 'fqdn', 'allowed: name, public_ip, private_ip, id']),
    inv('hostnames a dict', config(clouds=[entry()], hostnames={'name': 1}), ['hostnames']),
    inv('hostnames a number', config(clouds=[entry()], hostnames=5), ['hostnames']),
    inv('fail_on_errors not a boolean', config(clouds=[entry()], fail_on_errors='perhaps'), ['fail_on_errors']),
    inv('plugin name misspelt', {'plugin': 'cloudmesh.libcloud.libcloudx', 'clouds': [entry()]}, ['cloudmesh.libcloud.libcloudx']),
    # problems found while fetching: a warning naming the cloud, or a failed source with fail_on_errors
    inv('unknown provider with fail_on_errors', config(clouds=[entry(provider='nosuchcloud')], fail_on_errors=True),
        ["cloud a (region us-east-1) failed", "unknown provider 'nosuchcloud'"]),
    inv('storage-only entry with fail_on_errors', config(clouds=[entry_without(GOOD, 'provider')], fail_on_errors=True),
        ['cloud a (region us-east-1) failed', 'no provider given']),
    inv('options.timeout not a number with fail_on_errors',
        config(clouds=[entry(options={'timeout': 'abc'})], fail_on_errors=True),
        ['cloud a (region us-east-1) failed', 'options.timeout', "'abc'"]),
    inv('unknown provider, warning only', config(clouds=[entry(name='warned', provider='nosuchcloud')]),
        ['cloud warned (region us-east-1) was not listed', "unknown provider 'nosuchcloud'"], warning=True),
]

# An environment variable applies to every source of a run: these two share one run with their own variables.
INVENTORY_ENV = {'LIBCLOUD_PORT': 'notaport', 'LIBCLOUD_RETRIES': '0'}
INVENTORY_ENV_CASES = [
    inv('LIBCLOUD_PORT not a number', config(clouds=[entry_without(GOOD, 'port')]),
        ["clouds entry 'a'", 'environment variable LIBCLOUD_PORT', 'port', "'notaport'"]),
    inv('LIBCLOUD_RETRIES 0', config(clouds=[entry()]), ["clouds entry 'a'", 'environment variable LIBCLOUD_RETRIES', "'0'"]),
]

_AUTO_ORIGIN = re.compile(r"\nOrigin: <inventory plugin 'auto' with source '([^']+)'>")
_WARNING = re.compile(r'\[WARNING\]: (.*)')


def slug(title):
    return re.sub(r'[^a-z0-9]+', '-', title.lower()).strip('-')


def write_inventory_case(folder, item, vault_text):
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in item.files.items():
        if text is None:
            (folder / name).mkdir()
        elif text == '@vault':
            (folder / name).write_text(vault_text)
        else:
            (folder / name).write_text(text)
    path = folder / ('%s.libcloud.yml' % slug(item.title))
    path.write_text(item.config if isinstance(item.config, str) else yaml.safe_dump(item.config, sort_keys=False))
    return path


def inventory_run(workdir, cases, vault_text, env=None, flags=('-vvv',)):
    """One ``ansible-inventory --list`` over every case's config (each in a folder of its own)."""
    paths = {}
    command = ['ansible-inventory']
    for item in cases:
        paths[item.title] = write_inventory_case(workdir / slug(item.title), item, vault_text)
        command += ['-i', paths[item.title]]
    started = time.monotonic()
    proc = run_ansible(command + ['--list'] + list(flags), workdir, env=env, timeout=300)
    return proc, paths, time.monotonic() - started


def auto_failures(stderr):
    """{source path: the message of the auto plugin's failure} from ansible-inventory's warnings.

    ansible-core 2.19 shows each failure as a block: ``[WARNING]: Failed to parse inventory with 'auto' plugin: MSG``,
    then ``<<< caused by >>>``, the message again (all its lines), and ``Origin: <inventory plugin 'auto' with source
    'PATH'>``. The message is what stands between the last ``caused by`` and the ``Origin`` line.
    """
    failures = {}
    for block in ('\n' + stderr).split('\n[WARNING]: ')[1:]:
        if not block.startswith("Failed to parse inventory with 'auto' plugin: "):
            continue
        origin = _AUTO_ORIGIN.search(block)
        if origin is None:
            continue
        failures[origin.group(1)] = block[:origin.start()].rpartition('<<< caused by >>>\n\n')[2]
    return failures


@pytest.fixture(scope='module')
def vault_text(tmp_path_factory):
    """A vault-encrypted clouds file's text; the inventory runs get no vault password."""
    workdir = tmp_path_factory.mktemp('inventory-vault')
    vars_file, _password = write_vault(workdir, {'libcloud_clouds': {'known': entry_without(GOOD, 'name')}}, VAULT_PASSWORD)
    return vars_file.read_text()


@pytest.fixture(scope='module')
def inventory_corpus(tmp_path_factory, vault_text):
    workdir = tmp_path_factory.mktemp('inventory-corpus')
    main = inventory_run(workdir / 'main', INVENTORY_CASES, vault_text)
    with_env = inventory_run(workdir / 'env', INVENTORY_ENV_CASES, vault_text, env=INVENTORY_ENV)
    return {'main': main, 'env': with_env}


def check_inventory_case(proc, path, item):
    output = proc.stdout + proc.stderr
    assert 'Traceback' not in output
    if item.warning:
        warnings = [line for line in _WARNING.findall(proc.stderr) if PLUGIN in line and item.words[0] in line]
        assert len(warnings) == 1, proc.stderr[-3000:]
        message = warnings[0]
    else:
        failures = auto_failures(proc.stderr)
        assert str(path) in failures, proc.stderr[-4000:]
        message = failures[str(path)]
        assert 'Unable to parse %s as an inventory source' % path in proc.stderr
    assert '\n' not in message, message
    for word in item.words:
        assert word in message, (word, message)
    for secret in (TEST_SECRET, GOOD['secret'], ECHOED_SECRET):
        assert secret not in message
    return message


@pytest.mark.parametrize('item', case_params(INVENTORY_CASES))
def test_inventory_bad_config_fails_with_one_clear_line(inventory_corpus, item):
    proc, paths, _seconds = inventory_corpus['main']
    check_inventory_case(proc, paths[item.title], item)


@pytest.mark.parametrize('item', case_params(INVENTORY_ENV_CASES))
def test_inventory_bad_environment_fails_with_one_clear_line(inventory_corpus, item):
    proc, paths, _seconds = inventory_corpus['env']
    check_inventory_case(proc, paths[item.title], item)


def test_inventory_corpus_runs_in_bounded_time_and_leaks_nothing(inventory_corpus):
    for name, cases in (('main', INVENTORY_CASES), ('env', INVENTORY_ENV_CASES)):
        proc, _paths, seconds = inventory_corpus[name]
        assert proc.returncode == 0, proc.stderr[-3000:]   # unparsed sources are warnings by default
        assert seconds < BOUND * len(cases)
        output = proc.stdout + proc.stderr
        assert 'Traceback' not in output
        assert GOOD['secret'] not in output and TEST_SECRET not in output


@pytest.mark.parametrize('title, env', [
    ('entry with a non-numeric port', {}),
    ('clouds_file vault-encrypted, no password given', {}),
    ('unknown provider with fail_on_errors', {}),
    ('LIBCLOUD_PORT not a number', INVENTORY_ENV),
])
def test_inventory_unparsed_failed_stops_the_run(tmp_path, vault_text, title, env):
    """With ANSIBLE_INVENTORY_UNPARSED_FAILED, a bad source fails ansible-inventory itself, in bounded time."""
    (item,) = [item for item in INVENTORY_CASES + INVENTORY_ENV_CASES if item.title == title]
    proc, paths, seconds = inventory_run(tmp_path, [item], vault_text, env=dict(env, ANSIBLE_INVENTORY_UNPARSED_FAILED='1'), flags=())
    assert proc.returncode != 0
    assert seconds < BOUND
    check_inventory_case(proc, paths[title], item)


def test_inventory_config_without_plugin_key(tmp_path):
    """A ``*.libcloud.yml`` without ``plugin``: with the default plugins the ``yaml`` plugin reads it as a YAML inventory
    (a warning, no host); with only this plugin enabled it fails naming the missing key."""
    path = tmp_path / 'noplugin.libcloud.yml'
    path.write_text(yaml.safe_dump({'clouds': [GOOD]}))
    proc = run_ansible(['ansible-inventory', '-i', path, '--list'], tmp_path, env={'ANSIBLE_INVENTORY_UNPARSED_FAILED': '1'})
    assert 'Traceback' not in proc.stdout + proc.stderr
    assert "Skipping 'clouds' as this is not a valid group definition" in proc.stderr
    proc = run_ansible(['ansible-inventory', '-i', path, '--list'], tmp_path,
                       env={'ANSIBLE_INVENTORY_UNPARSED_FAILED': '1', 'ANSIBLE_INVENTORY_ENABLED': PLUGIN})
    assert proc.returncode != 0
    assert 'Traceback' not in proc.stdout + proc.stderr
    assert 'Incorrect plugin name in file: none found' in proc.stderr, proc.stderr[-3000:]
