from agencies import access
from agencies.choices import Role


def navigation(request):
    """What the navigation shows: each role sees only what it may use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    admin = access.is_admin(user)
    return {
        "nav": {
            "measures": True,
            "admin": admin or user.is_staff,
            "spans_regions": access.spans_regions(user),
            "is_staff_role": user.role == Role.STAFF,
            "is_coordinator": user.role == Role.COORDINATOR,
            "is_analyst": user.role == Role.ANALYST,
        }
    }
