"""Which wiki errors stop a publish run as an outage, and how the operator is told."""

import pytest
import requests
from pywikibot.exceptions import APIError, ApiTimeoutError, MaxlagTimeoutError, ServerError

from bots.publish import describe_outage, is_outage


@pytest.mark.parametrize(
    "exc, outage, words",
    [
        (ApiTimeoutError("Maximum retries attempted without success."), True, "did not answer"),
        (MaxlagTimeoutError("Maximum retries attempted due to maxlag"), True, "maxlag"),
        (APIError("readonly", "The wiki is currently in read-only mode."), True, "read-only"),
        (APIError("maxlag", "Waiting for a database server"), True, "lags"),
        (ServerError("502 Server Error: Bad Gateway"), True, "server error (502"),
        (
            requests.exceptions.ConnectionError("[Errno 111] Connection refused"),
            True,
            "did not answer",
        ),
        (APIError("badtitle", "Bad title"), False, "Bad title"),
        (ValueError("a bug"), False, "ValueError"),
    ],
)
def test_outages_are_told_apart_from_bugs(exc, outage, words):
    assert is_outage(exc) is outage
    assert words in describe_outage(exc)
