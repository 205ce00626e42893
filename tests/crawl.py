"""What the crawler reads on a page, and the checks it makes (for tests/test_crawler.py).

A page is read with the standard library's HTML parser into its visible text nodes, each
marked as a *label* (headers, table headers, field labels, buttons, menu entries, titles,
placeholders, confirmations) or as data (cells, values), its select options, and the
JSON of Flask-Admin's list filters. The checks find what a user should never meet:
"None", a raw choice code, English words in a Chinese label (or Chinese in an English
one) and a msgid shown untranslated.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from babel.messages.pofile import read_po

import models.choices as choices
from portal.i18n import TRANSLATIONS

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
LABEL_TAGS = {"label", "button", "th", "h1", "h2", "h3", "h4", "h5", "h6", "legend", "dt",
              "caption", "title", "summary", "option"}
LABEL_CLASSES = {"btn", "nav-link", "dropdown-item", "navbar-brand", "card-header", "alert",
                 "form-text", "help-block", "badge", "breadcrumb-item"}
LABEL_ATTRS = ("title", "placeholder", "data-confirm", "aria-label", "alt")
SKIPPED = {"script", "style", "template"}
JSON_IDS = {"filter-groups-data", "active-filters-data"}
UNSHOWN = {"hidden", "checkbox", "radio", "file", "image"}  # inputs whose value is not shown

# Words a Chinese label may hold: units, keys, file types, abbreviations Chinese offices use.
ALLOWED_WORDS = {"kg", "ml", "F9", "Excel", "ID", "CSV", "PDF", "QR", "XLSX", "xlsx", "IP",
                 "SYB", "GYB", "YYYY", "MM", "DD", "HH", "Ctrl", "Enter", "Esc"}
# Flask-Admin's navbar button says this in its template, not through a catalogue; only a
# screen reader reads it. Replacing it means copying the whole page body of its base.html.
ALLOWED_LABELS = {"Toggle navigation"}
# Flask-Admin's own zh catalogue's poor phrases, corrected in our admin.po.
POOR = re.compile(r"(?:\d+ 项目|选中的|删除[?？])")
# The test users' names (tests/conftest.py): data, not labels, wherever they are shown.
DATA_WORDS = {"admin", "staff", "clerk", "manager", "sample"}
WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
# Document and record numbers (DH-2026-000001, JK-2, CG-7) are data, also in a heading.
NUMBER = re.compile(r"\b[A-Z]{1,5}-[0-9][0-9-]*|https?://\S+")
NONE = re.compile(r"(?<![A-Za-z_])(?:__)?None(?![A-Za-z])")
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")


@dataclass
class Text:
    text: str
    label: bool
    where: str


class Page(HTMLParser):
    """The visible text, options and filter data of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[Text] = []
        self.options: list[tuple[str, str]] = []
        self.blobs: dict[str, object] = {}
        self.stack: list[dict] = []
        self.buffer: list[str] = []

    @classmethod
    def read(cls, html: str) -> Page:
        page = cls()
        page.feed(html)
        page.close()
        return page

    def _top(self, key, default=None):
        return self.stack[-1][key] if self.stack else default

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        classes = set(attrs.get("class", "").split())
        label = bool(self._top("label") or tag in LABEL_TAGS or classes & LABEL_CLASSES)
        where = f"{tag}#{attrs['id']}" if attrs.get("id") else (
            f"{tag}.{'.'.join(sorted(classes))}" if classes else tag)
        skip = self._top("skip") or tag in SKIPPED
        capture = (attrs.get("id") in JSON_IDS and attrs["id"]) or (
            "inline-field-template" in classes and "template")
        if not skip:
            for name in LABEL_ATTRS:
                if attrs.get(name):
                    self.texts.append(Text(attrs[name], True, f"{where}[{name}]"))
            kind = attrs.get("type", "text")
            if tag == "input" and kind not in UNSHOWN and attrs.get("value"):
                self.texts.append(Text(attrs["value"], kind in ("submit", "button", "reset"),
                                       f"{where}[value]"))
        if tag == "option":
            self.options.append((attrs.get("value", ""), ""))
        if tag not in VOID:
            self.stack.append({"tag": tag, "label": label, "skip": skip or bool(capture),
                               "where": where, "capture": capture, "option": tag == "option"})

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if not any(entry["tag"] == tag for entry in self.stack):
            return
        while self.stack:
            entry = self.stack.pop()
            if entry["capture"]:
                self._captured(entry["capture"], "".join(self.buffer))
                self.buffer = []
            if entry["tag"] == tag:
                break

    def _captured(self, what: str, text: str) -> None:
        if what == "template":  # an inline form's template, escaped HTML: read it too
            inner = Page.read(text)
            self.texts += inner.texts
            self.options += inner.options
        else:
            self.blobs[what] = json.loads(text or "null")

    def handle_data(self, data):
        if any(entry["capture"] for entry in self.stack):
            self.buffer.append(data)
            return
        text = " ".join(data.split())
        if not text or self._top("skip"):
            return
        if self._top("option") and self.options:
            value, old = self.options[-1]
            self.options[-1] = (value, (old + " " + text).strip())
        self.texts.append(Text(text, bool(self._top("label")), self._top("where", "")))


