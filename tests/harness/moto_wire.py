# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""WSGI middleware that makes moto's EC2 wire format look like AWS's, as libcloud's EC2 driver expects.

moto 5.2.5 speaks EC2 slightly differently from AWS, and libcloud 3.9.1's EC2 driver
(``libcloud.compute.drivers.ec2.EC2NodeDriver``) silently misreads it. Each correction is a small pure
function named after what it fixes:

- ``fix_namespace``: the EC2 XML namespace lacks AWS's trailing slash (every parse comes back empty);
- ``strip_error_namespace``: error documents carry a namespace AWS does not send (error messages are lost);
- ``renumber_list_params``: lists indexed from 0 (``ResourceId.0``, ``Tag.0.Key``) are rejected;
- ``add_missing_return``: no ``<return>true</return>`` on RebootInstances, CreateTags, DeleteTags, ...
- ``drop_error_type``: error documents carry a ``<Type>`` element that makes libcloud's error parser crash;
- ``add_utf8_charset``: ``text/xml`` answers without a charset (requests then decodes them as ISO-8859-1);
- ``add_detach_instance_id``: DetachVolume without ``InstanceId`` (all libcloud sends) answers HTTP 500; AWS
  detaches the volume from whichever instance holds it. The instance is looked up in moto's own state
  (``moto_attached_instance``).

``MotoWireFix`` applies them to EC2 requests only. Nothing else changes: S3 and every other service pass
through untouched, and EC2 semantics (pagination with ``nextToken`` included) stay moto's.

When moto checks credentials (``LocalCloud(auth=True)``), one more correction applies to every signed request,
S3 included, and only there:

- ``resign_for_moto``: moto cannot verify a SigV4 signature over the ``User-Agent`` header, which libcloud
  signs, nor one over a request that ``renumber_list_params`` has changed. The middleware verifies the
  client's signature itself, exactly as AWS would, and only when it is right signs the request again, with
  the secret moto holds for that key, in the form moto's check computes. ``add_detach_instance_id`` changes the
  request too: it runs before, so the request moto receives is the one signed again.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import re
from collections.abc import Callable
from urllib.parse import parse_qs, quote, unquote_plus, urlsplit

from botocore.auth import SIGNED_HEADERS_BLACKLIST, S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

# The namespace libcloud's EC2 driver looks for (libcloud.compute.drivers.ec2.NAMESPACE); AWS ends it with "/".
EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/'

_NAMESPACE_WITHOUT_SLASH = re.compile(rb'xmlns="(http://ec2\.amazonaws\.com/doc/\d{4}-\d{2}-\d{2})"')

# The root of an EC2 error document (success documents are rooted at <ActionResponse>).
_NAMESPACED_ERROR_ROOT = re.compile(rb'<Response xmlns="http://ec2\.amazonaws\.com/doc/[^"]*">')

# SigV4 credential scope: Credential=<key>/<date>/<region>/<service>/aws4_request
_SIGV4_SERVICE = re.compile(r'Credential=[^/,\s]+/\d{8}/[^/,\s]+/([^/,\s]+)/aws4_request')

_FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded'

# A whole SigV4 Authorization header, as every AWS SDK and libcloud write it.
_SIGV4_AUTHORIZATION = re.compile(
    r'^AWS4-HMAC-SHA256\s+Credential=(?P<key>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[^/,\s]+)/(?P<service>[^/,\s]+)/aws4_request,'
    r'\s*SignedHeaders=(?P<signed_headers>[^,\s]+),\s*Signature=(?P<signature>[0-9a-f]+)\s*$')

# The header holding the payload's SHA-256 (or UNSIGNED-PAYLOAD); moto, like botocore, takes its value on trust.
_CONTENT_SHA256 = 'x-amz-content-sha256'

# An element moto adds to its error documents (<Code>, <Message>, <Type>Sender</Type>); AWS's EC2 errors have two.
_ERROR_TYPE = re.compile(rb'<Type>[^<]*</Type>')

