# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The key and the secret appear nowhere a user could see them (issue #10).

Every module and the inventory plugin run for real at ``-vvvv`` with the default (human) callback, carrying a
distinctive key and secret from a vaulted ``libcloud_clouds`` entry, from an inline cloud dict and from the
``LIBCLOUD_KEY`` / ``LIBCLOUD_SECRET`` environment variables: successful tasks, failing tasks, ``--diff`` and
``--check --diff`` runs, and runs where the fault-injection proxy makes the retry layer work (and give up). Each run's
stdout, stderr, Ansible's log file (``ANSIBLE_LOG_PATH``), its retry file, the inventory cache files and every other
file the run wrote under its work folder are searched for the key, the secret and the marks of signed requests
(``Signature=``, ``X-Amz-Signature``, ``X-Amz-Credential``, ``AWSAccessKeyId``, ``Authorization``).

Each playbook checks its own outcomes with a final ``assert`` task (the default callback gives no JSON to read), so
a run that passes really had its failures fail and its changes change.
"""

from __future__ import annotations

import collections
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from tests.harness.ansible_run import run_ansible, run_playbook, write_config, write_vault
from tests.harness.fault_proxy import FaultProxy
from tests.harness.local_cloud import ec2_cloud_entry, s3_cloud_entry

# Distinctive: neither can hide inside other text, and neither is the harness's default pair.
KEY = 'AKIDLEAKPROBEQ7Z3X9'
SECRET = 'leak-probe-SECRET-r2Wv9Kp4Zq8Tn'
# Signed requests carry these in their headers or query strings; none may reach the output.
SIGNATURE_MARKS = ('Signature=', 'X-Amz-Signature', 'X-Amz-Credential', 'AWSAccessKeyId', 'Authorization')
PATTERNS = (KEY, SECRET) + SIGNATURE_MARKS
REGION = 'ap-south-1'
FIXED_BUCKET = 'leak-fixed-bucket'
FIXED_OBJECT = 'fixed.txt'
FIXED_NODE = 'leak-fixed-node'
VAULT_PASSWORD = 'leak-test-vault-password'
PLUGIN = 'cloudmesh.libcloud.libcloud'


@dataclass
class Ledger:
    runs: list = field(default_factory=list)
    places: int = 0
    leaks: list = field(default_factory=list)
    faults: collections.Counter = field(default_factory=collections.Counter)   # injected by the fault proxies


LEDGER = Ledger()


def find_leaks(label, text, ledger=None):
    """Every pattern found in ``text``, with some context, as (label, pattern, excerpt)."""
    ledger = ledger or LEDGER
    ledger.places += 1
    found = []
    for pattern in PATTERNS:
        for match in re.finditer(re.escape(pattern), text):
            found.append((label, pattern, text[max(0, match.start() - 150):match.end() + 150]))
    ledger.leaks.extend(found)
    return found


def snapshot(root):
    return dict((path, (path.stat().st_size, path.stat().st_mtime_ns)) for path in Path(root).rglob('*') if path.is_file())


def written_files(root, before):
    """Files under ``root`` that are new or changed since ``before`` (a :func:`snapshot`)."""
    return sorted(path for path, stamp in snapshot(root).items() if before.get(path) != stamp)


def check_run(label, workdir, before, stdout, stderr, expect_files=(), ledger=None):
    """Search everything a run showed or wrote; return the leaks and the files searched."""
    ledger = ledger or LEDGER
    ledger.runs.append(label)
    leaks = find_leaks('%s: stdout' % label, stdout, ledger) + find_leaks('%s: stderr' % label, stderr, ledger)
    files = written_files(workdir, before)
    for path in files:
        leaks += find_leaks('%s: %s' % (label, path.relative_to(workdir)), path.read_bytes().decode('utf-8', 'replace'), ledger)
    names = [path.name for path in files]
    for expected in expect_files:
        assert any(re.fullmatch(expected, name) for name in names), (expected, names)
    return leaks, files


def quiet_env(workdir, extra=None):
    """Ansible's own files inside the work folder, so that they are searched too."""
    env = {
        'ANSIBLE_LOG_PATH': str(workdir / 'ansible.log'),
        'ANSIBLE_LOCAL_TEMP': str(workdir / 'ansible-local-tmp'),
        'ANSIBLE_REMOTE_TEMP': str(workdir / 'ansible-remote-tmp'),
        'ANSIBLE_RETRY_FILES_ENABLED': '1',
        'ANSIBLE_RETRY_FILES_SAVE_PATH': str(workdir),
    }
    env.update(extra or {})
    return env


