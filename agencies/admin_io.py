"""The one base of every admin page with import and export (django-import-export).

* Import and export need their own permissions (`<app>.import_<model>`,
  `<app>.export_<model>`; settings `IMPORT_EXPORT_IMPORT_PERMISSION_CODE` /
  `..._EXPORT_PERMISSION_CODE`): a staff user who may only view a model gets 403.
* Exports go through the neutralising formats of `roadmap_portal.import_formats`.
* Every confirmed import is recorded (`AdminImport`): who, when, the file and the counts.
* A file that cannot be read gets a Russian message, never the exception's name.
"""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _
from import_export.admin import ImportExportModelAdmin

from roadmap_portal.import_formats import EXPORT_FORMATS, IMPORT_FORMATS

from .services import admin_import_record

logger = logging.getLogger(__name__)


class PortalImportExportAdmin(ImportExportModelAdmin):
    import_formats = IMPORT_FORMATS
    export_formats = EXPORT_FORMATS

    def add_data_read_fail_error_to_form(self, form, e):
        logger.info("admin import: unreadable file (%s: %s)", type(e).__name__, e)
        form.add_error(
            "import_file",
            _("Файл не удалось прочитать: проверьте, что выбран его формат (CSV или XLSX)."),
        )

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