# EC2 actions whose AWS response carries <return>true</return> and whose result libcloud 3.9.1 reads from
# that element alone (EC2NodeDriver._get_boolean). moto answers several of them with an empty result.
BOOLEAN_RESULT_ACTIONS = frozenset((
    'AttachInternetGateway',
    'AuthorizeSecurityGroupEgress',
    'AuthorizeSecurityGroupIngress',
    'CreatePlacementGroup',
    'CreateRoute',
    'CreateTags',
    'DeleteInternetGateway',
    'DeleteKeyPair',
    'DeleteNetworkInterface',
    'DeletePlacementGroup',
    'DeleteRoute',
    'DeleteRouteTable',
    'DeleteSecurityGroup',
    'DeleteSnapshot',
    'DeleteSubnet',
    'DeleteTags',
    'DeleteVolume',
    'DeleteVpc',
    'DeregisterImage',
    'DetachInternetGateway',
    'DetachNetworkInterface',
    'DisassociateAddress',
    'DisassociateRouteTable',
    'ModifyImageAttribute',
    'ModifyInstanceAttribute',
    'ModifySnapshotAttribute',
    'ModifySubnetAttribute',
    'RebootInstances',
    'ReleaseAddress',
    'ReplaceRoute',
    'RevokeSecurityGroupEgress',
    'RevokeSecurityGroupIngress',
))


def fix_namespace(body: bytes) -> bytes:
    """Add the trailing slash AWS puts on the EC2 XML namespace.

    moto writes ``xmlns="http://ec2.amazonaws.com/doc/2016-11-15"``; libcloud looks elements up as
    ``{http://ec2.amazonaws.com/doc/2016-11-15/}name``, so without the slash every findall comes back empty:
    no nodes, images or locations, and no error either.
    """
    return _NAMESPACE_WITHOUT_SLASH.sub(rb'xmlns="\1/"', body)


def strip_error_namespace(body: bytes) -> bytes:
    """Take the EC2 namespace off an error document, as AWS sends it.

    AWS's ``<Response><Errors><Error>`` has no namespace and libcloud looks for ``Errors/Error`` without one;
    moto puts the EC2 namespace on it, so libcloud finds no error: its exceptions carry an empty message
    and the specific ones (InvalidCredsError, KeyPairDoesNotExistError, ...) are never raised.
    """
    return _NAMESPACED_ERROR_ROOT.sub(b'<Response>', body, count=1)


def add_utf8_charset(headers: list) -> list:
    """Declare the charset of an EC2 answer, as AWS does (``text/xml;charset=UTF-8``).

    moto sends ``Content-Type: text/xml`` with no charset; libcloud reads answers through requests, which then
    decodes any text/* body as ISO-8859-1, so every non-ASCII character (a tag value such as ``café``) comes
    back garbled (``cafÃ©``). Only a bare ``text/xml`` changes.
    """
    return [(name, 'text/xml;charset=UTF-8') if name.lower() == 'content-type' and value.strip().lower() == 'text/xml'
            else (name, value) for name, value in headers]


def renumber_list_params(encoded: str) -> str:
    """Renumber list parameters that start at 0 so that they start at 1, as AWS's query protocol does.

    libcloud sends some lists from index 0 (``ResourceId.0``, ``Tag.0.Key`` in CreateTags/DeleteTags, which
    create_volume and create_volume_snapshot call too); AWS takes them, moto answers 400. ``encoded`` is a
    query string or form body; only the keys of lists that contain index 0 change, values keep their bytes.
    """
    if not encoded:
        return encoded
    pairs = [pair.partition('=') for pair in encoded.split('&')]
    # A list is zero-based when some key has "0" right after its prefix, e.g. ("Tag",) for "Tag.0.Key".
    zero_based = set()
    for key, _sep, _value in pairs:
        parts = key.split('.')
        zero_based.update(tuple(parts[:index]) for index, part in enumerate(parts) if index and part == '0')
    if not zero_based:
        return encoded

    def shift(key: str) -> str:
        parts = key.split('.')
        return '.'.join(
            str(int(part) + 1) if part.isdigit() and tuple(parts[:index]) in zero_based else part
            for index, part in enumerate(parts)
        )

    return '&'.join(shift(key) + sep + value for key, sep, value in pairs)


