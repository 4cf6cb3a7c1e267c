"""Signals the upload pipeline sends to the layers above it (see docs/architecture.md).

``upload_held`` is sent inside the transaction that stored uploads which the
policy checks flagged (their visibility is ``HELD``), with
``held=[(document, findings), ...]`` and ``actor`` (the uploader). The
moderation app records the reasons and the audit entry; ``documents`` itself
cannot import it, being the lower layer.
"""

from __future__ import annotations

from django.dispatch import Signal

upload_held = Signal()
