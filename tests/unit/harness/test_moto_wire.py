# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Each MotoWireFix correction on its own, and the middleware around a stand-in app (no moto, no server)."""

from __future__ import annotations

import ast
import inspect
import io
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs

import pytest
from libcloud.compute.drivers import ec2 as libcloud_ec2

from tests.harness.moto_wire import (
    BOOLEAN_RESULT_ACTIONS,
    EC2_NAMESPACE,
    MotoWireFix,
    add_detach_instance_id,
    add_missing_return,
    add_utf8_charset,
    fix_namespace,
    is_ec2_request,
    moto_attached_instance,
    renumber_list_params,
    strip_error_namespace,
)

MOTO_XMLNS = b'xmlns="http://ec2.amazonaws.com/doc/2016-11-15"'
EC2_AUTHORIZATION = ('AWS4-HMAC-SHA256 Credential=AKIDLOCALTESTKEY/20250101/us-east-1/ec2/aws4_request, '
                     'SignedHeaders=host;x-amz-date, Signature=0123abcd')
S3_AUTHORIZATION = EC2_AUTHORIZATION.replace('/ec2/', '/s3/')


def moto_response(action, inner=b''):
    return b'<%sResponse %s><requestId>r-1</requestId>%s</%sResponse>' % (action.encode(), MOTO_XMLNS, inner, action.encode())


def moto_error(code):
    return (b'<?xml version="1.0" encoding="utf-8"?>\n<Response %s><Errors><Error><Code>%s</Code>'
            b'<Message>it failed</Message></Error></Errors><RequestID>r-1</RequestID></Response>' % (MOTO_XMLNS, code.encode()))


def test_namespace_is_the_one_libcloud_reads():
    assert EC2_NAMESPACE == libcloud_ec2.NAMESPACE


def test_fix_namespace_adds_the_trailing_slash():
    fixed = fix_namespace(moto_response('DescribeInstances'))
    assert ET.fromstring(fixed).findtext('{%s}requestId' % libcloud_ec2.NAMESPACE) == 'r-1'


def test_fix_namespace_leaves_a_correct_document_alone():
    fixed = fix_namespace(moto_response('DescribeInstances'))
    assert fix_namespace(fixed) == fixed


def test_strip_error_namespace_lets_libcloud_read_the_error():
    stripped = strip_error_namespace(moto_error('InvalidInstanceID.NotFound'))
    errors = ET.fromstring(stripped).findall('Errors/Error')
    assert [error.findtext('Code') for error in errors] == ['InvalidInstanceID.NotFound']


def test_strip_error_namespace_leaves_success_documents_alone():
    body = moto_response('DescribeInstances')
    assert strip_error_namespace(body) == body


@pytest.mark.parametrize('encoded, expected', [
    pytest.param('Action=CreateTags&ResourceId.0=i-1&Tag.0.Key=a&Tag.0.Value=b&Tag.1.Key=c&Version=2016-11-15',
                 'Action=CreateTags&ResourceId.1=i-1&Tag.1.Key=a&Tag.1.Value=b&Tag.2.Key=c&Version=2016-11-15',
                 id='create-tags'),
    pytest.param('Tag.0.Key=a&Filter.1.Name=b&Filter.1.Value.1=c', 'Tag.1.Key=a&Filter.1.Name=b&Filter.1.Value.1=c',
                 id='only-zero-based-lists'),
    pytest.param('A.0.B.0=w&A.0.B.1=x&A.1.B.0=y&A.1.C.1=z', 'A.1.B.1=w&A.1.B.2=x&A.2.B.1=y&A.2.C.1=z', id='nested'),
    pytest.param('Tag.0.Value=a%3Db%26c+d&Name=Tag.0.Key&Flag', 'Tag.1.Value=a%3Db%26c+d&Name=Tag.0.Key&Flag',
                 id='values-untouched'),
    pytest.param('Action=DescribeInstances&Filter.1.Name=x&Filter.1.Value.1=y', 'Action=DescribeInstances&Filter.1.Name=x&Filter.1.Value.1=y',
                 id='one-based-unchanged'),
    pytest.param('', '', id='empty'),
])
def test_renumber_list_params(encoded, expected):
    assert renumber_list_params(encoded) == expected


