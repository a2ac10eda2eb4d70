"""One behavioural suite, run on both backends: local PostgreSQL and the Airtable API."""

from __future__ import annotations

import pytest

from services.airtable.domain import Airtable
from services.airtable.model import Field, TableSpec
from services.runtime.errors import AlreadyExists, InvalidArgument, NotFound, PermissionDenied
from services.runtime.identity import Caller
from tests.airtable.conftest import caller

PROJECTS = TableSpec(
    "Projects",
    "what we work on",
    [
        Field("", "Name", "singleLineText"),
        Field(
            "", "Status", "singleSelect", options={"choices": [{"name": "Todo"}, {"name": "Done"}]}
        ),
        Field("", "Hours", "number", options={"precision": 1}),
        Field("", "Due", "date"),
        Field("", "Billable", "checkbox"),
    ],
)
ROWS = [
    {"Name": "Alpha", "Status": "Done", "Hours": 5, "Due": "2024-01-10", "Billable": True},
    {"Name": "Beta", "Status": "Todo", "Hours": 2.5, "Due": "2024-03-01"},
    {"Name": "Gamma", "Status": "Done", "Hours": 8, "Due": "2024-02-15"},
    {"Name": "Delta", "Status": "Todo", "Hours": 1},
    {"Name": "Epsilon", "Status": "Done", "Hours": 3, "Billable": True},
]


async def new_base(airtable: Airtable, who: Caller) -> tuple[str, str]:
    base, tables = await airtable.create_base(who, "Agency", [PROJECTS], "")
    return base.id, tables[0].id


async def filled(airtable: Airtable, who: Caller) -> tuple[str, str]:
    base_id, table_id = await new_base(airtable, who)
    await airtable.create_records(who, base_id, table_id, ROWS, False, "")
    return base_id, table_id


async def names(
    airtable: Airtable, who: Caller, base: str, table: str, **query: object
) -> list[str]:
    params: dict = {
        "formula": "",
        "sort": [],
        "fields": [],
        "view": "",
        "page_size": 0,
        "page_token": "",
    }
    params.update(query)
    found, _ = await airtable.list_records(who, base, table, **params)
    return [r.fields.get("Name", "") for r in found]


async def test_base_tables_and_fields(airtable: Airtable) -> None:
    who = caller()
    base, tables = await airtable.create_base(who, "Agency", [PROJECTS], "")
    assert base.id.startswith("app") and len(base.id) == 17
    assert [f.name for f in tables[0].fields] == ["Name", "Status", "Hours", "Due", "Billable"]
    assert tables[0].primary_field_id == tables[0].fields[0].id
    table = await airtable.create_table(
        who, base.id, TableSpec("People", "", [Field("", "Email", "email")])
    )
    field = await airtable.create_field(who, base.id, "People", Field("", "Rate", "currency"))
    assert field.id.startswith("fld") and field.options["symbol"] == "$"
    schema = await airtable.get_schema(who, base.id)
    assert [t.name for t in schema] == ["Projects", "People"]
    assert [f.name for f in schema[1].fields] == ["Email", "Rate"] and schema[1].id == table.id
    assert schema[0].views and schema[0].views[0].id.startswith("viw")
    with pytest.raises(AlreadyExists):
        await airtable.create_table(who, base.id, TableSpec("people", "", [Field("", "X", "url")]))
    with pytest.raises(InvalidArgument, match="fields\\[0\\].type: must be one of"):
        await airtable.create_table(who, base.id, TableSpec("T", "", [Field("", "X", "blob")]))
    listed, token = await airtable.list_bases(who, 0, "")
    assert (
        [b.id for b in listed] == [base.id]
        and token == ""
        and listed[0].backend == airtable.backend.name
    )