def write_vault_file(workdir, data, name='clouds.vault.yml'):
    path, password_file = write_vault(workdir, data, VAULT_PASSWORD, name)
    assert SECRET not in path.read_text()
    return path, password_file


def vault_string(workdir, value):
    password_file = workdir / 'vault-password.txt'
    password_file.write_text(VAULT_PASSWORD + '\n')
    proc = run_ansible(['ansible-vault', 'encrypt_string', '--vault-password-file', password_file, value], workdir)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip(), password_file


@pytest.fixture(scope='module')
def cloud(local_cloud):
    """The local cloud with a bucket holding an object and a running node, made with boto3 (any key works on it)."""
    s3 = local_cloud.boto3_client('s3')
    s3.create_bucket(Bucket=FIXED_BUCKET)
    s3.put_object(Bucket=FIXED_BUCKET, Key=FIXED_OBJECT, Body=b'fixed content\n')
    ec2 = local_cloud.boto3_client('ec2', REGION)
    image = ec2.describe_images(Owners=['amazon'])['Images'][0]['ImageId']
    ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType='t3.micro',
                      TagSpecifications=[{'ResourceType': 'instance', 'Tags': [{'Key': 'Name', 'Value': FIXED_NODE}]}])
    return local_cloud, image


def entries(port, **more):
    """Cloud entries for EC2 and S3 on ``port`` (the local cloud, or a proxy in front of it) with the probe's key."""
    compute = dict(ec2_cloud_entry(port, region=REGION, key=KEY, secret=SECRET), **more)
    storage = dict(s3_cloud_entry(port, key=KEY, secret=SECRET), **more)
    return compute, storage


# --- the playbooks ------------------------------------------------------------------------------------------

def module_tasks(tag, compute, storage, workdir, image, failing=None):
    """Tasks of all six modules: one that succeeds and one that fails for each, then an assert on their outcomes.

    ``compute`` and ``storage`` are the connection arguments of the compute and storage modules. The failing tasks
    use ``failing`` (compute, storage) when given (a cloud that always throttles), else bad input or a missing
    resource on the same cloud.
    """
    tasks, succeeded, failed = [], [], []
    bucket = 'leak-%s-bucket' % tag

    def add(title, module, args, connection, fails=False):
        var = 'r_%s_%d' % (re.sub(r'\W', '_', tag), len(tasks))
        task = {'name': '%s: %s' % (tag, title), 'cloudmesh.libcloud.' + module: dict(connection, **args), 'register': var}
        if fails:
            task['ignore_errors'] = True
            failed.append(var)
        else:
            succeeded.append(var)
        tasks.append(task)

    add('bucket', 'libcloud_bucket', {'name': bucket}, storage)
    add('object upload', 'libcloud_bucket_object', {'bucket': bucket, 'name': 'obj.txt', 'content': 'hello %s\n' % tag,
                                                    'create_bucket': True, 'metadata': {'run': tag}}, storage)
    add('object download', 'libcloud_bucket_object', {'bucket': FIXED_BUCKET, 'name': FIXED_OBJECT, 'state': 'downloaded',
                                                      'dest': str(workdir / ('out-%s.txt' % tag))}, storage)
    add('object info', 'libcloud_bucket_object_info', {'bucket': FIXED_BUCKET, 'details': True}, storage)
    add('node', 'libcloud_node', {'name': 'leak-%s-node' % tag, 'image': image, 'size': 't3.micro', 'tags': {'run': tag}}, compute)
    add('node info', 'libcloud_node_info', {'name': 'leak-*'}, compute)
    add('cloud info', 'libcloud_cloud_info', {'gather': ['sizes', 'locations'], 'size_filter': 't3.*'}, compute)
    if failing:
        bad_compute, bad_storage = failing
        add('failing bucket', 'libcloud_bucket', {'name': bucket}, bad_storage, fails=True)
        add('failing object', 'libcloud_bucket_object', {'bucket': FIXED_BUCKET, 'name': 'x.txt', 'content': 'x'}, bad_storage, fails=True)
        add('failing object info', 'libcloud_bucket_object_info', {'bucket': FIXED_BUCKET}, bad_storage, fails=True)
        add('failing node', 'libcloud_node', {'name': FIXED_NODE, 'state': 'stopped'}, bad_compute, fails=True)
        add('failing node info', 'libcloud_node_info', {}, bad_compute, fails=True)
        # (sizes come from the driver's own table: locations make a request)
        add('failing cloud info', 'libcloud_cloud_info', {'gather': ['locations']}, bad_compute, fails=True)
    else:
        add('failing bucket', 'libcloud_bucket', {'name': FIXED_BUCKET, 'state': 'absent'}, storage, fails=True)  # not empty
        add('failing object', 'libcloud_bucket_object', {'bucket': 'leak-missing-bucket', 'name': 'x.txt', 'content': 'x'},
            storage, fails=True)
        add('failing object info', 'libcloud_bucket_object_info', {'bucket': 'leak-missing-bucket'}, storage, fails=True)
        add('failing node', 'libcloud_node', {'name': 'leak-bad-image', 'image': 'ami-00000000', 'size': 't3.micro'},
            compute, fails=True)
        add('failing node info', 'libcloud_node_info', {'port': 1}, compute, fails=True)   # refused: retried, then fails
        add('failing cloud info', 'libcloud_cloud_info', {'region': 'mars-north-1'}, compute, fails=True)
    that = ['%s is succeeded' % var for var in succeeded] + ['%s is failed' % var for var in failed]
    # The tasks that create something report a change, in check mode too (a prediction).
    that += ['%s is changed' % var for var in (succeeded[0], succeeded[1], succeeded[2], succeeded[4])]
    if failing:
        that += ["%s.msg is search('gave up after 2 attempts')" % var for var in failed]
    tasks.append({'name': '%s: outcomes' % tag, 'ansible.builtin.assert': {'that': that, 'quiet': True}})
    return tasks


