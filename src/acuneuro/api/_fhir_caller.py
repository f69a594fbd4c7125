"""Who calls the FHIR REST face: a staff member's bearer token or a SMART backend client's.

Both are ``Authorization: Bearer`` tokens; the staff token of the JSON API is tried first,
then a SMART access token (``services.smart``). Neither: 401, answered as an
OperationOutcome by :class:`acuneuro.api._fhir.FhirRoute`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from acuneuro.api.deps import ContextDep, client_address
from acuneuro.i18n import gettext as _
from acuneuro.services import AuthenticationFailed
from acuneuro.services.accounts import resolve_token
from acuneuro.services.fhir_rest import FhirCaller
from acuneuro.services.smart import resolve_access_token

__all__ = ["FhirCallerDep", "fhir_caller"]


def fhir_caller(request: Request, ctx: ContextDep) -> FhirCaller:
    """The staff member or backend client named by the bearer token; 401 otherwise."""
    scheme, _sep, token = request.headers.get("authorization", "").partition(" ")
    source = client_address(request)
    if scheme.lower() == "bearer" and token.strip():
        try:
            return FhirCaller(resolve_token(ctx, token.strip(), source))
        except AuthenticationFailed:
            pass
        try:
            return resolve_access_token(ctx, token.strip(), source)
        except AuthenticationFailed:
            pass
    raise HTTPException(status.HTTP_401_UNAUTHORIZED,
                        _("Sign in first: this request needs a valid access token."),
                        headers={"WWW-Authenticate": "Bearer"})


FhirCallerDep = Annotated[FhirCaller, Depends(fhir_caller)]
