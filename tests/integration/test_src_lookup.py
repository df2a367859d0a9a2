# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A relative ``src`` of libcloud_bucket_object is found as ansible.builtin.copy finds it: in the role's ``files/``,
then the playbook's ``files/``; a path found in neither stays relative to the working directory. The playbook runs
from another folder than its own, so that only the search can find the files. Objects are checked with boto3."""

from __future__ import annotations

import yaml

from tests.harness.ansible_run import run_playbook

BUCKET = 'src-lookup'


def test_src_is_found_in_role_and_playbook_files(fresh_cloud, tmp_path):
    project = tmp_path / 'project'
    role = project / 'roles' / 'uploader'
    (role / 'files').mkdir(parents=True)
    (role / 'tasks').mkdir()
    (role / 'files' / 'from-role.txt').write_text('role file\n')
    (project / 'files' / 'site').mkdir(parents=True)
    (project / 'files' / 'site' / 'index.html').write_text('<p>site</p>\n')
    (project / 'files' / 'from-role.txt').write_text('playbook file that the role file shadows\n')
    workdir = tmp_path / 'elsewhere'
    workdir.mkdir()
    (workdir / 'in-cwd.txt').write_text('working directory file\n')
    upload = {'cloud': fresh_cloud.s3_cloud_entry(), 'bucket': BUCKET}
    (role / 'tasks' / 'main.yml').write_text(yaml.safe_dump([
        {'name': 'role file', 'cloudmesh.libcloud.libcloud_bucket_object': dict(upload, name='role.txt', src='from-role.txt')}]))
    (project / 'site.yml').write_text(yaml.safe_dump([{'hosts': 'localhost', 'gather_facts': False, 'tasks': [
        {'name': 'bucket', 'cloudmesh.libcloud.libcloud_bucket': {'cloud': upload['cloud'], 'name': BUCKET}},
        {'name': 'the role', 'ansible.builtin.include_role': {'name': 'uploader'}},
        {'name': 'playbook folder', 'cloudmesh.libcloud.libcloud_bucket_object': dict(upload, prefix='site/', src='site')},
        {'name': 'working directory', 'cloudmesh.libcloud.libcloud_bucket_object': dict(upload, name='cwd.txt', src='in-cwd.txt')},
        {'name': 'missing', 'cloudmesh.libcloud.libcloud_bucket_object': dict(upload, name='x.txt', src='nowhere.txt'),
         'ignore_errors': True},
    ]}]))
    run = run_playbook(project / 'site.yml', workdir)
    assert run.rc == 0, run.output[-3000:]
    s3 = fresh_cloud.boto3_client('s3')
    stored = dict((key, s3.get_object(Bucket=BUCKET, Key=key)['Body'].read().decode())
                  for key in sorted(item['Key'] for item in s3.list_objects_v2(Bucket=BUCKET)['Contents']))
    assert stored == {'cwd.txt': 'working directory file\n', 'role.txt': 'role file\n', 'site/index.html': '<p>site</p>\n'}
    missing = run.result('missing')
    assert missing['failed'] is True and 'nowhere.txt' in missing['msg'] and '\n' not in missing['msg']
