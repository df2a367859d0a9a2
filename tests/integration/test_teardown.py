# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/teardown.yml loses nothing that no playbook declared: it deletes the declared objects, then each bucket
that holds nothing else; a bucket that also holds other objects is kept, with a warning naming it, unless its item
says `force: true`. Every step is checked with boto3, independently of the role's report."""

from __future__ import annotations

import os

import pytest
import yaml

from tests.harness.ansible_run import REPO_ROOT, run_playbook

KEPT, CLEAN, EMPTY = 'teardown-kept', 'teardown-clean', 'teardown-empty'
# Objects that no item declares, put in KEPT after provisioning: one beside the declared ones, one under the prefix
# of its folder sync, one under a linked folder that the sync does not follow, and one that an item declares absent.
UNDECLARED = ['notes/declared-absent.txt', 'site/extra.html', 'site/linked-folder/f.txt', 'stray.txt']
WARNING = ('WARNING: bucket %s was not deleted: it holds 4 object(s) that its item in libcloud_buckets does not declare.'
           % KEPT)


def fleet(site, force=False):
    kept = {'name': KEPT, 'cloud': 'local', 'objects': [
        {'name': 'hello.txt', 'content': 'hello\n'},
        {'name': 'notes/declared-absent.txt', 'state': 'absent'},
        {'src': str(site), 'prefix': 'site/'},
    ]}
    if force:
        kept['force'] = True
    clean = {'name': CLEAN, 'cloud': 'local', 'objects': [{'name': 'a.txt', 'content': 'a'}, {'src': str(site), 'prefix': 'copy/'}]}
    return {'libcloud_nodes': [], 'libcloud_buckets': [kept, clean, {'name': EMPTY, 'cloud': 'local'}]}


def stored(s3):
    """{bucket: sorted object names}, as the server holds them."""
    return dict((bucket['Name'], sorted(item['Key'] for item in s3.list_objects_v2(Bucket=bucket['Name']).get('Contents', [])))
                for bucket in s3.list_buckets()['Buckets'])


def site_folder(root):
    """A folder to sync: two files, a link to a file (synced) and a link to a folder (not followed)."""
    site = root / 'site'
    (site / 'css').mkdir(parents=True)
    (site / 'index.html').write_text('<h1>home</h1>\n')
    (site / 'css' / 'site.css').write_text('body {}\n')
    (root / 'outside.txt').write_text('reached through a link\n')
    os.symlink(root / 'outside.txt', site / 'linked.txt')
    (root / 'elsewhere').mkdir()
    (root / 'elsewhere' / 'f.txt').write_text('not synced\n')
    os.symlink(root / 'elsewhere', site / 'linked-folder')
    return site


def kept_report(run):
    """What the role reports about kept buckets: the fact libcloud_buckets_kept and the warning messages."""
    results = [(name.rpartition(' : ')[2], result) for name, result in run.task_results()]  # without the role's name
    kept = [result['ansible_facts']['libcloud_buckets_kept'] for name, result in results
            if name == 'Keep the bucket that holds objects no playbook declared' and 'ansible_facts' in result]
    warnings = [result['msg'] for name, result in results if name == 'Warn that the bucket was kept' and not result.get('skipped')]
    return (kept[-1] if kept else []), warnings


@pytest.fixture(scope='module')
def scenario(local_cloud, tmp_path_factory):
    """Provision, add undeclared objects, then teardown: in check mode, for real, again, with force, and again."""
    local_cloud.reset()
    root = tmp_path_factory.mktemp('teardown')
    site = site_folder(root)
    clouds = {'libcloud_clouds': {'local': local_cloud.s3_cloud_entry()}}
    s3 = local_cloud.boto3_client('s3')
    runs, states = {}, {}

    def step(name, playbook, force=False, **kwargs):
        runs[name] = run_playbook(REPO_ROOT / 'playbooks' / playbook, root / name, extra_vars=dict(clouds, **fleet(site, force)), **kwargs)
        assert runs[name].rc == 0, runs[name].output[-4000:]
        states[name] = stored(s3)

    step('provision', 'provision.yml')
    for key in UNDECLARED:
        s3.put_object(Bucket=KEPT, Key=key, Body=b'put there by someone else\n')
    states['before teardown'] = stored(s3)
    step('check', 'teardown.yml', check=True)
    step('teardown', 'teardown.yml')
    step('again', 'teardown.yml')
    step('force', 'teardown.yml', force=True)
    step('force again', 'teardown.yml', force=True)
    return runs, states