def add_missing_return(action: str, body: bytes) -> bytes:
    """Add ``<return>true</return>`` to a successful response of ``action`` that lacks it.

    AWS answers RebootInstances, CreateTags, DeleteTags and the like with ``<return>true</return>``; moto
    sends an empty ``<ActionResponse>``, so libcloud's ``_get_boolean`` reports failure (False) for a call
    that worked. Call this for 2xx responses only.
    """
    if action not in BOOLEAN_RESULT_ACTIONS or b'<return>' in body:
        return body
    closing = ('</%sResponse>' % action).encode('ascii')
    return body.replace(closing, b'<return>true</return>' + closing, 1)


def drop_error_type(body: bytes) -> bytes:
    """Drop the ``<Type>`` element moto puts in its error documents' ``<Error>``; AWS's EC2 errors have none.

    moto answers a refused signature or access key with ``<Error><Code>AuthFailure</Code><Message>...</Message>
    <Type>Sender</Type></Error>``; libcloud's EC2 driver unpacks each error into exactly (code, message), so a
    third element makes it raise ``ValueError: too many values to unpack`` instead of ``InvalidCredsError``.
    Call this for error (non-2xx) responses only.
    """
    return _ERROR_TYPE.sub(b'', body)


def add_detach_instance_id(encoded: str, attached_instance: Callable[[str], str | None]) -> str:
    """Name the instance in a DetachVolume request that names none, as AWS works it out for itself.

    libcloud 3.9.1's ``detach_volume`` sends ``Action=DetachVolume&VolumeId=vol-...`` only; AWS detaches the
    volume from the instance it is attached to, while moto 5.2.5 looks up instance ``None`` and answers HTTP 500.
    ``encoded`` is a query string or form body; ``attached_instance(volume_id)`` gives the id of the instance the
    volume is attached to, or None. Only a DetachVolume with a VolumeId and no InstanceId, of a volume that is
    attached, gains ``&InstanceId=...``; anything else (a detached or unknown volume included) is returned
    unchanged, for moto to answer with its own error.
    """
    params = parse_qs(encoded, keep_blank_values=True)
    if params.get('Action') != ['DetachVolume'] or 'InstanceId' in params or not params.get('VolumeId'):
        return encoded
    instance_id = attached_instance(params['VolumeId'][0])
    if not instance_id:
        return encoded
    return encoded + '&InstanceId=' + quote(instance_id, safe='')


def parse_sigv4_authorization(value: str) -> dict | None:
    """The parts of a SigV4 ``Authorization`` header (key, date, region, service, signed_headers, signature), or None."""
    match = _SIGV4_AUTHORIZATION.match(value or '')
    if not match:
        return None
    parts = match.groupdict()
    parts['signed_headers'] = parts['signed_headers'].split(';')
    return parts


class _ExactSigV4Auth(SigV4Auth):
    """SigV4 as the specification (and AWS) computes it: over every header the client signed."""

    def headers_to_sign(self, request):
        signed = HTTPHeaders()
        for name, value in request.headers.items():
            signed[name.lower()] = value
        return signed


class _ExactS3SigV4Auth(S3SigV4Auth):
    """S3's variant of SigV4 (no path normalisation), over every header the client signed."""

    headers_to_sign = _ExactSigV4Auth.headers_to_sign


def sigv4_signature(method: str, target: str, headers: dict, body: bytes, secret: str) -> str:
    """The SigV4 signature of a request, computed with ``secret`` over what its ``Authorization`` header names.

    ``target`` is the request's path and query string as sent (``/?Action=...``), ``headers`` its headers (any
    case; ``Authorization`` and ``X-Amz-Date`` among them). Every header named in ``SignedHeaders`` takes part,
    ``User-Agent`` included, as on AWS; the path and query are canonicalised the way moto's check does it
    (botocore's signer, S3's variant for the ``s3`` service: the query as it is, see ``canonical_target``).
    """
    lowered = dict((name.lower(), value) for name, value in headers.items())
    authorization = parse_sigv4_authorization(lowered.get('authorization', ''))
    if authorization is None:
        raise ValueError('not a SigV4 Authorization header')
    signed = dict((name, lowered.get(name, '')) for name in authorization['signed_headers'])
    request = AWSRequest(method=method, url=target, data=body, headers=signed)
    request.context['timestamp'] = lowered.get('x-amz-date', '')
    signer_class = _ExactS3SigV4Auth if authorization['service'] == 's3' else _ExactSigV4Auth
    signer = signer_class(Credentials(authorization['key'], secret), authorization['service'], authorization['region'])
    return signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)


