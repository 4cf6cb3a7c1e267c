"""The client address: X-Forwarded-For is believed only from configured proxies, and
every per-address limit (ours and allauth's) counts the real client behind the proxy."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from django.test import Client, RequestFactory
from tests.conftest import PASSWORD

from safedata.clientaddr import client_address
from safedata.ratelimit import ip_hash

PROXY = "10.0.0.2"


@pytest.fixture
def behind_proxy(settings: Any) -> None:
    settings.SAFEDATA_TRUSTED_PROXIES = (
        ipaddress.ip_network("10.0.0.0/24"),
        ipaddress.ip_network("2001:db8::/32"),
    )


def _address(remote: str, forwarded: str | None = None) -> str:
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_address(RequestFactory().get("/", REMOTE_ADDR=remote, **headers))


@pytest.mark.usefixtures("behind_proxy")
@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        (PROXY, "203.0.113.9", "203.0.113.9"),
        (PROXY, "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # the left hop is the client's word
        (PROXY, "203.0.113.9, 10.0.0.7", "203.0.113.9"),  # two proxies of ours
        (PROXY, "10.0.0.8, 10.0.0.7", "10.0.0.8"),  # all ours: the farthest one
        (PROXY, "not-an-ip, 203.0.113.9", "203.0.113.9"),
        (PROXY, "203.0.113.9, garbage", PROXY),  # our proxy never writes that: stop at it
        (PROXY, None, PROXY),
        ("203.0.113.50", "198.51.100.1", "203.0.113.50"),  # not a proxy: header ignored
        ("2001:db8::1", "2001:db9::5", "2001:db9::5"),
        ("::ffff:10.0.0.2", "203.0.113.9", "203.0.113.9"),
    ],
)
def test_client_address_behind_trusted_proxies(remote: str, forwarded: str, client: str) -> None:
    assert _address(remote, forwarded) == client


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert _address(PROXY, "203.0.113.9") == PROXY


@pytest.mark.usefixtures("behind_proxy")
def test_ip_hash_is_per_client_behind_the_proxy() -> None:
    factory = RequestFactory()
    first = ip_hash(factory.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.1"))
    second = ip_hash(factory.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.2"))
    again = ip_hash(factory.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.1"))
    assert first == again != second


def _failed_logins(client: Client, forwarded: str, count: int) -> None:
    for n in range(count):
        client.post(
            "/accounts/login/",
            {"login": f"made-up-{n}", "password": "wrong-password-x"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=forwarded,
        )


@pytest.mark.usefixtures("behind_proxy")
def test_one_attackers_failed_logins_never_lock_out_another_client(member: Any) -> None:
    _failed_logins(Client(), "203.0.113.66", 12)
    attacker = Client()
    response = attacker.post(
        "/accounts/login/",
        {"login": "made-up-x", "password": "wrong-password-x"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="203.0.113.66",
    )
    assert "Too many failed login attempts" in response.content.decode()
    user = Client()
    response = user.post(
        "/accounts/login/",
        {"login": "member", "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert response.status_code == 302
    assert user.session["_auth_user_id"] == str(member.pk)


def test_a_forged_header_does_not_escape_the_login_limit(member: Any) -> None:
    # No proxy configured: each attempt claims another address, all count for REMOTE_ADDR.
    for n in range(12):
        Client().post(
            "/accounts/login/",
            {"login": f"made-up-{n}", "password": "wrong-password-x"},
            REMOTE_ADDR="203.0.113.66",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
    response = Client().post(
        "/accounts/login/",
        {"login": "member", "password": PASSWORD},
        REMOTE_ADDR="203.0.113.66",
        HTTP_X_FORWARDED_FOR="198.51.100.200",
    )
    assert "Too many failed login attempts" in response.content.decode()
