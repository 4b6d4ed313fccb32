"""The one base of every admin page with import and export (django-import-export).

* Import and export need their own permissions (`<app>.import_<model>`,
  `<app>.export_<model>`; settings `IMPORT_EXPORT_IMPORT_PERMISSION_CODE` /
  `..._EXPORT_PERMISSION_CODE`): a staff user who may only view a model gets 403.
* Exports go through the neutralising formats of `roadmap_portal.import_formats`.
* Every confirmed import is recorded (`AdminImport`): who, when, the file and the counts.
* A file that cannot be read gets a Russian message, never the exception's name; row errors
  show their message only when it is the portal's own (Russian) text, never a traceback.
"""

from __future__ import annotations

import logging
import re

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from import_export.admin import ImportExportModelAdmin
from import_export.forms import ImportForm

from roadmap_portal.formfields import CappedFileField
from roadmap_portal.import_formats import EXPORT_FORMATS, IMPORT_FORMATS

from . import dataversion
from .services import admin_import_record

logger = logging.getLogger(__name__)
CYRILLIC = re.compile("[а-яёА-ЯЁ]")


def _safe_error(error) -> None:
    """Keeps the portal's own Russian message of an import error; anything else (a Python or
    database text) is logged and replaced by a Russian one; the traceback is never shown."""
    message = str(error.error)
    if not CYRILLIC.search(message):
        logger.info("admin import: row error %r", error.error)
        if isinstance(error.error, ObjectDoesNotExist):
            message = _("Не найден связанный объект: проверьте коды в строке.")
        else:
            message = _("Значение не распознано: проверьте строку.")
    error.error = ValueError(message)
    error.__dict__["traceback"] = ""  # a cached_property of the library: nothing to show


class PortalImportForm(ImportForm):
    """The admin's import form: the file's cap (`ADMIN_IMPORT_MAX_BYTES`) before it is read."""

    import_file = CappedFileField(kind="admin_import", label=_("Файл для импорта"))


class PortalImportExportAdmin(ImportExportModelAdmin):
    import_formats = IMPORT_FORMATS
    export_formats = EXPORT_FORMATS
    import_form_class = PortalImportForm

    def add_data_read_fail_error_to_form(self, form, e):
        logger.info("admin import: unreadable file (%s: %s)", type(e).__name__, e)
        form.add_error(
            "import_file",
            _("Файл не удалось прочитать: проверьте, что выбран его формат (CSV или XLSX)."),
        )

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        result = (getattr(response, "context_data", None) or {}).get("result")
        if result is not None:
            for error in result.base_errors:
                _safe_error(error)
            for _line, errors in result.row_errors():
                for error in errors:
                    _safe_error(error)
        return response

    def process_import(self, request, **kwargs):
        """The confirm step. Its form carries the chosen format's index and the name of the
        file kept between the two steps; a tampered or stale confirmation (an unknown
        format, a file already gone) raised inside django-import-export (a 500). It now
        sends the user back to the upload page with a Russian message."""
        try:
            return super().process_import(request, **kwargs)
        except (ValueError, IndexError, KeyError, FileNotFoundError) as exc:
            logger.info("admin import: confirmation refused (%s: %s)", type(exc).__name__, exc)
            messages.error(
                request,
                _("Подтверждение импорта устарело или повреждено: загрузите файл ещё раз."),
            )
            opts = self.model._meta
            return redirect(f"admin:{opts.app_label}_{opts.model_name}_import")

    def process_dataset(self, dataset, form, request, **kwargs):
        result = super().process_dataset(dataset, form, request, **kwargs)
        content, name = self._imported_file(form)
        admin_import_record(
            user=request.user,
            model_label=self.model._meta.label_lower,
            content=content,
            file_name=name,
            result=result,
        )
        if not result.has_errors():  # reference data may be on any page
            dataversion.bump(everything=True)
        return result

    def _imported_file(self, form) -> tuple[bytes, str]:
        """The bytes and the original name of the file being imported (either admin flow)."""
        data = form.cleaned_data
        upload = data.get("import_file")
        if upload is not None:  # one-step import (IMPORT_EXPORT_SKIP_ADMIN_CONFIRM)
            upload.seek(0)
            return upload.read(), upload.name
        input_format = self.get_import_formats()[int(data["format"])](encoding=self.from_encoding)
        tmp_storage = self.get_tmp_storage_class()(
            name=data["import_file_name"],
            encoding=None if input_format.is_binary() else self.from_encoding,
            read_mode=input_format.get_read_mode(),
            **self.get_tmp_storage_class_kwargs(),
        )
        content = tmp_storage.read()
        if isinstance(content, str):
            content = content.encode(self.from_encoding or "utf-8")
        return content, data.get("original_file_name") or data["import_file_name"]
