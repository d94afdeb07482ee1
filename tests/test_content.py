"""Content checks on the Markdown sources and the built pages (markdown-it-py based)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.front_matter import front_matter_plugin

from forms_api.modules import REQUIRED_KEYS, front_matter, load_module, load_modules
from forms_api.settings import PROJECT_ROOT, Settings
from tests.content_support import (
    CONTENT,
    case_names,
    module_pages,
    pages,
    section,
)

SNIPPETS = PROJECT_ROOT / "snippets"
HELP_BOX = '--8<-- "help-box.md"'

MODULE_SECTIONS = ["学习目标", "核心内容", "案例与讨论", "实操练习", "自我检测", "延伸阅读与依据"]
ACTIVITY_SECTIONS = ["活动目标", "对象", "时长", "材料", "步骤", "安全提示", "评估方式"]
# Topics the issue requires the module set to cover (slug -> what it is about).
REQUIRED_MODULES = {
    "policy", "development", "early-warning", "gatekeeper", "first-aid", "crisis-referral",
    "confidentiality", "talk-skills", "key-students", "psych-committee", "group-counseling",
    "assessment-data", "home-school", "self-care",
    # second edition
    "bullying", "nssi", "postvention", "school-refusal", "special-needs", "lesson-design",
    "hotline",
}
REQUIRED_GUIDANCE = {"primary", "junior", "senior", "teachers", "parents"}
REQUIRED_ACTIVITIES = {"awareness-month", "psychodrama", "group-sessions", "club",
                       "committee-training"}
# Minimum Chinese characters of body text per kind of page: no stubs.
MIN_CHARS = {"module": 1500, "guidance": 1500, "activity": 1500, "help": 800, "index": 150}
APPROVED_NUMBERS = {"12356", "12355", "110", "120"}
# The city's own hotline, when the bureau has set it (shown beside 12356 by hooks/hotline.py).
if _local_line := Settings.from_env().hotline_number:
    APPROVED_NUMBERS.add(_local_line)

_md = MarkdownIt("commonmark").enable("table").use(front_matter_plugin)


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


_CASE = re.compile(r"^(?:\*\*|#{3,4} )案例", re.MULTILINE)
_NOTES = re.compile(r'^\?\?\?\+? note "讨论要点"', re.MULTILINE)
_LIST_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d+[.)])[ \t]", re.MULTILINE)


def _cases_without_notes(cases: str) -> list[str]:
    """Each case (a bold or heading line starting 案例) lacking its collapsible 讨论要点."""
    chunks = _CASE.split(cases)[1:]
    return [chunk.splitlines()[0] for chunk in chunks if not _NOTES.search(chunk)]


def test_case_notes_check_finds_a_case_without_notes() -> None:
    cases = ('**案例一：甲**\n\n讨论：\n\n1. 问\n\n??? note "讨论要点"\n\n    - 答\n\n'
             "**案例二：乙**\n\n讨论：\n\n1. 问\n")
    assert _cases_without_notes(cases) == ["二：乙**"]


@pytest.mark.parametrize("page", module_pages(), ids=lambda p: p.stem)
def test_module_front_matter_and_sections(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    meta = front_matter(text)
    assert all(key in meta for key in REQUIRED_KEYS), meta
    load_module(page)  # typed: positive hours, a date, non-empty lists of texts
    headings = _h2(text)
    assert [h for h in headings if h in MODULE_SECTIONS] == MODULE_SECTIONS, headings
    assert not _LIST_ITEM.search(section(text, "学习目标")), (
        "objectives are rendered from the front matter; remove the hand-written list")
    self_check = section(text, "自我检测")
    answers = re.search(r'^\?\?\?\+? \w+ "参考答案"', self_check, re.MULTILINE)
    assert answers, "answers must be collapsible"
    cases = section(text, "案例与讨论")
    assert "虚构" in cases, "cases must say they are fictional composites"
    assert _CASE.search(cases), "the section holds no case (a line starting **案例)"
    assert not _cases_without_notes(cases), "each case needs a ??? note \"讨论要点\" block"


def test_modules_listed_by_the_api_match_the_pages() -> None:
    assert set(load_modules(CONTENT)) == {p.stem for p in module_pages()}


def test_required_guidance_and_activities_exist() -> None:
    assert {p.stem for p in pages("guidance")} >= REQUIRED_GUIDANCE
    assert {p.stem for p in pages("activities")} >= REQUIRED_ACTIVITIES
    assert (CONTENT / "help/index.md").is_file()


def _form_pages() -> list[Path]:
    return [p for p in pages("forms") if p.name != "index.md"]


@pytest.mark.parametrize("page", module_pages() + pages("guidance") + pages("activities")
                         + _form_pages(),
                         ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_safety_pages_show_the_help_box(page: Path) -> None:
    assert HELP_BOX in page.read_text(encoding="utf-8")


@pytest.mark.parametrize("page", [p for p in pages("activities") if p.name != "index.md"],
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
                                  for p in pages(folder)
                                  if folder != "training" or p.name == "index.md"
                                  or p in module_pages()],  # not the schedule page
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


SERVER_ROUTES = ("/api/", "/admin")


def _broken_links(site: Path) -> list[str]:
    """Relative links between built pages whose page or #anchor does not exist."""
    parsed: dict[Path, _Links] = {}
    broken = []
    for page in sorted(site.rglob("*.html")):
        links = parsed.setdefault(page, _parse(page))
        for href in links.hrefs:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith(("mailto:", "tel:")):
                continue
            if parts.path.startswith(SERVER_ROUTES):
                continue  # answered by the app, not the site; checked by the app tests
            if parts.path.startswith("/"):
                target = (site / unquote(parts.path).lstrip("/")).resolve()
            else:
                target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                if target.suffix in ("", ".html"):
                    broken.append(f"{page.relative_to(site)} -> {href}")
                continue
            if parts.fragment and target.suffix == ".html":
                ids = parsed.setdefault(target, _parse(target)).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{page.relative_to(site)} -> {href} (no anchor)")
    return broken


