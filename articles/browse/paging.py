"""Page numbers from a request: read strictly, and bounded.

A page number is ASCII digits: `str.isdigit()` is also true of "²", which int() refuses, and
int() takes "١٢" or " 1_0". Pages past MAX_PAGE are refused, not served: a deep page's OFFSET
makes the database step over every row before it, and nobody pages through ten thousand rows
when they could narrow the list instead. A page that is no number is the first page.
"""

from __future__ import annotations

import re

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

MAX_PAGE = 500
_PAGE = re.compile(r"[0-9]+")


class BadPage(ValueError):
    """A page number refused; the message says why, in words for the reader."""


def page_number(value: str | None) -> int:
    """The page number a request asks for. Anything but a whole number from 1 is the first
    page, as with Django's get_page; past MAX_PAGE, BadPage."""
    value = (value or "").strip()
    if not _PAGE.fullmatch(value) or not value.strip("0"):
        return 1
    # Compare lengths first: int() of thousands of digits is refused (and slow).
    if len(value.lstrip("0")) > len(str(MAX_PAGE)) or int(value) > MAX_PAGE:
        raise BadPage(
            f"Only the first {MAX_PAGE} pages can be shown. Narrow the search or the filters "
            "to see the rest."
        )
    return int(value)


def get_page(paginator: Paginator, value: str | None) -> Page:
    """The page asked for (BadPage as page_number); past the last page, the last page, as a
    link may outlive some of its rows."""
    return paginator.get_page(page_number(value))


def refuse(request: HttpRequest, error: BadPage) -> HttpResponse:
    """A refused page number, answered 400 with its message."""
    return render(request, "400.html", {"message": str(error)}, status=400)
