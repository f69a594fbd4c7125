"""The privacy rules a clinic works under (GDPR and the Italian privacy code, HIPAA), loaded from
``knowledge/privacy_notice.yaml``; every statement cites its sources.

References
----------
Regulation (EU) 2016/679 (GDPR); D.Lgs. 196/2003 as amended by D.Lgs. 101/2018 and by
D.L. 19/2024 (Art. 110); Garante, 7 March 2019 (doc. web 9091942); WP29 Opinion 05/2014;
45 CFR 164.312, 164.514.
"""

from __future__ import annotations

from functools import cache

import yaml
from pydantic import BaseModel, ConfigDict, Field

from acuneuro.knowledge._bibliography import check_cited, knowledge_text

__all__ = ["PrivacyFramework", "PrivacyStatement", "privacy_notice"]


class PrivacyStatement(BaseModel):
    """One thing the clinic should know, and the rules it comes from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    statement: str
    sources: list[str] = Field(min_length=1)


class PrivacyFramework(BaseModel):
    """The statements of one jurisdiction's rules."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    label: str
    statements: list[PrivacyStatement] = Field(min_length=1)


class _Notice(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    frameworks: list[PrivacyFramework] = Field(min_length=1)


@cache
def privacy_notice() -> tuple[PrivacyFramework, ...]:
    """Every framework with its statements, each statement's sources checked."""
    notice = _Notice.model_validate(yaml.safe_load(knowledge_text("privacy_notice.yaml")))
    for framework in notice.frameworks:
        for number, item in enumerate(framework.statements, 1):
            check_cited(item.sources, f"privacy_notice.yaml {framework.id} statement {number}")
    return tuple(notice.frameworks)