def test_provision_declared_what_teardown_will_remove(scenario):
    _runs, states = scenario
    site = ['site/css/site.css', 'site/index.html', 'site/linked.txt']
    assert states['provision'] == {KEPT: ['hello.txt'] + site, CLEAN: ['a.txt'] + [name.replace('site/', 'copy/') for name in site],
                                   EMPTY: []}
    assert states['before teardown'][KEPT] == sorted(['hello.txt'] + site + UNDECLARED)


def test_check_mode_predicts_and_deletes_nothing(scenario):
    runs, states = scenario
    assert states['check'] == states['before teardown']
    assert runs['check'].stats['changed'] > 0
    kept, warnings = kept_report(runs['check'])
    assert kept == [{'name': KEPT, 'undeclared_objects': 4}]
    assert len(warnings) == 1 and warnings[0].startswith(WARNING)


def test_teardown_deletes_the_declared_objects_and_keeps_the_others(scenario):
    runs, states = scenario
    # The clean and the empty bucket are gone; the kept one holds exactly what no item declared.
    assert states['teardown'] == {KEPT: UNDECLARED}
    assert runs['teardown'].stats['failures'] == 0


def test_the_warning_names_the_kept_bucket(scenario):
    runs, _states = scenario
    kept, warnings = kept_report(runs['teardown'])
    assert kept == [{'name': KEPT, 'undeclared_objects': 4}]
    assert len(warnings) == 1 and warnings[0].startswith(WARNING)
    assert 'force: true' in warnings[0]


def test_a_second_teardown_changes_nothing_and_warns_again(scenario):
    runs, states = scenario
    assert states['again'] == {KEPT: UNDECLARED}
    assert runs['again'].stats['changed'] == 0 and runs['again'].stats['failures'] == 0
    assert kept_report(runs['again'])[0] == [{'name': KEPT, 'undeclared_objects': 4}]


def test_force_deletes_the_bucket_with_everything_in_it(scenario):
    runs, states = scenario
    assert states['force'] == {}
    assert runs['force'].stats['changed'] > 0
    assert kept_report(runs['force']) == ([], [])


def test_teardown_of_what_is_gone_changes_nothing(scenario):
    runs, states = scenario
    assert states['force again'] == {}
    assert runs['force again'].stats['changed'] == 0 and runs['force again'].stats['failures'] == 0


def test_items_with_inline_credentials_stay_hidden_in_teardown(local_cloud, tmp_path):
    """The new teardown tasks carry the item's inline cloud dict: their results are hidden, the warning is not."""
    local_cloud.reset()
    entry = local_cloud.s3_cloud_entry()
    buckets = [{'name': KEPT, 'cloud': entry, 'objects': [{'name': 'a.txt', 'content': 'a'}]}]
    provision = [{'hosts': 'localhost', 'gather_facts': False, 'vars': {'libcloud_buckets': buckets},
                  'roles': ['cloudmesh.libcloud.libcloud_buckets']}]
    run = run_playbook(yaml.safe_dump(provision) + '\n', tmp_path / 'provision', callback='default')
    assert run.rc == 0, run.output[-3000:]
    s3 = local_cloud.boto3_client('s3')
    s3.put_object(Bucket=KEPT, Key='stray.txt', Body=b'x')
    teardown = [dict(provision[0], vars={'libcloud_buckets': buckets, 'libcloud_buckets_state_override': 'absent'})]
    run = run_playbook(yaml.safe_dump(teardown) + '\n', tmp_path / 'teardown', verbosity=3, callback='default')
    assert run.rc == 0, run.output[-3000:]
    assert stored(s3) == {KEPT: ['stray.txt']}
    assert 'censored' in run.output
    assert entry['secret'] not in run.output and entry['key'] not in run.output
    assert 'WARNING: bucket %s was not deleted: it holds 1 object(s)' % KEPT in run.output
