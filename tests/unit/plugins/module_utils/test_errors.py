# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError, describe_exception


def test_module_errors_keep_their_message():
    assert describe_exception(LibcloudModuleError('no key given')) == 'no key given'


def test_multi_line_errors_become_one_line_and_secrets_are_masked():
    exc = RuntimeError('failed for AKIDXYZ\n  with secret hunter2\n')
    text = describe_exception(exc, secrets=['hunter2', 'AKIDXYZ'])
    assert text == 'RuntimeError: failed for ******** with secret ********'


def test_aws_error_bodies_are_reduced_to_code_and_message():
    body = '<Response><Errors><Error><Code>InvalidAMIID.NotFound</Code><Message>The image id ami-1 does not exist</Message>' \
           '</Error></Errors></Response>'
    assert describe_exception(Exception(body)) == 'Exception: InvalidAMIID.NotFound: The image id ami-1 does not exist'


def test_long_errors_are_cut():
    assert len(describe_exception(Exception('x' * 5000))) == 500
