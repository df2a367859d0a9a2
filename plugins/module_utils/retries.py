# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one retry policy under every API call: throttling and transient faults, full-jitter exponential backoff.

:func:`install` puts the policy under a libcloud driver's connection, so every request that any module or the
inventory makes through that driver is covered. What it retries depends on what the failure proves:

- ``throttled``: the server refused without acting (HTTP 429, EC2 ``RequestLimitExceeded``, S3 ``SlowDown``,
  Azure ``ServerBusy``, OpenStack ``overLimit``): any request may be sent again;
- ``unsent``: the connection was refused, so the request never arrived: any request may be sent again, but
  only a few times (``REFUSED_ATTEMPTS``): nothing listening is a restart at best, a wrong endpoint at worst,
  and a wrong endpoint should fail in a second, not a minute;
- ``transient``: a reset, a time-out, a cut answer, HTTP 500/502/503/504: the server may have acted. Reads,
  tags, deletes and other repeatable requests are sent again. An operation that must not simply be repeated
  (creating a node: :func:`nodes.create_node` looks before it tries again) or cannot be replayed request by
  request (a streamed upload or download) runs whole inside :meth:`RetryPolicy.call`, which then retries the
  operation instead of its requests: one level retries, never two.

Bad input, missing resources and bad credentials (other 4xx) are never retried. Attempts stop at ``retries``
or when the next wait would end after the task's deadline, whichever comes first.
"""

from __future__ import annotations

import inspect
import random
import re
import threading
import time

DEFAULT_RETRIES = 10
# Full jitter: the n-th wait is uniform in [0, min(MAX_DELAY, BASE_DELAY * 2**n)].
BASE_DELAY = 0.5
MAX_DELAY = 20.0

REFUSED_ATTEMPTS = 3

THROTTLED, UNSENT, TRANSIENT = 'throttled', 'unsent', 'transient'
RETRY_STATUSES = frozenset((429, 500, 502, 503, 504))

# The providers' own names for "slow down", found in the error text libcloud builds from the answer.
_THROTTLE_CODES = re.compile(r'RequestLimitExceeded|Throttl|SlowDown|ServerBusy|overLimit|TooManyRequests|RateLimit'
                             r'|Rate limit exceeded')
# libcloud's S3 and storage drivers report an unexpected status only in their message.
_STATUS_IN_TEXT = re.compile(r'[Ss]tatus(?: code)?[:= ]+(\d{3})\b')
# Exception class names (requests, urllib3, http.client, builtins) by what they prove; names keep this module
# importable without requests and urllib3, and their hierarchy differs between versions.
_UNSENT_NAMES = frozenset(('ConnectionRefusedError', 'NewConnectionError', 'ConnectTimeout', 'ConnectTimeoutError'))
_TRANSIENT_NAMES = frozenset((
    'ConnectionResetError', 'ConnectionAbortedError', 'BrokenPipeError', 'TimeoutError', 'timeout',
    'ReadTimeout', 'ReadTimeoutError', 'ChunkedEncodingError', 'ProtocolError', 'IncompleteRead',
    'RemoteDisconnected', 'ConnectionError', 'TransientSSLError',
))
_NEVER_NAMES = frozenset(('InvalidCredsError', 'LibcloudModuleError', 'ContainerDoesNotExistError',
                          'ObjectDoesNotExistError', 'ContainerAlreadyExistsError', 'ContainerIsNotEmptyError'))

_state = threading.local()


def _causes(exc, depth=6):
    """``exc`` and what it wraps: requests and urllib3 nest the socket error two or three levels down."""
    seen = []
    while exc is not None and len(seen) < depth and exc not in seen:
        seen.append(exc)
        reason = getattr(exc, 'reason', None)
        wrapped = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
        exc = next((item for item in (reason, wrapped, exc.__cause__, exc.__context__) if isinstance(item, BaseException)), None)
    return seen


def http_status(exc):
    """The HTTP status an exception reports, from its attribute or, for storage drivers, its message."""
    for name in ('code', 'http_code', 'status'):
        value = getattr(exc, name, None)
        if isinstance(value, int) and 100 <= value <= 599:
            return value
    match = _STATUS_IN_TEXT.search(str(exc))
    return int(match.group(1)) if match else None


def classify(exc):
    """``THROTTLED``, ``UNSENT``, ``TRANSIENT``, or None for a failure that retrying cannot mend."""
    chain = _causes(exc)
    names = set(cls.__name__ for item in chain for cls in type(item).__mro__)
    if names & _NEVER_NAMES:
        return None
    text = ' '.join(str(item) for item in chain)
    if 'RateLimitReachedError' in names or _THROTTLE_CODES.search(text):
        return THROTTLED
    if names & _UNSENT_NAMES:
        return UNSENT
    if names & _TRANSIENT_NAMES or (isinstance(exc, OSError) and 'timed out' in str(exc)):
        return TRANSIENT
    status = http_status(exc)
    if status == 429:
        return THROTTLED
    if status in RETRY_STATUSES:
        return TRANSIENT
    return None


def retry_after(exc):
    """Seconds the server asked us to wait (``Retry-After``), or 0."""
    value = getattr(exc, 'retry_after', None)
    if value is None:
        headers = getattr(exc, 'headers', None) or {}
        value = headers.get('retry-after') or headers.get('Retry-After') if hasattr(headers, 'get') else None
    try:
        return max(0.0, float(value or 0))
    except (TypeError, ValueError):
        return 0.0


class RetryPolicy:
    """``attempts`` tries at most, full-jitter exponential waits, none that would end after ``deadline``.

    ``deadline`` is a :class:`waiting.Deadline` (or None): the task's, shared by every driver of the task.
    """

    def __init__(self, attempts=DEFAULT_RETRIES, deadline=None, base_delay=BASE_DELAY, max_delay=MAX_DELAY,
                 sleep=time.sleep, rand=random.random):
        self.attempts = max(1, int(attempts))
        self.deadline = deadline
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.sleep = sleep
        self.rand = rand
        self.retried = 0

    def delay(self, attempt, exc=None):
        """The wait before try ``attempt + 1``; at least what a ``Retry-After`` asked, at most ``max_delay``."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return min(self.max_delay, max(self.rand() * ceiling, retry_after(exc) if exc is not None else 0.0))

    def call(self, function, *args, **kwargs):
        """``function(*args, **kwargs)``, tried again after a retryable failure (see the module docstring)."""
        return self.call_checked(function, args, kwargs)

    def call_anew(self, function, *args, **kwargs):
        """Like :meth:`call`, even inside an outer call: for a cleanup that must not fail with what it cleans up."""
        outer = getattr(_state, 'retrying', False)
        _state.retrying = False
        try:
            return self.call(function, *args, **kwargs)
        finally:
            _state.retrying = outer

    def call_checked(self, function, args=(), kwargs=None, failed_answer=None):
        """Like :meth:`call`; ``failed_answer(result)`` may return an exception for a result that is a failure."""
        if getattr(_state, 'retrying', False):
            # An outer call retries the whole operation: retrying its requests too would multiply the attempts.
            return function(*args, **(kwargs or {}))
        _state.retrying = True
        try:
            return self._loop(function, args, kwargs or {}, failed_answer)
        finally:
            _state.retrying = False

    def _loop(self, function, args, kwargs, failed_answer):
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            try:
                result = function(*args, **kwargs)
                exc = failed_answer(result) if failed_answer is not None else None
                if exc is None:
                    return result
            except Exception as error:  # pylint: disable=broad-exception-caught
                exc = error
            kind = classify(exc)
            wait = self.delay(attempt, exc)
            out_of_time = self.deadline is not None and self.deadline.remaining() < wait
            limit = min(self.attempts, REFUSED_ATTEMPTS) if kind == UNSENT else self.attempts
            if kind is None or attempt >= limit or out_of_time:
                if kind is not None and attempt > 1:
                    # describe_exception adds this to the one line the user sees.
                    exc.cloudmesh_retry_note = 'gave up after %d attempts in %.1f s' % (attempt, time.monotonic() - started)
                raise exc
            self.retried += 1
            self.sleep(wait)