def named(cloud):
    return {'cloud': cloud}


def inline(port):
    """An inline cloud dict whose key and secret come from (vaulted) variables: the playbook's text holds neither."""
    compute, storage = entries(port)
    compute.update(key='{{ leak_key }}', secret='{{ leak_secret }}')
    storage.update(key='{{ leak_key }}', secret='{{ leak_secret }}')
    return {'cloud': compute}, {'cloud': storage}


def playbook(workdir, tasks, vars_files=(), name='playbook.yml', last=None):
    play = {'hosts': 'localhost', 'gather_facts': False, 'vars_files': [str(path) for path in vars_files], 'tasks': tasks}
    if last:
        play['tasks'] = tasks + [last]
    path = workdir / name
    path.write_text(yaml.safe_dump([play], sort_keys=False))
    return path


@pytest.fixture(scope='module')
def vaulted(cloud, tmp_path_factory):
    """A vault file with the named entries and the inline case's variables; its password file."""
    local_cloud, _image = cloud
    workdir = tmp_path_factory.mktemp('leak-vault')
    compute, storage = entries(local_cloud.port)
    path, password = write_vault_file(workdir, {'leak_key': KEY, 'leak_secret': SECRET,
                                                'libcloud_clouds': {'ec2': compute, 's3': storage}})
    return path, password


def run_modules(label, workdir, tasks, vaulted, env=None, check=False, diff=True, last=None):
    vars_file, password = vaulted
    path = playbook(workdir, tasks, [vars_file], last=last)
    before = snapshot(workdir)
    started = time.monotonic()
    run = run_playbook(path, workdir, env=quiet_env(workdir, env), check=check, diff=diff, verbosity=4, callback=None,
                       vault_password_file=password)
    seconds = time.monotonic() - started
    return run, before, seconds


def assert_modules_run(run, label, workdir, before, failures, expect_files=(), diff=True, rc=0):
    assert run.rc == rc, run.output[-4000:]
    # -vvvv and the default callback really were on: module arguments shown, every failure shown.
    assert 'invocation' in run.stdout and 'module_args' in run.stdout
    assert run.stdout.count('...ignoring') == failures
    assert 'Traceback' not in run.output
    if diff:
        assert '+++ after' in run.stdout or 'after:' in run.stdout
    leaks, files = check_run(label, workdir, before, run.stdout, run.stderr, ('ansible.log',) + tuple(expect_files))
    assert leaks == [], leaks[:5]
    return files


