# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""libcloud_dns_zone, libcloud_dns_record and libcloud_dns_info on a real PowerDNS Authoritative (the harness's
``powerdns_cloud``), every outcome checked twice, never through the collection: by PowerDNS's HTTP API (``api``) and
by a DNS query to its DNS port (``resolve``, dnspython).

Two scenarios, each with zones of its own, run side by side:
- ``lifecycle``: one playbook; between its steps a raw task records the server's view (API and DNS) of its zones:
  zone and record lifecycle, record sets of several values, a TTL change, CNAME and TXT quoting, second runs,
  ``overwrite: false``, bad input, listing, deletion. Check mode runs inside it: before a step, the same tasks with
  ``check_mode: true``, so the server is seen unchanged after them and the real tasks that follow show what they
  predicted;
- ``examples``: the modules' EXAMPLES, as they are, in one playbook (zone, then records, then info).

Every module task of the lifecycle has ``ignore_errors``: a wrong outcome fails the tests that read it, not the file.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from tests.harness.ansible_run import one_line_failure, run_playbook
from tests.harness.views import Views

ZONE, OTHER = 'lc.test', 'other.test'
MODULES = Path(__file__).resolve().parents[2] / 'plugins' / 'modules'
LONG_TEXT = 'x' * 300
# What the views ask the DNS port: (name, type).
QUERIES = [('www.lc.test', 'A'), ('lc.test', 'A'), ('lc.test', 'MX'), ('lc.test', 'TXT'), ('lc.test', 'NS'), ('long.lc.test', 'TXT'),
           ('docs.lc.test', 'CNAME'), ('_sip._tcp.lc.test', 'SRV'), ('v6.lc.test', 'AAAA'), ('x.lc.test', 'A')]


def task(module, title, ignore=True, diff=False, **args):
    found = {'name': title, 'cloudmesh.libcloud.%s' % module: dict(cloud='dns', **args)}
    if diff:
        found['diff'] = True
    if ignore:
        found['ignore_errors'] = True
    return found


def zone(title, **args):
    return task('libcloud_dns_zone', title, **args)


def rec(title, **args):
    return task('libcloud_dns_record', title, **dict({'zone': ZONE}, **args))


def info(title, **args):
    return task('libcloud_dns_info', title, **args)


def checked(step):
    """``step`` in check mode and diff mode, under the name 'check ' + its name."""
    return dict(step, name='check ' + step['name'], check_mode=True, diff=True)


def again(step):
    return dict(step, name=step['name'] + ' again')


def play(entry, tasks):
    return yaml.safe_dump([{'hosts': 'localhost', 'gather_facts': False, 'vars': {'libcloud_clouds': {'dns': entry}},
                            'tasks': tasks}], sort_keys=False)


def server_view(cloud):
    """The server's state, straight from its API and its DNS port."""
    return {
        'zones': cloud.api.zones(),
        'rrsets': dict(('%s %s' % key, value) for key, value in cloud.api.rrsets(ZONE).items() if key[1] != 'SOA'),
        'dns': dict(('%s %s' % (name, kind), {'values': cloud.resolve(name, kind), 'ttl': cloud.resolve_ttl(name, kind)})
                    for name, kind in QUERIES),
    }


# --- the scenarios ---------------------------------------------------------------------------------------------

# The name server without its trailing dot, which PowerDNS itself refuses.
CREATE_ZONE = zone('create zone', name='LC.test.', extra={'nameservers': ['ns1.lc.test']}, diff=True)
WWW = rec('www A', name='www', type='A', value='192.0.2.10', ttl=300, diff=True)
APEX = rec('apex A set', name='@', type='A', value=['192.0.2.11', '192.0.2.10'])
MX = rec('MX', name='lc.test.', type='mx', value='10 Mail.lc.test')
TXT = rec('TXT', name='LC.TEST', type='TXT', value=['v=spf1 mx -all', 'say "hi", then go'])
LONG = rec('long TXT', name='long', type='TXT', value=LONG_TEXT)
CNAME = rec('CNAME', name='docs', type='CNAME', value='WWW.lc.test')
SRV = rec('SRV', name='_sip._tcp', type='SRV', value='10 5 5060 sip.lc.test')
AAAA = rec('AAAA', name='v6.lc.test.', type='AAAA', value='2001:DB8:0::1')
FIRST = [CREATE_ZONE, WWW, APEX, MX, TXT, LONG, CNAME, SRV, AAAA]

