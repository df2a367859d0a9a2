# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""libcloud_key_pair (and libcloud_cloud_info's key_pairs) on the local cloud (EC2 through libcloud's EC2 driver),
checked with boto3.

Two scenarios, each with a name prefix of its own in one region, run side by side:
- ``lifecycle``: one playbook; between its steps a raw task records boto3's view of the server's key pairs and the
  private key files (hash and mode): import, unchanged, mismatch, force, provider-created pairs and their
  files, bad input, listing, absent. Check mode runs inside it: before a step, the same tasks with
  ``check_mode: true`` and a view, so the server is seen unchanged after them and the real tasks that follow
  show what they predicted (one playbook instead of a check run and a real run of their own: each module run
  costs ~0.7 s of CPU);
- ``vvvv``: provider-created pairs at ``-vvvv --diff`` with the default callback: the private keys, known from the
  file one is written to and from a ``no_log`` copy of the other, appear in no output.

Every module task has ``ignore_errors``: a wrong outcome fails the tests that read it, not the whole file.
"""

from __future__ import annotations

import hashlib
import json
import stat
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from tests.harness.ansible_run import one_line_failure, run_playbook
from tests.harness.views import Views

REGION = 'ca-central-1'   # no other test uses it


KEEP = 'keep me\n'   # the content of a file a provider-created pair must not overwrite


def keygen(folder, name, kind='rsa'):
    """A real OpenSSH key pair made by ssh-keygen; its public key text."""
    path = Path(folder) / name
    command = ['ssh-keygen', '-q', '-t', kind, '-N', '', '-f', str(path)] + (['-b', '2048'] if kind == 'rsa' else [])
    subprocess.run(command, check=True, capture_output=True)
    return (path.parent / (name + '.pub')).read_text().strip()


def sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


def server_pairs(client, prefix):
    """{name: fingerprint} of the pairs whose name starts with ``prefix``, straight from the server."""
    return dict((pair['KeyName'], pair['KeyFingerprint']) for pair in client.describe_key_pairs()['KeyPairs']
                if pair['KeyName'].startswith(prefix))


def file_states(paths):
    """{path: [sha256, mode] or None} of the files, straight from the disk."""
    found = {}
    for path in paths:
        found[str(path)] = [hashlib.sha256(path.read_bytes()).hexdigest(), oct(stat.S_IMODE(path.stat().st_mode))] if path.exists() else None
    return found


def key_lines(pem):
    """The lines of a PEM private key that carry key material (not the BEGIN and END lines)."""
    return [line for line in pem.strip().splitlines() if line and not line.startswith('-----')]


def pair(title, ignore=True, register=None, diff=False, **args):
    task = {'name': title, 'cloudmesh.libcloud.libcloud_key_pair': dict(cloud='local', **args)}
    if diff:
        task['diff'] = True
    if ignore:
        task['ignore_errors'] = True
    if register:
        task['register'] = register
    return task


def play(entry, tasks):
    return yaml.safe_dump([{'hosts': 'localhost', 'gather_facts': False, 'vars': {'libcloud_clouds': {'local': entry}},
                            'tasks': tasks}], sort_keys=False)


@pytest.fixture(scope='module')
def keys(tmp_path_factory):
    """Public key texts: two RSA keys and an ed25519 key."""
    folder = tmp_path_factory.mktemp('keys')
    return {'a': keygen(folder, 'a'), 'b': keygen(folder, 'b'), 'ed': keygen(folder, 'ed', 'ed25519')}


# --- the scenarios ---------------------------------------------------------------------------------------------

def checked(task):
    """``task`` in check mode and diff mode, under the name 'check ' + its name."""
    return dict(task, name='check ' + task['name'], check_mode=True, diff=True)


def lifecycle(cloud, client, keys, workdir):
    made_pem, keep_pem = workdir / 'lc-made.pem', workdir / 'keep.pem'
    keep_pem.write_text(KEEP)
    keep_pem.chmod(0o644)
    # A pair made with boto3, whose private key boto3 alone has seen: no listing may show it.
    boto_material = client.create_key_pair(KeyName='lc-boto')['KeyMaterial']
    imported = pair('import', name='lc-imp', public_key=keys['a'], diff=True)
    create = pair('create', name='lc-made', private_key_path=str(made_pem), register='created')
    again = pair('import again', name='lc-imp', public_key=keys['a'], diff=True)
    different = pair('different key', name='lc-imp', public_key=keys['b'], diff=True)
    force = pair('force', name='lc-imp', public_key=keys['b'], force=True, diff=True)
    absent = pair('absent', name='lc-ed', state='absent', diff=True)
    plan = [
        # 0: check mode, nothing there yet
        [checked(imported), checked(create)],
        # 1
        [imported,
         pair('import ed25519', name='lc-ed', public_key=keys['ed']),
         create,
         {'name': 'created fingerprint', 'ansible.builtin.debug': {'msg': '{{ created.key_pair.fingerprint }}'}, 'ignore_errors': True},
         {'name': 'the registered result holds the private key', 'ignore_errors': True, 'ansible.builtin.assert': {'quiet': True, 'that': [
             'created is changed',
             "created.private_key is match('-----BEGIN')",
             "created.private_key | trim == lookup('ansible.builtin.file', %r) | trim" % str(made_pem),
             'created.private_key_path == %r' % str(made_pem),
             "created.key_pair.name == 'lc-made'",
             "'private_key' not in created.key_pair",
         ]}},
         pair('create without a file', name='lc-nofile', register='nofile'),
         {'name': 'a pair without a file returns its private key once', 'ignore_errors': True, 'ansible.builtin.assert': {
             'quiet': True, 'that': ["nofile.private_key is match('-----BEGIN')", 'nofile.private_key_path is not defined or not nofile.private_key_path']}},
         pair('invalid public key', name='lc-bad', public_key='ssh-rsa this-is-not-base64 someone@somewhere'),
         pair('truncated public key', name='lc-bad', public_key=keys['a'].split()[0] + ' ' + keys['a'].split()[1][:40]),
         pair('private key in a missing folder', name='lc-nofolder', private_key_path=str(workdir / 'missing' / 'k.pem')),
         pair('private key over an existing file', name='lc-file', private_key_path=str(keep_pem))],
        # 2: check mode over the pairs of step 1
        [checked(again), checked(different), checked(force), checked(absent)],
        # 3
        [again,
         pair('import ed25519 again', name='lc-ed', public_key=keys['ed']),
         pair('create again', name='lc-made', private_key_path=str(made_pem), register='created_again'),
         {'name': 'an existing pair returns no private key', 'ignore_errors': True, 'ansible.builtin.assert': {
             'quiet': True, 'that': ['created_again.private_key is not defined']}},
         different],
        # 4
        [force,
         pair('force again', name='lc-imp', public_key=keys['b'], force=True),
         pair('force over an existing file', name='lc-file', private_key_path=str(keep_pem), force=True),
         {'name': 'info', 'ignore_errors': True,
          'cloudmesh.libcloud.libcloud_cloud_info': {'cloud': 'local', 'gather': ['key_pairs'], 'key_pair_filter': 'lc-*'}}],
        # 5
        [absent,
         pair('absent again', name='lc-ed', state='absent')],
    ]
    with Views(lambda: {'pairs': server_pairs(client, 'lc-'), 'files': file_states((made_pem, keep_pem))}) as viewer:
        tasks = []
        for number, step in enumerate(plan):
            tasks.extend(step)
            tasks.append({'name': 'view %d' % number, 'changed_when': False, 'ansible.builtin.raw': viewer.command})
        run = run_playbook(play(cloud.ec2_cloud_entry(REGION), tasks), workdir)
    views = [json.loads(run.result('view %d' % number)['stdout']) for number in range(len(plan))]
    return {'run': run, 'views': views, 'made_pem': made_pem, 'keep_pem': keep_pem, 'boto_material': boto_material,
            'keys': keys, 'final': server_pairs(client, 'lc-')}


def vvvv(cloud, client, keys, workdir):
    """Provider-created pairs at -vvvv --diff, default callback; the playbook checks its own outcomes."""
    made_pem, copied = workdir / 'vv-made.pem', workdir / 'vv-nofile.copy'
    tasks = [
        pair('create', ignore=False, register='made', name='vv-made', private_key_path=str(made_pem)),
        pair('create without a file', ignore=False, register='nofile', name='vv-nofile'),
        # The test reads this pair's private key from here, to look for it in the output; no_log keeps the copy quiet.
        {'name': 'keep the private key for the test', 'no_log': True, 'diff': False,
         'ansible.builtin.copy': {'content': '{{ nofile.private_key }}', 'dest': str(copied), 'mode': '0600'}},
        {'name': 'outcomes', 'ansible.builtin.assert': {'quiet': True, 'that': [
            'made is changed', 'nofile is changed',
            "made.private_key is match('-----BEGIN')", "nofile.private_key is match('-----BEGIN')",
            "made.private_key | trim == lookup('ansible.builtin.file', %r) | trim" % str(made_pem),
            "made.key_pair.name == 'vv-made'"]}},
    ]
    run = run_playbook(play(cloud.ec2_cloud_entry(REGION), tasks), workdir, diff=True, verbosity=4, callback=None)
    return {'run': run, 'made_pem': made_pem, 'copied': copied, 'final': server_pairs(client, 'vv-')}


SCENARIOS = {'lifecycle': lifecycle, 'vvvv': vvvv}


@pytest.fixture(scope='module')
def scenarios(local_cloud, keys, tmp_path_factory):
    """Every scenario started at once; a failed one fails only the tests that read it."""
    client = local_cloud.boto3_client('ec2', REGION)
    with ThreadPoolExecutor(len(SCENARIOS)) as pool:
        futures = dict((name, pool.submit(scenario, local_cloud, client, keys, tmp_path_factory.mktemp(name)))
                       for name, scenario in SCENARIOS.items())
    return futures


@pytest.fixture(scope='module')
def steps(scenarios):
    return scenarios['lifecycle'].result()


@pytest.fixture(scope='module')
def verbose(scenarios):
    return scenarios['vvvv'].result()


@pytest.fixture(scope='module')
def reference(local_cloud, keys):
    """The fingerprints EC2 (moto) gives keys a and b when imported, from pairs imported with boto3."""
    client = local_cloud.boto3_client('ec2', REGION)
    found = {}
    for key in ('a', 'b', 'ed'):
        client.import_key_pair(KeyName='ref-' + key, PublicKeyMaterial=keys[key].encode())
        found[key] = server_pairs(client, 'ref-' + key)['ref-' + key]
    return found


# --- import, unchanged, mismatch, force, absent ----------------------------------------------------------------

def test_import_then_unchanged(steps, reference):
    run, views = steps['run'], steps['views']
    assert views[1]['pairs']['lc-imp'] == reference['a']
    assert views[1]['pairs']['lc-ed'] == reference['ed']
    for task, name, key in (('import', 'lc-imp', 'a'), ('import ed25519', 'lc-ed', 'ed')):
        result = run.result(task)
        assert result['changed'] is True, task
        assert (result['key_pair']['name'], result['key_pair']['fingerprint']) == (name, reference[key]), task
        assert result.get('mismatch') in (False, None), task
        assert 'private_key' not in result, task
    for task in ('import again', 'import ed25519 again'):
        result = run.result(task)
        assert result['changed'] is False, (task, result)
        assert result.get('mismatch') in (False, None) and not result.get('warnings'), task
    assert views[3]['pairs']['lc-imp'] == reference['a']


def test_a_different_key_is_reported_and_left_alone(steps, reference):
    run, views = steps['run'], steps['views']
    result = run.result('different key')
    assert result.get('failed') is not True, result
    assert result['changed'] is False
    assert result['mismatch'] is True
    assert any('lc-imp' in warning for warning in result.get('warnings', [])), result.get('warnings')
    assert result['key_pair']['fingerprint'] == reference['a']
    assert views[3]['pairs']['lc-imp'] == reference['a']


def test_force_replaces_the_key(steps, reference):
    run, views = steps['run'], steps['views']
    assert views[4]['pairs']['lc-imp'] == reference['b'] != reference['a']
    forced = run.result('force')
    assert forced['changed'] is True
    assert forced['key_pair']['fingerprint'] == reference['b']
    again = run.result('force again')
    assert again['changed'] is False and again.get('mismatch') in (False, None)


def test_absent_deletes_then_changes_nothing(steps):
    run, views = steps['run'], steps['views']
    assert 'lc-ed' in views[4]['pairs']
    assert 'lc-ed' not in views[5]['pairs'] and 'lc-ed' not in steps['final']
    assert run.result('absent')['changed'] is True
    again = run.result('absent again')
    assert again.get('failed') is not True, again
    assert again['changed'] is False and again['key_pair'] is None


# --- provider-created pairs and their private key files ----------------------------------------------------------

def test_provider_created_pair_writes_its_private_key_0600(steps):
    run, views = steps['run'], steps['views']
    made_pem = steps['made_pem']
    assert run.result('create')['changed'] is True
    assert run.result('the registered result holds the private key').get('failed') is not True, \
        run.result('the registered result holds the private key')
    pem = made_pem.read_text()
    assert pem.startswith('-----BEGIN') and 'PRIVATE KEY-----' in pem
    assert stat.S_IMODE(made_pem.stat().st_mode) == 0o600
    assert views[1]['files'][str(made_pem)] == [sha256(pem), '0o600']
    # The file holds the server's pair: moto fingerprints a pair it made with the SHA-1 of its public key (DER).
    from cryptography.hazmat.primitives import serialization
    public = serialization.load_pem_private_key(pem.encode(), password=None).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashlib.sha1(public).hexdigest()
    assert views[1]['pairs']['lc-made'] == ':'.join(digest[index:index + 2] for index in range(0, len(digest), 2))
    assert run.result('created fingerprint')['msg'] == views[1]['pairs']['lc-made']
    # ssh-keygen reads it as a private key.
    proc = subprocess.run(['ssh-keygen', '-y', '-f', str(made_pem)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and proc.stdout.startswith('ssh-rsa '), proc.stderr


def test_a_pair_without_a_file_returns_its_private_key_once(steps):
    run, views = steps['run'], steps['views']
    assert run.result('create without a file')['changed'] is True
    assert 'lc-nofile' in views[1]['pairs']
    assert run.result('a pair without a file returns its private key once').get('failed') is not True


def test_the_private_key_is_hidden_in_the_report(steps):
    run = steps['run']
    for task in ('create', 'create without a file', 'force over an existing file'):
        result = run.result(task)
        assert 'private_key' not in result and 'censored' in result, (task, result)
    for path in (steps['made_pem'], steps['keep_pem']):
        assert [line for line in key_lines(path.read_text()) if line in run.output] == [], path
    assert 'PRIVATE KEY' not in run.output


def test_an_existing_pair_is_unchanged_and_its_file_untouched(steps):
    run, views = steps['run'], steps['views']
    result = run.result('create again')
    assert result.get('failed') is not True, result
    assert result['changed'] is False
    assert 'private_key' not in result
    assert run.result('an existing pair returns no private key').get('failed') is not True
    assert views[3]['files'][str(steps['made_pem'])] == views[1]['files'][str(steps['made_pem'])]
    assert views[3]['pairs']['lc-made'] == views[1]['pairs']['lc-made']


def test_an_existing_file_is_never_overwritten(steps):
    run, views = steps['run'], steps['views']
    keep_pem = str(steps['keep_pem'])
    one_line_failure(run.result('private key over an existing file'), 'private_key_path')
    # It failed before creating anything: no pair, the file as it was.
    assert 'lc-file' not in views[1]['pairs'] and 'lc-file' not in views[3]['pairs']
    assert views[0]['files'][keep_pem] == views[3]['files'][keep_pem] == [sha256(KEEP), '0o644']


def test_force_writes_over_an_existing_file(steps):
    run, views = steps['run'], steps['views']
    assert run.result('force over an existing file')['changed'] is True
    assert 'lc-file' in views[4]['pairs']
    pem = steps['keep_pem'].read_text()
    assert pem.startswith('-----BEGIN') and 'PRIVATE KEY-----' in pem
    assert views[4]['files'][str(steps['keep_pem'])] == [sha256(pem), '0o600']


# --- bad input -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('task, names, pair_name', [
    ('invalid public key', ('public_key',), 'lc-bad'),
    ('truncated public key', ('public_key',), 'lc-bad'),
    ('private key in a missing folder', ('private_key_path', 'missing'), 'lc-nofolder'),
])
def test_bad_input_fails_in_one_line_before_any_request(steps, task, names, pair_name):
    run, views = steps['run'], steps['views']
    one_line_failure(run.result(task), *names)
    assert all(pair_name not in view['pairs'] for view in views)


# --- listing ---------------------------------------------------------------------------------------------------

def test_cloud_info_lists_key_pairs_as_the_server_does(steps):
    run, views = steps['run'], steps['views']
    listed = run.result('info')
    assert listed.get('failed') is not True, listed
    # Filtered: the pairs of this scenario only (the vvvv scenario's and the reference pairs share the region).
    assert dict((item['name'], item['fingerprint']) for item in listed['key_pairs']) == views[4]['pairs']
    assert 'lc-boto' in views[4]['pairs'] and 'lc-file' in views[4]['pairs']
    for item in listed['key_pairs']:
        assert set(item) >= {'name', 'fingerprint', 'public_key', 'extra'}, item
    # Only what was asked for is gathered.
    assert not listed.get('images') and not listed.get('sizes')


def test_cloud_info_shows_no_private_material(steps):
    listed = json.dumps(steps['run'].result('info'))
    for pem in (steps['boto_material'], steps['made_pem'].read_text(), steps['keep_pem'].read_text()):
        assert [line for line in key_lines(pem) if line in listed] == []
    assert 'PRIVATE KEY' not in listed and 'private_key' not in listed


# --- check mode and diff mode ----------------------------------------------------------------------------------

CHECKED = ('import', 'create', 'import again', 'different key', 'force', 'absent')


def test_check_mode_changes_nothing_on_the_server(steps):
    run, views = steps['run'], steps['views']
    assert views[0]['pairs'] == {'lc-boto': views[1]['pairs']['lc-boto']}
    assert views[0]['files'][str(steps['made_pem'])] is None
    # Step 2 ran the changes of steps 3 to 5 in check mode: the server is as step 1 left it.
    assert views[2] == views[1]
    for task in CHECKED:
        assert 'private_key' not in run.result('check ' + task), task


def test_check_mode_predicts_what_the_real_run_does(steps):
    run = steps['run']
    expected = {'import': True, 'create': True, 'import again': False, 'different key': False, 'force': True, 'absent': True}
    for task, changed in expected.items():
        assert run.result('check ' + task)['changed'] is changed, (task, run.result('check ' + task))
        assert run.result(task)['changed'] is changed, (task, run.result(task))
    assert run.result('check different key')['mismatch'] is True
    # What the server already holds shows alike in both; the create task's real result is hidden (private key).
    for task in ('import again', 'different key', 'absent'):
        assert run.result('check ' + task)['diff'] == run.result(task)['diff'], task
    for task in ('import', 'force'):
        assert run.result('check ' + task)['diff']['before'] == run.result(task)['diff']['before'], task
        assert run.result('check ' + task)['diff']['after']['name'] == run.result(task)['diff']['after']['name'], task


def test_diff_shows_before_and_after(steps, reference):
    run = steps['run']

    def shown(diff_side):
        return (diff_side['name'], diff_side['fingerprint'])

    for task, before, after in (
            ('import', None, ('lc-imp', reference['a'])),
            ('import again', ('lc-imp', reference['a']), ('lc-imp', reference['a'])),
            ('different key', ('lc-imp', reference['a']), ('lc-imp', reference['a'])),
            ('force', ('lc-imp', reference['a']), ('lc-imp', reference['b'])),
            ('absent', ('lc-ed', reference['ed']), None)):
        diff = run.result(task)['diff']
        assert (shown(diff['before']) if before else diff['before']) == (before or {}), task
        assert (shown(diff['after']) if after else diff['after']) == (after or {}), task
    # Check mode cannot know the fingerprint a provider will give a key: it shows the key it would import.
    predicted = run.result('check import')['diff']['after']
    assert predicted['name'] == 'lc-imp' and predicted.get('public_key') == steps['keys']['a']
    assert run.result('check create')['diff'] == {'before': {}, 'after': dict(run.result('check create')['diff']['after'], name='lc-made')}


# --- the private key at -vvvv ----------------------------------------------------------------------------------

def test_the_private_key_is_in_no_output_at_vvvv(verbose):
    run = verbose['run']
    assert run.rc == 0, run.output[-4000:]
    assert 'ESTABLISH LOCAL CONNECTION' in run.output   # -vvvv really was on
    assert 'Traceback' not in run.output
    assert sorted(verbose['final']) == ['vv-made', 'vv-nofile']
    assert stat.S_IMODE(verbose['made_pem'].stat().st_mode) == 0o600
    for path in (verbose['made_pem'], verbose['copied']):
        lines = key_lines(path.read_text())
        assert len(lines) > 10, path   # a real key, read back from what the playbook wrote
        assert [line for line in lines if line in run.output] == [], path
    assert 'PRIVATE KEY' not in run.output
    # Both create tasks' results were shown hidden, as no_log results are.
    assert run.stdout.count("the output has been hidden due to the fact that 'no_log: true' was specified") >= 2
