"""Body map: an accessible SVG of a plan's points on front and back outlines.

Pure function, no web framework: the page embeds the returned markup. Points are placed by
their atlas region and side at approximate coordinates (a map, not a location guide); regions
that a safety finding excluded are shaded grey, with the finding's message as their title, and
the episode's pain regions orange. Each marker is a link to its row in the page's list of
points (:func:`point_anchor`), so Tab reaches every point and Enter shows its name, rationale
and sources (issue 14, item 11); the SVG is a ``group`` so that its links stay reachable.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from html import escape

from acuneuro.clinical.case import RegionSite
from acuneuro.clinical.planner import RATIONALE_SENTENCES, Plan, point_region
from acuneuro.clinical.safety_model import PlanPoint
from acuneuro.i18n import N_
from acuneuro.i18n import gettext as _
from acuneuro.i18n.prose import prose
from acuneuro.knowledge import code_label, dermatome

__all__ = ["BACK_REGIONS", "REGION_ANCHORS", "point_anchor", "render_bodymap"]

WIDTH, HEIGHT = 400, 400
_CENTRES = {"front": 100, "back": 300}
# Approximate anchor of each region on a 400 x 400 canvas: (x offset towards the patient's
# right on the front view, y). Offset 0 is the midline.
REGION_ANCHORS: dict[str, tuple[int, int]] = {
    "head": (0, 28), "face": (0, 40), "neck": (0, 66), "shoulder": (-34, 84),
    "upper_arm": (-44, 118), "forearm": (-52, 160), "hand": (-58, 198), "chest": (-16, 104),
    "abdomen": (-12, 150), "upper_back": (-14, 110), "lower_back": (-12, 160),
    "buttock": (-16, 192), "hip": (-27, 186), "thigh": (-18, 234), "knee": (-18, 272),
    "leg": (-18, 312), "foot": (-20, 356),
}  # fmt: skip
BACK_REGIONS = frozenset({"upper_back", "lower_back", "buttock"})
_ROLE_COLOURS = {"local": "#b2182b", "distal": "#2166ac", "segmental": "#1b7837"}

_OUTLINE = (
    '<circle cx="{c}" cy="34" r="18"/>'
    '<path d="M{l1} 58 h16 v10 h-16 z"/>'
    '<path d="M{t0} 74 h60 l6 46 l-6 72 h-60 l-6 -72 z"/>'
    '<path d="M{t0} 76 l-26 60 l-10 66 M{t1} 76 l26 60 l10 66"/>'
    '<path d="M{g0} 190 l-4 170 M{g1} 190 l4 170"/>'
)


def _view(region: str) -> str:
    return "back" if region in BACK_REGIONS else "front"


def _x(view: str, region: str, side: str) -> float:
    """Canvas x of a region on one side; on the front view the patient's right is on the left."""
    offset = REGION_ANCHORS[region][0]
    if side == "left":
        offset = -offset
    if view == "back":
        offset = -offset
    return _CENTRES[view] + offset


def _sides(side: str) -> list[str]:
    return ["right", "left"] if side == "both" else [side]


def _outline(view: str) -> str:
    c = _CENTRES[view]
    shape = _OUTLINE.format(c=c, l1=c - 8, t0=c - 30, t1=c + 30, g0=c - 14, g1=c + 14)
    label = _("Front of the body") if view == "front" else _("Back of the body")
    return (
        f'<g class="outline" fill="none" stroke="#555" stroke-width="2"><title>{label}</title>'
        f'{shape}<text x="{c}" y="395" text-anchor="middle" font-size="12" fill="#333" '
        f'stroke="none">{label.split()[0]}</text></g>'
    )


def _excluded_sites(plan: Plan) -> list[tuple[str, str, str]]:
    """(region, side, reason) for every region excluded by a finding, dermatomes included."""
    sites: list[tuple[str, str, str]] = []
    for finding in plan.safety.findings:
        for site in finding.excluded_regions:
            sites.append((site.region.value, site.side.value, finding.message))
        for dsite in finding.excluded_dermatome_sites:
            for region in dermatome(dsite.dermatome).regions:
                sites.append((region, dsite.side.value, finding.message))
    return sites


