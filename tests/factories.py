"""factory_boy factories for the directory, and the uploads tests send. Credit codes are generated valid
(GB 32100 check character)."""

import io
from typing import Any

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from organizations.models import Department, Enterprise, Membership, User
from organizations.validators import credit_code_check_character


def valid_credit_code(sequence: int, region_code: str = "210211") -> str:
    body = f"91{region_code}{sequence:09d}"
    return body + credit_code_check_character(body)


def png_bytes(size: tuple[int, int] = (8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def photo(name: str = "site.png", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes() if content is None else content, content_type="image/png")


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.gov.cn")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-1")

    @factory.post_generation
    def persist_password(obj: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            obj.save()


class DepartmentFactory(factory.django.DjangoModelFactory[Department]):
    class Meta:
        model = Department
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"测试部门{n}")
    tenant = factory.LazyAttribute(lambda department: department.region.tenant)

    @factory.post_generation
    def industries(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        if create and extracted:
            self.industries.set(extracted)


class EnterpriseFactory(factory.django.DjangoModelFactory[Enterprise]):
    class Meta:
        model = Enterprise
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    credit_code = factory.LazyAttributeSequence(
        lambda enterprise, n: valid_credit_code(n, enterprise.region.code)
    )
    tenant = factory.LazyAttribute(lambda enterprise: enterprise.region.tenant)
    region_path = factory.LazyAttribute(lambda enterprise: enterprise.region.path)
    address = "测试路1号"

    @factory.post_generation
    def industries(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        if create and extracted:
            self.industries.set(extracted)


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    tenant = factory.LazyAttribute(lambda membership: membership.user.tenant)


def acceptance(**overrides: Any) -> dict[str, Any]:
    """The on-site acceptance a major hazard's verification needs to close it (hazard_verify's fields)."""
    fields: dict[str, Any] = {
        "participants": [
            {"name": "陈建国", "role": "inspector", "unit": "一市应急管理局"},
            {"name": "刘志强", "role": "expert", "unit": "省安全生产专家库"},
        ],
        "method": "on_site",
        "conclusion": "经现场核查，紧急切断阀已安装并联锁，同意销号",
    }
    return {**fields, **overrides}


def acceptance_form() -> dict[str, Any]:
    """The same acceptance as the verify form's fields (participant rows, method, conclusion)."""
    fields = acceptance()
    rows: list[dict[str, str]] = fields["participants"]
    return {
        "participants-name": [row["name"] for row in rows],
        "participants-role": [row["role"] for row in rows],
        "participants-unit": [row["unit"] for row in rows],
        "method": fields["method"],
        "conclusion": fields["conclusion"],
    }
