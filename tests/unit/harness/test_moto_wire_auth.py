# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The corrections an authenticating local cloud needs, each on its own, checked with moto's own signature check
(in process, no server): libcloud's signatures are verified as AWS would and signed again so that moto accepts them."""

from __future__ import annotations

import hashlib
import io
import xml.etree.ElementTree as ET
from types import SimpleNamespace
from urllib.parse import parse_qs, urlencode

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from libcloud.common.aws import AWSRequestSignerAlgorithmV4
from libcloud.common.types import InvalidCredsError
from libcloud.compute.drivers import ec2 as libcloud_ec2
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.iam.access_control import IAMRequest, S3IAMRequest
from werkzeug.datastructures import EnvironHeaders
from werkzeug.exceptions import HTTPException

from tests.harness.local_cloud import AUTH_USER, KeepAuthUser, install_auth_user, make_auth_credentials
from tests.harness.moto_wire import (
    MotoWireFix,
    canonical_target,
    drop_error_type,
    moto_secret_for,
    needs_resigning,
    parse_sigv4_authorization,
    renumber_list_params,
    request_headers,
    request_target,
    resign_for_moto,
    sigv4_signature,
)

KEY = 'AKIDLOCALAUTHUNIT'
SECRET = 'local-auth-secret-unit-test'
HOST = '127.0.0.1:5000'

# moto's answer to a refused EC2 signature or key (moto.core.exceptions.AuthFailureError), byte for byte.
MOTO_AUTH_FAILURE = (b'<?xml version="1.0" encoding="utf-8"?>\n<ErrorResponse><Errors><Error><Code>AuthFailure</Code>'
                     b'<Message>AWS was not able to validate the provided access credentials</Message><Type>Sender</Type>'
                     b'</Error></Errors></ErrorResponse>')


def libcloud_signed(service, params=None, method='GET', path='/', key=KEY, secret=SECRET):
    """A WSGI environ for a request as libcloud 3.9.1 sends it: signed by its own SigV4 signer, the query encoded
    by ``urlencode`` (``Connection.request``), ``User-Agent`` and ``Accept-Encoding`` signed."""
    connection = SimpleNamespace(driver=SimpleNamespace(region_name='us-east-1'), service_name=service)
    signer = AWSRequestSignerAlgorithmV4(key, secret, '2016-11-15', connection)
    params = signer.get_request_params(dict(params or {}), method=method, path=path)
    headers = {'User-Agent': 'libcloud/3.9.1 (Amazon EC2) ', 'Accept-Encoding': 'gzip,deflate', 'Host': HOST}
    params, headers = signer.get_request_headers(params, headers, method=method, path=path)
    environ = {'REQUEST_METHOD': method, 'PATH_INFO': path, 'RAW_URI': path, 'QUERY_STRING': urlencode(params, doseq=True),
               'wsgi.input': io.BytesIO(b''), 'CONTENT_LENGTH': ''}
    # An HTTP server strips the header values' surrounding blanks (libcloud's User-Agent ends with one).
    environ.update(('HTTP_' + name.upper().replace('-', '_'), value.strip()) for name, value in headers.items())
    return environ


def moto_checks(environ, body=b''):
    """Run moto's own signature check (the one its server runs) on a request; raise what moto would answer."""
    headers = EnvironHeaders(environ)
    service = parse_sigv4_authorization(headers['Authorization'])['service']
    request_class = S3IAMRequest if service == 's3' else IAMRequest
    data = dict((name, values[0]) for name, values in parse_qs(environ['QUERY_STRING']).items())
    request = request_class(account_id=DEFAULT_ACCOUNT_ID, method=environ['REQUEST_METHOD'], path=request_target(environ),
                            data=data, body=body, headers=headers, action=data.get('Action', 'ListBuckets'))
    request.check_signature()


@pytest.fixture
def moto_iam():
    """moto in process with the harness's IAM user: KEY / SECRET is the one access key it knows."""
    with mock_aws():
        install_auth_user(KEY, SECRET)
        yield


def test_drop_error_type_lets_libcloud_raise_invalid_creds():
    response = SimpleNamespace(status=401, body=MOTO_AUTH_FAILURE)
    with pytest.raises(ValueError, match='too many values to unpack'):
        libcloud_ec2.EC2Response.parse_error(response)
    response.body = drop_error_type(MOTO_AUTH_FAILURE)
    with pytest.raises(InvalidCredsError) as raised:
        libcloud_ec2.EC2Response.parse_error(response)
    assert raised.value.value == 'AuthFailure: AWS was not able to validate the provided access credentials'
    assert [element.tag for element in ET.fromstring(response.body).find('Errors/Error')] == ['Code', 'Message']


def test_parse_sigv4_authorization():
    environ = libcloud_signed('ec2', {'Action': 'DescribeInstances'})
    parts = parse_sigv4_authorization(environ['HTTP_AUTHORIZATION'])
    assert (parts['key'], parts['region'], parts['service']) == (KEY, 'us-east-1', 'ec2')
    assert parts['signed_headers'] == ['accept-encoding', 'host', 'user-agent', 'x-amz-content-sha256', 'x-amz-date']
    assert len(parts['signature']) == 64
    assert parse_sigv4_authorization('AWS AKID:signature') is None
    assert parse_sigv4_authorization('') is None


