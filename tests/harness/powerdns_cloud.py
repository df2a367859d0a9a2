# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""DNS on 127.0.0.1: PowerDNS Authoritative 4.7 (Debian ``pdns-server`` + ``pdns-backend-sqlite3``), its HTTP API on
one free port and DNS (UDP and TCP) on another, its zones in a sqlite3 database in a temporary folder.

The harness runs its own ``pdns_server`` (``guardian=no``, ``daemon=no``, its own config dir and control socket),
never the systemd service the Debian package enables. Where it departs from a production PowerDNS: answer caches
are off (``cache-ttl=0``, ``query-cache-ttl=0``, ``negquery-cache-ttl=0``) so that a DNS query right after an API
change sees it (a production server may answer from its caches for up to 20 s, 60 s for a name it denied), the
security poll (a DNS query to powerdns.com) is off, and one API key (random, or ``api_key``) is stored in plain.

``cloud.api`` speaks the API over plain HTTP (not libcloud) and ``cloud.resolve(name, type)`` asks the DNS port
with dnspython: the two independent ways the tests check what the collection did.

What libcloud 3.9.1's ``powerdns`` driver does here (measured against this server; see tests/harness/README.md):
- Its default ``api_version='experimental'`` is PowerDNS 3's API: PowerDNS 4 answers every request 404
  ("Failed to parse JSON: Not Found"). ``api_version='v1'`` is needed.