def test_the_search_finds_a_real_leak(cloud, vaulted, tmp_path):
    """The control: libcloud's own debug log (LIBCLOUD_DEBUG, FACTS.md) writes every header unredacted into a file
    under the work folder; the same search must find the key and the signed Authorization header there, and only
    there."""
    local_cloud, _image = cloud
    task = {'name': 'control', 'cloudmesh.libcloud.libcloud_bucket_object_info': {'cloud': 's3', 'bucket': FIXED_BUCKET}}
    debug_log = tmp_path / 'libcloud-debug.log'
    run, before, _seconds = run_modules('control', tmp_path, [task], vaulted, env={'LIBCLOUD_DEBUG': str(debug_log)}, diff=False)
    assert run.rc == 0, run.output[-3000:]
    control = Ledger()
    leaks, _files = check_run('control', tmp_path, before, run.stdout, run.stderr, ledger=control)
    assert debug_log.exists()
    assert set(label for label, _pattern, _excerpt in leaks) == {'control: libcloud-debug.log'}
    assert {KEY, 'Authorization', 'Signature='} <= set(pattern for _label, pattern, _excerpt in leaks)


# --- module runs --------------------------------------------------------------------------------------------

def test_vaulted_entries_success_failure_and_diff(cloud, vaulted, tmp_path):
    local_cloud, image = cloud
    tasks = module_tasks('vaulted', named('ec2'), named('s3'), tmp_path, image)
    # A last task failing for real leaves a retry file behind: it is searched too.
    last = {'name': 'vaulted: a real failure', 'cloudmesh.libcloud.libcloud_node_info': {'cloud': 'ec2', 'port': 1, 'retries': 1}}
    run, before, _seconds = run_modules('vaulted --diff', tmp_path, tasks, vaulted, last=last)
    files = assert_modules_run(run, 'vaulted --diff', tmp_path, before, failures=6, rc=2,
                               expect_files=(r'out-vaulted\.txt', r'.*\.retry'))
    assert (tmp_path / 'out-vaulted.txt').read_text() == 'fixed content\n'
    assert files


def test_vaulted_entries_check_diff(cloud, vaulted, tmp_path):
    _local_cloud, image = cloud
    tasks = module_tasks('checked', named('ec2'), named('s3'), tmp_path, image)
    run, before, _seconds = run_modules('vaulted --check --diff', tmp_path, tasks, vaulted, check=True)
    assert_modules_run(run, 'vaulted --check --diff', tmp_path, before, failures=6)
    assert not (tmp_path / 'out-checked.txt').exists()


def test_inline_cloud_dict(cloud, vaulted, tmp_path):
    local_cloud, image = cloud
    compute, storage = inline(local_cloud.port)
    tasks = module_tasks('inline', compute, storage, tmp_path, image)
    run, before, _seconds = run_modules('inline --diff', tmp_path, tasks, vaulted)
    assert_modules_run(run, 'inline --diff', tmp_path, before, failures=6, expect_files=(r'out-inline\.txt',))


def test_environment_variables(cloud, vaulted, tmp_path):
    local_cloud, image = cloud
    env = {'LIBCLOUD_PROVIDER': 'ec2', 'LIBCLOUD_STORAGE_PROVIDER': 's3', 'LIBCLOUD_KEY': KEY, 'LIBCLOUD_SECRET': SECRET,
           'LIBCLOUD_HOST': local_cloud.host, 'LIBCLOUD_PORT': local_cloud.port, 'LIBCLOUD_SECURE': 'false'}
    # EC2 takes a region; S3 takes its region from its own option: nothing secret in either.
    compute = {'region': REGION}
    storage = {'region': 'us-east-1'}
    tasks = module_tasks('env', compute, storage, tmp_path, image)
    run, before, _seconds = run_modules('environment --diff', tmp_path, tasks, vaulted, env=env)
    assert_modules_run(run, 'environment --diff', tmp_path, before, failures=6, expect_files=(r'out-env\.txt',))


