"""The public names of the pure layers, pinned (STYLE lesson 4; httpx ``test_exported_members``).

A name other layers may import is declared in the ``__all__`` of a public module. Adding or removing
one is a change to a contract: update the pin here in the same commit, and keep an old name working
(re-export) while callers still use it.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src" / "acuneuro"

PUBLIC: dict[str, list[str]] = {
    "acuneuro.knowledge": [
        "AnticoagulantRule",
        "AtlasPoint",
        "Band",
        "CONDITIONS",
        "CalendarDefaults",
        "ChangeCategory",
        "ChemotherapyCountRule",
        "Code",
        "ComparatorClass",
        "ContinuousData",
        "Course",
        "Cutoff",
        "DangerZone",
        "Dermatome",
        "DeviceElectroRule",
        "DrugClassRule",
        "DrugCombinationRule",
        "DrugEntry",
        "DrugNames",
        "EVIDENCE_CONDITIONS",
        "EffectData",
        "Electro",
        "EventsData",
        "ExaminationSigns",
        "FactWindow",
        "FhirCodes",
        "FlagRule",
        "GradeRules",
        "Guideline",
        "Innervation",
        "InsensateElectroRule",
        "InsensateFeetRule",
        "Instrument",
        "Item",
        "KAnonymityPolicy",
        "LabAboveRule",
        "LabBelowRule",
        "LanguageVersion",
        "Licence",
        "LimitedDataSetPolicy",
        "LocalRule",
        "LymphoedemaRule",
        "MERIDIAN_COUNTS",
        "Manual",
        "OpeningSpanData",
        "Option",
        "Outcome",
        "PATIENT_SECTIONS",
        "PainTypeRule",
        "PainTypeRules",
        "PatientInfo",
        "PatientSafetyRule",
        "PointCautionRule",
        "PointChange",
        "PregnancyRule",
        "PregnancyStage",
        "PregnancyStageRule",
        "PrivacyFramework",
        "PrivacyPolicy",
        "PrivacyStatement",
        "Protocol",
        "ProtocolPoint",
        "REGIONS",
        "Reassessment",
        "Review",
        "RiskFactorsRule",
        "RiskItem",
        "RobDomain",
        "RobJudgement",
        "RobRecord",
        "SafeHarborIdentifier",
        "SafeHarborPolicy",
        "SafetyRule",
        "SciLevelRule",
        "ScoreRule",
        "SegmentTechnique",
        "Segmental",
        "SkinRule",
        "Source",
        "StandardConcept",
        "SurrogatePolicy",
        "TechniqueLimit",
        "Trial",
        "UnrecognisedMedicineRule",
        "Unverified",
        "atlas",
        "atlas_point",
        "bibliography",
        "calendar_defaults",
        "check_cited",
        "code_label",
        "code_labels",
        "comparator_classes",
        "comparator_label",
        "danger_zone",
        "danger_zones",
        "dermatome",
        "dermatomes",
        "drug_names",
        "fact_windows",
        "fhir_codes",
        "grade_rules",
        "guidelines",
        "innervation",
        "instrument_ids",
        "knowledge_text",
        "language_version",
        "language_versions",
        "load_instrument",
        "load_instruments",
        "normalise_code",
        "normalise_drug_text",
        "pain_type_rules",
        "patient_info",
        "point_zones",
        "points",
        "privacy_notice",
        "privacy_policy",
        "protocol",
        "protocols",
        "reachable_range",
        "reviews",
        "rob2_records",
        "safety_rules",
        "trials",
    ],
    "acuneuro.knowledge.course": [
        "AdverseEventKnowledge",
        "AeAction",
        "AeType",
        "Band",
        "BaselineRule",
        "Combination",
        "Condition",
        "DoseRange",
        "Drug",
        "DrugKnowledge",
        "FootRiskCategory",
        "FootRiskKnowledge",
        "Grade",
        "Grades",
        "ImmpactBand",
        "ImmpactPain",
        "InstrumentOutcome",
        "Line",
        "MmeFactor",
        "MmeTable",
        "NoMmeFactor",
        "OutcomeKnowledge",
        "Pgic",
        "Referral",
        "Relatedness",
        "RenalBands",
        "Responder",
        "adverse_event_knowledge",
        "drug_knowledge",
        "foot_risk_knowledge",
        "outcome_knowledge",
    ],
    "acuneuro.evidence": [
        "Effects",
        "EggerTest",
        "METHODS",
        "MetaResult",
        "TESTS",
        "binary_effects",
        "bootstrap",
        "continuous_effects",
        "cumulative",
        "egger_test",
        "forest_plot",
        "funnel_plot",
        "leave_one_out",
        "meta_analysis",
        "subgroups",
    ],
    "acuneuro.clinical.adverse_events": [
        "AdverseEvent",
        "EventRate",
        "grade_definition",
        "is_related",
        "rate_per_1000",
    ],
    "acuneuro.clinical.calendar": [
        "ClinicCalendar",
        "OpeningSpan",
        "default_calendar",
        "free_starts",
        "place_visits",
    ],
    "acuneuro.clinical.case": [
        "Chemotherapy",
        "ClinicalCase",
        "Condition",
        "ConditionKind",
        "DERMATOMES",
        "DermatomeSite",
        "Device",
        "Findings",
        "HeartValve",
        "Labs",
        "Medication",
        "Pain",
        "Patient",
        "Region",
        "RegionSite",
        "Requested",
        "RiskFactors",
        "STORED_CASE",
        "Side",
        "SkinFinding",
        "Symptom",
        "VertebralLevel",
        "case_json_schema",
    ],
    "acuneuro.clinical.course": [
        "CourseDefinition",
        "FollowUp",
        "FollowUpVisit",
        "PlannedSession",
        "Reassessment",
        "due_on",
        "follow_up_visits",
        "from_weekly_plan",
        "schedule",
    ],
    "acuneuro.clinical.drug_names": [
        "DrugMatch",
        "DrugName",
        "MatchKind",
        "class_labels",
        "drug_vocabulary",
        "match_drug",
        "match_drugs",
        "unplaced_words",
    ],
    "acuneuro.clinical.day_facts": [
        "DayFactError",
        "DayFacts",
        "FactLine",
        "KnownFact",
        "check_day",
        "facts_of",
        "merge_facts",
        "screen_day",
    ],
    "acuneuro.clinical.foot": [
        "FootExam",
        "FootFacts",
        "FootRisk",
        "FootTimepoint",
        "Referral",
        "foot_risk",
        "foot_timeline",
        "lops_referral",
    ],
    "acuneuro.clinical.medication": [
        "DrugChange",
        "MedicationCaution",
        "MedicationChange",
        "MedicationStatement",
        "MmeContribution",
        "MmeResult",
        "daily_doses",
        "medication_cautions",
        "medication_change",
        "mme_factor",
        "mme_on",
    ],
    "acuneuro.clinical.neupsig": [
        "ExaminedSigns",
        "Grade",
        "NeupsigGrading",
        "REASON_SENTENCES",
        "grade_neuropathic_pain",
    ],
    "acuneuro.clinical.outcomes": [
        "Baseline",
        "OutcomeSummary",
        "Score",
        "baseline",
        "immpact_category",
        "percent_reduction",
        "pgic_improved",
        "point_category",
        "summarise",
    ],
    "acuneuro.clinical.anatomy": [
        "LIMIT_RULE",
        "danger_zones_of",
        "hand_added_problem",
        "limit_findings",
        "refusal",
        "session_problems",
        "technique_limit",
    ],
    "acuneuro.clinical.pain_type": [
        "Classification", "PainType", "classify", "examined_signs", "screening_summary"
    ],
    "acuneuro.clinical.planner": [
        "Candidate",
        "Course",
        "OMISSION_SENTENCES",
        "Omitted",
        "PLANNER_SENTENCES",
        "Plan",
        "PlannedTechnique",
        "RATIONALE_SENTENCES",
        "Reassessment",
        "Stimulation",
        "apply_exclusions",
        "build_plan",
        "point_region",
    ],
    "acuneuro.clinical.safety": ["message_templates", "screen", "screen_case", "screen_points"],
    "acuneuro.clinical.safety_model": [
        "NeedlingLimit",
        "POINT_AT_LEVEL",
        "PlanPoint",
        "PointRole",
        "PointSide",
        "SafetyFinding",
        "SafetyScreen",
        "Severity",
        "Technique",
    ],
    "acuneuro.clinical.scoring": [
        "AnswerError",
        "ClinicianOnlyError",
        "ScoreResult",
        "UnknownInstrumentError",
        "check_patient_answers",
        "describe_instrument",
        "get_instrument",
        "list_instruments",
        "normalise_answers",
        "score",
        "score_checked",
    ],
    "acuneuro.clinical.stricta": [
        "Adherence",
        "Attendance",
        "Needle",
        "NeedledPoint",
        "PointSite",
        "PointSiteLookup",
        "Practitioner",
        "SessionRecord",
        "Stimulation",
        "adherence",
        "check_session",
        "next_session",
        "next_unrecorded",
        "plan_deviations",
    ],
    "acuneuro.evidence.bias": ["EggerTest", "egger_test"],
    "acuneuro.evidence.comparisons": [
        "Comparison",
        "MIXED",
        "MixedComparatorsError",
        "arm_sizes",
        "class_of",
        "pool",
        "study_label",
    ],
    "acuneuro.evidence.curation": [
        "COLUMNS",
        "CurationError",
        "Problem",
        "curated_trial",
        "parse_csv",
    ],
    "acuneuro.evidence.export": [
        "REVMAN_COLUMNS",
        "STUDY_COLUMNS",
        "result_rows",
        "revman_rows",
        "study_rows",
        "to_csv",
        "to_xlsx",
    ],
    "acuneuro.evidence.figures": [
        "comparison_forest_values",
        "find_comparison",
        "forest_figure",
        "funnel_figure",
    ],
    "acuneuro.evidence.forest": [
        "EGGER_MIN_K",
        "forest_chart",
        "forest_values",
        "funnel_chart",
        "funnel_values",
    ],
    "acuneuro.evidence.grade": [
        "CERTAINTY",
        "Downgrade",
        "certainty",
        "plain_statement",
        "rate_imprecision",
        "rate_inconsistency",
        "rate_indirectness",
        "rate_publication_bias",
        "rate_risk_of_bias",
        "single_trial_ci",
    ],
    "acuneuro.evidence.library": [
        "ConditionEvidence",
        "condition_evidence",
        "pooled_across_conditions",
        "trial_effect",
        "trials_for_protocol",
    ],
    "acuneuro.evidence.meta": ["METHODS", "MetaResult", "TESTS", "meta_analysis"],
    "acuneuro.evidence.pages": [
        "MIN_TRIALS",
        "condition_document",
        "conditions",
        "evidence_links",
        "evidence_statements",
        "forest_figure",
        "funnel_figure",
        "patient_information",
        "plain_reading",
        "responder_figure",
        "sources_of",
    ],
    "acuneuro.evidence.plots": ["Format", "forest_plot", "funnel_plot", "studies_plot"],
    "acuneuro.evidence.sensitivity": [
        "MAX_BATCH_CELLS",
        "SubgroupAnalysis",
        "bootstrap",
        "cumulative",
        "leave_one_out",
        "subgroups",
    ],
    "acuneuro.evidence.sof": [
        "CERTAINTY_WORDS",
        "DOMAIN_WORDS",
        "ROB_WORDS",
        "rob_table",
        "summary_of_findings",
    ],
    "acuneuro.evidence.tabular": ["LAYOUTS", "StudyTable", "TableError", "read_table"],
    "acuneuro.interop.fhir_questionnaire": [
        "BASE_URL",
        "FhirMappingError",
        "answers_from_response",
        "questionnaire",
        "questionnaire_response",
        "questionnaire_url",
        "score_observation",
    ],
}

# Pure-layer modules still importing another package's private module, each with its reason.
ALLOWED_PRIVATE_IMPORTS: dict[str, str] = {}


def _public_modules(package: str) -> list[str]:
    found = importlib.import_module(package)
    return [
        f"{package}.{info.name}"
        for info in pkgutil.iter_modules(found.__path__)
        if not info.name.startswith("_")
    ]


def test_every_public_pure_module_is_pinned() -> None:
    listed = {"acuneuro.knowledge", "acuneuro.knowledge.course", "acuneuro.evidence"}
    for package in ("acuneuro.clinical", "acuneuro.evidence"):
        listed.update(_public_modules(package))
    assert listed | {"acuneuro.interop.fhir_questionnaire"} == set(PUBLIC)


@pytest.mark.parametrize("module", sorted(PUBLIC))
def test_the_exported_names_are_the_pinned_ones_and_all_resolve(module: str) -> None:
    found = importlib.import_module(module)
    assert sorted(found.__all__) == PUBLIC[module]
    assert len(set(found.__all__)) == len(found.__all__)
    for name in found.__all__:
        assert hasattr(found, name), name
    # A public class or function defined here and left out of __all__ is public by accident.
    defined = {
        name
        for name, value in vars(found).items()
        if not name.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and value.__module__ == module
    }
    assert defined <= set(found.__all__)


def test_every_name_of_a_private_knowledge_module_is_public_somewhere() -> None:
    public = importlib.import_module("acuneuro.knowledge")
    course = importlib.import_module("acuneuro.knowledge.course")
    for info in pkgutil.iter_modules(public.__path__):
        if not info.name.startswith("_"):
            continue
        private = importlib.import_module(f"acuneuro.knowledge.{info.name}")
        face = course if info.name == "_course" else public
        for name in private.__all__:
            assert getattr(face, name) is getattr(private, name), (info.name, name)


def _private_imports(path: Path, own_package: str) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("acuneuro."):
            parts = node.module.split(".")
            if parts[1] != own_package and any(p.startswith("_") for p in parts[2:]):
                out.append(node.module)
    return out


def test_the_pure_layers_import_only_public_names_of_other_packages() -> None:
    files = [
        p for layer in ("clinical", "evidence", "knowledge") for p in (SRC / layer).rglob("*.py")
    ]
    files.append(SRC / "interop" / "fhir_questionnaire.py")
    offending = {}
    for path in files:
        relative = path.relative_to(SRC).as_posix()
        found = _private_imports(path, relative.split("/")[0])
        if found and relative not in ALLOWED_PRIVATE_IMPORTS:
            offending[relative] = found
    assert offending == {}