- ``create_zone('example.org.')`` creates the zone, but the Zone it returns has the id ``'example.org..'`` (it
  appends a dot to whatever it was given): ``list_records`` on that object fails (422 "Unable to parse DNS Name
  'example.org..'") and ``delete_zone`` on it returns False and deletes nothing. ``create_zone('example.org')``
  fails: PowerDNS answers 422 "DNS Name 'example.org' is not canonical". A zone created with the dot and then
  read back (``list_zones``, ``get_zone``) works.
- ``create_zone`` refuses to send a request without ``extra={'nameservers': [...]}`` (ValueError); PowerDNS itself
  accepts an empty list (the zone then has only its SOA, no NS rrset); each name server must end with a dot (422
  "Nameserver is not canonical"). Every other ``extra`` key goes into the request as it is (``kind``: Native,
  Master, Slave); ``type`` and ``ttl`` are ignored.
- A zone that exists already: 409, raised as a plain BaseHTTPError ("Failed to parse JSON: Conflict"), not as
  ZoneAlreadyExistsError (the driver waits for a 422 that PowerDNS 4 no longer sends). A zone that does not
  exist: ``get_zone``, ``list_records`` and ``create_record`` raise BaseHTTPError 404, not ZoneDoesNotExistError;
  ``delete_zone`` and ``delete_record`` return False (every error is swallowed there).
- ``get_zone('example.org')`` works without the dot. ``list_zones`` gives ``id`` and ``domain`` both
  ``'example.org.'`` (lower-case even if created upper-case), ``ttl`` and ``type`` None, and ``extra`` with
  kind, dnssec, account, masters, serial, notified_serial, last_check.
- Record names: ``list_records`` gives each name fully qualified with its dot (``'www.example.org.'``, the apex
  ``'example.org.'``), lower-case; ``create_record`` needs exactly that form (a relative ``'www'`` or a name
  without the dot: 422 "not canonical"; a name outside the zone: 422 "Name is out of zone"). Records have
  ``id`` None, no ``extra``, and ``ttl`` from their rrset; ``get_record``, ``iterate_records`` and
  ``iterate_zones`` raise NotImplementedError (``list_zones``/``list_records`` work). The zone's SOA and NS
  records are listed too. Disabled records are listed like the others, with nothing to tell them apart.
- ``list_records`` gives one Record per value: an rrset of two A values is two Records of the same name and ttl.
- ``create_record`` and ``update_record`` send a PATCH with changetype REPLACE and ONE record: creating a second
  value of a name and type silently replaces the first, and ``update_record`` of one value of a set leaves only
  that value. ``update_record`` to another name creates the new rrset and leaves the old one in place (only the
  PowerDNS 3 branch deletes it). Both need ``extra={'ttl': N}`` (ValueError without it); ``extra['disabled']``
  and ``extra['comment']`` (a list of PowerDNS comment objects) pass through. The Record they return echoes the
  input (``'UPPER'``, an uncompressed AAAA), not what the server stored (lower-case, ``2001:db8::1``).
- ``delete_record`` deletes the whole rrset of the record's name and type (changetype DELETE), so deleting one
  value of a set deletes them all; deleting an rrset that is not there returns True.
- Values are PowerDNS's presentation format: CNAME, NS, MX and SRV targets must end with a dot (422 "Not in
  expected format (parsed as 'www.example.org.')"), TXT must be quoted (``'"hello world"'``; unquoted: 422 "Data
  field in DNS should start with quote") and is listed quoted, as several strings ``'"a" "b"'``. A CNAME beside
  another rrset of the same name: 422 "Conflicts with pre-existing RRset". A non-address A value: 422 "while
  parsing IP address". An unknown type: 422 "unknown type given". AAAA values are stored compressed.
- A wrong API key: 401, raised as InvalidCredsError.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sqlite3
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.harness.server_process import START_TIMEOUT, Emulator, EmulatorMissing, free_port, wait_for_port

# The Debian packages' paths; pdns_server is in /usr/sbin, off a non-root user's PATH.
PDNS_SERVER = '/usr/sbin/pdns_server'
SCHEMAS = ('/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql', '/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql')
INSTALL_HINT = 'install the Debian packages pdns-server and pdns-backend-sqlite3 (.ci/run does it when run as root)'

PDNS_CONF = """launch=gsqlite3
gsqlite3-database={database}
gsqlite3-pragma-synchronous=0
local-address=127.0.0.1
local-port={dns_port}
api=yes
api-key={api_key}
webserver=yes
webserver-address=127.0.0.1
webserver-port={api_port}
webserver-allow-from=127.0.0.1
webserver-loglevel=none
guardian=no
daemon=no
disable-syslog=yes
socket-dir={workdir}
security-poll-suffix=
cache-ttl=0
query-cache-ttl=0
negquery-cache-ttl=0
receiver-threads=1
distributor-threads=1
"""


def pdns_programs() -> tuple[str, str]:
    """``(pdns_server, schema)``: the server program and the sqlite3 schema, or EmulatorMissing naming the packages."""
    server = shutil.which('pdns_server') or PDNS_SERVER
    if not os.access(server, os.X_OK):
        raise EmulatorMissing('pdns_server not found at %s: %s' % (server, INSTALL_HINT))
    schema = next((path for path in SCHEMAS if os.path.isfile(path)), None)
    if schema is None:
        raise EmulatorMissing('the PowerDNS sqlite3 schema is not at %s: %s' % (SCHEMAS[0], INSTALL_HINT))
    return server, schema


def canonical(name: str) -> str:
    """``name`` fully qualified, lower-case, with exactly one trailing dot (how PowerDNS names zones and rrsets)."""
    return name.rstrip('.').lower() + '.'


class PowerDnsApi:
    """PowerDNS's HTTP API over plain HTTP (urllib, not libcloud): the independent view of the server's state."""

    def __init__(self, port: int, api_key: str):
        self.base_url = 'http://127.0.0.1:%d/api/v1/servers/localhost' % port
        self.api_key = api_key

    def request(self, method: str, path: str, body=None):
        """The decoded JSON answer (None for an empty one); urllib.error.HTTPError for a status >= 400."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method,
                                         headers={'X-API-Key': self.api_key, 'Content-Type': 'application/json'})
        with urllib.request.urlopen(request, timeout=10) as response:
            payload = response.read()
        return json.loads(payload) if payload else None

    def server(self) -> dict:
        return self.request('GET', '')

    def zones(self) -> list[str]:
        """The zones' names, without their trailing dot, sorted."""
        return sorted(zone['name'].rstrip('.') for zone in self.request('GET', '/zones'))

    def zone(self, name: str) -> dict | None:
        """The zone's document (with its ``rrsets``), or None if there is no such zone."""
        try:
            return self.request('GET', '/zones/' + canonical(name))
        except urllib.error.HTTPError as error:
            if error.code in (404, 422):
                return None
            raise

    def create_zone(self, name: str, nameservers=(), kind: str = 'Native') -> dict:
        return self.request('POST', '/zones', {'name': canonical(name), 'kind': kind,
                                               'nameservers': [canonical(server) for server in nameservers]})

    def delete_zone(self, name: str) -> None:
        self.request('DELETE', '/zones/' + canonical(name))

    def rrsets(self, zone: str) -> dict:
        """``{(fqdn without dot, TYPE): {'ttl': int, 'values': sorted contents}}`` of the zone, SOA included;
        {} if there is no such zone. Contents as PowerDNS stores them (TXT quoted, targets with their dot)."""
        document = self.zone(zone) or {'rrsets': []}
        return dict(((rrset['name'].rstrip('.'), rrset['type']),
                     {'ttl': rrset['ttl'], 'values': sorted(record['content'] for record in rrset['records'])})
                    for rrset in document['rrsets'])

    def set_rrset(self, zone: str, name: str, rtype: str, values, ttl: int = 300) -> None:
        """Replace the rrset ``name``/``rtype`` (``name`` fully qualified, dot optional) with ``values``."""
        records = [{'content': value, 'disabled': False} for value in values]
        self.request('PATCH', '/zones/' + canonical(zone), {'rrsets': [
            {'name': canonical(name), 'type': rtype, 'ttl': ttl, 'changetype': 'REPLACE', 'records': records}]})

    def delete_rrset(self, zone: str, name: str, rtype: str) -> None:
        self.request('PATCH', '/zones/' + canonical(zone), {'rrsets': [
            {'name': canonical(name), 'type': rtype, 'changetype': 'DELETE'}]})


class PowerDnsCloud(Emulator):
    """A PowerDNS Authoritative server; ``cloud_entry()`` gives the collection's cloud entry for its API,
    ``api`` its HTTP API, ``resolve()`` answers from its DNS port, ``reset()`` deletes every zone."""

    name = 'powerdns'

    def __init__(self, api_key: str | None = None):
        super().__init__()
        self.api_key = api_key or secrets.token_urlsafe(24)
        # self.port (from Emulator) is the API's port; DNS answers on dns_port.
        self.dns_port: int | None = None
        self.api: PowerDnsApi | None = None

    def _launch(self) -> None:
        server, schema = pdns_programs()
        deadline = time.monotonic() + START_TIMEOUT
        work = Path(self.workdir)
        database = work / 'pdns.sqlite3'
        with sqlite3.connect(str(database)) as connection:
            connection.executescript(Path(schema).read_text())
        connection.close()
        self.port, self.dns_port = free_port(), free_port()
        (work / 'pdns.conf').write_text(PDNS_CONF.format(database=database, dns_port=self.dns_port, api_key=self.api_key,
                                                         api_port=self.port, workdir=work))
        # --config-dir: our pdns.conf only, never the package's /etc/powerdns (whose launch= is empty).
        process = self._serve('pdns_server', [server, '--config-dir=%s' % work], self.port, deadline)
        wait_for_port(self.dns_port, deadline, process.process)
        self.api = PowerDnsApi(self.port, self.api_key)
        # The web server listens before the backends are up: wait for the API itself to answer.
        while True:
            try:
                self.api.server()
                return
            except (OSError, ValueError):
                if time.monotonic() >= deadline or process.process.poll() is not None:
                    raise
                time.sleep(0.05)

    def cloud_entry(self) -> dict:
        """The cloud entry of this server's API (the collection's PowerDNS adapter picks API v1 by itself)."""
        return {'dns_provider': 'powerdns', 'key': self.api_key, 'host': '127.0.0.1', 'port': self.port, 'secure': False}

    def driver(self):
        """libcloud's own PowerDNS driver (API v1), for checks that want libcloud's view."""
        from libcloud.dns.providers import get_driver

        return get_driver('powerdns')(self.api_key, host='127.0.0.1', port=self.port, secure=False, api_version='v1')

    def reset(self) -> None:
        """Delete every zone: an empty server for the next test."""
        for zone in self.api.zones():
            self.api.delete_zone(zone)

    def query(self, name: str, rtype: str = 'A'):
        """The DNS port's whole answer (a dnspython Message) to ``name`` (fully qualified, dot optional) ``rtype``,
        over UDP, then TCP if it came truncated."""
        import dns.flags
        import dns.message
        import dns.query

        request = dns.message.make_query(canonical(name), rtype)
        response = dns.query.udp(request, '127.0.0.1', port=self.dns_port, timeout=5)
        if response.flags & dns.flags.TC:
            response = dns.query.tcp(request, '127.0.0.1', port=self.dns_port, timeout=5)
        return response

    def _rrset(self, name: str, rtype: str):
        import dns.rcode
        import dns.rdatatype

        response = self.query(name, rtype)
        # NXDOMAIN: no such name; REFUSED: no zone of this server holds the name (a deleted zone).
        if response.rcode() in (dns.rcode.NXDOMAIN, dns.rcode.REFUSED):
            return None
        if response.rcode() != dns.rcode.NOERROR:
            raise RuntimeError('%s %s: the DNS port answered %s' % (name, rtype, dns.rcode.to_text(response.rcode())))
        # A CNAME in the way comes first in the answer, followed by the target's records when the server holds them.
        wanted = dns.rdatatype.from_text(rtype)
        return next((rrset for rrset in response.answer if rrset.rdtype == wanted), None)

    def resolve(self, name: str, rtype: str = 'A') -> list[str]:
        """The values of ``name``'s ``rtype`` records as the DNS port answers them (``name`` fully qualified, dot
        optional), sorted text (TXT quoted, targets with their dot); [] for no such name, type or zone. A CNAME in
        the way is followed within the server's own zones (ask for type CNAME to see the CNAME itself)."""
        rrset = self._rrset(name, rtype)
        return [] if rrset is None else sorted(value.to_text() for value in rrset)

    def resolve_ttl(self, name: str, rtype: str = 'A') -> int | None:
        """The TTL the DNS port gives ``name``'s ``rtype`` records, None if there are none."""
        rrset = self._rrset(name, rtype)
        return None if rrset is None else rrset.ttl
