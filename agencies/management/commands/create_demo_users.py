from agencies.commands import PortalCommand
from agencies.demo import demo_users_create


class Command(PortalCommand):
    help = "Создаёт демонстрационных пользователей (по одному на роль) и печатает их пароли."

    def handle(self, *args, **options):
        users = demo_users_create()
        self.stdout.write("Демонстрационные пользователи (логин / пароль / роль):")
        for demo in users:
            self.stdout.write(f"  {demo.username:<10} {demo.password:<16} {demo.description}")