def _shading(plan: Plan) -> str:
    parts: list[str] = []
    for region, side, reason in _excluded_sites(plan):
        view = _view(region)
        y = REGION_ANCHORS[region][1]
        for one in _sides(side):
            x = _x(view, region, one)
            parts.append(
                f'<ellipse class="excluded" cx="{x:.0f}" cy="{y}" rx="15" ry="17" fill="#999" '
                f'fill-opacity="0.45"><title>'
                + escape(_("Excluded: %(region)s (%(side)s). %(reason)s") % {
                    "region": region, "side": _(one), "reason": reason})
                + "</title></ellipse>"
            )
    return "".join(parts)


def point_anchor(point: PlanPoint) -> str:
    """The id of the point's row in the page's list of points (the marker links to it)."""
    return "point-" + re.sub(r"[^a-z0-9]+", "-", f"{point.code} {point.side}".lower()).strip("-")


def _pain_shading(regions: Sequence[RegionSite]) -> str:
    parts: list[str] = []
    for site in regions:
        region = site.region.value
        if region not in REGION_ANCHORS:
            continue
        view, y = _view(region), REGION_ANCHORS[region][1]
        title = _("Pain: %(region)s (%(side)s)") % {"region": code_label(region),
                                                    "side": code_label(site.side)}
        for one in _sides(site.side.value):
            parts.append(
                f'<ellipse class="pain" cx="{_x(view, region, one):.0f}" cy="{y}" rx="17" '
                f'ry="19" fill="#e08214" fill-opacity="0.35"><title>{escape(title)}</title>'
                "</ellipse>"
            )
    return "".join(parts)


def _marker(point: PlanPoint, x: float, y: float, side: str) -> str:
    colour = _ROLE_COLOURS[point.role]
    label = (f"{point.code} {point.shown_name()}: {_(point.role)}, {_(side)}. "
             f"{prose(point.rationale, RATIONALE_SENTENCES)}")
    return (
        f'<a href="#{point_anchor(point)}" class="point-link" aria-label="{escape(label)}">'
        f'<circle class="point {point.role}" cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{colour}" '
        f'data-code="{escape(point.code)}"><title>{escape(label)}</title></circle></a>'
    )


def _points(plan: Plan) -> str:
    crowd: dict[tuple[str, str], int] = defaultdict(int)
    parts: list[str] = []
    for point in plan.points:
        level = point.name.removeprefix("Jiaji at ") if point.code == "EX-B2" else None
        region = point_region(point.code, level)
        view = _view(region)
        for side in ["midline"] if point.side == "midline" else _sides(point.side):
            slot = crowd[(region, side)]
            crowd[(region, side)] += 1
            # Spread points sharing a region in a small grid so each stays visible.
            x = (_CENTRES[view] if side == "midline" else _x(view, region, side)) + (
                slot % 3 - 1
            ) * 8
            y = REGION_ANCHORS[region][1] + (slot // 3) * 8 - 4
            parts.append(_marker(point, x, y, side))
    return "".join(parts)


# The words of the sides a point is drawn on, for the catalogue.
_SIDE_WORDS = (N_("left"), N_("right"), N_("midline"))


def render_bodymap(plan: Plan, pain: Sequence[RegionSite] = ()) -> str:
    """SVG markup of the plan's points (by region and side), its excluded regions and the
    episode's pain regions (``pain``, from the case the plan was built on)."""
    count = len(plan.points)
    desc = _("%(count)s planned points for %(condition)s; safety status %(status)s. Red local, "
             "blue distal, green segmental; grey areas are excluded; orange areas hurt.") % {
        "count": count, "condition": plan.condition.value.upper(),
        "status": code_label(plan.safety.status)}
    title = escape(_("Acupuncture plan body map"))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="group" '
        'aria-labelledby="bodymap-title bodymap-desc">'
        f'<title id="bodymap-title">{title}</title>'
        f'<desc id="bodymap-desc">{escape(desc)}</desc>'
        f"{_outline('front')}{_outline('back')}{_pain_shading(pain)}{_shading(plan)}"
        f"{_points(plan)}</svg>"
    )
