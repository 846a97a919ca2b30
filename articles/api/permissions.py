"""The API's permissions: the pages' own, by role (articles/roles.py).

A view names the Django permissions each method needs, as the pages' views do with
`permission_required`; an anonymous request is refused 401, an account without them 403.
"""

from __future__ import annotations

from rest_framework.permissions import BasePermission

READ = ("articles.view_article",)
UPLOAD = (*READ, "articles.add_article")
TAG = (*READ, "articles.tag_article")
# The review pages' corrections of a quote (articles/review/views.py: REVIEW_PERMS and
# change_quote).
CORRECT_QUOTE = (*READ, "articles.review_article", "articles.change_quote")


def needs(**perms_by_method: tuple[str, ...]) -> type[BasePermission]:
    """A permission class: each HTTP method (GET also answers HEAD and OPTIONS) needs every
    permission listed for it. A method not listed is let through to the view, which answers
    405: list every method the view takes."""
    by_method = {method.upper(): perms for method, perms in perms_by_method.items()}
    if "GET" in by_method:
        by_method.setdefault("HEAD", by_method["GET"])
        by_method.setdefault("OPTIONS", by_method["GET"])

    class Needs(BasePermission):
        message = "Your role does not allow this."

        def has_permission(self, request, view) -> bool:
            if not (request.user and request.user.is_authenticated):
                return False  # DRF answers 401: no credentials
            return request.user.has_perms(by_method.get(request.method, ()))

    Needs.__name__ = "Needs_" + "_".join(sorted(by_method))
    return Needs


CanRead = needs(GET=READ)