WWW_TWO = rec('www two values', name='www', type='A', value=['192.0.2.20', '192.0.2.10'], diff=True)
APEX_TTL = rec('apex TTL', name='@', type='A', value=['192.0.2.10', '192.0.2.11'], ttl=60, diff=True)
REMOVE_ONE = rec('remove one apex address', name='@', type='A', value='192.0.2.11', state='absent', diff=True)
REMOVE_CNAME = rec('remove CNAME', name='docs', type='CNAME', state='absent', diff=True)
DELETE_ZONE = zone('delete zone', name=ZONE, state='absent', force=True, diff=True)

BAD = [
    rec('invalid type', name='x', type='AAA', value='192.0.2.1'),
    rec('not an address', name='x', type='A', value='192.0.2'),
    rec('not an IPv6 address', name='x', type='AAAA', value='192.0.2.1'),
    rec('outside the zone', name='x.other.test.', type='A', value='192.0.2.1'),
    rec('missing zone', zone='lc.tset', name='x', type='A', value='192.0.2.1'),
    rec('CNAME beside A', name='www', type='CNAME', value='docs.lc.test'),
    rec('A beside CNAME', name='docs', type='A', value='192.0.2.1'),
    zone('zone with records', name=ZONE, state='absent'),
]


def lifecycle(cloud, workdir):
    plan = [
        # 0: check mode, nothing there yet
        [checked(CREATE_ZONE)],
        # 1
        FIRST + [zone('zone with a ttl', name=OTHER, ttl=600)],
        # 2: check mode over what step 1 made
        [checked(step) for step in (again(WWW), WWW_TWO, APEX_TTL, REMOVE_ONE, REMOVE_CNAME, DELETE_ZONE)],
        # 3: second runs, changes, and bad input
        [again(step) for step in FIRST] + [WWW_TWO, APEX_TTL,
                                           rec('no overwrite', name='www', type='A', value='192.0.2.99', overwrite=False),
                                           rec('no overwrite, same set', name='www', type='A', value=['192.0.2.20', '192.0.2.10'], overwrite=False)]
        + BAD,
        # 4
        [REMOVE_ONE, REMOVE_CNAME, again(REMOVE_CNAME), again(REMOVE_ONE),
         info('zones'), info('records', zone='LC.test.'), info('www addresses', zone=ZONE, name='www*', types=['a', 'AAAA']),
         info('texts by fqdn', zone=ZONE, name='*.LC.test', types=['TXT']), info('filter without zone', types=['A'])],
        # 5
        [DELETE_ZONE, again(DELETE_ZONE), zone('delete the other zone', name=OTHER, state='absent')],
    ]
    with Views(lambda: server_view(cloud)) as viewer:
        tasks = []
        for number, step in enumerate(plan):
            tasks.extend(step)
            tasks.append({'name': 'view %d' % number, 'changed_when': False, 'ansible.builtin.raw': viewer.command})
        run = run_playbook(play(cloud.cloud_entry(), tasks), workdir)
    views = [json.loads(run.result('view %d' % number)['stdout']) for number in range(len(plan))]
    return {'run': run, 'views': views}


def examples(cloud, workdir):
    tasks = []
    for module in ('libcloud_dns_zone', 'libcloud_dns_record', 'libcloud_dns_info'):
        text = (MODULES / (module + '.py')).read_text()
        tasks.extend(yaml.safe_load(text.split("EXAMPLES = r'''", 1)[1].split("'''", 1)[0]))
    run = run_playbook(play(cloud.cloud_entry(), tasks), workdir)
    return {'run': run, 'rrsets': cloud.api.rrsets('example.test'), 'zones': cloud.api.zones(),
            'www': cloud.resolve('www.example.test', 'A'), 'apex': cloud.resolve('example.test', 'A')}