def canonical_target(target: str) -> str:
    """``target`` with its query string encoded the one way SigV4 signs it (space as ``%20``, never ``+``).

    AWS decodes the query and encodes it again to check a signature; moto's check (botocore's signer) signs
    the query exactly as it arrived. libcloud sends a space as ``+`` (``urlencode``) but signs it as ``%20``,
    so moto refuses any libcloud request with a space in a parameter (a tag value, a node name).
    """
    path, sep, query = target.partition('?')
    if not sep:
        return target
    pairs = [pair.partition('=') for pair in query.split('&')]
    return path + '?' + '&'.join(quote(unquote_plus(key), safe='-_.~') + equals + quote(unquote_plus(value), safe='-_.~')
                                 for key, equals, value in pairs)


def needs_resigning(headers: dict, signed: tuple, sent: tuple) -> bool:
    """Whether moto's check would refuse a correctly signed request: it was changed, it signs a header moto
    skips, or its query is not encoded the way it was signed.

    ``signed`` and ``sent`` are the (target, body) pairs as the client signed them and as moto will see them.
    """
    lowered = dict((name.lower(), value) for name, value in headers.items())
    authorization = parse_sigv4_authorization(lowered.get('authorization', ''))
    if authorization is None:
        return False
    return (signed != sent or canonical_target(sent[0]) != sent[0]
            or any(name in SIGNED_HEADERS_BLACKLIST for name in authorization['signed_headers']))


def resign_for_moto(method: str, signed: tuple, sent: tuple, headers: dict, secret: str) -> dict | None:
    """Sign a request again so that moto's signature check accepts it; None when the client's signature is wrong.

    moto (5.2.5) verifies a SigV4 signature by signing the request again with botocore, whose signer leaves out
    headers such as ``User-Agent`` (``botocore.auth.SIGNED_HEADERS_BLACKLIST``) whatever the client signed:
    every libcloud request, EC2 and S3, signs ``User-Agent``, so moto refuses it even with the right secret.
    ``renumber_list_params`` also changes the query or body after the client signed it, and libcloud sends a
    space in the query as ``+`` while signing it as ``%20`` (``canonical_target``).

    ``signed`` and ``sent`` are (target, body) as the client signed the request and as moto will receive it;
    ``headers`` are the request's headers. The client's signature is first verified over ``signed`` with every
    header it signed and its query decoded and encoded again, as AWS does: a wrong secret stays wrong (None:
    leave the request alone, and moto refuses it). Only then is ``sent`` signed with ``secret``, over the signed
    headers moto reads, with the payload's SHA-256 declared (moto takes that header on trust and would otherwise
    hash a re-parsed body). Returns the headers to set: ``Authorization`` and ``X-Amz-Content-SHA256``.
    """
    lowered = dict((name.lower(), value) for name, value in headers.items())
    authorization = parse_sigv4_authorization(lowered.get('authorization', ''))
    if authorization is None:
        return None
    if not hmac.compare_digest(sigv4_signature(method, canonical_target(signed[0]), lowered, signed[1], secret),
                               authorization['signature']):
        return None
    target, body = sent
    content_sha256 = lowered.get(_CONTENT_SHA256)
    if content_sha256 is None or (body != signed[1] and re.fullmatch('[0-9a-f]{64}', content_sha256)):
        content_sha256 = hashlib.sha256(body).hexdigest()
    names = sorted(set(authorization['signed_headers']) - set(SIGNED_HEADERS_BLACKLIST) | {_CONTENT_SHA256})
    lowered[_CONTENT_SHA256] = content_sha256
    # sigv4_signature reads the scope and signed headers from the Authorization header: the new one, signature to come.
    lowered['authorization'] = ('AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=%s, Signature=0'
                                % (authorization['key'], authorization['date'], authorization['region'],
                                   authorization['service'], ';'.join(names)))
    signature = sigv4_signature(method, target, lowered, body, secret)
    return {'Authorization': lowered['authorization'][:-1] + signature, 'X-Amz-Content-SHA256': content_sha256}


