"""How change in a followed outcome is named: the categories of ``knowledge/outcomes.yaml``.

A category has a code (stored, compared, never shown) and the clinician's label (shown on
every page, PDF and message). A category that is not a published benchmark says so with
``design_choice: true`` and a note, e.g. reporting any rise in pain as worse: Dworkin et al.
(J Pain 2008;9:105-121) give benchmarks for improvement only.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["ChangeCategory", "PointChange"]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChangeCategory(_Data):
    """One named class of change, with the words a clinician reads."""

    category: str = Field(pattern=r"^[a-z][a-z_]*$")
    label: str = Field(min_length=3)
    design_choice: bool = False
    note: str | None = None
    sources: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _explained(self) -> ChangeCategory:
        if self.label == self.category or "_" in self.label:
            raise ValueError(f"outcomes.yaml: category {self.category!r} needs a worded label")
        if self.design_choice and not self.note:
            raise ValueError(f"outcomes.yaml: design choice {self.category!r} needs a note")
        return self


class PointChange(_Data):
    """Change judged in the scale's own points, e.g. BPI interference (Dworkin 2008: 1 point).

    ``min_decrease``: the smallest improvement, in points, that is clinically important.
    """

    min_decrease: float = Field(gt=0)
    improved: ChangeCategory
    unchanged: ChangeCategory
    worse: ChangeCategory
    sources: list[str] = Field(min_length=1)

    def categories(self) -> list[ChangeCategory]:
        return [self.improved, self.unchanged, self.worse]
