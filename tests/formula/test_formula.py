"""The formula parser and evaluator, without any backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.formula import EvaluationError, FormulaError, UnknownField, compile_formula

FIELDS = {
    "Name": "singleLineText",
    "Status": "singleSelect",
    "Hours": "number",
    "Rate": "currency",
    "Due": "date",
    "Start": "dateTime",
    "Done": "checkbox",
    "Tags": "multipleSelects",
    "Project Name": "singleLineText",
}
RECORD = {
    "Name": "Alpha Project",
    "Status": "Done",
    "Hours": 3,
    "Rate": 50,
    "Due": "2024-05-01",
    "Start": "2024-04-29T12:00:00.000Z",
    "Tags": ["web", "urgent"],
    "Project Name": "Site",
}


def value(text: str, record: dict | None = None) -> object:
    return compile_formula(text, FIELDS).evaluate(RECORD if record is None else record)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{Hours} * {Rate}", 150),
        ("Hours + 2 * 3", 9),
        ("(Hours + 2) * 3", 15),
        ("-Hours + 1", -2),
        ("{Hours} / 2", 1.5),
        ("{Name} & ' (' & {Hours} & 'h)'", "Alpha Project (3h)"),
        ("{Project Name} = 'Site'", True),
        ("Status != 'Done'", False),
        ("Status <> 'Todo'", True),
        ("Hours >= 3", True),
        ("Hours < '10'", True),
        ("AND(Hours > 1, OR(Status = 'Todo', Status = 'Done'))", True),
        ("NOT(Done)", True),
        ("Done = FALSE()", True),
        ("IF(Hours > 2, 'big', 'small')", "big"),
        ("IF(Hours > 5, 'big')", None),
        ("FIND('Pro', Name)", 7),
        ("FIND('pro', Name)", 0),
        ("SEARCH('pro', Name)", 7),
        ("SEARCH('zzz', Name)", None),
        ("FIND('urgent', Tags) > 0", True),
        ("LEN(Name)", 13),
        ("LOWER(Status) & UPPER('x')", "doneX"),
        ("{Nothing Here} = BLANK()", UnknownField),
        ("BLANK() = ''", True),
        ("{Due} < '2024-06-01'", True),
        ("{Due} = '2024-05-01'", True),
        ("{Start} < {Due}", True),
        ("{Due} - {Start}", 1.5),
        ("{Due} + 30 = '2024-05-31'", True),
        ("DATETIME_DIFF({Due}, {Start}, 'hours')", 36),
        ("DATETIME_DIFF('2024-07-01', {Due}, 'months')", 2),
        ("IS_AFTER({Due}, {Start})", True),
        ("IS_BEFORE({Due}, TODAY())", True),
        ("TRUE", True),
        ("1 / 0", EvaluationError),
    ],
)
def test_evaluates(text: str, expected: object) -> None:
    if isinstance(expected, type):
        with pytest.raises(expected):
            value(text)
    else:
        assert value(text) == expected


def test_blank_fields() -> None:
    blank: dict = {}
    assert value("{Hours} = BLANK()", blank) is True
    assert value("{Hours} = 0", blank) is True  # a blank number is 0, as in Airtable
    assert value("{Name} = ''", blank) is True
    assert value("Hours + 1", blank) == 1
    assert compile_formula("{Due} < TODAY()", FIELDS).matches(blank) is False


def test_today_is_a_date() -> None:
    recent = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()
    assert value("DATETIME_DIFF(TODAY(), {Due}, 'days')", {"Due": recent}) == 3


def test_errors_do_not_match() -> None:
    formula = compile_formula("{Name} * 2 > 1", FIELDS)
    assert formula.matches(RECORD) is False
    assert compile_formula("1 / 0", FIELDS).matches(RECORD) is False


@pytest.mark.parametrize(
    ("text", "pos", "expected"),
    [
        ("", 1, "an expression"),
        ("AND({Status} = ", 16, "a value, a field or a function"),
        ("Hours > ", 9, "a value, a field or a function"),
        ("(Hours > 1", 11, "')'"),
        ("Hours 1", 7, "an operator or the end of the formula"),
        ("'open", 1, "a closing '"),
        ("{Status", 1, "a closing }"),
        ("{} = 1", 1, "a field name inside {}"),
        ("FOO(1)", 1, "a known function"),
        ("NOT(1, 2)", 1, "1 arguments to NOT"),
        ("IF(1)", 1, "2 to 3 arguments to IF"),
        ("AND()", 1, "1 or more arguments to AND"),
        ("AND(1,)", 7, "a value, a field or a function"),
        ("Hours # 2", 7, "an operator, a value or a field"),
        ("1..2", 1, "a number"),
    ],
)
def test_bad_formulas_say_where_and_what(text: str, pos: int, expected: str) -> None:
    with pytest.raises(FormulaError) as err:
        compile_formula(text, FIELDS)
    assert (err.value.pos, err.value.expected) == (pos, expected)
    assert f"at position {pos}: expected {expected}" in str(err.value)


def test_unknown_fields_are_named() -> None:
    for text in ("{Nope} = 1", "Nope", "AND(Hours > 1, {Nope})"):
        with pytest.raises(UnknownField, match="unknown field 'Nope'"):
            compile_formula(text, FIELDS)


def test_a_formula_is_never_executed_as_anything_else() -> None:
    # Quotes and SQL-looking text are just string values.
    formula = compile_formula('{Name} = "x\'; DROP TABLE records; --"', FIELDS)
    assert formula.matches(RECORD) is False
    assert formula.matches({"Name": "x'; DROP TABLE records; --"}) is True


@pytest.mark.parametrize(
    "text",
    [
        "(" * 100 + "1" + ")" * 100,
        "NOT(" * 40 + "TRUE()" + ")" * 40,
        "-" * 40 + "1",
        "+".join(["1"] * 150),
    ],
)
def test_formulas_nested_too_deep_are_refused_before_they_exhaust_the_stack(text: str) -> None:
    with pytest.raises(FormulaError, match=r"^nested more than \d+ (levels|operations)"):
        compile_formula(text, FIELDS)


def test_formulas_nested_up_to_the_limit_still_work() -> None:
    assert value("(" * 32 + "{Hours}" + ")" * 32) == 3
    assert value("+".join(["1"] * 90)) == 90
