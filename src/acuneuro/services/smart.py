"""SMART Backend Services: registered system clients and their short-lived access tokens.

An administrator registers a client for the clinic with its PUBLIC keys (a JWKS, or one public
key) and the ``system/`` scopes it may ask for. The client asks the token endpoint for an access
token with ``grant_type=client_credentials`` and a JWT it signed (``client_assertion``): the
signature is checked with joserfc against the registered keys; ``iss`` and ``sub`` must be the
client id, ``aud`` the token endpoint, ``exp`` at most five minutes ahead, and a ``jti`` may be
used once. The access token lasts five minutes and carries the scopes granted (those asked
for that the registration covers). The OAuth password grant stays for the web's own use.

References
----------
HL7 SMART App Launch 2.0.0, "SMART Backend Services" (client-confidential-asymmetric
authentication, RS384/ES384, ``exp`` no more than five minutes, ``jti`` replay, token
lifetime); RFC 7523 (JWT client assertions); RFC 6749 section 5.2 (error codes).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

from itsdangerous import BadSignature, URLSafeTimedSerializer
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import JWKRegistry, KeySet
from pydantic import BaseModel, ConfigDict
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from acuneuro.i18n import gettext as _
from acuneuro.services._actor import Actor
from acuneuro.services._context import Context
from acuneuro.services._course_common import require
from acuneuro.services._errors import AuthenticationFailed, ServiceError
from acuneuro.services._policy import UseCase
from acuneuro.services.audit import Action, Outcome, record, record_alone
from acuneuro.services.fhir_rest import RESOURCE_TYPES, FhirCaller
from acuneuro.store import FhirAssertion, FhirClient, Role, utcnow

__all__ = [
    "ASSERTION_TYPE",
    "SIGNING_ALGORITHMS",
    "TOKEN_SECONDS",
    "ClientView",
    "TokenRefused",
    "issue_token",
    "public_jwks",
    "register_client",
    "resolve_access_token",
]

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# SMART requires RS384 and ES384 to be supported; RS256/ES256 are common in client libraries.
SIGNING_ALGORITHMS = ("RS384", "ES384", "RS256", "ES256")
TOKEN_SECONDS = 300
_MAX_ASSERTION_AHEAD = timedelta(minutes=5)
_SALT = "acuneuro.smart-access-token"
_RESOURCE = "fhir-client"
_SCOPE = re.compile(r"^system/(\*|[A-Z][A-Za-z]+)\.(read|rs|r)$")


class TokenRefused(ServiceError):
    """The token request is refused; ``error`` is the OAuth error code (RFC 6749 5.2)."""

    def __init__(self, error: str, message: str) -> None:
        self.error = error
        super().__init__(message)


class ClientView(BaseModel):
    """A registered backend client as the administrator sees it."""

    model_config = ConfigDict(frozen=True)

    client_id: str
    name: str
    scopes: list[str]
    key_ids: list[str]


def _scope_problem(scope: str) -> str | None:
    match = _SCOPE.match(scope)
    if match is None:
        return _("'%(scope)s' is not a system read scope such as system/*.read or "
                 "system/Observation.read.") % {"scope": scope}
    if match.group(1) != "*" and match.group(1) not in RESOURCE_TYPES:
        return _("'%(scope)s' names a resource this server does not serve.") % {"scope": scope}
    return None


def _pem_key(text: str) -> Any:
    for kind in ("RSA", "EC"):
        try:
            return JWKRegistry.import_key(text, kind)
        except (JoseError, ValueError, TypeError):
            continue
    raise ValueError(_("not an RSA or EC public key in PEM form"))


def public_jwks(keys: Mapping[str, Any] | str) -> dict[str, Any]:
    """A public JWKS from a JWKS document or one PEM public key; refuses private keys."""
    try:
        if isinstance(keys, str):
            key = _pem_key(keys)
            if key.is_private:
                raise ServiceError(_("Give the client's PUBLIC key; never its private key."))
            members = [{"kid": key.thumbprint(), **key.as_dict(private=False)}]
        else:
            members = list(keys.get("keys", [])) if isinstance(keys.get("keys"), list) else []
            if any("d" in m for m in members if isinstance(m, Mapping)):
                raise ServiceError(_("The key set holds a private key: give public keys only."))
            KeySet.import_key_set({"keys": members})
    except (JoseError, ValueError, TypeError) as exc:
        raise ServiceError(_("The client's keys cannot be read: %(reason)s") % {
            "reason": str(exc) or type(exc).__name__}) from None
    if not members:
        raise ServiceError(_("The key set has no keys."))
    return {"keys": members}


def register_client(ctx: Context, actor: Actor, name: str, keys: Mapping[str, Any] | str,
                    scopes: Iterable[str]) -> ClientView:
    """Register a backend client of the administrator's clinic; its new client id."""
    require(ctx, actor, UseCase.ACCOUNT_ADMIN, Action.ADMIN, _RESOURCE, None)
    wanted = sorted(set(scopes))
    if not name.strip() or len(name) > 200:
        raise ServiceError(_("Give the client a name of at most 200 characters."))
    if not wanted:
        raise ServiceError(_("Give at least one scope, e.g. system/*.read."))
    problems = [p for p in map(_scope_problem, wanted) if p]
    if problems:
        raise ServiceError(" ".join(problems))
    jwks = public_jwks(keys)
    client_id = secrets.token_urlsafe(24)
    with ctx.db.write() as session:
        session.add(FhirClient(client_id=client_id, clinic_id=actor.clinic_id, name=name.strip(),
                               jwks_json=jwks, scopes=" ".join(wanted), active=True))
        record(session, ctx.audit_key, actor=actor, action=Action.CREATE, resource=_RESOURCE)
    return ClientView(client_id=client_id, name=name.strip(), scopes=wanted,
                      key_ids=[str(k.get("kid", "")) for k in jwks["keys"]])