def is_ec2_request(environ: dict) -> bool:
    """Tell EC2 requests apart by their SigV4 credential scope, the way moto itself routes them."""
    match = _SIGV4_SERVICE.search(environ.get('HTTP_AUTHORIZATION', ''))
    return bool(match) and match.group(1) == 'ec2'


def _rewrite_form_body(environ: dict, rewrite: Callable[[str], str]) -> str:
    """Apply ``rewrite`` to a form-encoded body in place; return the (new) body text."""
    if not environ.get('CONTENT_TYPE', '').startswith(_FORM_CONTENT_TYPE) or not environ.get('CONTENT_LENGTH'):
        return ''
    # latin-1 maps bytes to text one to one, so the body round-trips exactly.
    body = rewrite(environ['wsgi.input'].read(int(environ['CONTENT_LENGTH'])).decode('latin-1'))
    data = body.encode('latin-1')
    environ['wsgi.input'] = io.BytesIO(data)
    environ['CONTENT_LENGTH'] = str(len(data))
    return body


def _action(*encoded: str) -> str:
    for text in encoded:
        values = parse_qs(text).get('Action')
        if values:
            return values[0]
    return ''


def request_target(environ: dict) -> str:
    """The request's path as it arrived (percent-encoded) and its query string: what moto signs again to check."""
    raw = environ.get('RAW_URI') or environ.get('PATH_INFO') or '/'
    path = urlsplit(raw).path if '://' in raw else raw.split('?', 1)[0]
    query = environ.get('QUERY_STRING', '')
    return (path or '/') + ('?' + query if query else '')


def request_headers(environ: dict) -> dict:
    """The request's headers from a WSGI environ, names lower-cased."""
    headers = dict((name[5:].replace('_', '-').lower(), value) for name, value in environ.items() if name.startswith('HTTP_'))
    for name in ('CONTENT_TYPE', 'CONTENT_LENGTH'):
        if environ.get(name):
            headers[name.replace('_', '-').lower()] = environ[name]
    return headers


def _read_body(environ: dict) -> bytes:
    """Read the whole body and put it back, so that the application still reads it (a body of unknown length,
    chunked, is left alone)."""
    if not environ.get('CONTENT_LENGTH'):
        return b''
    data = environ['wsgi.input'].read(int(environ['CONTENT_LENGTH']))
    environ['wsgi.input'] = io.BytesIO(data)
    return data


def moto_secret_for(access_key_id: str) -> str | None:
    """The secret of an IAM access key moto knows, in any account; None for a key it does not know."""
    from moto.iam.models import iam_backends

    for _account_id, account in list(iam_backends.items()):
        access_key = account['aws'].access_keys.get(access_key_id)
        if access_key is not None:
            return access_key.secret_access_key
    return None


def moto_attached_instance(volume_id: str, region: str, access_key_id: str) -> str | None:
    """The id of the instance a volume is attached to in moto's EC2 state, or None (detached, unknown, bad region).

    The account is the one moto itself serves the request from (``get_account_id_from``: the IAM account that
    holds the access key, else ``DEFAULT_ACCOUNT_ID``), the region the one of the request's SigV4 scope.
    """
    from moto.ec2.models import ec2_backends
    from moto.iam.models import get_account_id_from

    try:
        backend = ec2_backends[get_account_id_from(access_key_id)][region]
    except KeyError:
        return None
    volume = backend.volumes.get(volume_id)
    attachment = volume.attachment if volume is not None else None
    return attachment.instance.id if attachment is not None else None


