"""Language: Simplified Chinese by default, English on request."""
from __future__ import annotations

from pathlib import Path

from flask import current_app

TRANSLATIONS = Path(__file__).parent / "translations"


def select_locale() -> str:
    """Return the configured locale (``zh_CN`` unless PORTAL_LOCALE says otherwise)."""
    return current_app.config["PORTAL_LOCALE"]


def compile_catalogs() -> None:
    """Compile every ``.po`` catalogue whose ``.mo`` is missing or older."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in TRANSLATIONS.glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as src:
            catalog = read_po(src)
        with mo.open("wb") as out:
            write_mo(out, catalog)
