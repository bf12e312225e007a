"""Invariant 5 under generated input: random and malformed posts to every form never give a
5xx, and a refusal (4xx) changes nothing in the database."""

from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, inspect, literal, select, table, union_all

from evaluation.core.models import Role
from tests.invariants.test_role_boundaries import PUBLIC, _allowed, world  # noqa: F401

# Fields some views read from the raw form rather than through a form class.
RAW_FIELDS = {"rate", "r1", "c1", "r2"}
# Names that str.isdigit() takes for numbers and int() does not (superscripts, other scripts).
RAW_FIELDS |= {"r²", "c¹", "r١", "q²"}
RAW_FIELDS |= {"value", "feasibility", "adoption", "quality", "timeliness", "satisfaction"}
NASTY = [
    "",
    " ",
    "0",
    "-1",
    "1",
    "2",
    "99999999999999999999",
    "1e309",
    "NaN",
    "2026-02-30",
    "2026-11-23",
    "abc",
    "None",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\x00",
    "满意\x00",
    "１２３",
    "²",
    "١٢",
    "😀" * 3,
]


def _form_fields() -> set[str]:
    names, pending = set(), list(FlaskForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        names.update(name for name, _field in form()._unbound_fields or [])
    return names


def _fingerprint(db) -> tuple:
    """Row counts of every table, in one round trip: what a refusal must not move."""
    names = sorted(inspect(db.engine).get_table_names())
    counts = union_all(
        *(select(literal(name), func.count()).select_from(table(name)) for name in names)
    )
    return tuple(db.session.execute(counts).all())


def _posts(app, world):  # noqa: F811
    """Every rule that takes a POST, with real ids filled in."""
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and rule.endpoint != "auth.logout":
            yield rule.endpoint, rule.build({k: world[k] for k in rule.arguments})[1]


def _fuzz(client, db, url: str, forms) -> None:
    @given(data=forms)
    @settings(
        max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def post(data):
        before = _fingerprint(db)
        response = client.post(url, data=data)
        assert response.status_code < 500, (url, data, response.status_code)
        if 400 <= response.status_code < 500:
            db.session.rollback()
            assert _fingerprint(db) == before, (url, data)

    post()


def test_random_posts_to_every_form_never_fail_and_refusals_change_nothing(
    app,
    client,
    login_as,
    db,
    world,  # noqa: F811
):
    with app.test_request_context():
        fields = sorted(_form_fields() | RAW_FIELDS)
    values = st.one_of(
        st.sampled_from(NASTY), st.text(max_size=40), st.integers().map(str), st.just("长" * 6000)
    )
    forms = st.dictionaries(st.sampled_from(fields), values, max_size=10)
    posts = list(_posts(app, world))
    assert len(posts) > 30
    for endpoint, url in posts:
        allowed = _allowed(endpoint)
        if allowed != PUBLIC:
            login_as(Role.ADMIN if Role.ADMIN in allowed else allowed[0])
        _fuzz(client, db, url, forms)


def test_nul_characters_are_refused_in_paths_queries_and_forms(client, db):
    for response in (
        client.get("/api/v1/departments/A%00/report"),
        client.get("/suggestions/?unit=A%00"),
        client.post("/suggestions/track", data={"code": "ABC\x00"}),
    ):
        assert response.status_code == 400
    assert "无法处理的字符" in client.get("/suggestions/?unit=%00").get_data(as_text=True)
