"""FHIR R4 Bundles: ``transaction`` (PUT with stable ids, or conditional POST), ``searchset``,
``collection``.

A transaction entry PUTs ``Type/id`` with the resource's stable logical id, so a server keeps
acuneuro's ids, every ``Type/id`` reference inside the Bundle resolves, and loading the same
Bundle twice updates instead of duplicating (R4 http.html#update: update as create). ``fullUrl`` is
the resource's absolute URL under acuneuro's canonical base (``fhir_ids.full_url``), unique per
entry (bdl-7).

Some servers refuse client-assigned ids (no update-as-create). For them the same transaction can
be rewritten as *conditional creates* (``conditional_transaction``): each entry POSTs its type
with a ``urn:uuid`` fullUrl, every reference inside the Bundle points at that fullUrl (the server
rewrites it to the id it assigns), and ``ifNoneExist`` searches an identifier, so loading twice
finds the first copy instead of duplicating. The identifier is the Patient's own (its pseudonymous
id) or, for the others, acuneuro's absolute URL of the resource as a URI identifier (system
``urn:ietf:rfc:3986``), which keeps acuneuro's id findable on the server. R4 gives AdverseEvent no
``identifier`` search parameter, so an AdverseEvent is always a plain create.

References
----------
HL7 FHIR R4 (4.0.1) bundle.html (bdl-1 ... bdl-9, transaction processing rules),
http.html#transaction, http.html#trules (urn:uuid references rewritten), http.html#ccreate
(``If-None-Exist``), identifier-registry.html (``urn:ietf:rfc:3986``).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from fhir.resources.R4B.bundle import Bundle

from acuneuro.interop.fhir_ids import NAMESPACE, full_url

__all__ = ["URI_SYSTEM", "collection_bundle", "conditional_transaction", "entry_resources",
           "searchset_bundle", "transaction_bundle"]


def _checked(raw: dict[str, Any]) -> dict[str, Any]:
    urls = [e["fullUrl"] for e in raw.get("entry", []) if "fullUrl" in e]
    if len(urls) != len(set(urls)):
        raise ValueError("Bundle: the same fullUrl twice (bdl-7)")
    # Validated, not re-serialised: the entries were built and validated one by one, and
    # fhir.resources' JSON dump costs more than everything else in an export.
    Bundle.model_validate(raw)
    return raw


def _url(r: Mapping[str, Any]) -> str:
    return full_url(str(r["resourceType"]), str(r["id"]))


def transaction_bundle(resources: Iterable[Mapping[str, Any]],
                       bundle_id: str | None = None) -> dict[str, Any]:
    """A ``transaction`` Bundle that PUTs every resource at ``Type/id``."""
    raw: dict[str, Any] = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": _url(r), "resource": dict(r),
         "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}}
        for r in resources]}
    if bundle_id:
        raw["id"] = bundle_id
    return _checked(raw)


URI_SYSTEM = "urn:ietf:rfc:3986"
# R4 elements ``identifier`` 0..1 (a single Identifier, not a list).
_ONE_IDENTIFIER = frozenset({"QuestionnaireResponse", "AdverseEvent"})
# R4 defines no ``identifier`` search parameter for AdverseEvent (adverseevent.html#search), so
# no server can run its ``ifNoneExist``; Medplum refuses the whole transaction ("Unknown search
# parameter: identifier"). Its entry is a plain create, the identifier still carried.
_NO_IDENTIFIER_SEARCH = frozenset({"AdverseEvent"})


def _urn(key: str, resource_id: str) -> str:
    try:
        return f"urn:uuid:{uuid.UUID(resource_id)}"
    except ValueError:  # the Patient's pseudonymous id is not a UUID
        return f"urn:uuid:{uuid.uuid5(NAMESPACE, key)}"


def _rewrite(node: Any, urns: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        return {k: urns.get(v, v) if k == "reference" and isinstance(v, str)
                else _rewrite(v, urns) for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite(item, urns) for item in node]
    return node


def _match_identifier(resource: dict[str, Any], url: str) -> dict[str, Any]:
    """The identifier ``ifNoneExist`` searches, added to ``resource`` when it has none."""
    kind = resource["resourceType"]
    own = resource.get("identifier")
    if isinstance(own, list) and own:
        return dict(own[0])
    if isinstance(own, dict):
        return dict(own)
    identifier = {"system": URI_SYSTEM, "value": url}
    resource["identifier"] = identifier if kind in _ONE_IDENTIFIER else [identifier]
    return identifier


def conditional_transaction(bundle: Mapping[str, Any], *, if_none_exist: bool = True
                            ) -> dict[str, Any]:
    """The ``transaction`` Bundle as creates: POST, ``urn:uuid`` and (default) ``ifNoneExist``.

    For servers that assign their own ids; references inside the Bundle follow the fullUrls.
    ``if_none_exist=False`` sends plain creates, for a server that runs conditional creates in a
    transaction only a few at a time (Medplum: 8 entries); loading twice then duplicates.
    """
    entries = bundle["entry"]
    keys = [f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in entries]
    urns = {key: _urn(key, e["resource"]["id"]) for key, e in zip(keys, entries, strict=True)}
    out: list[dict[str, Any]] = []
    for key, entry in zip(keys, entries, strict=True):
        resource = _rewrite(copy.deepcopy(entry["resource"]), urns)
        del resource["id"]  # the server assigns it (R4 http.html#create)
        identifier = _match_identifier(resource, full_url(*key.split("/", 1)))
        request = {"method": "POST", "url": resource["resourceType"]}
        if if_none_exist and resource["resourceType"] not in _NO_IDENTIFIER_SEARCH:
            search = quote(f"{identifier['system']}|{identifier['value']}", safe=":/|")
            request["ifNoneExist"] = f"identifier={search}"
        out.append({"fullUrl": urns[key], "resource": resource, "request": request})
    raw: dict[str, Any] = {"resourceType": "Bundle", "type": "transaction", "entry": out}
    if "id" in bundle:
        raw["id"] = bundle["id"]
    return _checked(raw)


def entry_resources(bundle: Mapping[str, Any]) -> list[Any]:
    """The entries' resources as ``Type/id`` resources, whatever form the Bundle was sent in.

    A resource POSTed with a ``urn:uuid`` fullUrl has no id: it gets the UUID as its id; and
    every reference to another entry's fullUrl (``urn:uuid:...`` or absolute) becomes that
    entry's ``Type/id`` (R4 bundle.html#references). An entry without a resource gives ``None``.
    """
    local: dict[str, str] = {}
    out: list[Any] = []
    for entry in bundle.get("entry", []):
        if not isinstance(entry, Mapping):
            continue
        resource, url = entry.get("resource"), entry.get("fullUrl")
        if isinstance(resource, Mapping) and isinstance(url, str) and resource.get("resourceType"):
            if not resource.get("id") and url.startswith("urn:uuid:"):
                resource = {**resource, "id": url.removeprefix("urn:uuid:")}
            if resource.get("id"):
                local[url] = f"{resource['resourceType']}/{resource['id']}"
        out.append(resource)
    return [_rewrite(dict(r), local) if isinstance(r, Mapping) else r for r in out]


def searchset_bundle(resources: Iterable[Mapping[str, Any]], *, self_url: str | None = None,
                     match: str | None = None) -> dict[str, Any]:
    """A ``searchset`` with ``total``; entries of type ``match`` match, the others are included."""
    entries: list[dict[str, Any]] = [{"fullUrl": _url(r), "resource": dict(r),
                "search": {"mode": "match" if match is None or r["resourceType"] == match
                           else "include"}}
               for r in resources]
    raw: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset",
                           "total": sum(e["search"]["mode"] == "match" for e in entries),
                           "entry": entries}
    if self_url:
        raw["link"] = [{"relation": "self", "url": self_url}]
    return _checked(raw)


def collection_bundle(resources: Iterable[Mapping[str, Any]],
                      bundle_id: str | None = None) -> dict[str, Any]:
    """A ``collection`` Bundle (a set of resources kept together, e.g. a file for a patient)."""
    raw: dict[str, Any] = {"resourceType": "Bundle", "type": "collection",
                           "entry": [{"fullUrl": _url(r), "resource": dict(r)} for r in resources]}
    if bundle_id:
        raw["id"] = bundle_id
    return _checked(raw)
