"""The roster, the quotas and the draw: refusals, personal data at rest, quotas met, nobody
invited twice, and a draw anyone can replay from the seed."""

import csv
import io
from collections import Counter

import pytest
from sqlalchemy import inspect, select

from evaluation.campaign.imports import ImportRefused, read_table
from evaluation.campaign.models import VenueKind
from evaluation.core.errors import Conflict, Refused
from evaluation.core.models import AuditEvent
from representatives.draw import Person, Stratum, plan, run_draw
from representatives.models import Candidate, DrawPlace, Quota, Representative, categories_of
from representatives.personal import open_phone
from representatives.review import replace_invitee
from representatives.roster import import_quotas, import_roster

DISTRICTS = ("市南区", "崂山区")
CATEGORIES = ("人大代表", "社区居民")


def _csv(rows: list[list[str]], header: list[str], encoding: str = "utf-8") -> list[dict]:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return read_table("f.csv", io.BytesIO(out.getvalue().encode(encoding)), 50_000)


ROSTER_HEADER = ["编号", "姓名", "类别", "区市", "性别", "年龄段", "手机", "身份证号"]


def _people(n: int = 120) -> list[list[str]]:
    """n candidates spread over the two districts and two categories, each with a phone and
    an ID number (made-up, valid in form)."""
    return [
        [
            f"P{i:05}",
            f"候选人{i}",
            CATEGORIES[i % 2],
            DISTRICTS[(i // 2) % 2],
            "男" if i % 3 else "女",
            "35-49",
            f"139{i:08}",
            f"37020219800101{i:04}",
        ]
        for i in range(n)
    ]


QUOTAS = [
    [group, venue, category, count]
    for group in ("1", "2")
    for venue, count in (("市级主会场", "3"), ("市南区分会场", "5"), ("崂山区分会场", "5"))
    for category in CATEGORIES
]


def _ready(db, campaign, people=None):
    import_roster(db.session, campaign, _csv(people or _people(), ROSTER_HEADER), "statistics")
    import_quotas(
        db.session, campaign, _csv(QUOTAS, ["组别", "会场", "类别", "人数"]), "statistics"
    )


def test_a_roster_with_bad_rows_imports_nothing_and_names_every_row(db, event):
    rows = _people(4) + [
        ["P00001", "重复编号", "人大代表", "市南区", "", "", "", ""],
        ["P9", "", "外星人", "市南区", "未知", "10-20", "12345", "123"],
        ["P10", "同一人", "人大代表", "崂山区", "", "", "", "370202198001010000"],
    ]
    with pytest.raises(ImportRefused) as refused:
        import_roster(db.session, event, _csv(rows, ROSTER_HEADER), "statistics")
    named = {(e.row, e.column) for e in refused.value.errors}
    assert {(6, "编号"), (7, "姓名"), (7, "类别"), (7, "性别"), (7, "年龄段")} <= named
    assert {(7, "手机"), (7, "身份证号"), (8, "身份证号")} <= named
    assert db.session.query(Candidate).count() == 0
    with pytest.raises(ImportRefused) as missing:
        import_roster(db.session, event, _csv([["1"]], ["编号"]), "statistics")
    assert {e.column for e in missing.value.errors} == {"姓名", "类别", "区市"}
    # Excel in China saves CSV as GBK: read as well as UTF-8.
    added, _updated = import_roster(db.session, event, _csv(_people(3), ROSTER_HEADER, "gbk"), "s")
    assert added == 3


def test_a_copied_database_holds_no_phone_and_no_id_number(app, db, event):
    people = _people(10)
    _ready(db, event, people)
    db.session.commit()
    with db.engine.connect() as connection:
        dump = " ".join(
            repr(connection.exec_driver_sql(f'SELECT * FROM "{table}"').fetchall())
            for table in inspect(db.engine).get_table_names()
        )
    for row in people:
        assert row[6] not in dump and row[7] not in dump  # phone, ID number
    candidate = db.session.execute(
        select(Candidate).where(Candidate.person_id == "P00003")
    ).scalar()
    assert open_phone(candidate.phone_sealed) == people[3][6] and candidate.phone_tail == "0003"


def test_the_draw_meets_every_quota_invites_nobody_twice_and_replays_from_the_seed(db, event):
    _ready(db, event)
    drawn = run_draw(db.session, event, "20261205", "statistics")
    invited = db.session.execute(select(Representative)).scalars().all()
    assert len(invited) == sum(int(q[3]) for q in QUOTAS) == 52
    assert all(d.short == 0 for d in drawn)
    assert len({r.candidate_id for r in invited}) == 52  # nobody in two meetings
    assert len({r.invitation_code for r in invited}) == 52
    by_stratum = Counter((r.meeting_id, r.venue_id, r.category) for r in invited)
    assert set(by_stratum.values()) == {3, 5}
    venues = {v.id: v for v in event.venues}
    for r in invited:  # a district venue invites its own district's people
        venue = venues[r.venue_id]
        assert venue.kind == VenueKind.MAIN or r.district == venue.district
    # Anyone with the roster's public columns, the quotas and the seed gets the same draw.
    people = [
        Person(c.person_id, c.category, c.district)
        for c in db.session.execute(select(Candidate)).scalars()
    ]
    strata = [
        Stratum(int(g), v, venue.district, venue.kind == VenueKind.MAIN, c, int(n))
        for g, v, c, n in QUOTAS
        for venue in event.venues
        if venue.name == v
    ]
    replay = plan(people, strata, categories_of(event), "20261205")
    stored = {
        (p.meeting_id, p.venue_id, p.category, p.position): p.candidate.person_id
        for p in db.session.execute(select(DrawPlace)).scalars()
    }
    replayed = {}
    meetings = {m.group.number: m.id for m in (g.meeting for g in event.groups)}
    by_name = {v.name: v.id for v in event.venues}
    for d in replay:
        s = d.stratum
        for position, person in enumerate(d.invited + d.reserves, start=1):
            replayed[(meetings[s.group], by_name[s.venue], s.category, position)] = person
    assert replayed == stored
    other = plan(people, strata, categories_of(event), "20261206")
    assert [d.invited for d in other] != [d.invited for d in drawn]
    assert db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "representatives.draw")
    ).scalar()
    with pytest.raises(Conflict):
        run_draw(db.session, event, "1", "statistics")  # drawn once
    with pytest.raises(Conflict):
        import_roster(db.session, event, _csv(_people(2), ROSTER_HEADER), "statistics")


