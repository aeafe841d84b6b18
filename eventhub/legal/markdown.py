"""Markdown to safe HTML: markdown-it-py renders (raw HTML off), nh3 then keeps only the
tags, attributes and link schemes below, so that neither a script, an event handler nor a
``javascript:`` link can reach the page, whatever the text says."""
from __future__ import annotations

import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

TAGS = {"h2", "h3", "h4", "p", "br", "hr", "strong", "em", "ul", "ol", "li", "a",
        "blockquote", "code", "pre", "table", "thead", "tbody", "tr", "th", "td"}
ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
_LEVEL_ONE = re.compile(r"^( {0,3})#([ \t]|$)", re.MULTILINE)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # CommonMark with tables; "html": False shows raw HTML as text instead of passing it.
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render(text: str) -> Markup:
    """The text as HTML that may go into a page unescaped. A heading "# x" becomes h2, as
    "## x" does: the page's own title is its only h1."""
    html = _parser().render(_demote_headings(text))
    clean = nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                      link_rel="noopener noreferrer nofollow")
    return Markup(clean)  # noqa: S704  (sanitized by nh3 just above)


def _demote_headings(text: str) -> str:
    # Only "# " lines: "## " already is the page's second level.
    return _LEVEL_ONE.sub(r"\1##\2", text)
