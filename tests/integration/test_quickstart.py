# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""docs/quickstart.md, run as a new user would run it, against the local clouds (moto for EC2, mimic for OpenStack).

The page is read in order: a block after ``<!-- file: PATH -->`` is written to PATH in the project folder, the block
after ``<!-- vault-editor: PATH -->`` is what the user types into the editor that ``ansible-vault create PATH``
opens, and each line of a block after ``<!-- step: NAME -->`` is one shell command, run in the project folder with
bash. Every fenced block of the page must carry one of these marks, so that none goes untested.

What the test changes is listed in OVERRIDES, STEP_INPUT, ``cloud_entry_overrides`` and ``user_environment``, each
with why; an override whose text the page no longer holds fails the test. The collection under test is the one the page's own
install commands build and install, from a git snapshot of this working tree, into the temporary HOME (no link
tree). The cloud's state is read with boto3 and libcloud's own OpenStack driver after the steps that change it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time

import pytest
import yaml

from tests.harness.ansible_run import BIN_DIR, REPO_ROOT, unwrap_unsafe
from tests.harness.local_cloud import TEST_KEY, TEST_SECRET
from tests.harness.mimic_cloud import PASSWORD as MIMIC_PASSWORD

PAGE = REPO_ROOT / 'docs' / 'quickstart.md'
TROUBLESHOOTING = REPO_ROOT / 'docs' / 'troubleshooting.md'
REGION = 'eu-west-1'                        # the page's; libcloud alone would sign it with SigV2, so it proves SigV4
MIMIC_IMAGE = 'Ubuntu 14.04 LTS (Trusty Tahr) (PVHVM)'
MIMIC_SIZE = '1GB Standard Instance'
GITHUB = 'https://github.com/cloudmesh/cloudmesh.libcloud.git'
STEPS = ['install', 'install-git', 'requirements', 'vault', 'offer', 'create-aws', 'create-openstack', 'inventory', 'cleanup']

# Every command of the page that the test runs differently: step -> [(text in the page, text run, why)].
# {snapshot}, {git_install} and {ami} are filled in at run time.
OVERRIDES = {
    'install': [(GITHUB, 'file://{snapshot}',
                 'offline: a git repository holding a snapshot of this working tree, so the code under test is built')],
    'install-git': [(GITHUB, 'file://{snapshot}', 'as above'),
                    ('ansible-galaxy collection install git+', 'ANSIBLE_COLLECTIONS_PATH={git_install} ansible-galaxy collection install git+',
                     'the step before installed the same version into ~/.ansible/collections, where this would do nothing')],
    'vault': [('ansible-vault create clouds.yml', 'ansible-vault create --skip-tty-check clouds.yml',
               "ansible-vault opens the editor only when its output is a terminal, which the test's is not")],
    'offer': [('image_filter=ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*', 'image_filter=ubuntu/images/*',
               "moto's AMI catalogue holds only older Ubuntu images")],
    'create-aws': [('-e image=ami-0123456789abcdef0', '-e image={ami}', "moto's Ubuntu AMI in the page's region")],
    'create-openstack': [("-e \"image='Ubuntu 24.04'\" -e size=m1.small", "-e \"image='%s'\" -e \"size='%s'\"" % (MIMIC_IMAGE, MIMIC_SIZE),
                          "mimic's image and flavor names")],
}
# ssh-keygen asks for a passphrase twice (from stdin when there is no terminal): an empty one.
STEP_INPUT = {'create-aws': '\n\n'}


