"""Every response carries a request id (the caller's when it looks like one), and every
log line is one JSON object with that id."""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from collections.abc import Iterator

import pytest
from django.test import Client

from safedata.logs import JsonFormatter, RequestIdFilter


@pytest.fixture
def request_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("req-42.a:b_c", True), ("", False), ("two words", False), ("x" * 129, False)],
)
def test_request_id_is_kept_or_made(sent: str, kept: bool) -> None:
    headers = {"HTTP_X_REQUEST_ID": sent} if sent else {}
    returned = Client().get("/healthz", **headers)["X-Request-ID"]
    if kept:
        assert returned == sent
    else:
        assert re.fullmatch(r"[0-9a-f]{32}", returned)


@pytest.mark.django_db
def test_a_log_line_is_json_with_the_request_id(request_log: io.StringIO) -> None:
    response = Client().get("/no-such-page/", HTTP_X_REQUEST_ID="trace-7")
    assert response.status_code == 404
    line = json.loads(request_log.getvalue().strip().splitlines()[-1])
    assert line["request_id"] == "trace-7"
    assert line["level"] == "warning"
    assert line["status"] == 404
    assert line["message"] == "Not Found: /no-such-page/"
    assert {"time", "logger"} <= line.keys()


def test_an_exception_is_one_json_line() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert "ValueError: boom" in json.loads(line)["exception"]