class MotoWireFix:
    """WSGI middleware: apply the corrections above to EC2 requests and responses, pass the rest through.

    Renumbering changes the request after the client signed it. Without ``secret_for`` that does not matter,
    because moto checks no signature unless INITIAL_NO_AUTH_ACTION_COUNT is set (LocalCloud makes sure it is
    not). With ``secret_for`` (a function from access key id to secret, or None for a key it does not know),
    signed requests that moto's check would wrongly refuse are signed again (``resign_for_moto``).

    ``attached_instance`` (volume id, region, access key id) -> instance id or None: where a DetachVolume without
    InstanceId finds its instance; moto's own state by default (the middleware runs in moto's process).
    """

    def __init__(self, app, secret_for=None, attached_instance=moto_attached_instance):
        self.app = app
        self.secret_for = secret_for
        self.attached_instance = attached_instance

    def __call__(self, environ, start_response):
        ec2 = is_ec2_request(environ)
        signed = self._as_signed(environ) if self.secret_for is not None else None
        action = ''
        if ec2:
            # Every request change happens here, before _sign_for_moto compares what was signed with what is sent.
            fix_request = self._request_fix(environ)
            environ['QUERY_STRING'] = fix_request(environ.get('QUERY_STRING', ''))
            action = _action(environ['QUERY_STRING'], _rewrite_form_body(environ, fix_request))
        if signed is not None:
            self._sign_for_moto(environ, signed)
        if not ec2:
            return self.app(environ, start_response)

        # EC2 answers are small XML documents: buffer the whole answer to rewrite it.
        response = {}
        chunks = []

        def capture(status, headers, exc_info=None):
            response.update(status=status, headers=headers, exc_info=exc_info)
            return chunks.append

        result = self.app(environ, capture)
        try:
            chunks.extend(result)
        finally:
            if hasattr(result, 'close'):
                result.close()

        body = fix_namespace(strip_error_namespace(b''.join(chunks)))
        if response['status'].startswith('2'):
            body = add_missing_return(action, body)
        else:
            body = drop_error_type(body)
        headers = add_utf8_charset([(name, value) for name, value in response['headers'] if name.lower() != 'content-length'])
        headers.append(('Content-Length', str(len(body))))
        start_response(response['status'], headers, response['exc_info'])
        return [body]

    def _request_fix(self, environ: dict) -> Callable[[str], str]:
        """The corrections of an EC2 query string or form body, for this request's region and access key."""
        authorization = parse_sigv4_authorization(environ.get('HTTP_AUTHORIZATION', '')) or {}

        def attached_instance(volume_id: str) -> str | None:
            return self.attached_instance(volume_id, authorization.get('region', ''), authorization.get('key', ''))

        return lambda encoded: add_detach_instance_id(renumber_list_params(encoded), attached_instance)

    @staticmethod
    def _body_takes_part(environ: dict) -> bool:
        # The body takes part in checking a signature only when no X-Amz-Content-SHA256 header stands for it;
        # a form body may also be renumbered. Large S3 uploads are never read here.
        return 'HTTP_X_AMZ_CONTENT_SHA256' not in environ or environ.get('CONTENT_TYPE', '').startswith(_FORM_CONTENT_TYPE)

    def _as_signed(self, environ: dict) -> tuple | None:
        """(target, body) of a SigV4-signed request as the client signed it, before any correction."""
        if parse_sigv4_authorization(environ.get('HTTP_AUTHORIZATION', '')) is None:
            return None
        return request_target(environ), _read_body(environ) if self._body_takes_part(environ) else b''

    def _sign_for_moto(self, environ: dict, signed: tuple) -> None:
        headers = request_headers(environ)
        sent = request_target(environ), _read_body(environ) if self._body_takes_part(environ) else b''
        if not needs_resigning(headers, signed, sent):
            return
        secret = self.secret_for(parse_sigv4_authorization(headers['authorization'])['key'])
        if secret is None:
            return
        for name, value in (resign_for_moto(environ['REQUEST_METHOD'], signed, sent, headers, secret) or {}).items():
            environ['HTTP_' + name.upper().replace('-', '_')] = value


def make_app(auth: bool = False):
    """Return moto's multi-service server application wrapped in MotoWireFix.

    ``auth``: moto checks credentials (INITIAL_NO_AUTH_ACTION_COUNT is set); requests signed with a key moto's
    IAM knows are signed again where moto's check would wrongly refuse them.
    """
    from moto.server import DomainDispatcherApplication, create_backend_app

    return MotoWireFix(DomainDispatcherApplication(create_backend_app), secret_for=moto_secret_for if auth else None)
