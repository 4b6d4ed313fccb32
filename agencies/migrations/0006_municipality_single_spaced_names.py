"""Municipality names stored with other white space than one plain space between words
(a double or no-break space, spaces at the edges: stored before names were single-spaced
by the monitoring import, `roadmap_portal.tables.single_spaced`) take their single-spaced
spelling, unless another municipality of the region already has it: such a pair is one
municipality split in two and is left for a person to merge (the import matches the
single-spaced one)."""

import re

from django.db import migrations

_SPACE_RUN = re.compile(r"\s+")  # tables.single_spaced, as of this migration


def single_space_names(apps, schema_editor):
    Municipality = apps.get_model("agencies", "Municipality")
    taken: set[tuple[int, str]] = set()
    odd = []
    for municipality in Municipality.objects.order_by("id"):
        taken.add((municipality.region_id, municipality.name))
        spaced = _SPACE_RUN.sub(" ", municipality.name).strip()
        if spaced != municipality.name:
            odd.append((municipality, spaced))
    for municipality, spaced in odd:
        if (municipality.region_id, spaced) in taken:
            continue
        taken.add((municipality.region_id, spaced))
        municipality.name = spaced
        municipality.save(update_fields=["name"])


class Migration(migrations.Migration):
    dependencies = [("agencies", "0005_history_keeps_who")]

    operations = [migrations.RunPython(single_space_names, migrations.RunPython.noop)]
