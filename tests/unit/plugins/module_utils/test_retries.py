# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The retry policy's pure logic: what is retried, how long it waits, when it stops."""

from __future__ import annotations

import requests
import pytest
from libcloud.common.exceptions import BaseHTTPError, RateLimitReachedError
from libcloud.common.types import InvalidCredsError, LibcloudError
from libcloud.storage.types import ContainerDoesNotExistError

from ansible_collections.cloudmesh.libcloud.plugins.module_utils import retries
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.errors import LibcloudModuleError, describe_exception
from ansible_collections.cloudmesh.libcloud.plugins.module_utils.waiting import Deadline


def wrapped_reset():
    """A reset as requests reports it: the socket error two levels down."""
    try:
        try:
            raise ConnectionResetError(104, 'Connection reset by peer')
        except ConnectionResetError as cause:
            raise requests.exceptions.ConnectionError(cause) from cause
    except requests.exceptions.ConnectionError as exc:
        return exc


@pytest.mark.parametrize('exc, kind', [
    (RateLimitReachedError(), retries.THROTTLED),
    (BaseHTTPError(503, 'RequestLimitExceeded: Request limit exceeded.'), retries.THROTTLED),
    (BaseHTTPError(400, 'Throttling: Rate exceeded'), retries.THROTTLED),
    (LibcloudError('<Error><Code>SlowDown</Code></Error>'), retries.THROTTLED),
    (BaseHTTPError(503, 'ServerBusy: The server is busy'), retries.THROTTLED),
    (BaseHTTPError(413, '{"overLimit": {"code": 413}}'), retries.THROTTLED),
    (ConnectionRefusedError(111, 'Connection refused'), retries.UNSENT),
    (wrapped_reset(), retries.TRANSIENT),
    (ConnectionAbortedError(103, 'aborted'), retries.TRANSIENT),
    (requests.exceptions.ReadTimeout('Read timed out. (read timeout=2)'), retries.TRANSIENT),
    (requests.exceptions.ChunkedEncodingError('Connection broken: IncompleteRead'), retries.TRANSIENT),
    (BaseHTTPError(500, 'InternalError'), retries.TRANSIENT),
    (BaseHTTPError(502, 'Bad Gateway'), retries.TRANSIENT),
    (BaseHTTPError(504, 'Gateway Timeout'), retries.TRANSIENT),
    (LibcloudError('Unknown error. Status code: 503'), retries.TRANSIENT),
    (BaseHTTPError(400, 'InvalidParameterValue: bad size'), None),
    (BaseHTTPError(404, 'InvalidInstanceID.NotFound'), None),
    (InvalidCredsError('AuthFailure: bad secret'), None),
    (ContainerDoesNotExistError('gone', None, 'bucket'), None),
    (LibcloudModuleError('bucket name is invalid'), None),
    (FileNotFoundError(2, 'No such file or directory'), None),
    (ValueError('boom'), None),
])
def test_classify(exc, kind):
    assert retries.classify(exc) == kind


class Clock:
    """A fake clock and sleep: time passes only when the policy sleeps."""

    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def failing(errors, result='ok'):
    """A function that raises ``errors`` one per call, then returns ``result``."""
    calls = []

    def function():
        calls.append(1)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return result
    return function, calls


def policy(clock, attempts=10, seconds=None, rand=lambda: 1.0):
    deadline = Deadline(seconds, clock=clock) if seconds is not None else None
    return retries.RetryPolicy(attempts, deadline, sleep=clock.sleep, rand=rand)


def test_transient_faults_are_retried_until_success():
    clock = Clock()
    function, calls = failing([RateLimitReachedError(), wrapped_reset(), BaseHTTPError(503, 'SlowDown')])
    subject = policy(clock)
    assert subject.call(function) == 'ok'
    assert len(calls) == 4 and subject.retried == 3


def test_waits_grow_exponentially_up_to_the_cap_with_full_jitter():
    clock = Clock()
    function, _calls = failing([BaseHTTPError(500, 'x')] * 8)
    policy(clock).call(function)
    # rand() == 1.0 gives each ceiling: 0.5 s doubling, capped at 20 s.
    assert clock.sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 20.0, 20.0]
    jittered = Clock()
    values = iter([0.1, 0.9, 0.5])
    policy(jittered, rand=lambda: next(values)).call(failing([BaseHTTPError(500, 'x')] * 3)[0])
    assert jittered.sleeps == pytest.approx([0.05, 0.9, 1.0])


def test_retry_after_is_honoured_up_to_the_cap():
    clock = Clock()
    throttled = RateLimitReachedError(headers={'retry-after': '7'})
    policy(clock, rand=lambda: 0.0).call(failing([throttled])[0])
    assert clock.sleeps == [7.0]
    huge = RateLimitReachedError(headers={'retry-after': '3600'})
    policy(clock, rand=lambda: 0.0).call(failing([huge])[0])
    assert clock.sleeps[-1] == retries.MAX_DELAY