def create_once(driver, create, find):
    """``create()`` something that must exist once, however the provider's answers get lost; return it.

    A create whose answer was lost (a reset, a time-out, a 5xx) may have worked: it is tried again only after
    ``find()`` (None when there is nothing) shows that it did not; what ``find()`` returns then is the one created.
    """
    answer_lost = []

    def attempt():
        if answer_lost:
            found = find()
            if found is not None:
                return found
        try:
            return create()
        except Exception as exc:
            if classify(exc) == TRANSIENT:
                answer_lost.append(exc)
            raise

    return policy_of(driver).call(attempt)


class StatusError(Exception):
    """A raw (streamed) answer whose status says to try again: libcloud reads a raw answer's status only later,
    and then reports a bare number; this names the provider's own code (``SlowDown``) as well."""

    def __init__(self, status, headers, detail=''):
        super().__init__(('HTTP %d %s' % (status, detail)).strip())
        self.code = status
        self.headers = headers


_ERROR_CODE = re.compile(r'<Code>([^<]{1,100})</Code>(?:\s*<Message>([^<]{0,300})</Message>)?')


def _resendable(data):
    # A body held in memory can be sent again; a file or a generator is consumed by the first try: the caller
    # (an upload) repeats the whole operation instead.
    return data is None or isinstance(data, (bytes, str, dict, list))


