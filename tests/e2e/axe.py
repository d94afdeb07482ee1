"""axe-core, vendored (tests/e2e/vendor/axe.min.js, MPL-2.0), run inside a page."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page

AXE = Path(__file__).with_name("vendor") / "axe.min.js"
FAILING = ("serious", "critical")


@cache
def _source() -> str:
    return AXE.read_text(encoding="utf-8")


def violations(page: Page, within: str | None = None) -> list[dict[str, Any]]:
    """axe's serious and critical violations on the page as it is now (or in `within`)."""
    # Evaluated through the DevTools protocol: the page's CSP (rightly) forbids inline scripts.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_source())
    found: list[dict[str, Any]] = page.evaluate(
        """async (within) => {
            const result = await axe.run(within || document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html.slice(0, 200),
                                          summary: n.failureSummary}))}));
        }""", within)
    return [v for v in found if v["impact"] in FAILING]


def describe(found: list[dict[str, Any]]) -> str:
    lines = []
    for v in found:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}  {node['html']}")
            lines.append(f"      {(node['summary'] or '').replace(chr(10), ' / ')}")
        if len(v["nodes"]) > 5:
            lines.append(f"    … and {len(v['nodes']) - 5} more")
    return "\n".join(lines)


def assert_accessible(page: Page, where: str, within: str | None = None) -> None:
    """No serious or critical axe violation on the page (or in the part `within` selects)."""
    found = violations(page, within)
    assert not found, f"axe on {where}:\n{describe(found)}"


def _rgba(css: str) -> tuple[float, float, float, float]:
    parts = [float(p) for p in re.findall(r"[\d.]+", css)]
    return (parts[0], parts[1], parts[2], parts[3] if len(parts) > 3 else 1.0)


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_contrast(target: Locator) -> float:
    """WCAG contrast of an element's text on its own opaque background, transitions finished.

    For states axe does not look at (hover, focus): axe judges the page at rest.
    """
    target.evaluate("el => Promise.all(el.getAnimations().map(a => a.finished))")
    fg_css, bg_css = target.evaluate(
        "el => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]")
    fr, fg, fb, fa = _rgba(fg_css)
    br, bg, bb, ba = _rgba(bg_css)
    assert ba == 1.0, f"no opaque background of its own: {bg_css}"
    text = (fr * fa + br * (1 - fa), fg * fa + bg * (1 - fa), fb * fa + bb * (1 - fa))
    light, dark = sorted((_luminance(text), _luminance((br, bg, bb))), reverse=True)
    return (light + 0.05) / (dark + 0.05)