def _unverified_issuer(assertion: str) -> str:
    try:
        payload = assertion.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        issuer = claims["iss"]
    except (IndexError, ValueError, KeyError, TypeError):
        raise TokenRefused("invalid_client", _("The client assertion is not a signed JWT "
                                               "naming its client.")) from None
    if not isinstance(issuer, str):
        raise TokenRefused("invalid_client", _("The client assertion names no client."))
    return issuer


def _granted(asked: str, registered: set[str]) -> list[str]:
    granted = []
    for scope in asked.split():
        match = _SCOPE.match(scope)
        if match is None:
            continue
        kind, access = match.groups()
        if scope in registered or any(f"system/*.{a}" in registered
                                      for a in ("read", "rs", "r") if kind != "*" or a == access):
            granted.append(scope)
    return granted


def issue_token(ctx: Context, form: Mapping[str, str], token_url: str,
                source: str | None) -> dict[str, Any]:
    """Answer a client_credentials request: the OAuth token response, or ``TokenRefused``."""
    if form.get("grant_type") != "client_credentials":
        raise TokenRefused("unsupported_grant_type",
                           _("Only the client_credentials grant is offered here."))
    if form.get("client_assertion_type") != ASSERTION_TYPE:
        raise TokenRefused("invalid_client", _("Authenticate with a signed JWT client "
                                               "assertion (client_assertion_type %(type)s).") % {
                                                   "type": ASSERTION_TYPE})
    assertion = form.get("client_assertion", "")
    client_id = _unverified_issuer(assertion)
    with ctx.db.read() as session:
        client = session.scalar(select(FhirClient).where(FhirClient.client_id == client_id,
                                                         FhirClient.active.is_(True)))
        if client is not None:
            session.expunge(client)
    if client is None:
        _refuse(ctx, client_id, source, "invalid_client", _("This client is not registered."))
    actor = Actor(None, f"client:{client_id}", Role.CLINICIAN, client.clinic_id, source)
    expires = _verified_expiry(ctx, client, assertion, token_url, source)
    scopes = _granted(form.get("scope", ""), set(client.scopes.split()))
    if not scopes:
        _refuse(ctx, client_id, source, "invalid_scope",
                _("None of the scopes asked for is granted to this client."))
    try:
        with ctx.db.write() as session:
            session.execute(delete(FhirAssertion).where(FhirAssertion.expires_at < utcnow()))
            session.add(FhirAssertion(client_id=client_id, jti=expires[1], expires_at=expires[0]))
            session.flush()
            record(session, ctx.audit_key, actor=actor, action=Action.LOGIN, resource=_RESOURCE)
    except IntegrityError:
        _refuse(ctx, client_id, source, "invalid_grant",
                _("This client assertion was already used; sign a new one with a new jti."))
    token = URLSafeTimedSerializer(ctx.signing_key, salt=_SALT).dumps(
        {"c": client_id, "s": scopes, "n": secrets.token_hex(8)})
    return {"access_token": token, "token_type": "bearer", "expires_in": TOKEN_SECONDS,
            "scope": " ".join(scopes)}


def _verified_expiry(ctx: Context, client: FhirClient, assertion: str, token_url: str,
                     source: str | None) -> tuple[datetime, str]:
    cid = client.client_id
    jwks: Any = client.jwks_json
    try:
        token = jwt.decode(assertion, KeySet.import_key_set(jwks),
                           algorithms=list(SIGNING_ALGORITHMS))
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": cid}, sub={"essential": True, "value": cid},
            aud={"essential": True, "value": token_url}, exp={"essential": True},
            jti={"essential": True}).validate(token.claims)
    except (JoseError, ValueError, TypeError) as exc:
        _refuse(ctx, cid, source, "invalid_client",
                _("The client assertion was refused: %(reason)s") % {
                    "reason": getattr(exc, "description", "") or str(exc) or type(exc).__name__})
    expires = datetime.fromtimestamp(int(token.claims["exp"]), UTC)
    if expires - utcnow() > _MAX_ASSERTION_AHEAD:
        _refuse(ctx, cid, source, "invalid_client",
                _("The client assertion may expire at most five minutes from now."))
    return expires, str(token.claims["jti"])[:255]


def _refuse(ctx: Context, client_id: str, source: str | None, error: str, message: str
            ) -> NoReturn:
    record_alone(ctx, actor=None, actor_label=f"client:{client_id[:64]}", action=Action.LOGIN,
                 resource=_RESOURCE, outcome=Outcome.DENIED, source_address=source)
    raise TokenRefused(error, message)


def resolve_access_token(ctx: Context, token: str, source: str | None) -> FhirCaller:
    """The backend client an access token stands for, with its scopes; refused when expired,
    forged, or its client was deactivated."""
    try:
        payload = URLSafeTimedSerializer(ctx.signing_key, salt=_SALT).loads(
            token, max_age=TOKEN_SECONDS)
    except BadSignature:
        raise AuthenticationFailed from None
    with ctx.db.read() as session:
        client = session.scalar(select(FhirClient).where(
            FhirClient.client_id == payload["c"], FhirClient.active.is_(True)))
        clinic = None if client is None else client.clinic_id
    if clinic is None:
        raise AuthenticationFailed
    actor = Actor(None, f"client:{payload['c']}", Role.CLINICIAN, clinic, source)
    return FhirCaller(actor, frozenset(payload["s"]))
