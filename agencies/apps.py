from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = "Органы власти и организации"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from roadmap_portal.middleware import start_idle_clock

        # the idle timeout counts from the login (no session write on the first page)
        user_logged_in.connect(start_idle_clock, dispatch_uid="portal-idle-clock")