async def test_idempotent_base_and_records(airtable: Airtable) -> None:
    who = caller()
    first, _ = await airtable.create_base(who, "Once", [PROJECTS], "req-base")
    again, tables = await airtable.create_base(who, "Once", [PROJECTS], "req-base")
    assert again.id == first.id and tables[0].name == "Projects"
    made = await airtable.create_records(who, first.id, "Projects", ROWS[:2], False, "req-rec")
    replay = await airtable.create_records(who, first.id, "Projects", ROWS[:2], False, "req-rec")
    assert [r.id for r in replay] == [r.id for r in made]
    assert len(await names(airtable, who, first.id, "Projects")) == 2


async def test_records_crud(airtable: Airtable) -> None:
    who = caller()
    base, table = await new_base(airtable, who)
    made = await airtable.create_records(who, base, table, ROWS, False, "")
    assert [r.fields["Name"] for r in made] == [row["Name"] for row in ROWS]
    assert all(r.id.startswith("rec") for r in made)
    got = await airtable.get_record(who, base, "Projects", made[0].id)
    assert got.fields["Hours"] == 5 and got.fields["Billable"] is True
    updated = await airtable.update_records(
        who, base, table, [(made[0].id, {"Hours": 6})], False, False
    )
    assert updated[0].fields["Hours"] == 6 and updated[0].fields["Name"] == "Alpha"
    assert (await airtable.get_record(who, base, table, made[0].id)).fields["Hours"] == 6
    replaced = await airtable.update_records(
        who, base, table, [(made[1].id, {"Name": "B"})], False, True
    )
    assert replaced[0].fields == {"Name": "B"}
    deleted = await airtable.delete_records(who, base, table, [made[2].id, made[3].id])
    assert deleted == [made[2].id, made[3].id]
    with pytest.raises(NotFound):
        await airtable.get_record(who, base, table, made[2].id)
    assert await names(airtable, who, base, table) == ["Alpha", "B", "Epsilon"]
    with pytest.raises(NotFound):
        await airtable.delete_records(who, base, table, [made[4].id, made[2].id])
    assert len(await names(airtable, who, base, table)) == 3


async def test_list_filter_sort_fields_and_pages(airtable: Airtable) -> None:
    who = caller()
    base, table = await filled(airtable, who)
    done = await names(airtable, who, base, table, formula="AND({Status} = 'Done', {Hours} > 3)")
    assert done == ["Alpha", "Gamma"]
    by_hours = await names(airtable, who, base, table, sort=["Hours desc"])
    assert by_hours == ["Gamma", "Alpha", "Epsilon", "Beta", "Delta"]
    two_keys = await names(airtable, who, base, table, sort=["Status", "Name desc"])
    assert two_keys == ["Gamma", "Epsilon", "Alpha", "Delta", "Beta"]
    dates = await names(
        airtable, who, base, table, formula="IS_BEFORE({Due}, '2024-02-20')", sort=["Due"]
    )
    assert dates == ["Alpha", "Gamma"]
    assert await names(
        airtable, who, base, table, formula="OR(FIND('lta', Name), NOT(Billable) = 0)"
    ) == [
        "Alpha",
        "Delta",
        "Epsilon",
    ]
    assert await names(airtable, who, base, table, formula="{Hours} * 2 - 1 > 9") == ["Gamma"]
    found, _ = await airtable.list_records(
        who,
        base,
        table,
        formula="",
        sort=[],
        fields=["Hours"],
        view="Grid view",
        page_size=0,
        page_token="",
    )
    assert all(set(r.fields) == {"Hours"} for r in found)
    seen, token, pages = [], "", 0
    while True:
        page, token = await airtable.list_records(
            who,
            base,
            table,
            formula="",
            sort=["Name"],
            fields=[],
            view="",
            page_size=2,
            page_token=token,
        )
        seen += [r.fields["Name"] for r in page]
        pages += 1
        if not token:
            break
    assert seen == sorted(str(row["Name"]) for row in ROWS) and pages == 3