def cloud_entry_overrides(clouds_file, moto, mimic_entry):
    """The page's clouds file, pointed at the local clouds (the rest, the region included, is the page's)."""
    aws, openstack = clouds_file['libcloud_clouds']['aws'], clouds_file['libcloud_clouds']['openstack']
    # moto on 127.0.0.1 over plain HTTP; it accepts any key, these fake ones are checked never to be shown.
    aws.update(key=TEST_KEY, secret=TEST_SECRET, host=moto.host, port=moto.port, secure=False)
    # A fresh mimic user and tenant: mimic binds a user to its first tenant and has no reset.
    openstack.update(key=mimic_entry['key'], secret=mimic_entry['secret'])
    # mimic's region names (ORD, DFW, IAD), not RegionOne.
    openstack['region'] = mimic_entry['options']['ex_force_service_region']
    options = openstack['options']
    # mimic serves Keystone v2 only (which has no domains), and names its compute service cloudServersOpenStack.
    options.update(ex_force_auth_url=mimic_entry['options']['ex_force_auth_url'], ex_force_auth_version='2.0_password',
                   ex_tenant_name=mimic_entry['options']['ex_tenant_name'], ex_force_service_name='cloudServersOpenStack')
    del options['ex_domain_name']
    return clouds_file


def user_environment(home, editor_file):
    """The environment of a user who installed ansible-core in a venv, with the page's files in HOME."""
    env = dict((name, value) for name, value in os.environ.items()
               # Nothing of the caller's Ansible, libcloud or AWS configuration may change the run.
               if not name.startswith(('ANSIBLE_', 'LIBCLOUD_', 'AWS_')))
    env.update({
        # The user's home: ~/.ansible/collections, ~/.vault-pass.txt and ~/.ssh are the test's.
        'HOME': str(home),
        # The user's ansible-core installation is this venv (ansible-*, and python3 with pip).
        'PATH': '%s%s%s' % (BIN_DIR, os.pathsep, os.environ.get('PATH', '')),
        # ansible-vault create's editor: "types" the page's clouds file (as cloud_entry_overrides changed it) and saves it.
        'EDITOR': 'cp %s' % editor_file,
        'ANSIBLE_NOCOLOR': '1',
    })
    return env


MARK = re.compile(r'<!-- (file|vault-editor|step): (\S+) -->\n```(\w+)\n(.*?)```', re.DOTALL)
FENCE = re.compile(r'^```\w+$', re.MULTILINE)


def page_blocks(text):
    """[(kind, name, body)] of the page's marked blocks, in order; every fenced block must be marked."""
    blocks = [(kind, name, body) for kind, name, _lang, body in MARK.findall(text)]
    assert len(blocks) == len(FENCE.findall(text)), 'a fenced block of %s has no <!-- file/vault-editor/step --> mark' % PAGE.name
    return blocks


def commands(body):
    return [line for line in body.splitlines() if line.strip() and not line.lstrip().startswith('#')]


def snapshot_repository(folder):
    """A git repository whose one commit is this working tree as git would see it (untracked files included,
    ignored ones not), made without touching the checkout's own index, refs or objects."""
    git = ['git', '--git-dir', str(folder / '.git'), '--work-tree', str(REPO_ROOT),
           '-c', 'user.name=quickstart test', '-c', 'user.email=quickstart@example.invalid']
    subprocess.run(['git', 'init', '-q', '-b', 'main', str(folder)], check=True, capture_output=True, text=True)
    # Every venv left out, whether .gitignore names it or not: none belongs to what a user clones.
    (folder / '.git' / 'info' / 'exclude').write_text('/.venv*/\n')
    for command in (git + ['add', '-A'], git + ['commit', '-q', '-m', 'snapshot of the working tree']):
        subprocess.run(command, check=True, capture_output=True, text=True)
    return folder


def moto_view(client):
    """{name: (state, key name, public ip)} of the instances named quickstart-*, and the key pairs, from boto3."""
    instances = dict((tag['Value'], (item['State']['Name'], item.get('KeyName'), item.get('PublicIpAddress')))
                     for reservation in client.describe_instances()['Reservations'] for item in reservation['Instances']
                     for tag in item.get('Tags', []) if tag['Key'] == 'Name' and tag['Value'].startswith('quickstart-'))
    return {'instances': instances, 'key_pairs': sorted(pair['KeyName'] for pair in client.describe_key_pairs()['KeyPairs'])}


def mimic_view(driver):
    return {'nodes': dict((node.name, (node.state, node.public_ips)) for node in driver.list_nodes()),
            'key_pairs': sorted(pair.name for pair in driver.list_key_pairs())}