def test_add_missing_return_makes_libcloud_report_success():
    fixed = fix_namespace(add_missing_return('RebootInstances', moto_response('RebootInstances')))
    assert ET.fromstring(fixed).findtext('{%s}return' % libcloud_ec2.NAMESPACE) == 'true'


@pytest.mark.parametrize('action, body', [
    pytest.param('DeleteKeyPair', moto_response('DeleteKeyPair', b'<return>false</return>'), id='has-return'),
    pytest.param('DescribeInstances', moto_response('DescribeInstances'), id='not-a-boolean-action'),
])
def test_add_missing_return_leaves_other_responses_alone(action, body):
    assert add_missing_return(action, body) == body


def _actions_read_with_get_boolean():
    """The EC2 actions whose result libcloud's EC2 driver reads with ``_get_boolean``."""
    actions = set()
    for node in ast.walk(ast.parse(inspect.getsource(libcloud_ec2))):
        if not isinstance(node, ast.FunctionDef):
            continue
        calls = [call for call in ast.walk(node) if isinstance(call, ast.Call)]
        if not any(isinstance(call.func, ast.Attribute) and call.func.attr == '_get_boolean' for call in calls):
            continue
        for sub in ast.walk(node):
            if isinstance(sub, ast.Dict):
                pairs = zip(sub.keys, sub.values)
            elif isinstance(sub, ast.Assign) and isinstance(sub.targets[0], ast.Subscript):
                pairs = [(sub.targets[0].slice, sub.value)]
            else:
                continue
            actions.update(value.value for key, value in pairs
                           if isinstance(key, ast.Constant) and key.value == 'Action' and isinstance(value, ast.Constant))
    return actions


def test_boolean_result_actions_cover_libcloud():
    actions = _actions_read_with_get_boolean()
    assert {'RebootInstances', 'CreateTags', 'DeleteTags', 'DeleteVolume'} <= actions
    assert actions <= BOOLEAN_RESULT_ACTIONS


@pytest.mark.parametrize('environ, expected', [
    pytest.param({'HTTP_AUTHORIZATION': EC2_AUTHORIZATION}, True, id='sigv4-ec2'),
    pytest.param({'HTTP_AUTHORIZATION': S3_AUTHORIZATION}, False, id='sigv4-s3'),
    pytest.param({'QUERY_STRING': 'Action=DescribeInstances&SignatureVersion=2&AWSAccessKeyId=AKID'}, False, id='sigv2'),
    pytest.param({}, False, id='unsigned'),
])
def test_is_ec2_request(environ, expected):
    assert is_ec2_request(environ) is expected


class StandInApp:
    """A WSGI app that records the request it got and answers with a fixed status and body."""

    def __init__(self, status, body):
        self.status = status
        self.body = body
        self.seen = {}

    def __call__(self, environ, start_response):
        length = int(environ.get('CONTENT_LENGTH') or 0)
        self.seen = {'query': environ.get('QUERY_STRING', ''), 'length': length, 'body': environ['wsgi.input'].read(length)}
        start_response(self.status, [('Content-Type', 'text/xml'), ('Content-Length', str(len(self.body)))])
        return [self.body]


def call(app, authorization, query='', body=b''):
    environ = {'REQUEST_METHOD': 'POST' if body else 'GET', 'QUERY_STRING': query, 'HTTP_AUTHORIZATION': authorization,
               'wsgi.input': io.BytesIO(body), 'CONTENT_LENGTH': str(len(body))}
    if body:
        environ['CONTENT_TYPE'] = 'application/x-www-form-urlencoded; charset=utf-8'
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer.update(status=status, headers=dict(headers))

    answer['body'] = b''.join(app(environ, start_response))
    return answer


def test_middleware_fixes_an_ec2_query_request_and_its_response():
    moto = StandInApp('200 OK', moto_response('CreateTags'))
    answer = call(MotoWireFix(moto), EC2_AUTHORIZATION, query='Action=CreateTags&ResourceId.0=i-1&Tag.0.Key=a')
    assert moto.seen['query'] == 'Action=CreateTags&ResourceId.1=i-1&Tag.1.Key=a'
    assert answer['body'] == (b'<CreateTagsResponse xmlns="%s"><requestId>r-1</requestId><return>true</return>'
                              b'</CreateTagsResponse>' % EC2_NAMESPACE.encode())
    assert answer['headers']['Content-Length'] == str(len(answer['body']))


