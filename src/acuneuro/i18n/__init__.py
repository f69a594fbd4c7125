"""Translations and locale-aware formatting: Babel's gettext catalogues, one per language.

Every text a person reads (pages, messages, PDFs, e-mails) goes through :func:`gettext` (``_`` in
Python, ``{{ _("...") }}`` in templates) so that it can be shown in Italian or English. The
catalogue of each language is ``locale/<lang>/LC_MESSAGES/messages.po``, read once and compiled
in memory (no compiled ``.mo`` file is kept in the repository). The language of the current
request or command lives in a context variable, so concurrent requests never mix languages.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache, lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal as _babel_decimal
from babel.numbers import get_decimal_symbol
from babel.support import NullTranslations, Translations

__all__ = [
    "DEFAULT_LOCALE",
    "LOCALES",
    "N_",
    "current_locale",
    "format_date",
    "format_datetime",
    "format_decimal",
    "format_number",
    "gettext",
    "negotiate_locale",
    "ngettext",
    "pgettext",
    "use_locale",
]

LOCALES = ("en", "it")
DEFAULT_LOCALE = "en"
_LOCALE_DIR = Path(__file__).parent / "locale"
_current: ContextVar[str] = ContextVar("acuneuro_locale", default=DEFAULT_LOCALE)


@cache
def _translations(locale: str) -> NullTranslations:
    """The catalogue of ``locale``, compiled in memory from its ``.po`` file."""
    po_path = _LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if locale == DEFAULT_LOCALE or not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def current_locale() -> str:
    """The language of the request or command being served (``en`` unless one was chosen)."""
    return _current.get()


@contextmanager
def use_locale(locale: str) -> Iterator[None]:
    """Serve everything inside the block in ``locale`` (an unknown one falls back to English)."""
    token = _current.set(locale if locale in LOCALES else DEFAULT_LOCALE)
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str) -> str:
    """``message`` in the current language (itself when no translation exists)."""
    if not message:  # gettext("") is the catalogue's header, never a translation
        return message
    return _translations(current_locale()).gettext(message)


def pgettext(context: str, message: str) -> str:
    """``message`` in the current language, where one English word needs two translations
    ("Low" certainty is *bassa*, "Low" risk of bias is *basso*): ``msgctxt`` in the catalogue."""
    return str(_translations(current_locale()).pgettext(context, message))


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it now (module-level constants).

    The text is translated where it is shown, with :func:`gettext` (``|translate`` in a page).
    """
    return message


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form of a message for ``count``, in the current language."""
    return _translations(current_locale()).ngettext(singular, plural, count)


def negotiate_locale(accept_language: str | None, preferred: str | None = None) -> str:
    """The language to serve: the user's own choice, else the best of Accept-Language, else English.

    Accept-Language is read as RFC 9110 12.5.4 describes: comma-separated tags with optional
    ``q`` weights; only the primary subtag is compared with the languages we have.
    """
    if preferred in LOCALES:
        return str(preferred)
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        primary = tag.strip().split("-")[0].lower()
        if primary in LOCALES and weight > 0:
            ranked.append((-weight, position, primary))
    return sorted(ranked)[0][2] if ranked else DEFAULT_LOCALE


# The conventions dates and numbers follow: British English writes "5 December 2026", as the
# reports always did; American English would write "December 5, 2026".
_FORMATS = {"en": "en_GB", "it": "it_IT"}


def _babel_locale() -> Locale:
    return _parsed_locale(current_locale())


@cache
def _parsed_locale(code: str) -> Locale:
    """Babel's locale data for ``code``, parsed once (a parse costs about 0.2 ms)."""
    try:
        return Locale.parse(_FORMATS.get(code, code))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT_LOCALE)


def format_date(value: dt.date, form: str = "long") -> str:
    """A date as the current language writes it ("5 dicembre 2026", "5 December 2026")."""
    return _formatted_date(value, form, current_locale())


@lru_cache(maxsize=4096)
def _formatted_date(value: dt.date, form: str, code: str) -> str:
    # A page writes the same few dates many times (today's list: about 100 per request, 20 us
    # each in Babel); the text depends only on the date, the form and the language.
    return str(_babel_date(value, format=form, locale=_parsed_locale(code)))


def format_datetime(value: dt.datetime, form: str = "medium") -> str:
    """A date and time in the current language."""
    return str(_babel_datetime(value, format=form, locale=_babel_locale()))


def format_decimal(value: float, digits: int = 1, *, fixed: bool = False,
                   signed: bool = False) -> str:
    """A number with the current language's decimal mark ("1,5" in Italian).

    At most ``digits`` decimals (exactly ``digits`` when ``fixed``); ``signed`` writes "+" before
    a positive number, as a change is written.
    """
    decimals = ("0" if fixed else "#") * digits
    pattern = "#,##0" + ("." + decimals if digits > 0 else "")
    text = str(_babel_decimal(value, format=pattern, locale=_babel_locale()))
    return "+" + text if signed and value > 0 else text


def format_number(value: float, spec: str) -> str:
    """``format(value, spec)`` with the current language's decimal mark: the digits of a
    statistic stay exactly as computed ("-1.83", "0.0123" in English; "-1,83", "0,0123" in
    Italian), where :func:`format_decimal` would round to a fixed number of places."""
    return format(value, spec).replace(".", str(get_decimal_symbol(_babel_locale())))
