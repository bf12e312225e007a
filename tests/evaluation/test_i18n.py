"""Chinese by default with no extra step; English on request; every string in the catalog."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "evaluation" / "translations" / "en" / "LC_MESSAGES"
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}


def test_a_fresh_visit_is_in_chinese(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="zh-CN"' in page and "工作人员登录" in page


def test_the_language_switch_shows_english_and_back(client):
    response = client.get("/lang/en?next=/login")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in page and "Staff login" in page and "工作人员登录" not in page
    client.get("/lang/zh?next=/login")
    assert "工作人员登录" in client.get("/login").get_data(as_text=True)


def test_the_language_switch_never_redirects_off_site(client):
    for target in ("https://evil.example/", "//evil.example/"):
        response = client.get("/lang/en", query_string={"next": target})
        assert response.headers["Location"] == "/"


def test_error_pages_follow_the_language(client):
    assert "页面不存在" in client.get("/no-such-page").get_data(as_text=True)
    client.get("/lang/en")
    assert "Page not found" in client.get("/no-such-page").get_data(as_text=True)


def _extracted_messages() -> set[str]:
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_user_visible_string_has_an_english_translation():
    with (CATALOG / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    translated = {m.id for m in catalog if m.id and m.string}
    missing = _extracted_messages() - translated
    assert not missing, f"run pybabel extract/update and translate: {sorted(missing)[:10]}"


def test_the_compiled_catalog_matches_its_source():
    with (CATALOG / "messages.po").open("rb") as handle:
        source = {m.id: m.string for m in read_po(handle) if m.id}
    with (CATALOG / "messages.mo").open("rb") as handle:
        compiled = {m.id: m.string for m in read_mo(handle) if m.id}
    assert compiled == source, "run: pybabel compile -d evaluation/translations"