@pytest.fixture(scope='module')
def walkthrough(local_cloud, mimic_cloud, tmp_path_factory):
    """Every block of the page in order; the clouds' own view after creating and after cleaning up."""
    if not shutil.which('git'):
        pytest.skip('the quickstart installs from git: git is missing')
    local_cloud.reset()
    ec2 = local_cloud.boto3_client('ec2', REGION)
    ami = ec2.describe_images(Owners=['amazon'], Filters=[{'Name': 'name', 'Values': ['ubuntu/images/*']}])['Images'][0]['ImageId']
    mimic_entry = mimic_cloud.fresh_entry()
    driver = mimic_cloud.driver(mimic_entry)

    root = tmp_path_factory.mktemp('quickstart')
    home, project = root / 'home', root / 'home' / 'first-node'
    (home / '.ssh').mkdir(parents=True, mode=0o700)
    project.mkdir()
    # Named like GitHub's, so that git clone makes the folder cloudmesh.libcloud, as the page's next command expects.
    fill = {'snapshot': snapshot_repository(root / 'cloudmesh.libcloud.git'), 'git_install': root / 'git-install', 'ami': ami}
    editor_file = root / 'typed-into-the-editor.yml'
    env = user_environment(home, editor_file)

    blocks = page_blocks(PAGE.read_text())
    # The page shows what to type after the command that opens the editor: the "typing" is ready before.
    typed = cloud_entry_overrides(yaml.safe_load(next(body for kind, _name, body in blocks if kind == 'vault-editor')),
                                  local_cloud, mimic_entry)
    editor_file.write_text(yaml.safe_dump(typed, sort_keys=False))
    record = {'runs': [], 'views': {}, 'project': project, 'home': home, 'fill': fill, 'mimic_entry': mimic_entry, 'typed': typed}
    started = time.monotonic()
    for kind, name, body in blocks:
        if kind == 'file':
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            (project / name).write_text(body)
        elif kind == 'step':
            for line in commands(body):
                command = line
                for old, new, _why in OVERRIDES.get(name, ()):
                    if old in command:
                        command = command.replace(old, new.format(**fill))
                began = time.monotonic()
                proc = subprocess.run(['bash', '-c', command], cwd=str(project), env=env, input=STEP_INPUT.get(name, ''),
                                      capture_output=True, text=True, timeout=300, check=False)
                record['runs'].append({'step': name, 'line': line, 'command': command, 'rc': proc.returncode,
                                       'stdout': proc.stdout, 'stderr': proc.stderr, 'seconds': time.monotonic() - began})
                assert proc.returncode == 0, '%s: %s failed (rc %s):\n%s\n%s' % (
                    name, command, proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:])
            if name in ('create-openstack', 'cleanup'):
                record['views'][name] = {'aws': moto_view(ec2), 'openstack': mimic_view(driver)}
    record['seconds'] = time.monotonic() - started
    return record


def runs_of(record, step):
    return [run for run in record['runs'] if run['step'] == step]


def test_the_page_is_run_whole_and_every_override_applies():
    """Every step the test knows is on the page and the other way round, and each override's text is there."""
    blocks = page_blocks(PAGE.read_text())
    steps = dict((name, body) for kind, name, body in blocks if kind == 'step')
    assert list(steps) == STEPS
    for step, overrides in OVERRIDES.items():
        for old, _new, _why in overrides:
            assert old in steps[step], (step, old)
    assert [name for kind, name, _body in blocks if kind == 'vault-editor'] == ['clouds.yml']


def test_every_command_ran(walkthrough):
    ran = [(run['step'], run['line']) for run in walkthrough['runs']]
    expected = [(kind_name, line) for kind, kind_name, body in page_blocks(PAGE.read_text()) if kind == 'step'
                for line in commands(body)]
    assert ran == expected
    assert all(run['rc'] == 0 for run in walkthrough['runs'])


