"""The CapabilityStatement of the FHIR REST face and the SMART configuration, from one table.

Both are built from what the server actually does: the resource types of
``fhir_rest.RESOURCE_TYPES``, the search parameters of ``_fhir_search.SEARCH_PARAMETERS``, the
Bulk Data operations and the SMART Backend Services token endpoint, so neither can promise
something the server does not serve.

References
----------
HL7 FHIR R4 (4.0.1) capabilitystatement.html; SMART App Launch 2.0.0 conformance.html
(``/.well-known/smart-configuration``, ``token_endpoint_auth_methods_supported``
``private_key_jwt``); Bulk Data Access IG 2.0.0 (``export`` operation definitions).
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from acuneuro.i18n import gettext as _
from acuneuro.services._fhir_search import SEARCH_PARAMETERS
from acuneuro.services.fhir_bulk import OUTPUT_FORMATS
from acuneuro.services.fhir_rest import RESOURCE_TYPES
from acuneuro.services.smart import SIGNING_ALGORITHMS

__all__ = ["capability_statement", "smart_configuration"]

_BULK = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/"
_SMART_SERVICE = "http://terminology.hl7.org/CodeSystem/restful-security-service"


def _search_params(resource_type: str) -> list[dict[str, Any]]:
    params = []
    for p in SEARCH_PARAMETERS[resource_type]:
        entry: dict[str, Any] = {"name": p.name, "type": p.kind, "documentation": p.documentation}
        if p.definition:
            entry["definition"] = p.definition
        params.append(entry)
    params += [{"name": "_count", "type": "number",
                "documentation": _("Resources per page (at most 500).")},
               {"name": "_offset", "type": "number",
                "documentation": _("Where the page starts; the paging links carry it.")}]
    return params


def capability_statement(base_url: str, token_url: str, published: str) -> dict[str, Any]:
    """What the REST face at ``base_url`` serves (R4): read and search of each type, Bulk Data
    export at system and patient level, SMART Backend Services; ``published`` is its date."""
    resources = [{
        "type": kind,
        "interaction": [{"code": "read"}, {"code": "search-type"}],
        "versioning": "no-version",
        "readHistory": False,
        "updateCreate": False,
        "searchParam": _search_params(kind),
        **({"operation": [{"name": "export", "definition": f"{_BULK}patient-export"}]}
           if kind == "Patient" else {}),
    } for kind in RESOURCE_TYPES]
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": published,
        "kind": "instance",
        "software": {"name": "acuneuro", "version": version("acuneuro")},
        "implementation": {"description": _("acuneuro FHIR REST face (pseudonymous records)"),
                           "url": base_url},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json"],
        "rest": [{
            "mode": "server",
            "security": {
                "extension": [{
                    "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/"
                           "oauth-uris",
                    "extension": [{"url": "token", "valueUri": token_url}],
                }],
                "service": [{"coding": [{"system": _SMART_SERVICE, "code": "SMART-on-FHIR"}]}],
                "description": _("Bearer tokens: a staff member's sign-in, or SMART Backend "
                                 "Services (client_credentials with a signed JWT assertion)."),
            },
            "resource": resources,
            "operation": [{"name": "export", "definition": f"{_BULK}export"}],
        }],
    }


def smart_configuration(token_url: str) -> dict[str, Any]:
    """``/.well-known/smart-configuration`` for SMART Backend Services."""
    return {
        "token_endpoint": token_url,
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": list(SIGNING_ALGORITHMS),
        "scopes_supported": ["system/*.read", "system/*.rs",
                             *[f"system/{k}.read" for k in RESOURCE_TYPES]],
        "capabilities": ["client-confidential-asymmetric"],
        "bulk_data_output_formats": sorted(OUTPUT_FORMATS),
    }