@pytest.mark.parametrize('service, params', [
    pytest.param('ec2', {'Action': 'DescribeInstances'}, id='ec2'),
    pytest.param('ec2', {'Action': 'CreateTags', 'ResourceId.0': 'i-1', 'Tag.0.Key': 'team', 'Tag.0.Value': 'blue'}, id='ec2-tags'),
    pytest.param('s3', {'list-type': '2', 'prefix': 'a/b'}, id='s3'),
])
def test_sigv4_signature_is_libclouds_own(service, params):
    environ = libcloud_signed(service, params)
    signature = sigv4_signature('GET', request_target(environ), request_headers(environ), b'', SECRET)
    assert signature == parse_sigv4_authorization(environ['HTTP_AUTHORIZATION'])['signature']
    assert sigv4_signature('GET', request_target(environ), request_headers(environ), b'', 'wrong') != signature


def test_sigv4_signature_is_botocores_without_user_agent():
    request = AWSRequest(method='GET', url='http://%s/?Action=DescribeVpcs&Version=2016-11-15' % HOST, headers={'Host': HOST})
    SigV4Auth(Credentials(KEY, SECRET), 'ec2', 'us-east-1').add_auth(request)
    headers = dict(request.headers.items())
    signature = sigv4_signature('GET', '/?Action=DescribeVpcs&Version=2016-11-15', headers, b'', SECRET)
    assert signature == parse_sigv4_authorization(headers['Authorization'])['signature']


@pytest.mark.parametrize('target, expected', [
    ('/?Action=CreateTags&Tag.1.Value=blue+team', '/?Action=CreateTags&Tag.1.Value=blue%20team'),
    ('/?a=%7e%2Fb&c=d~e', '/?a=~%2Fb&c=d~e'),
    ('/bucket/key?uploads', '/bucket/key?uploads'),
    ('/bucket/a%20b', '/bucket/a%20b'),
])
def test_canonical_target(target, expected):
    assert canonical_target(target) == expected


def test_moto_refuses_libclouds_signature_because_of_the_user_agent(moto_iam):
    environ = libcloud_signed('ec2', {'Action': 'DescribeInstances'})
    with pytest.raises(HTTPException) as raised:
        moto_checks(environ)
    assert raised.value.code == 401


@pytest.mark.parametrize('service, params', [
    pytest.param('ec2', {'Action': 'DescribeInstances'}, id='user-agent'),
    pytest.param('s3', {'list-type': '2', 'prefix': 'a b'}, id='s3-space'),
    pytest.param('ec2', {'Action': 'CreateTags', 'ResourceId.0': 'i-1', 'Tag.0.Key': 'team', 'Tag.0.Value': 'blue team'},
                 id='renumbered'),
])
def test_resigned_request_passes_moto_check(moto_iam, service, params):
    environ = libcloud_signed(service, params)
    signed = request_target(environ), b''
    if service == 'ec2':
        environ['QUERY_STRING'] = renumber_list_params(environ['QUERY_STRING'])
    sent = request_target(environ), b''
    headers = request_headers(environ)
    assert needs_resigning(headers, signed, sent)
    new = resign_for_moto('GET', signed, sent, headers, SECRET)
    assert set(new) == {'Authorization', 'X-Amz-Content-SHA256'}
    assert new['X-Amz-Content-SHA256'] == hashlib.sha256(b'').hexdigest()
    assert 'user-agent' not in parse_sigv4_authorization(new['Authorization'])['signed_headers']
    environ.update(HTTP_AUTHORIZATION=new['Authorization'], HTTP_X_AMZ_CONTENT_SHA256=new['X-Amz-Content-SHA256'])
    moto_checks(environ)


def test_a_wrong_secret_is_not_resigned(moto_iam):
    environ = libcloud_signed('ec2', {'Action': 'CreateTags', 'ResourceId.0': 'i-1', 'Tag.0.Key': 'a'}, secret='not-the-secret')
    signed = request_target(environ), b''
    environ['QUERY_STRING'] = renumber_list_params(environ['QUERY_STRING'])
    assert resign_for_moto('GET', signed, (request_target(environ), b''), request_headers(environ), SECRET) is None


