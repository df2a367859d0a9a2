# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""DNS names and values: the one rule every provider shares, and the one line that each bad input fails with."""

from __future__ import annotations

import pytest

from ansible_collections.cloudmesh.libcloud.plugins.module_utils import dns_names
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError


def one_line(call, *args, **kwargs):
    with pytest.raises(LibcloudModuleError) as caught:
        call(*args, **kwargs)
    assert '\n' not in caught.value.message
    return caught.value.message


@pytest.mark.parametrize('given, zone', [
    ('example.org', 'example.org'), ('Example.ORG.', 'example.org'), ('  example.org.  ', 'example.org'), ('test', 'test'),
])
def test_zone_names_are_lower_case_without_their_dot(given, zone):
    assert dns_names.zone_name(given) == zone


@pytest.mark.parametrize('given', ['', '.', 'example..org', '.example.org', 'example.org..', 'exa mple.org', 'a' * 64 + '.org'])
def test_a_bad_zone_name_fails_in_one_line(given):
    assert 'is not a domain name' in one_line(dns_names.zone_name, given)


@pytest.mark.parametrize('given, relative', [
    ('@', '@'), ('', '@'), (None, '@'), ('example.org', '@'), ('example.org.', '@'), ('EXAMPLE.org.', '@'),
    ('www', 'www'), ('WWW', 'www'), ('www.example.org', 'www'), ('www.example.org.', 'www'), ('a.b.example.org.', 'a.b'),
    ('_sip._tcp', '_sip._tcp'), ('*', '*'), ('*.example.org', '*'),
    # Relative: does not end with the zone, and no trailing dot.
    ('www.other.org', 'www.other.org'), ('notexample.org', 'notexample.org'),
])
def test_record_names_relative_to_the_zone(given, relative):
    assert dns_names.record_name('example.org', given) == relative


@pytest.mark.parametrize('given', ['www.other.org.', 'notexample.org.', 'org.', 'example.org.evil.'])
def test_a_fully_qualified_name_outside_the_zone_fails(given):
    message = one_line(dns_names.record_name, 'example.org', given)
    assert 'outside the zone example.org' in message and repr(given) in message


@pytest.mark.parametrize('given', ['a..b', '.www', 'w w'])
def test_a_bad_record_name_fails(given):
    assert 'is not a DNS name' in one_line(dns_names.record_name, 'example.org', given)


def test_fully_qualified_forms():
    assert dns_names.absolute('example.org', '@') == 'example.org.'
    assert dns_names.absolute('example.org', 'www') == 'www.example.org.'
    assert dns_names.fqdn('example.org', 'www') == 'www.example.org'


def test_record_types_are_libclouds():
    assert {'A', 'AAAA', 'CNAME', 'MX', 'NS', 'PTR', 'SRV', 'TXT', 'CAA', 'SPF'} <= set(dns_names.record_types())
    assert dns_names.record_type(' cname ') == 'CNAME'


def test_an_unknown_type_names_the_allowed_ones():
    message = one_line(dns_names.record_type, 'AAA')
    assert "type 'AAA' is not a DNS record type" in message and 'closest: A' in message
    assert 'allowed: A, AAAA' in message and 'TXT' in message


@pytest.mark.parametrize('kind, given, value', [
    ('A', ' 192.0.2.1 ', '192.0.2.1'),
    ('AAAA', '2001:DB8:0:0::1', '2001:db8::1'),
    ('CNAME', 'WWW.Example.org', 'www.example.org.'),
    ('CNAME', 'www.example.org.', 'www.example.org.'),
    ('NS', 'ns1.example.org', 'ns1.example.org.'),
    ('MX', '10  Mail.example.org', '10 mail.example.org.'),
    ('MX', '0 .', '0 .'),
    ('SRV', '010 5 5060 sip.example.org', '10 5 5060 sip.example.org.'),
    ('TXT', 'v=spf1 -all', 'v=spf1 -all'),
    ('TXT', '"v=spf1 -all"', 'v=spf1 -all'),
    ('TXT', '"abc" "def"', 'abcdef'),
    ('TXT', 'say "hi"', 'say "hi"'),
    ('TXT', '"a\\"b\\\\c"', 'a"b\\c'),
    ('TXT', '"caf\\195\\169"', 'caf\u00e9'),
    ('TXT', '"a" b', '"a" b'),
    ('CAA', '0 ISSUE letsencrypt.org', '0 issue "letsencrypt.org"'),
    ('CAA', '0 issue "letsencrypt.org"', '0 issue "letsencrypt.org"'),
    ('HINFO', ' "PC"   "Linux" ', '"PC" "Linux"'),
    ('TXT', 12345, '12345'),
])
def test_values_are_normalised(kind, given, value):
    assert dns_names.normalise_value(kind, given) == value


