"""API v1 for votes: one endpoint, for anonymous visitors, members and token clients."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router, Schema
from ninja.decorators import decorate_view

from safedata.apiauth import json_body, public
from safedata.apierrors import ApiError
from safedata.apischemas import ConsensusOut, ErrorOut, consensus_payload
from safedata.consensus import Label
from safedata.documents.models import Document
from safedata.voting.identity import remember_voter, voter_for
from safedata.voting.services import InvalidRating, OwnDocument, cast_vote

router = Router(tags=["votes"])

_MAX_VOTE_BODY = 1024


class VoteIn(Schema):
    rating: Label


class VoteOut(Schema):
    document_id: int
    rating: Label
    consensus: ConsensusOut


@router.post(
    "/documents/{document_id}/vote",
    auth=public,
    response={
        200: VoteOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        413: ErrorOut,
        415: ErrorOut,
        429: ErrorOut,
    },
    summary="Vote on a document (again to change the vote)",
)
@decorate_view(json_body(lambda: _MAX_VOTE_BODY))
def vote(request: HttpRequest, document_id: int, payload: VoteIn) -> HttpResponse:
    """Anonymous callers are identified by the signed ``sd_voter`` cookie set on first vote."""
    voter = voter_for(request)
    try:
        _, consensus = cast_vote(document_id, voter, payload.rating.value)
    except Document.DoesNotExist as exc:
        raise ApiError(404, "not_found", f"No visible document with id {document_id}.") from exc
    except OwnDocument as exc:
        raise ApiError(403, exc.code, str(exc)) from exc
    except InvalidRating as exc:
        raise ApiError(400, exc.code, str(exc)) from exc
    body = {
        "document_id": document_id,
        "rating": payload.rating.value,
        "consensus": consensus_payload(consensus),
    }
    return remember_voter(JsonResponse(body), voter)
