"""The client's address, as every rate limit and log line sees it.

Behind a reverse proxy ``REMOTE_ADDR`` is the proxy. ``X-Forwarded-For`` is read
only when the request came from a configured proxy (``TRUSTED_PROXIES``), and
then from the right: the first hop that is not itself a trusted proxy is the
client. Hops further left were written by the client and are never believed.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_address(text: str) -> Address | None:
    """An IP address from header text (IPv4-mapped IPv6 becomes IPv4), or ``None``."""
    try:
        address = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, proxies: tuple[Network, ...]) -> bool:
    return any(address in network for network in proxies)


def client_address(request: HttpRequest) -> str:
    """The address of the client behind ``request``, past any trusted proxies."""
    raw = request.META.get("REMOTE_ADDR", "")
    remote = parse_address(raw)
    proxies: tuple[Network, ...] = settings.SAFEDATA_TRUSTED_PROXIES
    if remote is None or not _trusted(remote, proxies):
        return str(remote) if remote is not None else raw
    client = remote
    for hop in reversed(request.headers.get("X-Forwarded-For", "").split(",")):
        address = parse_address(hop)
        if address is None:
            break  # a trusted proxy never writes garbage: stop at the last good hop
        client = address
        if not _trusted(address, proxies):
            break
    return str(client)
