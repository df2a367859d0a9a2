# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

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


PEM = ('-----BEGIN PRIVATE KEY-----\n'
       'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n'
       '  VJTUt9Us8cKjMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n'
       '-----END PRIVATE KEY-----\n')


def test_a_multi_line_secret_is_masked_as_given_and_as_collapsed_to_one_line():
    collapsed = ' '.join(PEM.split())
    exc = RuntimeError('cannot load key %s\nfrom the entry; once more on one line: %s.' % (PEM, collapsed))
    text = describe_exception(exc, secrets=[PEM])
    assert text == 'RuntimeError: cannot load key ******** from the entry; once more on one line: ********.'
    for line in PEM.split('\n'):
        if line.strip():
            assert line.strip() not in text


@pytest.mark.parametrize('shown', [PEM, PEM.strip()])
def test_a_multi_line_secret_shown_as_a_repr_is_masked(shown):
    # libcloud's LibcloudError (InvalidCredsError, ...) shows its value as a repr: the secret's newlines become \n.
    exc = RuntimeError('bad key file: %r' % shown)
    text = describe_exception(exc, secrets=[PEM])
    assert text == "RuntimeError: bad key file: '********'"
    assert 'MIIEvQ' not in text


def test_a_secret_inside_a_longer_one_does_not_break_the_longer_ones_mask():
    exc = RuntimeError('key file %s' % PEM)
    text = describe_exception(exc, secrets=['MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7', PEM])
    assert text == 'RuntimeError: key file ********'
