"""POST /query: one question, one answer with its sources."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from orchestrator.api.deps import admit
from orchestrator.api.errors import ANSWERING_ROUTE
from orchestrator.api.models import ErrorResponse, QueryRequest, QueryResponse
from orchestrator.core.requests import Question

router = APIRouter()


@router.post(
    "/query",
    response_model=QueryResponse | ErrorResponse,
    responses={200: {"description": "An answer, or (in the default error mode) an error body."}, **ANSWERING_ROUTE},
    summary="Answer a question about the user's data",
)
async def query(body: QueryRequest, request: Request) -> Response:
    """Plans which tools answer the question, calls them in parallel and composes one answer.

    Errors (invalid input, no service reachable, …) also answer 200, with an `error` body, unless
    the orchestrator runs with `ORCH_ERRORS_AS_HTTP_STATUS=true`.
    """
    caller, engine = await admit(request, "query", body.email)
    answer = await engine.handle(Question(body.query), caller)
    # Serialised once here: the answer is already validated, FastAPI need not validate it again.
    return Response(answer.model_dump_json(), media_type="application/json")
