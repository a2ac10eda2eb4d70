"""Hypothesis strategies: records of a table with a field of every type, and formulas
over them, for checking the SQL path against the Python evaluator."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from hypothesis import strategies as st

FIELDS = {
    "Name": "singleLineText",
    "Notes": "multilineText",
    "Count": "number",
    "Price": "currency",
    "Stars": "rating",
    "Done": "checkbox",
    "Due": "date",
    "At": "dateTime",
    "Status": "singleSelect",
    "Tags": "multipleSelects",
}
# Text that hits the semantics: blanks as 0, case, Unicode case folding, numbers as text.
SPECIAL_TEXT = [
    *("0", " 0 ", "0.0", "-0", "0,0", "٠", "abc", "ABC", "Abc", "ß", "SS", "ΑΣ", "ς"),
    *("Ꭰ", "ꭰ", "İ", "ﬁ", "5", "10", "1,000", " x ", "2024-05-01", "\u00a0"),
]
TEXT = st.one_of(
    st.sampled_from(SPECIAL_TEXT),
    st.sampled_from(SPECIAL_TEXT),
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=6),
)
NUMBER = st.one_of(
    st.integers(-1000, 1000), st.floats(-1e6, 1e6, allow_nan=False), st.sampled_from([0, 0.5])
)
DAY = st.dates(date(1990, 1, 1), date(2030, 12, 31))
MOMENT = st.datetimes(datetime(1990, 1, 1), datetime(2030, 12, 31)).map(
    lambda d: d.replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"
)
CHOICES = ["Done", "done", "Todo", "0", "A, B"]
VALUES: dict[str, st.SearchStrategy[Any]] = {
    "singleLineText": TEXT,
    "multilineText": TEXT,
    "number": NUMBER,
    "currency": NUMBER,
    "rating": st.integers(1, 5),
    "checkbox": st.just(True),
    "date": DAY.map(date.isoformat),
    "dateTime": MOMENT,
    "singleSelect": st.sampled_from(CHOICES),
    "multipleSelects": st.lists(st.sampled_from(CHOICES), min_size=1, max_size=3, unique=True),
}


@st.composite
def record(draw: st.DrawFn) -> dict[str, Any]:
    fields = {}
    for name, type_ in FIELDS.items():
        if draw(st.booleans()):
            value = draw(VALUES[type_])
            if value not in ("", None):
                fields[name] = value
    return fields


def quoted(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


LEAVES = st.one_of(
    st.sampled_from([f"{{{name}}}" for name in FIELDS]),
    st.sampled_from(["0", "1", "5", "2.5", "1000", "TRUE()", "FALSE()", "BLANK()"]),
    st.one_of(st.sampled_from(SPECIAL_TEXT + ["", "2024-05-01", "2024-05-01T10:00:00Z"]), TEXT).map(
        quoted
    ),
)
OPERATORS = ["=", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "&"]
ONE = ["NOT", "LEN", "LOWER", "UPPER", "TRIM", "VALUE"]
TWO = ["FIND", "SEARCH", "IS_BEFORE", "IS_AFTER", "CONCATENATE"]


def _grow(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, st.sampled_from(OPERATORS), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        st.tuples(st.sampled_from(ONE), inner).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(st.sampled_from(TWO), inner, inner).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
        st.tuples(st.sampled_from(["FIND", "SEARCH"]), inner, inner, st.integers(-1, 8)).map(
            lambda t: f"{t[0]}({t[1]}, {t[2]}, {t[3]})"
        ),
        st.tuples(st.sampled_from(["AND", "OR"]), st.lists(inner, min_size=1, max_size=3)).map(
            lambda t: f"{t[0]}({', '.join(t[1])})"
        ),
        st.tuples(inner, inner, inner).map(lambda t: f"IF({t[0]}, {t[1]}, {t[2]})"),
        st.tuples(inner, inner).map(lambda t: f"IF({t[0]}, {t[1]})"),
        inner.map(lambda t: f"-{t}"),
    )


FIELD = st.sampled_from([f"{{{name}}}" for name in FIELDS])
CONSTANT = st.one_of(
    st.sampled_from(["0", "1", "5", "2.5", "TRUE()", "BLANK()"]),
    st.sampled_from([*SPECIAL_TEXT, "", "2024-05-01", "2024-05-01T10:00:00Z"]).map(quoted),
)
TEXT_FUNCTION = st.sampled_from(["LOWER", "UPPER", "TRIM", "LEN"])
# A field against a constant, maybe through a text function: where the semantics live.
SIMPLE = st.one_of(
    st.tuples(FIELD, st.sampled_from(OPERATORS[:6]), CONSTANT).map(" ".join),
    st.tuples(TEXT_FUNCTION, FIELD, st.sampled_from(OPERATORS[:6]), CONSTANT).map(
        lambda t: f"{t[0]}({t[1]}) {t[2]} {t[3]}"
    ),
    st.tuples(st.sampled_from(["FIND", "SEARCH"]), CONSTANT, FIELD).map(
        lambda t: f"{t[0]}({t[1]}, {t[2]})"
    ),
    st.tuples(FIELD, st.sampled_from(OPERATORS[:6]), FIELD).map(" ".join),
)
FORMULAS = st.one_of(
    SIMPLE,
    st.lists(SIMPLE, min_size=1, max_size=3).map(lambda parts: f"AND({', '.join(parts)})"),
    st.recursive(st.one_of(LEAVES, SIMPLE), _grow, max_leaves=8),
)
SORTS = st.lists(st.tuples(st.sampled_from(list(FIELDS)), st.booleans()), min_size=1, max_size=3)