def test_gives_up_after_the_attempts_and_says_so():
    clock = Clock()
    function, calls = failing([BaseHTTPError(503, 'RequestLimitExceeded: slow down')] * 10)
    with pytest.raises(BaseHTTPError) as caught:
        policy(clock, attempts=3).call(function)
    assert len(calls) == 3
    message = describe_exception(caught.value)
    assert message.startswith('BaseHTTPError: RequestLimitExceeded: slow down (gave up after 3 attempts in ')
    assert '\n' not in message


def test_stops_before_a_wait_that_would_pass_the_deadline():
    clock = Clock()
    function, calls = failing([BaseHTTPError(500, 'x')] * 10)
    with pytest.raises(BaseHTTPError):
        policy(clock, attempts=10, seconds=5).call(function)
    # Waits of 0.5, 1 and 2 s fit in 5 s; the next (4 s) would end at 7.5 s.
    assert clock.sleeps == [0.5, 1.0, 2.0] and len(calls) == 4
    assert clock.now <= 5


def test_refused_connections_get_a_few_quick_tries_only():
    clock = Clock()
    function, calls = failing([ConnectionRefusedError(111, 'Connection refused')] * 10)
    with pytest.raises(ConnectionRefusedError):
        policy(clock, attempts=10).call(function)
    assert len(calls) == retries.REFUSED_ATTEMPTS
    assert sum(clock.sleeps) <= 1.5


@pytest.mark.parametrize('error', [InvalidCredsError('bad secret'), BaseHTTPError(400, 'InvalidParameterValue'), ValueError('x')])
def test_never_retried(error):
    clock = Clock()
    function, calls = failing([error])
    with pytest.raises(type(error)) as caught:
        policy(clock).call(function)
    assert len(calls) == 1 and clock.sleeps == []
    assert not hasattr(caught.value, 'cloudmesh_retry_note')


def test_one_attempt_turns_retrying_off():
    clock = Clock()
    function, calls = failing([RateLimitReachedError()])
    with pytest.raises(RateLimitReachedError):
        policy(clock, attempts=1).call(function)
    assert len(calls) == 1


def test_an_outer_call_retries_the_whole_operation_and_inner_calls_do_not():
    clock = Clock()
    inner_policy = policy(clock)
    inner, inner_calls = failing([wrapped_reset()] * 2)
    outer_calls = []

    def operation():
        outer_calls.append(1)
        return inner_policy.call(inner)

    assert policy(clock).call(operation) == 'ok'
    # Each failure of the inner request went straight up: three operations, one request each.
    assert len(outer_calls) == 3 and len(inner_calls) == 3


def test_a_raw_answer_with_a_retryable_status_is_retried_then_named():
    clock = Clock()

    class Raw:
        def __init__(self, status, body=''):
            self.status = status
            self.headers = {}
            self.body = body

    slow_down = '<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>'
    answers = iter([Raw(503, slow_down), Raw(503, slow_down), Raw(200)])
    result = policy(clock).call_checked(lambda: next(answers), failed_answer=retries._raw_failure)  # pylint: disable=protected-access
    assert result.status == 200 and len(clock.sleeps) == 2
    # Out of attempts, the error names the provider's code: libcloud would only report the bare status.
    answers = iter([Raw(503, slow_down)] * 3)
    with pytest.raises(Exception) as caught:
        policy(clock, attempts=3).call_checked(lambda: next(answers), failed_answer=retries._raw_failure)  # pylint: disable=protected-access
    assert describe_exception(caught.value).startswith(
        'StatusError: HTTP 503 SlowDown: Please reduce your request rate. (gave up after 3 attempts in ')


def test_describe_exception_hides_query_strings_of_urls():
    exc = requests.exceptions.ConnectionError(
        "HTTPConnectionPool(host='127.0.0.1', port=1): Max retries exceeded with url: "
        "/?Action=DescribeInstances&AWSAccessKeyId=AKIDSECRETKEY&Signature=abc%3D (Caused by NewConnectionError)")
    message = describe_exception(exc)
    assert 'AKIDSECRETKEY' not in message and 'Signature' not in message
    assert 'with url: /?... (Caused by NewConnectionError)' in message


def test_describe_exception_drops_the_quotes_of_libcloud_errors():
    message = describe_exception(InvalidCredsError('AuthFailure: AWS was not able to validate the provided access credentials'))
    assert message == 'InvalidCredsError: AuthFailure: AWS was not able to validate the provided access credentials'


def test_a_cleanup_inside_an_outer_call_gets_retries_of_its_own():
    clock = Clock()
    cleanup, cleanup_calls = failing([wrapped_reset()] * 2, result='aborted')
    outcome = []

    def operation():
        outcome.append(policy(clock).call_anew(cleanup))
        return 'done'

    assert policy(clock).call(operation) == 'done'
    assert outcome == ['aborted'] and len(cleanup_calls) == 3
