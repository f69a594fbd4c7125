"""Write the StructureDefinitions of acuneuro's FHIR extensions to interop/definitions/.

Run after changing an extension or the STRICTA session model; the tests fail until the shipped
files match ``acuneuro.interop.fhir_definitions.structure_definitions()``.
"""

from __future__ import annotations

import json
from pathlib import Path

from acuneuro.interop.fhir_definitions import structure_definitions

FOLDER = Path(__file__).resolve().parents[1] / "src" / "acuneuro" / "interop" / "definitions"


def main() -> None:
    """Write one JSON file per StructureDefinition."""
    FOLDER.mkdir(exist_ok=True)
    for sd in structure_definitions():
        text = json.dumps(sd, indent=2, ensure_ascii=False) + "\n"
        (FOLDER / f"StructureDefinition-{sd['id']}.json").write_text(text, "utf-8")


if __name__ == "__main__":
    main()