def test_add_utf8_charset_only_to_a_bare_text_xml():
    fixed = add_utf8_charset([('Content-Type', 'text/xml'), ('Server', 'moto')])
    assert fixed == [('Content-Type', 'text/xml;charset=UTF-8'), ('Server', 'moto')]
    assert add_utf8_charset([('content-type', 'text/xml; charset=ISO-8859-1')]) == [('content-type', 'text/xml; charset=ISO-8859-1')]
    assert add_utf8_charset([('Content-Type', 'application/json')]) == [('Content-Type', 'application/json')]


def test_middleware_declares_utf8_on_ec2_answers_only():
    answer = call(MotoWireFix(StandInApp('200 OK', moto_response('DescribeInstances'))), EC2_AUTHORIZATION, query='Action=DescribeInstances')
    assert answer['headers']['Content-Type'] == 'text/xml;charset=UTF-8'
    answer = call(MotoWireFix(StandInApp('200 OK', b'<x/>')), S3_AUTHORIZATION, query='list-type=2')
    assert answer['headers']['Content-Type'] == 'text/xml'


def test_middleware_fixes_an_ec2_form_request():
    moto = StandInApp('200 OK', moto_response('DeleteTags'))
    answer = call(MotoWireFix(moto), EC2_AUTHORIZATION, body=b'Action=DeleteTags&ResourceId.0=i-1&Tag.0.Key=a')
    assert moto.seen['body'] == b'Action=DeleteTags&ResourceId.1=i-1&Tag.1.Key=a'
    assert moto.seen['length'] == len(moto.seen['body'])
    assert b'<return>true</return>' in answer['body']


def test_middleware_adds_no_return_to_an_error():
    moto = StandInApp('400 BAD REQUEST', moto_error('InvalidInstanceID.NotFound'))
    answer = call(MotoWireFix(moto), EC2_AUTHORIZATION, query='Action=RebootInstances&InstanceId.1=i-1')
    assert answer['status'] == '400 BAD REQUEST'
    assert b'<return>' not in answer['body']
    assert b'<Response><Errors>' in answer['body']


def test_middleware_passes_s3_through_untouched():
    body = moto_response('CreateTags')  # looks like EC2, but an S3 request must come back byte for byte
    moto = StandInApp('200 OK', body)
    answer = call(MotoWireFix(moto), S3_AUTHORIZATION, query='list-type=2&prefix=Tag.0.Key', body=b'Tag.0.Key=a')
    assert moto.seen == {'query': 'list-type=2&prefix=Tag.0.Key', 'length': 11, 'body': b'Tag.0.Key=a'}
    assert answer['body'] == body


# Volume id -> the instance it is attached to, as moto's state would answer (vol-2 is detached).
ATTACHED = {'vol-1': 'i-1'}


@pytest.mark.parametrize('encoded, expected', [
    pytest.param('Action=DetachVolume&VolumeId=vol-1&Version=2016-11-15',
                 'Action=DetachVolume&VolumeId=vol-1&Version=2016-11-15&InstanceId=i-1', id='libcloud'),
    pytest.param('Action=DetachVolume&Force=1&VolumeId=vol-1', 'Action=DetachVolume&Force=1&VolumeId=vol-1&InstanceId=i-1',
                 id='forced'),
    pytest.param('Action=DetachVolume&VolumeId=vol-1&InstanceId=i-9', 'Action=DetachVolume&VolumeId=vol-1&InstanceId=i-9',
                 id='instance-named'),
    pytest.param('Action=DetachVolume&VolumeId=vol-2', 'Action=DetachVolume&VolumeId=vol-2', id='not-attached'),
    pytest.param('Action=DetachVolume&VolumeId=vol-404', 'Action=DetachVolume&VolumeId=vol-404', id='unknown-volume'),
    pytest.param('Action=DetachVolume', 'Action=DetachVolume', id='no-volume'),
    pytest.param('Action=DeleteVolume&VolumeId=vol-1', 'Action=DeleteVolume&VolumeId=vol-1', id='other-action'),
    pytest.param('', '', id='empty'),
])
def test_add_detach_instance_id(encoded, expected):
    assert add_detach_instance_id(encoded, ATTACHED.get) == expected


