"""SMART Backend Services endpoints: the token endpoint and ``/.well-known/smart-configuration``.

``POST /oauth/token`` takes ``grant_type=client_credentials`` with a signed JWT client
assertion (``services.smart``) and answers the OAuth token response, or an RFC 6749 error
(``{"error": ..., "error_description": ...}``, never a token). It is outside ``/fhir`` because
OAuth clients expect OAuth errors there, not OperationOutcomes. The web's own password grant
stays at ``/api/v1/auth/token``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse

from acuneuro.api.deps import ContextDep, client_address
from acuneuro.api.routes.fhir_rest import token_url
from acuneuro.services.fhir_capability import smart_configuration
from acuneuro.services.smart import TokenRefused, issue_token

__all__ = ["router", "well_known"]

router = APIRouter(tags=["smart"])
well_known = APIRouter(tags=["smart"])
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@router.post("/oauth/token")
async def token(request: Request, ctx: ContextDep) -> JSONResponse:
    """An access token for a registered backend client (SMART Backend Services)."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        answer = issue_token(ctx, fields, token_url(request), client_address(request))
    except TokenRefused as exc:
        code = (status.HTTP_401_UNAUTHORIZED if exc.error == "invalid_client"
                else status.HTTP_400_BAD_REQUEST)
        return JSONResponse({"error": exc.error, "error_description": str(exc)},
                            status_code=code, headers=_NO_STORE)
    return JSONResponse(answer, headers=_NO_STORE)


@well_known.get("/fhir/.well-known/smart-configuration")
def configuration(request: Request) -> JSONResponse:
    """How a backend client gets a token here (SMART App Launch 2.0 conformance)."""
    return JSONResponse(smart_configuration(token_url(request)))
