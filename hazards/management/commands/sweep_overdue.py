import datetime as dt

from django.core.management.base import BaseCommand, CommandParser

from hazards.services.overdue import overdue_sweep_all_tenants


class Command(BaseCommand):
    help = "Mark hazards past their deadline as overdue and send reminders and escalations (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=dt.date.fromisoformat, help="sweep as of this day (YYYY-MM-DD)")

    def handle(self, *args: object, date: dt.date | None = None, **options: object) -> None:
        result = overdue_sweep_all_tenants(today=date)
        self.stdout.write(
            f"{result.newly_overdue} hazards newly overdue, {result.notifications} notifications."
        )
