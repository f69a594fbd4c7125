"""Server-rendered web pages (Jinja2 + vendored HTMX): log in, patients, patient page."""

from acuneuro.web._app import install
from acuneuro.web._locale import LocaleNegotiation
from acuneuro.web._session import SlidingSession
from acuneuro.web.sections import PATIENT_SECTIONS, Section, add_section

__all__ = [
    "PATIENT_SECTIONS",
    "LocaleNegotiation",
    "Section",
    "SlidingSession",
    "add_section",
    "install",
]
