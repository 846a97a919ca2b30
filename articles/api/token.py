"""The "API token" page: a person's own token for the API, shown once when created."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

from articles.roles import permission_required


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("articles.view_article", raise_exception=True)
def api_token(request: HttpRequest) -> HttpResponse:
    """GET shows whether the account has a token; POST `action=create` makes a new one
    (replacing any other: the old one stops working) and shows it this once; `action=revoke`
    deletes it."""
    existing = Token.objects.filter(user=request.user).first()
    if request.method == "GET":
        return render(request, "api/token.html", {"token": existing})
    action = request.POST.get("action")
    if action == "revoke":
        Token.objects.filter(user=request.user).delete()
        messages.success(request, "Your API token was revoked: it no longer works.")
        return redirect("api-token")
    if action != "create":
        context = {"token": existing, "error": "Choose to create or to revoke a token."}
        return render(request, "api/token.html", context, status=400)
    with transaction.atomic():
        Token.objects.filter(user=request.user).delete()
        created = Token.objects.create(user=request.user)
    return render(request, "api/token.html", {"token": created, "new_key": created.key})
