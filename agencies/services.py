"""Write side of agencies: API tokens, the record of admin imports, deactivating a user."""

from __future__ import annotations

import hashlib
import logging
import secrets
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from import_export.results import RowResult

from roadmap_portal.storage import display_file_name

from .models import AdminImport, ApiToken, User

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "rmp_"


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Creates a token and returns it with its key; the key is not stored and not shown again."""
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name.strip(), prefix=key[:10], key_hash=token_hash(key))
    token.full_clean()
    token.save()
    return token, key


def api_token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def admin_import_record(
    *, user: User, model_label: str, content: bytes, file_name: str, result: Any
) -> AdminImport:
    """Keeps the file and the outcome of one admin import (outside the import's transaction)."""
    totals = result.totals
    failed = result.has_errors() or result.has_validation_errors()
    record = AdminImport(
        user=user if user.is_authenticated else None,
        model_label=model_label,
        file_name=display_file_name(file_name, max_length=300),
        sha256=hashlib.sha256(content).hexdigest(),
        rows_new=0 if failed else totals.get(RowResult.IMPORT_TYPE_NEW, 0),
        rows_updated=0 if failed else totals.get(RowResult.IMPORT_TYPE_UPDATE, 0),
        rows_skipped=totals.get(RowResult.IMPORT_TYPE_SKIP, 0),
        rows_error=totals.get(RowResult.IMPORT_TYPE_ERROR, 0)
        + totals.get(RowResult.IMPORT_TYPE_INVALID, 0),
        succeeded=not failed,
    )
    stored_name = file_name.rsplit("/", 1)[-1][-100:] or "import"
    record.file.save(stored_name, ContentFile(content), save=False)
    record.save()
    logger.info(
        "admin import of %s by %s: %s (sha256 %s), %s",
        model_label,
        record.user,
        file_name,
        record.sha256,
        "written" if record.succeeded else "refused",
    )
    return record


def user_deactivate(*, user: User) -> bool:
    """Deactivates an account in place of deleting it (`agencies.history`): it can no longer
    sign in and its API tokens stop working (`ApiToken.objects.active`), while every history
    keeps its name. True when it was active."""
    changed = User.objects.filter(pk=user.pk, is_active=True).update(is_active=False)
    user.is_active = False
    return bool(changed)
