from .models import Alert


def alerts(request):
    """The open-alert count of the navigation: one COUNT query, only for signed-in users."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"open_alert_count": Alert.objects.visible_to(user).open().count()}
