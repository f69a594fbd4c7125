"""FHIR R4 Bundles: ``transaction`` (PUT with stable ids), ``searchset``, ``collection``.

A transaction entry PUTs ``Type/id`` with the resource's stable logical id, so a server keeps
acuneuro's ids, every ``Type/id`` reference inside the Bundle resolves, and loading the same
Bundle twice updates instead of duplicating (R4 http.html#update: update as create). ``fullUrl`` is
the resource's absolute URL under acuneuro's canonical base (``fhir_ids.full_url``), unique per
entry (bdl-7).

References
----------
HL7 FHIR R4 (4.0.1) bundle.html (bdl-1 ... bdl-9, transaction processing rules),
http.html#transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from acuneuro.interop.fhir_ids import full_url

__all__ = ["collection_bundle", "searchset_bundle", "transaction_bundle"]


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
