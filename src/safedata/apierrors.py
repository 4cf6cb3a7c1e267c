"""The one error shape of the JSON API."""

from __future__ import annotations

from django.http import JsonResponse


class ApiError(Exception):
    """Raise from an API operation to answer ``{"error": {"code", "message"}}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def error_response(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)