def test_retries_at_vvvv(cloud, vaulted, tmp_path):
    """Throttling, resets and 500s on a share of the requests (retried until they succeed), and a cloud that always
    throttles (retries: 2, every module gives up): nothing the retry path reports shows a credential or a signature."""
    local_cloud, image = cloud
    with FaultProxy(local_cloud.port) as flaky, FaultProxy(local_cloud.port) as throttling:
        flaky.set_rate(0.3, kinds=('throttle', 'reset', 'error500'), seed=1)
        throttling.always('throttle')
        compute, storage = entries(flaky.port, retries=8)
        bad_compute, bad_storage = entries(throttling.port, retries=2)
        tasks = module_tasks('retried', {'cloud': compute}, {'cloud': storage}, tmp_path, image,
                             failing=({'cloud': bad_compute}, {'cloud': bad_storage}))
        run, before, seconds = run_modules('retries --diff', tmp_path, tasks, vaulted)
    assert seconds < 120   # retries wait, but within their budget
    LEDGER.faults.update(flaky.injected + throttling.injected)
    assert sum(flaky.injected.values()) > 0, flaky.injected        # the retry path really ran ...
    assert throttling.injected['throttle'] >= 12, throttling.injected  # ... and gave up on every module (2 tries each)
    assert_modules_run(run, 'retries --diff', tmp_path, before, failures=6, expect_files=(r'out-retried\.txt',))


# --- inventory runs -----------------------------------------------------------------------------------------

def inventory_config(workdir, name, options, vaulted_values=None):
    """``name``.libcloud.yml of this plugin; a value equal to a key of ``vaulted_values`` becomes that ``!vault`` block."""
    return write_config(workdir, name, dict({'plugin': PLUGIN}, **options), vaulted_values)


def cache_options(folder):
    return {'cache': True, 'cache_plugin': 'ansible.builtin.jsonfile', 'cache_connection': str(folder), 'cache_timeout': 3600}


def run_inventory(label, workdir, sources, env=None, args=()):
    before = snapshot(workdir)
    command = ['ansible-inventory', '--list', '-vvvv'] + list(args)
    for source in sources:
        command += ['-i', source]
    proc = run_ansible(command, workdir, env=quiet_env(workdir, env))
    leaks, files = check_run(label, workdir, before, proc.stdout, proc.stderr)
    assert 'Traceback' not in proc.stdout + proc.stderr
    assert 'Loading collection cloudmesh.libcloud' in proc.stdout   # -vvvv really was on
    return proc, leaks, files


def cache_files(folder):
    return sorted(path for path in Path(folder).rglob('*') if path.is_file())


def test_inventory_vaulted_clouds_file_with_cache(cloud, tmp_path):
    local_cloud, _image = cloud
    compute, _storage = entries(local_cloud.port)
    _vault, password = write_vault_file(tmp_path, {'libcloud_clouds': {'ec2': compute, 'dead': dict(compute, port=1)}})
    cache = tmp_path / 'cache'
    listed = inventory_config(tmp_path, 'listed', dict({'clouds_file': 'clouds.vault.yml', 'clouds': [{'cloud': 'ec2'}]},
                                                       **cache_options(cache)))
    failing = inventory_config(tmp_path, 'failing', {'clouds_file': 'clouds.vault.yml', 'clouds': [{'cloud': 'dead'}],
                                                     'fail_on_errors': True})
    args = ('--vault-password-file', password)
    proc, leaks, files = run_inventory('inventory vaulted clouds_file (miss, failure)', tmp_path, [listed, failing], args=args)
    assert FIXED_NODE in proc.stdout
    assert 'cloud dead (region %s) failed' % REGION in ' '.join(proc.stderr.split())
    assert cache_files(cache) and set(cache_files(cache)) <= set(files)   # written by this run, so searched
    assert leaks == [], leaks[:5]
    # A hit: served from the cache file just searched.
    proc, leaks, _files = run_inventory('inventory vaulted clouds_file (cache hit)', tmp_path, [listed], args=args)
    assert 'served from the cache' in proc.stdout and FIXED_NODE in proc.stdout
    assert leaks == [], leaks[:5]
    # --flush-cache rewrites it.
    proc, leaks, files = run_inventory('inventory vaulted clouds_file (flush)', tmp_path, [listed], args=args + ('--flush-cache',))
    assert set(cache_files(cache)) <= set(files)
    assert leaks == [], leaks[:5]


