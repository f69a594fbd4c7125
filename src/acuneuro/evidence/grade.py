"""GRADE certainty and a summary-of-findings row for each comparison, every downgrade explained.

Randomised trials start at high certainty; each domain (risk of bias, inconsistency,
indirectness, imprecision against the minimal important difference, publication bias) may
rate down with a sentence saying why. Thresholds are data in ``knowledge/evidence/appraisal.yaml``
(the published ones cited, the rest labelled design choices awaiting clinical sign-off). The
patient sentence follows the certainty as GRADE's informative statements do. Pain differences
are acupuncture minus control on a 0-10 scale: negative favours acupuncture.

References
----------
Guyatt GH et al. GRADE guidelines 4-8. J Clin Epidemiol 2011;64:407-415, 1277-1310.
Schunemann HJ et al. Cochrane Handbook v6.3, 2022, ch. 14 (summary of findings tables).
Santesso N, Glenton C, Dahm P, et al. GRADE guidelines 26: informative statements to
communicate the findings of systematic reviews of interventions. J Clin Epidemiol
2020;119:126-135.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats

from acuneuro.i18n import format_number
from acuneuro.i18n import gettext as _
from acuneuro.knowledge import GradeRules

__all__ = [
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
]

CERTAINTY = ("very_low", "low", "moderate", "high")
_Z = float(stats.norm.isf(0.025))


@dataclass(frozen=True)
class Downgrade:
    """One GRADE domain: levels rated down (0, 1 or 2) and the reason in words."""

    domain: str
    levels: int
    reason: str


def rate_risk_of_bias(
    weights: Sequence[float], overall: Sequence[str | None], rules: GradeRules
) -> Downgrade:
    """Rate down one level when more than the threshold share of weight is at high risk.

    A trial without a RoB 2 record counts as high risk: unassessed is not low.
    """
    share = sum(w for w, o in zip(weights, overall, strict=True) if o in ("high", None))
    if share > rules.rob_high_weight_pct:
        return Downgrade("risk_of_bias", 1, _(
            "%(share)s%% of the weight comes from trials at high risk of bias or not assessed "
            "(more than %(limit)s%%).") % {"share": f"{share:.0f}",
                                          "limit": f"{rules.rob_high_weight_pct:.0f}"})
    return Downgrade("risk_of_bias", 0, _(
        "%(share)s%% of the weight from trials at high risk of bias (at most %(limit)s%%).")
        % {"share": f"{share:.0f}", "limit": f"{rules.rob_high_weight_pct:.0f}"})


def rate_inconsistency(k: int, i2: float | None, rules: GradeRules) -> Downgrade:
    """Rate down by I²: one level from the serious cut-off, two from the very serious one."""
    if k < 2 or i2 is None:
        return Downgrade("inconsistency", 0, _(
            "A single trial: inconsistency between trials cannot be judged."))
    if i2 >= rules.inconsistency_very_serious_i2:
        return Downgrade("inconsistency", 2, _("I² = %(i2)s%%: considerable heterogeneity.")
                         % {"i2": f"{i2:.0f}"})
    if i2 >= rules.inconsistency_serious_i2:
        return Downgrade("inconsistency", 1, _("I² = %(i2)s%%: substantial heterogeneity.")
                         % {"i2": f"{i2:.0f}"})
    return Downgrade("inconsistency", 0, _("I² = %(i2)s%%: no important heterogeneity.")
                     % {"i2": f"{i2:.0f}"})


def rate_indirectness(
    weights: Sequence[float], indirect: Sequence[str | None], rules: GradeRules
) -> Downgrade:
    """Rate down one level when more than the threshold share of weight is indirect."""
    share = sum(w for w, why in zip(weights, indirect, strict=True) if why)
    reasons = "; ".join(_(why) for why in indirect if why)
    if share > rules.indirect_weight_pct:
        return Downgrade("indirectness", 1, _(
            "%(share)s%% of the weight answers a different question: %(reasons)s")
            % {"share": f"{share:.0f}", "reasons": reasons})
    return Downgrade("indirectness", 0, _("Trials answer the question asked.")
                     if not reasons else _("Minor: %(reasons)s") % {"reasons": reasons})


def rate_imprecision(
    ci: tuple[float, float], participants: int, rules: GradeRules
) -> Downgrade:
    """Rate against the minimal important difference (MID) and the optimal information size.

    Two levels when the CI includes both an important benefit and an important harm; one when
    it crosses no effect or the MID; one when it is narrow but fewer participants than the
    optimal information size were randomised.
    """
    lo, hi = ci
    mid = rules.mid
    if lo < -mid and hi > mid:
        return Downgrade("imprecision", 2, _(
            "The 95%% CI (%(lo)s to %(hi)s) includes both an important benefit and an important "
            "harm (MID %(mid)s points).") % {"lo": format_number(lo, ".2f"),
                                             "hi": format_number(hi, ".2f"),
                                             "mid": format_number(mid, "g")})
    crossed = [x for x in (-mid, 0.0, mid) if lo < x < hi]
    if crossed:
        return Downgrade("imprecision", 1, _(
            "The 95%% CI (%(lo)s to %(hi)s) crosses %(what)s (MID %(mid)s points).") % {
            "lo": format_number(lo, ".2f"), "hi": format_number(hi, ".2f"),
            "mid": format_number(mid, "g"),
            "what": _("no effect") if 0.0 in crossed else _("the minimal important difference")})
    if participants < rules.ois_participants:
        return Downgrade("imprecision", 1, _(
            "%(n)d participants, fewer than the optimal information size of %(ois)d.")
            % {"n": participants, "ois": rules.ois_participants})
    return Downgrade("imprecision", 0, _("The 95%% CI (%(lo)s to %(hi)s) is precise.")
                     % {"lo": format_number(lo, ".2f"), "hi": format_number(hi, ".2f")})


def rate_publication_bias(k: int, egger_p: float | None, rules: GradeRules) -> Downgrade:
    """Egger's test from ``egger_min_k`` trials; p below ``egger_alpha`` rates down one level."""
    if k < rules.egger_min_k or egger_p is None:
        return Downgrade("publication_bias", 0, _(
            "Not assessable: %(k)d trial(s), Egger's test needs at least %(min)d.")
            % {"k": k, "min": rules.egger_min_k})
    if egger_p < rules.egger_alpha:
        return Downgrade("publication_bias", 1, _(
            "Egger's test p = %(p)s: the funnel plot is asymmetric.")
            % {"p": format_number(egger_p, ".3g")})
    return Downgrade("publication_bias", 0, _("Egger's test p = %(p)s: no asymmetry detected.")
                     % {"p": format_number(egger_p, ".3g")})


