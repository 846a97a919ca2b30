"""The three roles and their permissions. Groups are created by migration 0003."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

EDITORS = "Editors"
REVIEWERS = "Reviewers"
ADMINS = "Admins"


def sync_admin_permissions(**kwargs) -> None:
    """Give Admins every permission, including those of models added after the groups were."""
    admins, _ = Group.objects.get_or_create(name=ADMINS)
    admins.permissions.set(Permission.objects.all())
