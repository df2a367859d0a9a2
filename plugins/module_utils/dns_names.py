# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""DNS names and values, normalised the same way on every provider, so that a comparison means the same everywhere.

Zone names: lower case, without the trailing dot. Record names: relative to their zone, lower case, ``@`` for the
apex; a name that ends with a dot, equals the zone or ends with ``.<zone>`` is fully qualified, anything else is
relative. Values: addresses as :mod:`ipaddress` writes them, target names fully qualified with one trailing dot,
TXT as its unquoted text. Every bad name or value fails in one line naming the option.
"""

from __future__ import annotations

import difflib
import ipaddress
import re

from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError, kind_of, shown

APEX = '@'
# Types whose value is one name (the target).
TARGET_TYPES = ('CNAME', 'NS', 'PTR', 'DNAME')
TEXT_TYPES = ('TXT', 'SPF')
# Records a CNAME may sit beside (DNSSEC's own); any other record of the same name conflicts with a CNAME.
BESIDE_CNAME = ('RRSIG', 'NSEC', 'NSEC3')
# libcloud 3.9.1's RecordType, should it not be importable here.
_KNOWN_TYPES = ('A', 'AAAA', 'AFSDB', 'ALIAS', 'CAA', 'CERT', 'CNAME', 'DNAME', 'DNSKEY', 'DS', 'GEO', 'HINFO', 'KEY',
                'LOC', 'MX', 'NAPTR', 'NS', 'NSEC', 'OPENPGPKEY', 'PTR', 'REDIRECT', 'RP', 'RRSIG', 'SOA', 'SPF', 'SRV',
                'SSHFP', 'TLSA', 'TXT', 'URL', 'WKS')
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
_ESCAPE = re.compile(rb'\\(\d{3}|.)', re.DOTALL)
# One DNS character-string holds at most 255 bytes; longer TXT values are sent as several.
TXT_CHUNK = 255


def record_types():
    """The record types libcloud knows (its ``RecordType``), sorted."""
    try:
        from libcloud.dns.types import RecordType
    except ImportError:
        return list(_KNOWN_TYPES)
    return sorted(name for name in vars(RecordType) if name.isupper())


def record_type(text, option='type'):
    """``text`` as an upper-case record type; an unknown one fails naming the allowed types."""
    wanted = str(text or '').strip().upper()
    known = record_types()
    if wanted not in known:
        close = difflib.get_close_matches(wanted, known, n=3, cutoff=0.5)
        hint = ' (closest: %s)' % ', '.join(close) if close else ''
        raise LibcloudModuleError('%s %s is not a DNS record type%s; allowed: %s' % (option, shown(text), hint, ', '.join(known)))
    return wanted


def _labels_problem(name):
    if len(name) > 253:
        return 'longer than 253 characters'
    for label in name.split('.'):
        if not label:
            return 'an empty label (two dots, or a dot at the start)'
        if len(label) > 63:
            return 'a label longer than 63 characters'
        if any(char.isspace() for char in label):
            return 'white space'
    return None


def zone_name(text, option='zone'):
    """The zone ``text`` as it is compared and shown: lower case, without its trailing dot."""
    name = str(text or '').strip().lower()
    name = name[:-1] if name.endswith('.') else name
    problem = 'it is empty' if not name else _labels_problem(name)
    if problem:
        raise LibcloudModuleError('%s %s is not a domain name: %s' % (option, shown(text), problem))
    return name


def record_name(zone, text, option='name'):
    """The record name ``text`` relative to ``zone`` (a :func:`zone_name`): ``@`` for the apex, lower case.

    ``@`` or an empty name is the apex; a name ending with a dot is fully qualified and must be the zone or end
    with ``.<zone>.``; a name that equals the zone or ends with ``.<zone>`` is fully qualified too; anything else
    is relative to the zone."""
    name = str('' if text is None else text).strip().lower()
    if name in ('', APEX):
        return APEX
    qualified = name.endswith('.')
    name = name[:-1] if qualified else name
    if name == zone:
        return APEX
    if name.endswith('.' + zone):
        name = name[:-len(zone) - 1]
    elif qualified:
        raise LibcloudModuleError('%s %s is outside the zone %s: a fully qualified name (ending with a dot) must be %s or end with .%s.'
                                  % (option, shown(text), zone, zone, zone))
    problem = _labels_problem(name) or _labels_problem(absolute(zone, name)[:-1])
    if problem:
        raise LibcloudModuleError('%s %s is not a DNS name: %s' % (option, shown(text), problem))
    return name


def absolute(zone, relative):
    """The fully qualified name of ``relative`` in ``zone``, with its trailing dot (what DNS servers send)."""
    return '%s.' % zone if relative == APEX else '%s.%s.' % (relative, zone)


def fqdn(zone, relative):
    """The fully qualified name as it is shown: without its trailing dot."""
    return absolute(zone, relative)[:-1]


def _target(text, what):
    name = text.strip().lower()
    if name == '.':
        return name  # the root: "no service" in SRV and MX (RFC 2782, 7505)
    bare = name[:-1] if name.endswith('.') else name
    problem = 'it is empty' if not bare else _labels_problem(bare)
    if problem:
        raise LibcloudModuleError('%s is not a host name: %s' % (what, problem))
    return bare + '.'


def _number(text, what, highest=65535):
    if not text.isdigit() or int(text) > highest:
        raise LibcloudModuleError('%s must be a whole number from 0 to %d' % (what, highest))
    return str(int(text))


def txt_unquote(text):
    """The text of a TXT value: its character-strings joined when it is written as quoted strings
    (``"abc" "def"``), else ``text`` itself."""
    stripped = text.strip()
    if not stripped.startswith('"'):
        return text
    pieces, position = [], 0
    for match in _QUOTED.finditer(stripped):
        if stripped[position:match.start()].strip():
            return text  # something outside the quotes: not a list of quoted strings
        pieces.append(match.group(1))
        position = match.end()
    if not pieces or stripped[position:].strip():
        return text
    raw = ''.join(pieces).encode('utf-8')
    unescaped = _ESCAPE.sub(lambda found: bytes([int(found.group(1))]) if found.group(1).isdigit() else found.group(1), raw)
    return unescaped.decode('utf-8', 'replace')


def txt_quote(text):
    """``text`` as quoted character-strings of at most 255 bytes each (zone file syntax, as PowerDNS takes it)."""
    data = text.encode('utf-8')
    chunks = [data[start:start + TXT_CHUNK] for start in range(0, len(data), TXT_CHUNK)] or [b'']
    return ' '.join('"%s"' % ''.join(_escaped(byte) for byte in chunk) for chunk in chunks)


def _escaped(byte):
    if byte in (0x22, 0x5c):
        return '\\' + chr(byte)
    if byte < 0x20 or byte > 0x7e:
        return '\\%03d' % byte
    return chr(byte)


def normalise_value(kind, value, option='value'):
    """One value of a record of type ``kind`` in the form that is compared (see the module's docs)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise LibcloudModuleError('%s must be a string or a list of strings, got %s' % (option, kind_of(value)))
    text = str(value).strip()
    what = '%s %s (type %s)' % (option, shown(value), kind)
    if kind in ('A', 'AAAA'):
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            address = None
        if address is None or address.version != (4 if kind == 'A' else 6):
            raise LibcloudModuleError('%s is not an IPv%d address' % (what, 4 if kind == 'A' else 6))
        return address.compressed
    if kind in TEXT_TYPES:
        return txt_unquote(str(value))
    if kind in TARGET_TYPES:
        return _target(text, what)
    fields = text.split()
    if kind == 'MX':
        if len(fields) != 2:
            raise LibcloudModuleError('%s must be "PRIORITY TARGET", for example "10 mail.example.org."' % what)
        return '%s %s' % (_number(fields[0], what + ': its priority'), _target(fields[1], what))
    if kind == 'SRV':
        if len(fields) != 4:
            raise LibcloudModuleError('%s must be "PRIORITY WEIGHT PORT TARGET", for example "10 5 5060 sip.example.org."' % what)
        numbers = [_number(field, '%s: its %s' % (what, part)) for field, part in zip(fields, ('priority', 'weight', 'port'))]
        return ' '.join(numbers + [_target(fields[3], what)])
    if kind == 'CAA':
        parts = text.split(None, 2)
        if len(parts) != 3:
            raise LibcloudModuleError('%s must be "FLAGS TAG VALUE", for example \'0 issue "letsencrypt.org"\'' % what)
        return '%s %s %s' % (_number(parts[0], what + ': its flags', 255), parts[1].lower(), txt_quote(txt_unquote(parts[2])))
    if not text:
        raise LibcloudModuleError('%s is empty' % what)
    return ' '.join(fields)


def normalise_values(kind, values, option='value'):
    """The record set's values: normalised, each once, sorted."""
    if isinstance(values, (list, tuple)):
        items = list(values)
    elif values is None:
        items = []
    else:
        items = [values]
    return sorted(set(normalise_value(kind, item, option) for item in items))


def check_cname(kind, types_at_name):
    """Fail when a record set of type ``kind`` would sit beside a CNAME, or a CNAME beside other records;
    ``types_at_name``: the types of the record sets that its name already has."""
    others = sorted(set(types_at_name) - {kind} - set(BESIDE_CNAME))
    if kind == 'CNAME' and others:
        raise LibcloudModuleError('a CNAME cannot sit beside other records of the same name, and this name has %s' % ', '.join(others))
    if kind not in BESIDE_CNAME and 'CNAME' in others:
        raise LibcloudModuleError('this name has a CNAME, and no other record can sit beside one (remove the CNAME first)')