def certainty(downgrades: Sequence[Downgrade]) -> str:
    """High, moderate, low or very low: randomised evidence rated down, never below very low."""
    level = max(0, 3 - sum(d.levels for d in downgrades))
    return CERTAINTY[level]


def plain_statement(grade: str, estimate: float, comparator: str, rules: GradeRules) -> str:
    """A patient sentence whose verb follows the certainty (Santesso 2020).

    An estimate beyond the MID in favour of acupuncture "reduces" pain, beyond it against
    "increases" pain, otherwise "little or no difference".
    """
    if grade == "very_low":
        return _("The evidence is very uncertain about the effect of acupuncture on pain "
                 "compared with %(c)s.") % {"c": comparator}
    if estimate <= -rules.mid:
        verbs = {"high": _("reduces"), "moderate": _("likely reduces"), "low": _("may reduce")}
        return _("Acupuncture %(verb)s pain compared with %(c)s.") % {
            "verb": verbs[grade], "c": comparator}
    if estimate >= rules.mid:
        verbs = {"high": _("increases"), "moderate": _("likely increases"),
                 "low": _("may increase")}
        return _("Acupuncture %(verb)s pain compared with %(c)s.") % {
            "verb": verbs[grade], "c": comparator}
    verbs = {"high": _("results in"), "moderate": _("likely results in"),
             "low": _("may result in")}
    return _("Acupuncture %(verb)s little or no difference in pain compared with %(c)s.") % {
        "verb": verbs[grade], "c": comparator}


def single_trial_ci(yi: float, vi: float) -> tuple[float, float]:
    """95% CI of one trial's effect."""
    se = math.sqrt(vi)
    return (yi - _Z * se, yi + _Z * se)
