from agencies import access


def navigation(request):
    """What the navigation shows: each user sees only what the access rules let them use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav": {
            "measures": True,
            "admin": access.can_use_admin(user),
            "spans_regions": access.spans_regions(user),
            "dashboards": access.has_reporting_role(user),
            "reports": access.can_export(user),
        }
    }