SCENARIOS = {'lifecycle': lifecycle, 'examples': examples}


@pytest.fixture(scope='module')
def scenarios(powerdns_cloud, tmp_path_factory):
    """Every scenario started at once; a failed one fails only the tests that read it."""
    powerdns_cloud.reset()
    with ThreadPoolExecutor(len(SCENARIOS)) as pool:
        futures = dict((name, pool.submit(scenario, powerdns_cloud, tmp_path_factory.mktemp(name))) for name, scenario in SCENARIOS.items())
    return futures


@pytest.fixture(scope='module')
def steps(scenarios):
    return scenarios['lifecycle'].result()


def result(steps, name):
    found = steps['run'].result(name)
    assert found.get('failed') is not True, (name, found)
    return found


# --- zones -----------------------------------------------------------------------------------------------------

def test_zone_lifecycle(steps):
    views = steps['views']
    assert ZONE not in views[0]['zones']
    assert ZONE in views[1]['zones'] and OTHER in views[1]['zones']
    created = result(steps, 'create zone')
    assert created['changed'] is True
    assert created['zone']['name'] == ZONE and created['zone']['id'] == 'lc.test.' and created['zone']['extra']['kind'] == 'Native'
    assert created['diff']['before'] == {} and created['diff']['after']['name'] == ZONE
    # The zone's name server, as extra asked: in its NS record set, and answered by the DNS port.
    assert views[1]['rrsets']['lc.test NS']['values'] == ['ns1.lc.test.']
    assert views[1]['dns']['lc.test NS']['values'] == ['ns1.lc.test.']
    assert result(steps, 'create zone again')['changed'] is False


def test_a_zone_ttl_on_powerdns_is_ignored_with_a_warning(steps):
    created = result(steps, 'zone with a ttl')
    assert created['changed'] is True and created['zone']['ttl'] is None
    assert any('ttl' in warning and 'ignored' in warning for warning in created.get('warnings', [])), created


def test_a_zone_with_records_is_deleted_only_with_force(steps):
    views = steps['views']
    one_line_failure(steps['run'].result('zone with records'), 'zone lc.test holds 8 record set(s)', '@ A', 'force: true')
    assert ZONE in views[3]['zones']
    deleted = result(steps, 'delete zone')
    assert deleted['changed'] is True and deleted['zone'] is None
    assert deleted['diff']['before']['name'] == ZONE and deleted['diff']['after'] == {}
    assert ZONE not in views[5]['zones'] and OTHER not in views[5]['zones']
    # The DNS port no longer answers for it.
    assert views[5]['dns']['www.lc.test A']['values'] == []
    gone = result(steps, 'delete zone again')
    assert gone['changed'] is False and gone['zone'] is None


# --- records -----------------------------------------------------------------------------------------------------

EXPECTED = {
    # name type: (API contents, DNS answer) after step 1
    'www.lc.test A': ['192.0.2.10'],
    'lc.test A': ['192.0.2.10', '192.0.2.11'],
    'lc.test MX': ['10 mail.lc.test.'],
    'lc.test TXT': ['"say \\"hi\\", then go"', '"v=spf1 mx -all"'],
    'long.lc.test TXT': ['"%s" "%s"' % ('x' * 255, 'x' * 45)],
    'docs.lc.test CNAME': ['www.lc.test.'],
    '_sip._tcp.lc.test SRV': ['10 5 5060 sip.lc.test.'],
    'v6.lc.test AAAA': ['2001:db8::1'],
}


@pytest.mark.parametrize('key', sorted(EXPECTED))
def test_records_as_the_api_and_the_dns_port_see_them(steps, key):
    view = steps['views'][1]
    assert view['rrsets'][key]['values'] == EXPECTED[key]
    assert view['dns'][key]['values'] == EXPECTED[key]


