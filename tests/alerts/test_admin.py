import datetime as dt

import pytest
from django.urls import reverse

from agencies.models import Agency, Region
from alerts.models import Alert, MaxChannel
from alerts.services import alerts_sync

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model", ["alert", "maxchannel", "delivery", "digestlog", "notificationoptout"]
)
def test_admin_pages(admin_client, seeded, model):
    alerts_sync(region=Region.objects.get(code="33"), on_date=dt.date(2025, 11, 1))
    MaxChannel.objects.create(
        agency=Agency.objects.get(code="so-minobr"), bot_token="t", chat_id="1"
    )
    response = admin_client.get(reverse(f"admin:alerts_{model}_changelist"))
    assert response.status_code == 200
    alert = Alert.objects.first()
    assert (
        admin_client.get(reverse("admin:alerts_alert_change", args=[alert.pk])).status_code == 200
    )


def test_anonymous_pages_do_not_count_alerts(client, seeded, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "nav-alert-count" not in response.content.decode()