def test_both_installs_hold_the_collection(walkthrough):
    for collections in (walkthrough['home'] / '.ansible' / 'collections', walkthrough['fill']['git_install']):
        manifest = json.loads((collections / 'ansible_collections' / 'cloudmesh' / 'libcloud' / 'MANIFEST.json').read_text())
        assert manifest['collection_info']['name'] == 'libcloud'
    assert (walkthrough['project'] / 'cloudmesh.libcloud' / 'galaxy.yml').is_file()


def test_the_clouds_file_is_encrypted(walkthrough):
    text = (walkthrough['project'] / 'clouds.yml').read_text()
    assert text.startswith('$ANSIBLE_VAULT;')
    assert TEST_SECRET not in text and MIMIC_PASSWORD not in text
    assert 'signature_version' not in json.dumps(walkthrough['typed'])   # the page's entry, as a user writes it


def test_the_node_and_key_pair_exist_on_each_cloud(walkthrough):
    view = walkthrough['views']['create-openstack']
    state, key_name, public_ip = view['aws']['instances']['quickstart-aws']
    assert (state, key_name) == ('running', 'quickstart') and public_ip
    assert view['aws']['key_pairs'] == ['quickstart']
    assert view['openstack']['nodes']['quickstart-openstack'][0] == 'running'
    assert view['openstack']['key_pairs'] == ['quickstart']
    for step, name in (('create-aws', 'quickstart-aws'), ('create-openstack', 'quickstart-openstack')):
        assert '"msg": "%s runs at ' % name in runs_of(walkthrough, step)[-1]['stdout']


def test_the_inventory_lists_each_node_with_its_user(walkthrough):
    graph, listing = runs_of(walkthrough, 'inventory')
    assert re.search(r'@aws:\n[ |]*--quickstart-aws\n', graph['stdout']), graph['stdout']
    assert re.search(r'@openstack:\n[ |]*--quickstart-openstack\n', graph['stdout']), graph['stdout']
    hostvars = unwrap_unsafe(json.loads(listing['stdout'])['_meta']['hostvars'])
    view = walkthrough['views']['create-openstack']
    assert hostvars['quickstart-aws']['ansible_user'] == hostvars['quickstart-openstack']['ansible_user'] == 'ubuntu'
    assert hostvars['quickstart-aws']['ansible_host'] == view['aws']['instances']['quickstart-aws'][2]
    assert hostvars['quickstart-openstack']['ansible_host'] == view['openstack']['nodes']['quickstart-openstack'][1][0]


def test_cleanup_leaves_nothing(walkthrough):
    view = walkthrough['views']['cleanup']
    assert view['aws']['instances']['quickstart-aws'][0] == 'terminated'   # EC2 lists a terminated instance a while
    assert view['aws']['key_pairs'] == []
    assert view['openstack'] == {'nodes': {}, 'key_pairs': []}
    graph = runs_of(walkthrough, 'cleanup')[-1]['stdout']
    assert 'quickstart-' not in graph, graph


def test_no_credential_is_shown(walkthrough):
    output = ''.join(run['stdout'] + run['stderr'] for run in walkthrough['runs'])
    for secret in (TEST_SECRET, MIMIC_PASSWORD, walkthrough['mimic_entry']['secret']):
        assert secret not in output


def test_the_interpreter_error_is_the_one_troubleshooting_quotes(walkthrough, tmp_path):
    """With ``-i localhost,`` and a Python without libcloud (this venv's Python without its site-packages), the task
    fails with the message that docs/troubleshooting.md quotes."""
    bare = tmp_path / 'python-without-libcloud'
    bare.write_text('#!/bin/sh\nexec %s -S "$@"\n' % (BIN_DIR / 'python3'))
    bare.chmod(0o755)
    env = user_environment(walkthrough['home'], os.devnull)
    command = ['ansible-playbook', '-i', 'localhost,', '-c', 'local', '-e', 'ansible_python_interpreter=%s' % bare,
               'first-node.yml']
    proc = subprocess.run(command, cwd=str(walkthrough['project']), env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode != 0
    quoted = re.search(r'^(the Python library apache-libcloud is required.*)$', TROUBLESHOOTING.read_text(), re.MULTILINE).group(1)
    assert quoted in proc.stdout, proc.stdout[-2000:]