def test_a_pool_smaller_than_its_quota_is_all_invited_and_the_shortfall_reported(db, event):
    _ready(db, event, _people(30))
    drawn = run_draw(db.session, event, "7", "statistics")
    assert sum(d.short for d in drawn) > 0
    invited = db.session.query(Representative).count()
    assert invited + sum(d.short for d in drawn) == 52 and invited <= 30


def test_a_seed_that_is_not_a_number_is_refused(db, event):
    _ready(db, event)
    with pytest.raises(Refused, match="随机种子"):
        run_draw(db.session, event, "lucky", "statistics")
    assert db.session.query(Representative).count() == 0


def test_the_command_line_imports_draws_and_exports_an_audited_list(runner, db, event, tmp_path):
    db.session.commit()
    roster, quotas = tmp_path / "roster.csv", tmp_path / "quotas.csv"
    people = _people()
    with roster.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([ROSTER_HEADER, *people])
    with quotas.open("w", encoding="gbk", newline="") as f:
        csv.writer(f).writerows([["组别", "会场", "类别", "人数"], *QUOTAS])
    bad = tmp_path / "bad.csv"
    bad.write_text("编号,姓名,类别,区市\nX1,张三,外星人,市南区\n", encoding="utf-8")
    refused = runner.invoke(args=["representatives", "import", str(bad)])
    assert refused.exit_code == 1 and "第 2 行，类别" in refused.output
    for args in (["import", str(roster)], ["quotas", str(quotas)]):
        result = runner.invoke(args=["representatives", *args])
        assert result.exit_code == 0, result.output
    drawn = runner.invoke(args=["representatives", "draw", "--seed", "0812"])
    assert drawn.exit_code == 0 and "invited 52" in drawn.output
    out = tmp_path / "meeting1.csv"
    exported = runner.invoke(
        args=["representatives", "export", "--meeting", "1", "--out", str(out)]
    )
    assert exported.exit_code == 0, exported.output
    lines = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert lines[0][-2:] == ["手机", "邀请码"] and len(lines) == 1 + 26
    phones = {p[6] for p in people}
    assert all(line[7] in phones for line in lines[1:])
    for output in (refused.output, drawn.output, exported.output):
        assert not any(phone in output for phone in phones)
    db.session.expire_all()
    export_event = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "representatives.export")
    ).scalar()
    assert export_event is not None and not any(phone in export_event.detail for phone in phones)


