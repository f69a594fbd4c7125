"""The research export's own check that only coded values leave: free text is refused.

Free text can name anyone (45 CFR 164.514(b)(2)(i): identifiers "of the individual or of
relatives, employers, or household members"), so Safe Harbor removes it; a de-identifier that
trusts its dictionary alone would pass a patient's name typed into a column declared as a
clinical attribute (a drug called "Name: Jane Q Realperson, 14 Elm St"). Every text value of a
kept column must therefore be in the column's declared code list, or, where none is declared,
look like a code: one token of letters, digits and ``_ . : + / -``, at most
:data:`MAX_CODE_LENGTH` characters. A refusal names the column and the row, never the value.
"""

from __future__ import annotations

import re
from collections.abc import Collection

import pandas as pd

__all__ = ["MAX_CODE_LENGTH", "refuse_free_text"]

# Longest code seen in the export: ICD-10 ("G62.0"), ATC ("B01AF02"), FHIR outcome words.
MAX_CODE_LENGTH = 32
_CODE = re.compile(rf"[A-Za-z0-9_.:+/-]{{1,{MAX_CODE_LENGTH}}}")


def refuse_free_text(name: str, values: pd.Series, codes: Collection[str] | None) -> None:
    """Raise ``ValueError`` naming ``name`` and the first row whose text is not a code."""
    for row, value in enumerate(values.tolist()):
        if not isinstance(value, str):
            continue
        coded = value in codes if codes is not None else _CODE.fullmatch(value) is not None
        if not coded:
            where = "its code list" if codes is not None else "the form of a code"
            raise ValueError(
                f"{name}: row {row} holds text outside {where}; free text cannot leave the "
                "clinic (declare the column free_text so it is removed, or code the value)"
            )
