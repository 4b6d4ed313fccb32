"""FastSelect renders exactly what Django's Select renders, in a fraction of the time."""

from __future__ import annotations

import pytest
from django import forms
from django.core.cache import cache

from agencies.models import Region
from agencies.widgets import VersionedSelect
from roadmap_portal.widgets import FastSelect


def test_same_html_as_django_select():
    choices = [
        ("", "---------"),
        (1, "Министерство «Образования» & <науки>"),
        (2, 'ГБОУ "Школа № 5"'),
        (30, "Департамент"),
    ]
    for value in (None, "", 2, "30", 7):
        for attrs in (None, {"id": "id_agency", "class": "wide", "required": True}):
            plain = forms.Select(choices=choices).render("agency", value, attrs)
            fast = FastSelect(choices=choices).render("agency", value, attrs)
            assert fast == plain


def test_same_html_in_a_bound_model_filter(db, seeded):
    from agencies.models import Agency

    class Plain(forms.Form):
        agency = forms.ModelChoiceField(Agency.objects.order_by("pk")[:50])

    class Fast(forms.Form):
        agency = forms.ModelChoiceField(Agency.objects.order_by("pk")[:50], widget=FastSelect)

    pk = Agency.objects.order_by("pk").values_list("pk", flat=True)[3]
    assert str(Plain({"agency": pk})["agency"]) == str(Fast({"agency": pk})["agency"])


# --- the options cached under the national data version (PAGE_CACHE_SECONDS on) ------------


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 900
    cache.clear()
    yield
    cache.clear()


def test_cached_options_render_what_django_renders(db, seeded, page_cache):
    from agencies.models import Agency

    pks = list(Agency.objects.order_by("pk").values_list("pk", flat=True)[:50])
    for value in (None, "", pks[3], pks[-1], 10**9):
        for _hit in range(2):  # the first render fills the cache, the second reads it
            plain = forms.ModelChoiceField(Agency.objects.order_by("pk")[:50])
            fast = forms.ModelChoiceField(
                Agency.objects.order_by("pk")[:50], widget=VersionedSelect
            )
            attrs = {"id": "id_agency"}
            assert fast.widget.render("agency", value, attrs) == plain.widget.render(
                "agency", value, attrs
            )


def test_cached_options_follow_every_write_and_every_scope(
    db, seeded, page_cache, personas, django_capture_on_commit_callbacks
):
    from agencies import dataversion
    from agencies.models import Agency
    from roadmaps.filters import MeasureFilterSet

    def options(user, field):
        return str(MeasureFilterSet({}, user=user).form[field])

    agency = Agency.objects.visible_to(personas.coordinator).one_per_body().first()
    assert "Переименованное ведомство" not in options(personas.coordinator, "agency")
    Agency.objects.filter(pk=agency.pk).update(name="Переименованное ведомство")
    with django_capture_on_commit_callbacks(execute=True):
        dataversion.bump(everything=True)  # what every write to reference data does
    assert "Переименованное ведомство" in options(personas.coordinator, "agency")
    # each scope its own options: the coordinator's region only, every region for the analyst
    mine, country = options(personas.coordinator, "region"), options(personas.analyst, "region")
    assert mine.count("<option") == 2  # «все» and their region
    assert country.count("<option") == Region.objects.count() + 1
