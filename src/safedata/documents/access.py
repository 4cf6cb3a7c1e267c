"""Who may open a document that is not public: its uploader and the moderators.

A held or hidden document is 404 to everyone else, as if it did not exist; a
removed one is 410 to everyone, with a short explanation (its text is gone).
The document page and the documents API both read it through ``viewable_document``.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from safedata.accounts.models import User
from safedata.accounts.roles import is_moderator
from safedata.documents.models import Document, Visibility

REMOVED_MESSAGE = (
    "This document was removed by the moderators because it broke the Acceptable Use "
    "Policy. Its text is no longer stored, and it is not part of any later dataset release."
)


class DocumentGone(Exception):
    """The document was removed (a takedown): answer 410."""

    def __init__(self, document_id: int) -> None:
        super().__init__(REMOVED_MESSAGE)
        self.document_id = document_id


def may_view(document: Document, user: User | AnonymousUser) -> bool:
    """Whether ``user`` may see ``document`` in its current visibility."""
    if document.visibility == Visibility.VISIBLE:
        return True
    if document.visibility == Visibility.REMOVED:
        return False
    owner = user.is_authenticated and document.uploader_id == user.pk
    return owner or is_moderator(user)


def viewable_document(pk: int, user: User | AnonymousUser) -> Document:
    """The document ``pk`` if ``user`` may see it; ``DocumentGone`` or ``Document.DoesNotExist``."""
    document = Document.objects.select_related("uploader").filter(pk=pk).first()
    if document is None:
        raise Document.DoesNotExist(f"No visible document with id {pk}.")
    if document.visibility == Visibility.REMOVED:
        raise DocumentGone(pk)
    if not may_view(document, user):
        raise Document.DoesNotExist(f"No visible document with id {pk}.")
    return document
