from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = "Органы власти и организации"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.backends.signals import connection_created

        from roadmap_portal.middleware import start_idle_clock
        from roadmap_portal.search import register_sqlite

        # the idle timeout counts from the login (no session write on the first page)
        user_logged_in.connect(start_idle_clock, dispatch_uid="portal-idle-clock")
        # the lowest app: every later query may search with roadmap_portal.search.Folded
        connection_created.connect(register_sqlite, dispatch_uid="portal_fold")
        # an edit in the admin (stages, targets, measures, …: each writes a LogEntry) may
        # change any page: every data version moves (agencies.dataversion)
        from django.contrib.admin.models import LogEntry
        from django.db.models.signals import post_save

        from .dataversion import bump_after_admin_edit

        post_save.connect(bump_after_admin_edit, sender=LogEntry, dispatch_uid="dataversion-admin")
        # a deployment (`migrate` runs at each one) may compute the cached figures differently
        from django.db.models.signals import post_migrate

        from .dataversion import bump_after_migrate

        post_migrate.connect(bump_after_migrate, sender=self, dispatch_uid="dataversion-migrate")
