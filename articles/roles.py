"""The three roles and their permissions. Groups are created by migrations 0003 and 0013.

Views check permissions with this module's `permission_required`: its refusal names the
permissions, so the 403 page can say which role a page needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Q

EDITORS = "Editors"
REVIEWERS = "Reviewers"
ADMINS = "Admins"
ROLES = (EDITORS, REVIEWERS, ADMINS)
# What each role is for, in the words the no-role page and the admin's user pages use.
DUTIES = {
    EDITORS: "upload articles, edit and delete them, and tag them",
    REVIEWERS: "correct the extracted quotes and entities, and run extraction again",
    ADMINS: "everything, and manage users in the admin (tick “Staff status” too)",
}


def sync_admin_permissions(**kwargs) -> None:
    """Give Admins every permission, including those of models added after the groups were."""
    admins, _ = Group.objects.get_or_create(name=ADMINS)
    admins.permissions.set(Permission.objects.all())


class RoleRequired(PermissionDenied):
    """Refused for want of these permissions (the 403 page names the roles that have them)."""

    def __init__(self, perms: tuple[str, ...]) -> None:
        self.perms = perms
        super().__init__(f"This needs {', '.join(perms)}.")


def permission_required(perm: str | Iterable[str], *, raise_exception: bool = True) -> Callable:
    """Django's permission_required (login itself is LoginRequiredMiddleware's), refusing
    with RoleRequired, which says what was missing."""
    perms = (perm,) if isinstance(perm, str) else tuple(perm)

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def checked(request, *args, **kwargs):
            if not request.user.has_perms(perms):
                raise RoleRequired(perms)
            return view(request, *args, **kwargs)

        return checked

    return decorate


def roles_with(perms: Iterable[str]) -> list[str]:
    """The roles whose group has every one of the permissions, in ROLES order. One query."""
    wanted = set(perms)
    held: dict[str, set[str]] = {name: set() for name in ROLES}
    rows = Permission.objects.filter(group__name__in=ROLES).values_list(
        "group__name", "content_type__app_label", "codename"
    )
    for group, app_label, codename in rows:
        held[group].add(f"{app_label}.{codename}")
    return [name for name in ROLES if wanted <= held[name]]


def roles_of(user) -> list[str]:
    """The user's roles, in ROLES order."""
    if not user.is_authenticated:
        return []
    names = set(user.groups.values_list("name", flat=True))
    return [name for name in ROLES if name in names]


def has_no_role(user) -> bool:
    """A logged-in account that may read nothing: in no role's group and not a superuser."""
    return user.is_authenticated and not user.is_superuser and not roles_of(user)


def administrators(limit: int = 5) -> list[str]:
    """Usernames of active administrators (Admins, or superusers), to say whom to ask."""
    users = get_user_model().objects.filter(is_active=True)
    found = users.filter(Q(is_superuser=True) | Q(groups__name=ADMINS)).distinct()
    return list(found.order_by("username").values_list("username", flat=True)[:limit])