async def test_bad_formulas_and_fields(airtable: Airtable) -> None:
    who = caller()
    base, table = await filled(airtable, who)
    with pytest.raises(InvalidArgument, match="position 16: expected a value") as err:
        await names(airtable, who, base, table, formula="AND({Status} = ")
    assert err.value.violations[0][0] == "filter_by_formula"
    with pytest.raises(InvalidArgument, match="unknown field 'Nope'"):
        await names(airtable, who, base, table, formula="{Nope} > 1")
    with pytest.raises(InvalidArgument, match="sort\\[0\\]: unknown field 'Cost'"):
        await names(airtable, who, base, table, sort=["Cost desc"])
    with pytest.raises(InvalidArgument, match="unknown field 'Nope'"):
        await airtable.create_records(who, base, table, [{"Nope": 1}], False, "")
    with pytest.raises(
        InvalidArgument, match="records\\[0\\].fields.Hours: expected a number for a number"
    ):
        await airtable.create_records(who, base, table, [{"Hours": "lots"}], False, "")
    with pytest.raises(InvalidArgument, match="page_token"):
        await names(airtable, who, base, table, page_token="forged")
    assert len(await names(airtable, who, base, table)) == len(ROWS)


async def test_eleven_records_refused_nothing_stored(airtable: Airtable) -> None:
    who = caller()
    base, table = await new_base(airtable, who)
    with pytest.raises(InvalidArgument, match="at most 10 records"):
        await airtable.create_records(
            who, base, table, [{"Name": str(i)} for i in range(11)], False, ""
        )
    with pytest.raises(InvalidArgument, match="at most 10 records"):
        await airtable.delete_records(who, base, table, ["recAAAAAAAAAAAAAA"] * 11)
    # one bad record among good ones: none is written
    with pytest.raises(InvalidArgument, match="records\\[2\\]"):
        await airtable.create_records(
            who, base, table, [{"Name": "a"}, {"Name": "b"}, {"Hours": True}], False, ""
        )
    assert await names(airtable, who, base, table) == []


async def test_typecast(airtable: Airtable) -> None:
    who = caller()
    base, table = await new_base(airtable, who)
    with pytest.raises(InvalidArgument, match="Status: expected one of the choices"):
        await airtable.create_records(who, base, table, [{"Status": "Blocked"}], False, "")
    made = await airtable.create_records(
        who, base, table, [{"Hours": "3", "Status": "Blocked"}], True, ""
    )
    assert made[0].fields["Hours"] == 3 and made[0].fields["Status"] == "Blocked"
    schema = await airtable.get_schema(who, base)
    status = schema[0].field_named("Status")
    assert status is not None and "Blocked" in [c["name"] for c in status.options["choices"]]


async def test_other_tenant_sees_nothing(airtable: Airtable) -> None:
    owner, stranger = caller(), caller()
    base, table = await filled(airtable, owner)
    record = (
        await airtable.list_records(
            owner, base, table, formula="", sort=[], fields=[], view="", page_size=1, page_token=""
        )
    )[0][0]
    assert (await airtable.list_bases(stranger, 0, ""))[0] == []
    for attempt in (
        airtable.get_schema(stranger, base),
        names(airtable, stranger, base, table),
        airtable.get_record(stranger, base, table, record.id),
        airtable.create_records(stranger, base, table, [{"Name": "x"}], False, ""),
        airtable.update_records(stranger, base, table, [(record.id, {"Name": "x"})], False, False),
        airtable.delete_records(stranger, base, table, [record.id]),
        airtable.create_field(stranger, base, table, Field("", "X", "number")),
    ):
        with pytest.raises(NotFound):
            await attempt
    assert (await airtable.get_record(owner, base, table, record.id)).fields["Name"] == "Alpha"


async def test_tenant_viewers_never_write(airtable: Airtable) -> None:
    """Refused before any workspace role is asked (tests/e2e/test_base_roles.py has the
    workspace roles: a workspace viewer reads, a member writes)."""
    owner = caller()
    base, table = await filled(airtable, owner)
    viewer = caller(owner.tenant_id, "viewer")
    with pytest.raises(PermissionDenied):
        await airtable.create_records(viewer, base, table, [{"Name": "x"}], False, "")
    with pytest.raises(PermissionDenied):
        await airtable.delete_base(viewer, base)
    assert len(await names(airtable, owner, base, table)) == len(ROWS)
