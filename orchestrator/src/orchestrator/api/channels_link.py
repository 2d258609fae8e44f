"""POST /channels/link: an authenticated user gets a one-time code that links a phone or sender to them."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from mcp_common.emails import Email
from orchestrator.api.deps import admit
from orchestrator.api.errors import ANSWERING_ROUTE
from orchestrator.api.models import ErrorResponse
from orchestrator.channels.links import LinkStore
from orchestrator.settings import Settings

router = APIRouter()


class LinkRequest(BaseModel):
    """Who asks for a code: the authenticated caller (in development mode, the email named here)."""

    email: Email | None = Field(default=None, description="Development mode only: the user to link.")


class LinkCode(BaseModel):
    """A one-time code: send `link <code>` from the phone (SMS, WhatsApp) or webhook sender to link it."""

    code: str
    expires_in_s: float
    tenant: str = Field(description="The code links senders of this tenant only.")
    instructions: str


@router.post(
    "/channels/link",
    response_model=LinkCode | ErrorResponse,
    responses={200: {"description": "A code, or (in the default error mode) an error body."}, **ANSWERING_ROUTE},
    summary="Get a one-time code that links a phone number or webhook sender to your account",
)
async def link_code(body: LinkRequest, request: Request) -> Response:
    """The code is single-use, expires after `ORCH_CHANNEL_LINK_CODE_TTL_S`, and links a sender of the
    caller's tenant only; the sender then acts as the caller, with the caller's tools."""
    caller, _ = await admit(request, "orchestrate", str(body.email or ""))
    settings: Settings = request.app.state.settings
    links: LinkStore = request.app.state.channel_links
    code = await links.issue(email=caller.user, tenant=caller.tenant)
    answer = LinkCode(
        code=code,
        expires_in_s=settings.channel_link_code_ttl_s,
        tenant=caller.tenant,
        instructions=f"Send “link {code}” from the phone or sender to link it to {caller.user}.",
    )
    return Response(answer.model_dump_json(), media_type="application/json")