def test_quotas_divided_by_sex_draw_each_sex_and_a_replacement_keeps_the_stratum(db, event):
    import_roster(db.session, event, _csv(_people(), ROSTER_HEADER), "statistics")
    by_sex = [
        ["1", "市南区分会场", "社区居民", "男", "", "3"],
        ["1", "市南区分会场", "社区居民", "女", "", "2"],
        ["1", "市南区分会场", "人大代表", "", "", "4"],
    ]
    import_quotas(
        db.session, event, _csv(by_sex, ["组别", "会场", "类别", "性别", "年龄段", "人数"]), "s"
    )
    run_draw(db.session, event, "99", "statistics")
    invited = db.session.execute(select(Representative)).scalars().all()
    candidates = {c.id: c for c in db.session.execute(select(Candidate)).scalars()}
    residents = Counter(candidates[r.candidate_id].sex for r in invited if r.category == "社区居民")
    assert residents == {"男": 3, "女": 2}
    # The replay needs each candidate's sex and age band too, and gives the same places.
    people = [
        Person(c.person_id, c.category, c.district, c.sex or "", c.age_band or "")
        for c in candidates.values()
    ]
    venue = next(v for v in event.venues if v.name == "市南区分会场")
    strata = [
        Stratum(1, venue.name, venue.district, False, c, int(n), sex, age)
        for _g, _v, c, sex, age, n in by_sex
    ]
    replayed = {
        (d.stratum.category, d.stratum.sex, position): person
        for d in plan(people, strata, categories_of(event), "99")
        for position, person in enumerate(d.invited + d.reserves, start=1)
    }
    stored = {
        (p.category, p.sex, p.position): p.candidate.person_id
        for p in db.session.execute(select(DrawPlace)).scalars()
    }
    assert replayed == stored
    woman = next(
        r for r in invited if r.category == "社区居民" and candidates[r.candidate_id].sex == "女"
    )
    incoming = replace_invitee(db.session, woman.id, venue.id, "已迁出本区", "district")
    assert candidates[incoming.candidate_id].sex == "女"


def test_a_venue_category_divided_two_ways_is_refused_and_named(db, event):
    mixed = [
        ["1", "市南区分会场", "社区居民", "男", "", "3"],
        ["1", "市南区分会场", "社区居民", "", "", "2"],
        ["1", "崂山区分会场", "社区居民", "未知", "", "2"],
    ]
    with pytest.raises(ImportRefused) as refused:
        import_quotas(
            db.session,
            event,
            _csv(mixed, ["组别", "会场", "类别", "性别", "年龄段", "人数"]),
            "statistics",
        )
    named = {(e.row, e.column) for e in refused.value.errors}
    assert named == {(3, "类别"), (4, "性别")}
    assert db.session.execute(select(Quota)).first() is None
