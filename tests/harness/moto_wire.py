# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""WSGI middleware that makes moto's EC2 wire format look like AWS's, as libcloud's EC2 driver expects.

moto 5.2.5 speaks EC2 slightly differently from AWS, and libcloud 3.9.1's EC2 driver
(``libcloud.compute.drivers.ec2.EC2NodeDriver``) silently misreads it. Each correction is a small pure
function named after what it fixes:

- ``fix_namespace``: the EC2 XML namespace lacks AWS's trailing slash (every parse comes back empty);
- ``strip_error_namespace``: error documents carry a namespace AWS does not send (error messages are lost);
- ``renumber_list_params``: lists indexed from 0 (``ResourceId.0``, ``Tag.0.Key``) are rejected;
- ``add_missing_return``: no ``<return>true</return>`` on RebootInstances, CreateTags, DeleteTags, ...

``MotoWireFix`` applies them to EC2 requests only. Nothing else changes: S3 and every other service pass
through untouched, and EC2 semantics (pagination with ``nextToken`` included) stay moto's.
"""

from __future__ import annotations

import io
import re
from urllib.parse import parse_qs

# The namespace libcloud's EC2 driver looks for (libcloud.compute.drivers.ec2.NAMESPACE); AWS ends it with "/".
EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/'

_NAMESPACE_WITHOUT_SLASH = re.compile(rb'xmlns="(http://ec2\.amazonaws\.com/doc/\d{4}-\d{2}-\d{2})"')

# The root of an EC2 error document (success documents are rooted at <ActionResponse>).
_NAMESPACED_ERROR_ROOT = re.compile(rb'<Response xmlns="http://ec2\.amazonaws\.com/doc/[^"]*">')

# SigV4 credential scope: Credential=<key>/<date>/<region>/<service>/aws4_request
_SIGV4_SERVICE = re.compile(r'Credential=[^/,\s]+/\d{8}/[^/,\s]+/([^/,\s]+)/aws4_request')

_FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded'

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


def is_ec2_request(environ: dict) -> bool:
    """Tell EC2 requests apart by their SigV4 credential scope, the way moto itself routes them."""
    match = _SIGV4_SERVICE.search(environ.get('HTTP_AUTHORIZATION', ''))
    return bool(match) and match.group(1) == 'ec2'


def _renumber_form_body(environ: dict) -> str:
    """Renumber the list parameters of a form-encoded body in place; return the (new) body text."""
    if not environ.get('CONTENT_TYPE', '').startswith(_FORM_CONTENT_TYPE) or not environ.get('CONTENT_LENGTH'):
        return ''
    # latin-1 maps bytes to text one to one, so the body round-trips exactly.
    body = renumber_list_params(environ['wsgi.input'].read(int(environ['CONTENT_LENGTH'])).decode('latin-1'))
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


class MotoWireFix:
    """WSGI middleware: apply the corrections above to EC2 requests and responses, pass the rest through.

    Renumbering changes the request after the client signed it; that is fine because moto does not verify
    signatures unless INITIAL_NO_AUTH_ACTION_COUNT is set (LocalCloud makes sure it is not).
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if not is_ec2_request(environ):
            return self.app(environ, start_response)

        environ['QUERY_STRING'] = renumber_list_params(environ.get('QUERY_STRING', ''))
        action = _action(environ['QUERY_STRING'], _renumber_form_body(environ))

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
        headers = add_utf8_charset([(name, value) for name, value in response['headers'] if name.lower() != 'content-length'])
        headers.append(('Content-Length', str(len(body))))
        start_response(response['status'], headers, response['exc_info'])
        return [body]


def make_app():
    """Return moto's multi-service server application wrapped in MotoWireFix."""
    from moto.server import DomainDispatcherApplication, create_backend_app

    return MotoWireFix(DomainDispatcherApplication(create_backend_app))
