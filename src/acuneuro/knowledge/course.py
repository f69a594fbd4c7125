"""The public face of the treatment-course knowledge (drugs and MME table, outcomes, foot risk,
adverse events): layers above ``knowledge`` import these names from here, not from the private
loader module :mod:`acuneuro.knowledge._course`, which may change shape.
"""

from __future__ import annotations

from acuneuro.knowledge._course import (
    AdverseEventKnowledge,
    DrugKnowledge,
    FootRiskKnowledge,
    MmeFactor,
    MmeTable,
    OutcomeKnowledge,
    Responder,
    adverse_event_knowledge,
    drug_knowledge,
    foot_risk_knowledge,
    outcome_knowledge,
)

__all__ = [
    "AdverseEventKnowledge",
    "DrugKnowledge",
    "FootRiskKnowledge",
    "MmeFactor",
    "MmeTable",
    "OutcomeKnowledge",
    "Responder",
    "adverse_event_knowledge",
    "drug_knowledge",
    "foot_risk_knowledge",
    "outcome_knowledge",
]