def test_add_detach_instance_id_looks_up_only_a_detach_without_instance():
    looked_up = []
    for encoded in ('Action=DeleteVolume&VolumeId=vol-1', 'Action=DetachVolume&VolumeId=vol-1&InstanceId=i-1',
                    'Action=DetachVolume&VolumeId=vol-2'):
        add_detach_instance_id(encoded, looked_up.append)
    assert looked_up == ['vol-2']


def test_add_detach_instance_id_lets_moto_read_the_instance():
    fixed = add_detach_instance_id('Action=DetachVolume&VolumeId=vol-1', {'vol-1': 'i-0a+b c'}.get)
    assert parse_qs(fixed) == {'Action': ['DetachVolume'], 'VolumeId': ['vol-1'], 'InstanceId': ['i-0a+b c']}


class Lookups:
    """A stand-in for moto's state: records each (volume id, region, access key) asked about."""

    def __init__(self, attached):
        self.attached = attached
        self.asked = []

    def __call__(self, volume_id, region, access_key_id):
        self.asked.append((volume_id, region, access_key_id))
        return self.attached.get(volume_id)


@pytest.mark.parametrize('form', [False, True], ids=['query', 'form-body'])
def test_middleware_names_the_instance_of_a_detach(form):
    moto = StandInApp('200 OK', moto_response('DetachVolume'))
    lookups = Lookups(ATTACHED)
    request = 'Action=DetachVolume&VolumeId=vol-1&Version=2016-11-15'
    authorization = EC2_AUTHORIZATION.replace('us-east-1', 'eu-west-2')
    if form:
        call(MotoWireFix(moto, attached_instance=lookups), authorization, body=request.encode())
        expected = request.encode() + b'&InstanceId=i-1'
        assert (moto.seen['body'], moto.seen['length']) == (expected, len(expected))
    else:
        call(MotoWireFix(moto, attached_instance=lookups), authorization, query=request)
        assert moto.seen['query'] == request + '&InstanceId=i-1'
    assert lookups.asked == [('vol-1', 'eu-west-2', 'AKIDLOCALTESTKEY')]


def test_middleware_leaves_a_detached_volume_to_moto():
    moto = StandInApp('400 BAD REQUEST', moto_error('IncorrectState'))
    answer = call(MotoWireFix(moto, attached_instance=Lookups(ATTACHED)), EC2_AUTHORIZATION,
                  query='Action=DetachVolume&VolumeId=vol-2')
    assert moto.seen['query'] == 'Action=DetachVolume&VolumeId=vol-2'
    assert answer['status'] == '400 BAD REQUEST'


def test_middleware_never_looks_up_s3():
    lookups = Lookups(ATTACHED)
    moto = StandInApp('200 OK', b'<x/>')
    call(MotoWireFix(moto, attached_instance=lookups), S3_AUTHORIZATION, query='Action=DetachVolume&VolumeId=vol-1')
    assert (moto.seen['query'], lookups.asked) == ('Action=DetachVolume&VolumeId=vol-1', [])


def test_moto_attached_instance_reads_motos_state():
    """In process (mock_aws): the lookup the server's middleware makes, in the account and region of the request."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        ec2 = boto3.client('ec2', region_name='eu-west-1', aws_access_key_id='AKIDLOCALTESTKEY', aws_secret_access_key='x')
        image_id = ec2.describe_images()['Images'][0]['ImageId']
        instance_id = ec2.run_instances(ImageId=image_id, MinCount=1, MaxCount=1, Placement={'AvailabilityZone': 'eu-west-1a'})['Instances'][0]['InstanceId']
        attached, detached = (ec2.create_volume(Size=1, AvailabilityZone='eu-west-1a')['VolumeId'] for dummy in range(2))
        ec2.attach_volume(VolumeId=attached, InstanceId=instance_id, Device='/dev/sdf')
        assert moto_attached_instance(attached, 'eu-west-1', 'AKIDLOCALTESTKEY') == instance_id
        assert moto_attached_instance(detached, 'eu-west-1', 'AKIDLOCALTESTKEY') is None
        assert moto_attached_instance('vol-0123456789abcdef0', 'eu-west-1', 'AKIDLOCALTESTKEY') is None
        assert moto_attached_instance(attached, 'us-east-1', 'AKIDLOCALTESTKEY') is None
        assert moto_attached_instance(attached, 'nowhere-1', 'AKIDLOCALTESTKEY') is None