def install(driver, policy, timeout=None):
    """Put ``policy`` under every request of ``driver.connection``; return the driver.

    ``timeout`` also bounds streamed (raw) requests, which libcloud sends without one.
    """
    connection = driver.connection
    original = connection.request
    signature = inspect.signature(original)

    def request(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        arguments = bound.arguments
        if not _resendable(arguments.get('data')):
            return original(*args, **kwargs)
        raw_failure = _raw_failure if arguments.get('raw') else None
        return policy.call_checked(_connected(connection, original, timeout), args, kwargs, failed_answer=raw_failure)

    connection.request = request
    connection.retry_policy = policy
    return driver


def _raw_failure(response):
    status = getattr(response, 'status', None)
    if status not in RETRY_STATUSES:
        return None
    try:
        found = _ERROR_CODE.search(response.body or '')  # error answers are small documents
    except Exception:  # pylint: disable=broad-exception-caught
        found = None
    detail = ': '.join(part for part in found.groups() if part) if found else ''
    return StatusError(status, getattr(response, 'headers', None) or {}, detail)


def _connected(connection, original, timeout):
    """``original`` after making sure the HTTP session applies ``timeout`` to every request it sends."""
    def call(*args, **kwargs):
        if timeout:
            if connection.connection is None:
                connection.connect()
            _bound_session(getattr(connection.connection, 'session', None), timeout)
        return original(*args, **kwargs)
    return call


def _bound_session(session, timeout):
    """libcloud's streamed requests (uploads and downloads) call ``session.send`` with no timeout: a stalled
    server would hang the task for ever. Each mounted adapter (libcloud's certificate-signing one included)
    gets the connection's own timeout where the caller gave none."""
    if session is None:
        return
    for adapter in session.adapters.values():
        if getattr(adapter, 'cloudmesh_timeout', None) == timeout:
            continue
        send = getattr(adapter, 'cloudmesh_send', None) or adapter.send

        def bounded(request, *args, _send=send, _adapter=adapter, **kwargs):
            if kwargs.get('timeout') is None:
                kwargs['timeout'] = _adapter.cloudmesh_timeout
            return _send(request, *args, **kwargs)

        adapter.cloudmesh_send = send
        adapter.cloudmesh_timeout = timeout
        adapter.send = bounded


def policy_of(driver):
    """The policy installed under ``driver`` (a policy that tries once when there is none)."""
    return getattr(getattr(driver, 'connection', None), 'retry_policy', None) or RetryPolicy(attempts=1)