def test_a_record_set_of_several_values_is_one_rrset(steps):
    view = steps['views'][1]
    assert view['rrsets']['lc.test A'] == {'ttl': 3600, 'values': ['192.0.2.10', '192.0.2.11']}
    apex = result(steps, 'apex A set')['record']
    assert apex == {'zone': ZONE, 'name': '@', 'fqdn': ZONE, 'type': 'A', 'ttl': 3600, 'values': ['192.0.2.10', '192.0.2.11']}
    # A second value added later keeps the first (libcloud's create_record would replace it).
    assert steps['views'][3]['rrsets']['www.lc.test A']['values'] == ['192.0.2.10', '192.0.2.20']
    assert steps['views'][3]['dns']['www.lc.test A']['values'] == ['192.0.2.10', '192.0.2.20']


def test_names_and_values_are_returned_normalised(steps):
    assert result(steps, 'www A')['record'] == {'zone': ZONE, 'name': 'www', 'fqdn': 'www.lc.test', 'type': 'A', 'ttl': 300,
                                                'values': ['192.0.2.10']}
    assert result(steps, 'MX')['record']['values'] == ['10 mail.lc.test.']
    assert result(steps, 'TXT')['record']['values'] == ['say "hi", then go', 'v=spf1 mx -all']
    assert result(steps, 'long TXT')['record']['values'] == [LONG_TEXT]
    assert result(steps, 'CNAME')['record']['values'] == ['www.lc.test.']
    assert result(steps, 'AAAA')['record']['name'] == 'v6'


def test_second_runs_change_nothing(steps):
    for step in FIRST:
        found = result(steps, step['name'] + ' again')
        assert found['changed'] is False, step['name']
    assert steps['views'][3]['rrsets']['lc.test TXT'] == steps['views'][1]['rrsets']['lc.test TXT']


def test_ttl_change(steps):
    views = steps['views']
    changed = result(steps, 'apex TTL')
    assert changed['changed'] is True
    assert changed['diff']['before']['ttl'] == 3600 and changed['diff']['after']['ttl'] == 60
    assert views[3]['rrsets']['lc.test A'] == {'ttl': 60, 'values': ['192.0.2.10', '192.0.2.11']}
    assert views[3]['dns']['lc.test A']['ttl'] == 60 and views[1]['dns']['lc.test A']['ttl'] == 3600


def test_overwrite_false_leaves_a_differing_set_alone(steps):
    views = steps['views']
    one_line_failure(steps['run'].result('no overwrite'), 'www.lc.test A', '192.0.2.10, 192.0.2.20', 'overwrite: true')
    assert views[3]['rrsets']['www.lc.test A']['values'] == ['192.0.2.10', '192.0.2.20']
    assert result(steps, 'no overwrite, same set')['changed'] is False


def test_absent_removes_given_values_then_the_set(steps):
    views = steps['views']
    removed = result(steps, 'remove one apex address')
    assert removed['changed'] is True and removed['record']['values'] == ['192.0.2.10']
    assert views[4]['rrsets']['lc.test A']['values'] == ['192.0.2.10'] == views[4]['dns']['lc.test A']['values']
    assert result(steps, 'remove one apex address again')['changed'] is False
    cname = result(steps, 'remove CNAME')
    assert cname['changed'] is True and cname['record'] is None
    assert cname['diff']['before']['values'] == ['www.lc.test.'] and cname['diff']['after'] == {}
    assert 'docs.lc.test CNAME' not in views[4]['rrsets'] and views[4]['dns']['docs.lc.test CNAME']['values'] == []
    assert result(steps, 'remove CNAME again')['changed'] is False


# --- check mode and diff mode --------------------------------------------------------------------------------------

def test_check_mode_changes_nothing(steps):
    views = steps['views']
    assert views[0]['zones'] == [] or ZONE not in views[0]['zones']
    assert views[2] == views[1]


def test_check_mode_predicts_what_the_real_run_does(steps):
    run = steps['run']
    expected = {'create zone': True, 'www A again': False, 'www two values': True, 'apex TTL': True,
                'remove one apex address': True, 'remove CNAME': True, 'delete zone': True}
    for name, changed in expected.items():
        predicted = run.result('check ' + name)
        assert predicted.get('failed') is not True, (name, predicted)
        assert predicted['changed'] is changed, (name, predicted)
        assert result(steps, name)['changed'] is changed, name
    # The record sets' diffs: the same in check mode as in the real runs that followed (same state before each).
    for name in ('www two values', 'remove CNAME'):
        assert run.result('check ' + name)['diff'] == result(steps, name)['diff'], name
    assert run.result('check apex TTL')['diff']['after']['ttl'] == 60


