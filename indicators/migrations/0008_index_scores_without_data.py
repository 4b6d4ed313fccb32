"""A region with neither an index input nor a monitoring week has no index («нет данных» in
the ranking), and the recompute no longer stores a score for it. Scores stored before as
0 points for such a region are removed: the API's history and the dashboards read them as a
real total. A stored score is one of no data when none of its criteria had an input (every
input's value null, no monitoring week), as the recompute wrote it."""

from django.db import migrations


def had_no_data(criteria: dict) -> bool:
    for criterion in criteria.values():
        for value in (criterion.get("inputs") or {}).values():
            if isinstance(value, dict):
                if value.get("value") is not None:
                    return False
            elif value is not None:
                return False
    return True


def drop_scores_without_data(apps, schema_editor):
    IndexScore = apps.get_model("indicators", "IndexScore")
    gone = [
        pk
        for pk, criteria in IndexScore.objects.values_list("pk", "criteria").iterator(2000)
        if had_no_data(criteria or {})
    ]
    for start in range(0, len(gone), 2000):
        IndexScore.objects.filter(pk__in=gone[start : start + 2000]).delete()


class Migration(migrations.Migration):
    dependencies = [("indicators", "0007_approval_week_approval")]

    operations = [migrations.RunPython(drop_scores_without_data, migrations.RunPython.noop)]
