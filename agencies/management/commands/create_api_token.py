"""Creates an API token for a user and prints its key once (CI, scripts, first setup)."""

from django.core.management.base import CommandError

from agencies.commands import PortalCommand
from agencies.models import User
from agencies.services import api_token_create


class Command(PortalCommand):
    help = "Создаёт токен API пользователя и печатает ключ (он не хранится и не покажется снова)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="командная строка", help="назначение токена")

    def handle(self, *args, username, name, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"Нет активного пользователя «{username}».")
        _token, key = api_token_create(user=user, name=name)
        self.stdout.write(key)
