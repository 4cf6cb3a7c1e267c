"""allauth hooks: its login and sign-up limits count the same client as ours.

allauth keeps its limits in the default cache (shared by every process: Redis or
``SharedFileCache``) under a key naming the client "IP"; it gets the salted
address hash instead, so no raw address is stored there either.
"""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from safedata.ratelimit import ip_hash


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    def get_client_ip(self, request: HttpRequest) -> str:
        return ip_hash(request)