@pytest.mark.parametrize('kind, given, words', [
    ('A', '192.0.2', 'is not an IPv4 address'),
    ('A', 'www.example.org', 'is not an IPv4 address'),
    ('A', '2001:db8::1', 'is not an IPv4 address'),
    ('AAAA', '192.0.2.1', 'is not an IPv6 address'),
    ('CNAME', 'a..b', 'is not a host name'),
    ('MX', 'mail.example.org', '"PRIORITY TARGET"'),
    ('MX', 'ten mail.example.org', 'its priority must be a whole number'),
    ('SRV', '1 2 sip.example.org', '"PRIORITY WEIGHT PORT TARGET"'),
    ('SRV', '1 2 70000 sip.example.org', 'its port must be a whole number from 0 to 65535'),
    ('CAA', '0 issue', '"FLAGS TAG VALUE"'),
    ('NAPTR', ' ', 'is empty'),
])
def test_bad_values_fail_in_one_line(kind, given, words):
    message = one_line(dns_names.normalise_value, kind, given)
    assert words in message and '(type %s)' % kind in message and message.startswith('value ')


@pytest.mark.parametrize('given', [{'a': 1}, True, 1.5, None])
def test_a_value_that_is_no_string_fails(given):
    assert 'must be a string or a list of strings' in one_line(dns_names.normalise_value, 'A', given)


def test_a_record_set_is_sorted_and_each_value_once():
    assert dns_names.normalise_values('A', ['192.0.2.2', '192.0.2.1', ' 192.0.2.2']) == ['192.0.2.1', '192.0.2.2']
    assert dns_names.normalise_values('TXT', 'a, b') == ['a, b']  # one string is one value, commas and all
    assert dns_names.normalise_values('A', []) == []


@pytest.mark.parametrize('text', ['', 'hello', 'say "hi" \\ back', 'caf\u00e9 \x01', 'x' * 600])
def test_txt_quoting_round_trips(text):
    quoted = dns_names.txt_quote(text)
    assert quoted.startswith('"') and quoted.endswith('"')
    assert dns_names.txt_unquote(quoted) == text
    # Each character-string holds at most 255 bytes.
    assert all(len(part.encode()) <= 255 + 2 for part in quoted.split('" "'))


def test_long_txt_is_split_into_strings_of_255_bytes():
    assert dns_names.txt_quote('x' * 300) == '"%s" "%s"' % ('x' * 255, 'x' * 45)


@pytest.mark.parametrize('kind, beside, words', [
    ('CNAME', ['A', 'TXT'], 'a CNAME cannot sit beside other records of the same name, and this name has A, TXT'),
    ('A', ['CNAME'], 'this name has a CNAME'),
    ('TXT', ['CNAME', 'RRSIG'], 'this name has a CNAME'),
])
def test_cname_beside_other_records_fails(kind, beside, words):
    assert words in one_line(dns_names.check_cname, kind, beside)


@pytest.mark.parametrize('kind, beside', [('CNAME', ['CNAME']), ('CNAME', ['RRSIG', 'NSEC']), ('A', ['A', 'TXT']), ('A', [])])
def test_no_cname_conflict(kind, beside):
    dns_names.check_cname(kind, beside)
