"""Settings of the benchmark's `collectstatic` only: the production settings, with the
static files hashed into the same manifest (the names every page links to) but not
compressed.

Compressing them (Brotli and gzip, `whitenoise.storage.CompressedManifestStaticFilesStorage`)
is ~40 s of CPU on two cores, and no figure reads a static file: the pages and the load
test request HTML only, whose links come from the manifest, identical in both storages.
The gunicorn the benchmark starts runs the production settings unchanged.
"""

from __future__ import annotations

from roadmap_portal import settings as _production

globals().update({name: value for name, value in vars(_production).items() if name.isupper()})

STORAGES = {
    **_production.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
