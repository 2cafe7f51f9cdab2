"""Exports of the filtered ledger: what the user filtered, nothing from outside their scope, Excel-ready."""

import csv
import io

from openpyxl import load_workbook


def test_csv_export_has_the_filtered_rows_with_a_bom_and_chinese_intact(world, client, ledger) -> None:
    major = ledger.confirmed()
    general = ledger.reported(title="动火作业未办理作业票")
    client.force_login(world.a.committee)
    response = client.get("/ledger/export.csv", {"level": "major"}, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Code", "Enterprise", "Credit code"]
    codes = [row[0] for row in rows[1:]]
    assert codes == [major.code]
    assert general.code not in body
    assert world.a.enterprise.name in body


def test_xlsx_export_opens_and_holds_the_rows_in_the_users_language(world, client, ledger) -> None:
    hazards = [ledger.reported() for _ in range(3)]
    client.force_login(world.a.officer)
    response = client.get("/ledger/export.xlsx", headers={"Accept-Language": "zh-hans"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "隐患编号"
    assert {row[0] for row in rows[1:]} == {hazard.code for hazard in hazards}


def test_exports_never_include_rows_outside_the_scope(world, client, ledger) -> None:
    hazard = ledger.reported()
    client.force_login(world.b.admin)
    body = b"".join(client.get("/ledger/export.csv").streaming_content).decode("utf-8")
    assert hazard.code not in body
    client.force_login(world.a.outsider)
    body = b"".join(client.get("/ledger/export.csv").streaming_content).decode("utf-8")
    assert hazard.code not in body