def test_resigning_a_changed_form_body_declares_its_new_hash(moto_iam):
    body = b'Action=CreateTags&ResourceId.0=i-1&Tag.0.Key=a&Version=2016-11-15'
    request = AWSRequest(method='POST', url='http://%s/' % HOST, data=body,
                         headers={'Host': HOST, 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
                                  'X-Amz-Content-SHA256': hashlib.sha256(body).hexdigest()})
    SigV4Auth(Credentials(KEY, SECRET), 'ec2', 'us-east-1').add_auth(request)
    new_body = renumber_list_params(body.decode()).encode()
    new = resign_for_moto('POST', ('/', body), ('/', new_body), dict(request.headers.items()), SECRET)
    assert new['X-Amz-Content-SHA256'] == hashlib.sha256(new_body).hexdigest()
    environ = {'REQUEST_METHOD': 'POST', 'PATH_INFO': '/', 'QUERY_STRING': '', 'CONTENT_TYPE': request.headers['Content-Type']}
    environ.update(('HTTP_' + name.upper().replace('-', '_'), value) for name, value in request.headers.items() if name != 'Content-Type')
    environ.update(HTTP_AUTHORIZATION=new['Authorization'], HTTP_X_AMZ_CONTENT_SHA256=new['X-Amz-Content-SHA256'])
    moto_checks(environ, new_body)


def test_a_boto3_request_needs_no_resigning():
    request = AWSRequest(method='GET', url='http://%s/?Action=DescribeVpcs&Version=2016-11-15' % HOST, headers={'Host': HOST})
    SigV4Auth(Credentials(KEY, SECRET), 'ec2', 'us-east-1').add_auth(request)
    target = ('/?Action=DescribeVpcs&Version=2016-11-15', b'')
    assert not needs_resigning(dict(request.headers.items()), target, target)


class Recorder:
    """A stand-in for moto: records the request it got, answers 200 with an empty EC2 document."""

    def __init__(self):
        self.environ = None

    def __call__(self, environ, start_response):
        self.environ = dict(environ)
        start_response('200 OK', [('Content-Type', 'text/xml')])
        return [b'<CreateTagsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"></CreateTagsResponse>']


def through(middleware, environ):
    return b''.join(middleware(environ, lambda status, headers, exc_info=None: None))


def test_middleware_resigns_a_renumbered_request_moto_then_accepts(moto_iam):
    moto = Recorder()
    environ = libcloud_signed('ec2', {'Action': 'CreateTags', 'ResourceId.0': 'i-1', 'Tag.0.Key': 'a', 'Tag.0.Value': 'b c'})
    through(MotoWireFix(moto, secret_for=moto_secret_for), environ)
    assert 'ResourceId.1=i-1' in moto.environ['QUERY_STRING']
    moto_checks(moto.environ)


@pytest.mark.parametrize('key, secret', [(KEY, 'wrong-secret'), ('AKIDUNKNOWNKEY', SECRET)], ids=['wrong-secret', 'unknown-key'])
def test_middleware_leaves_bad_credentials_for_moto_to_refuse(moto_iam, key, secret):
    moto = Recorder()
    environ = libcloud_signed('ec2', {'Action': 'DescribeInstances'}, key=key, secret=secret)
    authorization = environ['HTTP_AUTHORIZATION']
    through(MotoWireFix(moto, secret_for=moto_secret_for), environ)
    assert moto.environ['HTTP_AUTHORIZATION'] == authorization
    with pytest.raises(HTTPException):
        moto_checks(moto.environ)


def test_middleware_without_secrets_does_not_resign():
    moto = Recorder()
    environ = libcloud_signed('ec2', {'Action': 'DescribeInstances'})
    authorization = environ['HTTP_AUTHORIZATION']
    through(MotoWireFix(moto), environ)
    assert moto.environ['HTTP_AUTHORIZATION'] == authorization


def test_middleware_resigns_s3_without_changing_it(moto_iam):
    moto = Recorder()
    environ = libcloud_signed('s3', {'list-type': '2'}, path='/bucket')
    query = environ['QUERY_STRING']
    through(MotoWireFix(moto, secret_for=moto_secret_for), environ)
    assert (moto.environ['QUERY_STRING'], moto.environ['PATH_INFO']) == (query, '/bucket')
    moto_checks(moto.environ)


def test_auth_user_is_what_moto_and_boto3_see(moto_iam):
    assert moto_secret_for(KEY) == SECRET
    assert moto_secret_for('AKIDUNKNOWNKEY') is None
    client = boto3.client('iam', region_name='us-east-1', aws_access_key_id=KEY, aws_secret_access_key=SECRET)
    keys = client.list_access_keys(UserName=AUTH_USER)['AccessKeyMetadata']
    assert [key['AccessKeyId'] for key in keys] == [KEY]


def test_keep_auth_user_sets_the_user_up_again_after_a_reset():
    from moto.moto_api._internal.models import moto_api_backend

    def moto(environ, start_response):
        moto_api_backend.reset()  # what moto answers POST /moto-api/reset with
        start_response('200 OK', [])
        return [b'{"status": "ok"}']

    with mock_aws():
        app = KeepAuthUser(moto, KEY, SECRET)
        assert moto_secret_for(KEY) == SECRET
        through(app, {'REQUEST_METHOD': 'POST', 'PATH_INFO': '/moto-api/reset'})
        assert moto_secret_for(KEY) == SECRET


def test_auth_credentials_are_fresh_and_unlike_aws_keys():
    first, second = make_auth_credentials(), make_auth_credentials()
    assert first != second
    assert not first[0].startswith(('AKIA', 'ASIA'))
    assert 'local' in first[1]
