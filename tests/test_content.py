"""Content checks on the Markdown sources and the built pages (markdown-it-py based)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.front_matter import front_matter_plugin

from forms_api.modules import REQUIRED_KEYS, front_matter, load_modules
from forms_api.settings import PROJECT_ROOT

CONTENT = PROJECT_ROOT / "content"
SNIPPETS = PROJECT_ROOT / "snippets"
HELP_BOX = '--8<-- "help-box.md"'

MODULE_SECTIONS = ["学习目标", "核心内容", "案例与讨论", "实操练习", "自我检测", "延伸阅读与依据"]
ACTIVITY_SECTIONS = ["活动目标", "对象", "时长", "材料", "步骤", "安全提示", "评估方式"]
# Topics the issue requires the module set to cover (slug -> what it is about).
REQUIRED_MODULES = {
    "policy", "development", "early-warning", "gatekeeper", "first-aid", "crisis-referral",
    "confidentiality", "talk-skills", "key-students", "psych-committee", "group-counseling",
    "assessment-data", "home-school", "self-care",
}
REQUIRED_GUIDANCE = {"primary", "junior", "senior", "teachers", "parents"}
REQUIRED_ACTIVITIES = {"awareness-month", "psychodrama", "group-sessions", "club",
                       "committee-training"}
# Minimum Chinese characters of body text per kind of page: no stubs.
MIN_CHARS = {"module": 1500, "guidance": 1500, "activity": 1500, "help": 800, "index": 150}
APPROVED_NUMBERS = {"12356", "12355", "110", "120"}

_md = MarkdownIt("commonmark").enable("table").use(front_matter_plugin)


def _pages(folder: str) -> list[Path]:
    return sorted((CONTENT / folder).glob("*.md"))


def _h2(text: str) -> list[str]:
    tokens = _md.parse(text)
    return [tokens[i + 1].content.strip() for i, t in enumerate(tokens)
            if t.type == "heading_open" and t.tag == "h2"]


def _chinese_chars(text: str) -> int:
    return len(re.findall(r"[\u4e00-\u9fff]", text))


def _kind(page: Path) -> str:
    if page.name == "index.md":
        return "index"
    return {"training": "module", "guidance": "guidance", "activities": "activity",
            "help": "help"}.get(page.parent.name, "page")


def test_required_modules_exist() -> None:
    assert set(load_modules(CONTENT)) >= REQUIRED_MODULES, "a required training module is missing"


def _module_pages() -> list[Path]:
    return [p for p in _pages("training") if "slug" in front_matter(p.read_text("utf-8"))]


@pytest.mark.parametrize("page", _module_pages(), ids=lambda p: p.stem)
def test_module_front_matter_and_sections(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    meta = front_matter(text)
    assert all(key in meta for key in REQUIRED_KEYS), meta
    assert meta["objectives"] and meta["audience"]
    headings = _h2(text)
    assert [h for h in headings if h in MODULE_SECTIONS] == MODULE_SECTIONS, headings
    self_check = text.split("## 自我检测", 1)[1].split("\n## ", 1)[0]
    assert re.search(r'^\?\?\?\+? \w+ "参考答案"', self_check, re.M), "answers must be collapsible"
    cases = text.split("## 案例与讨论", 1)[1].split("\n## ", 1)[0]
    assert "虚构" in cases, "cases must say they are fictional composites"


def test_modules_listed_by_the_api_match_the_pages() -> None:
    assert set(load_modules(CONTENT)) == {p.stem for p in _module_pages()}


def test_required_guidance_and_activities_exist() -> None:
    assert {p.stem for p in _pages("guidance")} >= REQUIRED_GUIDANCE
    assert {p.stem for p in _pages("activities")} >= REQUIRED_ACTIVITIES
    assert (CONTENT / "help/index.md").is_file()


@pytest.mark.parametrize("page", _pages("guidance") + _pages("activities"),
                         ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_guidance_and_activity_pages_show_the_help_box(page: Path) -> None:
    assert HELP_BOX in page.read_text(encoding="utf-8")


@pytest.mark.parametrize("page", [p for p in _pages("activities") if p.name != "index.md"],
                         ids=lambda p: p.stem)
def test_activity_plans_have_every_part(page: Path) -> None:
    headings = _h2(page.read_text(encoding="utf-8"))
    missing = [s for s in ACTIVITY_SECTIONS if s not in headings]
    assert not missing, f"{page.name} lacks {missing}"


def test_help_box_is_one_shared_snippet() -> None:
    box = (SNIPPETS / "help-box.md").read_text(encoding="utf-8")
    assert "12356" in box and "110" in box and "120" in box
    first_line = box.strip().splitlines()[2].strip()
    for page in CONTENT.rglob("*.md"):
        assert first_line not in page.read_text(encoding="utf-8"), f"{page} copies the help box"


def test_help_page_says_the_site_never_diagnoses() -> None:
    text = (CONTENT / "help/index.md").read_text(encoding="utf-8")
    assert "12356" in text and "诊断" in text


@pytest.mark.parametrize("page", [p for folder in ("training", "guidance", "activities", "help")
                                  for p in _pages(folder)
                                  if folder != "training" or p.name == "index.md"
                                  or p in _module_pages()],  # not the schedule page
                         ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_no_stub_pages(page: Path) -> None:
    kind = _kind(page)
    assert _chinese_chars(page.read_text(encoding="utf-8")) >= MIN_CHARS[kind], kind


_PHONE_PATTERNS = [
    re.compile(r"(?<!\d)0\d{2,3}[-\s]?\d{7,8}(?!\d)"),          # landline with area code
    re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)"),                     # mainland mobile
    re.compile(r"(?<!\d)[48]00[-\s]?\d{3}[-\s]?\d{4}(?!\d)"),     # 400/800 service numbers
    re.compile(r"(?<![\d,.-])\d{7,8}(?![\d,.-])"),                # bare local numbers
    re.compile(r"(?:热线|电话|拨打|致电|号码)[^\d\n]{0,6}(\d[\d-]{1,12}\d)(?![\d年月日号名人个次岁%])"),
]


def _phone_numbers(text: str) -> set[str]:
    found: set[str] = set()
    for pattern in _PHONE_PATTERNS:
        for match in pattern.finditer(text):
            number = match.group(match.lastindex or 0)
            if number not in APPROVED_NUMBERS and not re.fullmatch(r"(?:19|20)\d\d", number):
                found.add(number)
    return found


def test_phone_number_check_catches_numbers() -> None:
    assert _phone_numbers("请拨打 0391-1234567 或 13800138000，热线 962525") == {
        "0391-1234567", "13800138000", "962525"}
    assert not _phone_numbers("拨打 12356；紧急时拨打 110 或 120；共 20,594 名，2024 年")


@pytest.mark.parametrize("page", sorted(CONTENT.rglob("*.md")) + sorted(SNIPPETS.glob("*.md")),
                         ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_no_phone_numbers_but_the_approved_hotlines(page: Path) -> None:
    assert not _phone_numbers(page.read_text(encoding="utf-8"))


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"] or "")
        if tag == "a" and values.get("href"):
            self.hrefs.append(values["href"] or "")


def _parse(page: Path) -> _Links:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def test_internal_links_and_anchors_resolve(built_site: Path) -> None:
    parsed: dict[Path, _Links] = {}
    broken = []
    for page in sorted(built_site.rglob("*.html")):
        links = parsed.setdefault(page, _parse(page))
        for href in links.hrefs:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith(("mailto:", "tel:")):
                continue
            if parts.path.startswith("/"):
                continue  # server routes (/api, /admin); checked by the app tests
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                if target.suffix in ("", ".html"):
                    broken.append(f"{page.relative_to(built_site)} -> {href}")
                continue
            if parts.fragment and target.suffix == ".html":
                ids = parsed.setdefault(target, _parse(target)).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{page.relative_to(built_site)} -> {href} (no anchor)")
    assert not broken, broken