def test_link_check_finds_missing_pages_and_anchors(tmp_path: Path) -> None:
    (tmp_path / "glossary").mkdir()
    (tmp_path / "glossary/index.html").write_text('<h3 id="siwei-yiti">四位一体</h3>', "utf-8")
    (tmp_path / "index.html").write_text(
        '<a href="glossary/#siwei-yiti">ok</a><a href="glossary/#yisheng-yice">x</a>'
        '<a href="missing/">x</a><a href="/api/trainings">server</a>'
        '<a href="/glossary/#siwei-yiti">ok</a><a href="/glossary/#yiyi">x</a>', "utf-8")
    assert _broken_links(tmp_path) == ["index.html -> glossary/#yisheng-yice (no anchor)",
                                       "index.html -> missing/",
                                       "index.html -> /glossary/#yiyi (no anchor)"]


def test_internal_links_and_anchors_resolve(built_site: Path) -> None:
    """Every link between pages and every #anchor resolves (glossary terms included)."""
    broken = _broken_links(built_site)
    assert not broken, broken


# Notes an author leaves for the next editor, which readers must never see.
DRAFTING_PHRASES = ("尚待核实", "尚待进一步核实", "有待核实", "有待与", "未能完整核对", "未能核对",
                    "尚未核对", "简报所据", "本简报", "通常认为自", "网络转载", "转载文本",
                    "请对照原文", "请以官方文本核对", "具体措辞请以", "待补充", "TODO")
_CONTENT_MD = sorted(CONTENT.rglob("*.md")) + sorted(SNIPPETS.glob("*.md"))


def _drafting_notes(text: str) -> list[str]:
    return [phrase for phrase in DRAFTING_PHRASES if phrase in text]


def test_drafting_note_check_finds_notes() -> None:
    assert _drafting_notes("本简报所据为网络转载文本。") == ["简报所据", "本简报", "网络转载", "转载文本"]
    assert not _drafting_notes("文件名称、文号和日期以发文机关公布的正式文本为准。")