# --- what the checks compare with --------------------------------------------------------
def choice_codes() -> set[str]:
    """Return every stored choice code (models/choices.py) that is not also a plain word."""
    codes = set()
    for value in vars(choices).values():
        if isinstance(value, dict):
            codes |= {code for code in value if isinstance(code, str) and len(code) > 1}
    return codes - DATA_WORDS


def msgids() -> set[str]:
    """Return the English msgids of our catalogues that a Chinese page must not show."""
    found = set()
    for po in TRANSLATIONS.glob("zh_Hans_CN/LC_MESSAGES/*.po"):
        with po.open("rb") as src:
            for message in read_po(src):
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                found |= {m for m in ids if m and set(WORD.findall(m)) - ALLOWED_WORDS}
    return found


def english_words(text: str) -> list[str]:
    """Return the ASCII words of ``text`` not on the allow-list."""
    return [w for w in WORD.findall(NUMBER.sub(" ", text)) if len(w) > 1 and not w.isdigit()
            and w not in ALLOWED_WORDS and w not in DATA_WORDS and not any(c.isdigit() for c in w)]


def filter_texts(page: Page) -> list[Text]:
    """Return the names, operations and options of the list's filters as labels.

    Flask-Admin draws the filter chips in script from this JSON; a chip reads "name
    operation value", so an operation that repeats its only value ("是 是") is reported.
    """
    texts, groups = [], page.blobs.get("filter-groups-data") or {}
    for group, filters in groups.items():
        texts.append(Text(group, True, "filter"))
        for entry in filters:
            operation = str(entry.get("operation", ""))
            options = [str(label) for _value, label in entry.get("options") or ()]
            texts.append(Text(operation, True, f"filter {group}"))
            texts += [Text(label, True, f"filter {group} option") for label in options]
            if options and len(options) == 1 and options[0] == operation:
                texts.append(Text(f"{group} {operation} {options[0]}", True, "repeated chip"))
    return texts


def without(text: str, names: set[str]) -> str:
    """Return ``text`` without the record names it holds."""
    for name in names:
        text = text.replace(name, "")
    return text


def shown_none(text: Text, locale: str) -> bool:
    """Tell whether ``text`` shows a Python None (in English, "None this year" is a word)."""
    if locale == "zh":
        return bool(NONE.search(text.text))
    return text.text in ("None", "__None") and not text.where.startswith("option")


def problems(page: Page, locale: str, codes: set[str], untranslated: set[str],
             names: set[str] = frozenset()) -> list[str]:
    """Return what is wrong on ``page`` for a user of ``locale`` (``zh`` or ``en``).

    ``names`` are the records' own names (people, goods): data, in any language.
    """
    found = []
    texts = page.texts + filter_texts(page)
    for text in texts:
        if shown_none(text, locale):
            found.append(f"None: {text.text!r} in {text.where}")
            continue
        if text.text in codes:
            found.append(f"raw code: {text.text!r} in {text.where}")
        if text.where == "repeated chip":
            found.append(f"filter chip repeats itself: {text.text!r}")
        if locale == "zh" and text.text in untranslated:
            found.append(f"untranslated: {text.text!r} in {text.where}")
        if locale == "zh" and POOR.fullmatch(text.text):
            found.append(f"poor translation: {text.text!r} in {text.where}")
        if (locale == "zh" and text.label and text.text not in ALLOWED_LABELS
                and (words := english_words(text.text))):
            found.append(f"English in label: {text.text!r} ({', '.join(words)}) in {text.where}")
        if (locale == "en" and text.label and " option" not in f" {text.where}"
                and CJK.search(without(text.text, names))):  # options may be records
            found.append(f"Chinese in label: {text.text!r} in {text.where}")
    for value, label in page.options:
        if value == "None" or NONE.search(label):
            found.append(f"None option: value={value!r} text={label!r}")
    return found
