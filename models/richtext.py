"""The rich text of free notices, cleaned by nh3 (Ammonia) down to what a notice needs."""
from __future__ import annotations

import nh3

# Text structure, lists, tables and links: no images (they would call out to other
# sites from the reader's phone), no styles, no scripts, forms or frames.
TAGS = {"p", "br", "h2", "h3", "h4", "strong", "b", "em", "i", "u", "ul", "ol", "li", "a",
        "table", "caption", "thead", "tbody", "tr", "th", "td", "blockquote", "hr"}
ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"},
              "th": {"colspan", "rowspan"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


def sanitize_html(html: str | None) -> str:
    """Return ``html`` with every tag, attribute and link scheme outside the list removed."""
    return nh3.clean(html or "", tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer nofollow").strip()


def plain_text(html: str | None) -> str:
    """Return the text of ``html`` without any tags (to tell whether it says anything)."""
    return nh3.clean(html or "", tags=set()).strip()
