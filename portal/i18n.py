"""Language: Simplified Chinese by default, English on request."""
from __future__ import annotations

from pathlib import Path

from flask import current_app

TRANSLATIONS = Path(__file__).parent / "translations"


def select_locale() -> str:
    """Return the configured locale (``zh_CN`` unless PORTAL_LOCALE says otherwise)."""
    return current_app.config["PORTAL_LOCALE"]


def prefer_portal_admin_strings() -> None:
    """Let our ``admin.po`` correct Flask-Admin's own zh catalogue, not only fill its gaps.

    Flask-Admin merges the catalogue of ``Admin(translations_path=...)`` first and its
    own over it, so its poor phrases ("With selected" 选中的, "items" 项目) would win.
    Reading the directories the other way round makes ours the last word. Idempotent.
    """
    from flask_admin import babel as admin_babel

    domain = getattr(admin_babel, "domain", None)
    if domain is None or getattr(type(domain), "portal_first", False):
        return

    class PortalFirst(type(domain)):
        portal_first = True

        @property
        def translation_directories(self):
            return list(reversed(super().translation_directories))

    domain.__class__ = PortalFirst
    domain.cache.clear()


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