@pytest.mark.parametrize("page", _CONTENT_MD, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_no_drafting_notes(page: Path) -> None:
    assert not _drafting_notes(page.read_text(encoding="utf-8"))


_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_ASCII_QUOTE_BY_CJK = re.compile(f'[{_CJK}]"|"[{_CJK}]')
# Admonition titles (!!! note "…") and snippet lines (--8<-- "…") are syntax, not text.
_BLOCK_HEADER = re.compile(r'^( *)(?:!!!|\?\?\?\+?) [\w-]+(?: +[\w-]+)*(?: +"[^"\n]*")? *$')  # type and classes
_SNIPPET = re.compile(r'^ *--8<-- ')


def _unwrap_blocks(text: str) -> str:
    """The Markdown with admonition headers dropped and their bodies dedented for CommonMark."""
    lines: list[str] = []
    open_headers: list[int] = []
    for line in text.splitlines():
        indent = len(line) - len(line.lstrip(" "))
        if line.strip():
            while open_headers and indent <= open_headers[-1]:
                open_headers.pop()
        header = _BLOCK_HEADER.match(line)
        if header or _SNIPPET.match(line):
            lines.append("")
            if header:
                open_headers.append(indent)
            continue
        depth = 4 * len(open_headers)
        lines.append(line[depth:] if line[:depth].strip() == "" else line.lstrip())
    return "\n".join(lines)


def _ascii_quotes(text: str) -> list[str]:
    """Runs of text (outside code and HTML) where an ASCII quote touches a CJK character."""
    found = []
    for token in _md.parse(_unwrap_blocks(text)):
        if token.type == "front_matter":
            runs = token.content.splitlines()
        elif token.type == "inline" and token.children:
            runs = ["".join(child.content if child.type == "text" else "\x00"
                            for child in token.children)]
        else:
            continue
        found += [run for run in runs if _ASCII_QUOTE_BY_CJK.search(run)]
    return found


def test_quote_check_finds_ascii_quotes_in_chinese_text() -> None:
    text = ('---\ntitle: 页面\n---\n\n他说"好"。\n\n??? note "讨论要点"\n\n    - 这里"不对"\n\n'
            '`"代码"` 与 <span title="提示">“正确”</span>\n\n```\n"代码块"\n```\n')
    assert _ascii_quotes(text) == ['他说"好"。', '这里"不对"']


@pytest.mark.parametrize("page", _CONTENT_MD, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_chinese_text_uses_one_quote_style(page: Path) -> None:
    assert not _ascii_quotes(page.read_text(encoding="utf-8")), "use “ ” in Chinese text"


FORM_SECTIONS = ("谁来填写", "何时填写", "由谁保管与保存期限", "不得写入的内容")


def _missing_form_sections(text: str) -> list[str]:
    headings = _h2(text)
    return [section for section in FORM_SECTIONS if section not in headings]


def test_form_section_check_finds_missing_sections() -> None:
    assert _missing_form_sections("# 表\n\n## 谁来填写\n\n## 何时填写\n") == [
        "由谁保管与保存期限", "不得写入的内容"]


@pytest.mark.parametrize("page", _form_pages(), ids=lambda p: p.stem)
def test_printable_forms_say_who_when_keep_and_never(page: Path) -> None:
    missing = _missing_form_sections(page.read_text(encoding="utf-8"))
    assert not missing, f"{page.name} lacks {missing}"


def test_case_name_check_reads_nicknames_not_common_words() -> None:
    assert case_names("## 案例与讨论\n\n初二学生小柯和阿哲分成小组，用了大小为四人的桌子。\n") == {
        "小柯", "阿哲"}


def test_cases_in_different_modules_use_different_names() -> None:
    seen: dict[str, str] = {}
    shared = []
    for page in module_pages():
        for name in sorted(case_names(page.read_text(encoding="utf-8"))):
            if name in seen:
                shared.append(f"{name}: {seen[name]} and {page.stem}")
            seen.setdefault(name, page.stem)
    assert not shared, f"fictional names must differ across pages: {shared}"
