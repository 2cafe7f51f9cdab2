import datetime as dt

from django.core.management.base import BaseCommand, CommandParser

from hazards.services.receipts import receipts_escalate_all_tenants


class Command(BaseCommand):
    help = "Escalate handover receipts past their deadline, unacknowledged, to the committee above (once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=dt.date.fromisoformat, help="sweep as of this day (YYYY-MM-DD)")

    def handle(self, *args: object, date: dt.date | None = None, **options: object) -> None:
        result = receipts_escalate_all_tenants(today=date)
        self.stdout.write(f"{result.escalated} receipts escalated, {result.notifications} notifications.")