def test_inventory_inline_vaulted_secret_and_dead_cloud(cloud, tmp_path):
    local_cloud, _image = cloud
    compute, _storage = entries(local_cloud.port)
    block, password = vault_string(tmp_path, SECRET)
    inline_entry = dict(compute, name='inline', key="{{ lookup('env', 'LEAK_PROBE_KEY') }}", secret='VAULTED_SECRET')
    dead_entry = dict(compute, name='dead', port=1, key="{{ lookup('env', 'LEAK_PROBE_KEY') }}", secret='VAULTED_SECRET')
    path = inventory_config(tmp_path, 'inline', dict({'clouds': [inline_entry, dead_entry]}, **cache_options(tmp_path / 'cache')),
                            {'VAULTED_SECRET': block})
    assert SECRET not in path.read_text() and KEY not in path.read_text()
    proc, leaks, _files = run_inventory('inventory inline !vault secret (success, dead cloud)', tmp_path, [path],
                                        env={'LEAK_PROBE_KEY': KEY}, args=('--vault-password-file', password))
    assert FIXED_NODE in proc.stdout
    assert 'cloud dead (region %s) was not listed' % REGION in ' '.join(proc.stderr.split())
    assert leaks == [], leaks[:5]


def test_inventory_environment_credentials(cloud, tmp_path):
    local_cloud, _image = cloud
    env = {'LIBCLOUD_PROVIDER': 'ec2', 'LIBCLOUD_KEY': KEY, 'LIBCLOUD_SECRET': SECRET, 'LIBCLOUD_HOST': local_cloud.host,
           'LIBCLOUD_PORT': local_cloud.port, 'LIBCLOUD_SECURE': 'false'}
    listed = inventory_config(tmp_path, 'env', dict({'clouds': [{'name': 'from-env', 'regions': [REGION]}]},
                                                    **cache_options(tmp_path / 'cache')))
    failing = inventory_config(tmp_path, 'env-failing', {'clouds': [{'name': 'env-dead', 'regions': [REGION], 'port': 1}],
                                                         'fail_on_errors': True})
    proc, leaks, _files = run_inventory('inventory LIBCLOUD_* environment (success, failure)', tmp_path, [listed, failing], env=env)
    assert FIXED_NODE in proc.stdout
    assert 'cloud env-dead (region %s) failed' % REGION in ' '.join(proc.stderr.split())
    assert cache_files(tmp_path / 'cache')
    assert leaks == [], leaks[:5]


def test_inventory_retries(cloud, tmp_path):
    local_cloud, _image = cloud
    with FaultProxy(local_cloud.port) as flaky, FaultProxy(local_cloud.port) as throttling:
        flaky.set_rate(0.5, kinds=('throttle', 'reset', 'error500'), seed=3)
        throttling.always('throttle')
        good, _storage = entries(flaky.port, retries=8)
        bad, _storage = entries(throttling.port, retries=2)
        _vault, password = write_vault_file(tmp_path, {'libcloud_clouds': {'flaky': good, 'throttled': bad}})
        listed = inventory_config(tmp_path, 'flaky', dict({'clouds_file': 'clouds.vault.yml', 'clouds': [{'cloud': 'flaky'}]},
                                                          **cache_options(tmp_path / 'cache')))
        failing = inventory_config(tmp_path, 'throttled', {'clouds_file': 'clouds.vault.yml', 'clouds': [{'cloud': 'throttled'}]})
        proc, leaks, _files = run_inventory('inventory retries (flaky, always throttled)', tmp_path, [listed, failing],
                                            args=('--vault-password-file', password))
    LEDGER.faults.update(flaky.injected + throttling.injected)
    assert sum(flaky.injected.values()) > 0, flaky.injected
    assert throttling.injected['throttle'] >= 2
    assert FIXED_NODE in proc.stdout
    warning = ' '.join(proc.stderr.split())
    assert 'cloud throttled (region %s) was not listed' % REGION in warning and 'gave up after 2 attempts' in warning
    assert cache_files(tmp_path / 'cache')
    assert leaks == [], leaks[:5]


def test_leak_figures():
    """The closing figures (run with -s to see them): every run above was searched and nothing was found."""
    print('\nsecret-leak figures: %d runs checked, %d places searched, %d leaks found; faults injected: %s'
          % (len(LEDGER.runs), LEDGER.places, len(LEDGER.leaks), dict(LEDGER.faults)))
    for label, pattern, excerpt in LEDGER.leaks[:20]:
        print('LEAK %s: %r in ...%s...' % (label, pattern, excerpt))
    assert LEDGER.leaks == []