def test_diff_shows_the_record_set_before_and_after(steps):
    created = result(steps, 'www A')['diff']
    assert created == {'before': {}, 'after': {'zone': ZONE, 'name': 'www', 'fqdn': 'www.lc.test', 'type': 'A', 'ttl': 300,
                                               'values': ['192.0.2.10']}}
    changed = result(steps, 'www two values')['diff']
    assert changed['before']['values'] == ['192.0.2.10'] and changed['after']['values'] == ['192.0.2.10', '192.0.2.20']


# --- bad input ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('name, words', [
    ('invalid type', ["type 'AAA' is not a DNS record type", 'allowed: A, AAAA']),
    ('not an address', ["value '192.0.2' (type A) is not an IPv4 address"]),
    ('not an IPv6 address', ['is not an IPv6 address']),
    ('outside the zone', ["name 'x.other.test.' is outside the zone lc.test"]),
    ('missing zone', ['zone lc.tset does not exist', 'closest: lc.test']),
    ('CNAME beside A', ['www.lc.test CNAME', 'a CNAME cannot sit beside other records', 'A']),
    ('A beside CNAME', ['docs.lc.test A', 'this name has a CNAME']),
])
def test_bad_input_fails_in_one_line_and_changes_nothing(steps, name, words):
    one_line_failure(steps['run'].result(name), *words)
    view = steps['views'][3]
    assert view['dns']['x.lc.test A']['values'] == [] and not [key for key in view['rrsets'] if key.startswith('x.')]
    assert view['rrsets']['docs.lc.test CNAME']['values'] == ['www.lc.test.']


# --- listing -------------------------------------------------------------------------------------------------------

def test_info_lists_zones_and_record_sets_as_the_server_has_them(steps):
    view = steps['views'][4]
    zones = result(steps, 'zones')['zones']
    assert [item['name'] for item in zones] == view['zones']
    listed = result(steps, 'records')['records']
    assert set('%s %s' % (item['fqdn'], item['type']) for item in listed) == set(view['rrsets']) | {'lc.test SOA'}
    by_key = dict(('%s %s' % (item['fqdn'], item['type']), item) for item in listed)
    assert by_key['lc.test TXT']['values'] == ['say "hi", then go', 'v=spf1 mx -all']
    for key, rrset in view['rrsets'].items():
        assert by_key[key]['ttl'] == rrset['ttl'], key
    assert [(item['name'], item['type']) for item in result(steps, 'www addresses')['records']] == [('www', 'A')]
    assert [item['name'] for item in result(steps, 'texts by fqdn')['records']] == ['long']
    one_line_failure(steps['run'].result('filter without zone'), 'give zone')


def test_the_api_key_is_never_shown(steps, powerdns_cloud):
    assert powerdns_cloud.api_key not in steps['run'].output


# --- the modules' EXAMPLES ---------------------------------------------------------------------------------------

def test_the_examples_run(scenarios):
    outcome = scenarios['examples'].result()
    run = outcome['run']
    assert run.rc == 0, run.output[-3000:]
    assert 'example.test' in outcome['zones'] and 'old.example.test' not in outcome['zones']
    rrsets = outcome['rrsets']
    assert rrsets[('www.example.test', 'A')] == {'ttl': 300, 'values': ['192.0.2.10']}
    assert rrsets[('example.test', 'A')]['values'] == ['192.0.2.10'] == outcome['apex']
    assert rrsets[('example.test', 'MX')]['values'] == ['10 mail.example.test.']
    assert rrsets[('example.test', 'TXT')]['values'] == ['"v=spf1 mx -all"']
    assert ('docs.example.test', 'CNAME') not in rrsets
    assert outcome['www'] == ['192.0.2.10']
    assert run.result('Show them')['msg'] == ['www.example.test']
