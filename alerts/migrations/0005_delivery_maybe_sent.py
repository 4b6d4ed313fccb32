from django.db import migrations, models

# the reason the outbox wrote for a message whose sender was lost mid-send, as of 0004
LOST_SENDER = (
    "Отправка прервалась (обработчик остановлен); неизвестно, дошло ли сообщение, поэтому "
    "повторно не отправляем, чтобы оно не пришло дважды."
)


def mark_lost(apps, schema_editor):
    Delivery = apps.get_model("alerts", "Delivery")
    Delivery.objects.filter(status="failed", reason=LOST_SENDER).update(maybe_sent=True)


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0004_digest_claim_outbox_reasons"),
    ]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="maybe_sent",
            field=models.BooleanField(default=False, verbose_name="могло дойти"),
        ),
        migrations.RunPython(mark_lost, migrations.RunPython.noop),
    ]
