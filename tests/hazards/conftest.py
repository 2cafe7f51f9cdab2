import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from hazards.models import Criterion, Hazard
from hazards.services import hazard_confirm, hazard_handover, hazard_plan, hazard_report
from hazards.standards import standards_load


@pytest.fixture
def standards(db: None) -> None:
    # Loaded by a migration, but a transactional test's flush may have emptied the table since.
    standards_load()


@pytest.fixture
def chem_criterion(standards: None) -> Criterion:
    return Criterion.objects.get(standard__key="hazardous-chemicals-2017", number="3")


def png_bytes(size: tuple[int, int] = (8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def photo(name: str = "site.png", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes() if content is None else content, content_type="image/png")


@pytest.fixture
def ledger(world: Any, chem_criterion: Criterion) -> Any:
    """Builders for hazards of tenant A's chemical enterprise at each point of the loop."""
    w = world.a

    class Ledger:
        criterion = chem_criterion

        def reported(self, **fields: Any) -> Hazard:
            defaults = {
                "title": "储罐区未设紧急切断",
                "description": "一级重大危险源储罐未设置紧急切断装置",
                "location": "东区储罐区",
            }
            return hazard_report(actor=w.officer, enterprise=w.enterprise, **{**defaults, **fields})

        def confirmed(self, level: str = "major") -> Hazard:
            return hazard_confirm(
                actor=w.inspector,
                hazard=self.reported(),
                level=level,
                criterion=chem_criterion if level == "major" else None,
            )

        def handed_over(self) -> Hazard:
            return hazard_handover(
                actor=w.committee, hazard=self.confirmed(), region=w.city, departments=[w.department]
            )

        def rectifying(self, level: str = "major") -> Hazard:
            hazard = self.handed_over() if level == "major" else self.confirmed("general")
            return hazard_plan(
                actor=w.officer,
                hazard=hazard,
                responsible_person="周明远",
                measures="加装紧急切断阀",
                funds=Decimal(200000),
                deadline=timezone.localdate() + dt.timedelta(days=30),
                contingency_plan="停用该储罐并倒罐",
            )

    return Ledger()
