"""The benchmark collects the static files with the production settings but one: the
storage hashes them into the same manifest without compressing them."""

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from django.utils.module_loading import import_string
from whitenoise.storage import CompressedManifestStaticFilesStorage


def test_the_bench_collects_the_production_manifest_uncompressed():
    from bench import collect_settings
    from roadmap_portal import settings as production

    names = [name for name in vars(production) if name.isupper()]
    differing = {n for n in names if getattr(collect_settings, n) != getattr(production, n)}
    assert differing == {"STORAGES"}
    assert collect_settings.STORAGES["default"] == production.STORAGES["default"]
    backend = import_string(collect_settings.STORAGES["staticfiles"]["BACKEND"])
    assert backend is ManifestStaticFilesStorage
    # the production storage is this one, plus compression after the hashing
    assert issubclass(CompressedManifestStaticFilesStorage, backend)
