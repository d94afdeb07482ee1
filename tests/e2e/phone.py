"""What a page must be on a 360×740 touch phone: no sideways scroll, big enough targets.

Tap targets (44×44 CSS px at least, WCAG 2.5.5) are checked for what a person taps to use a
page, not for every link inside running text:
- in the page content (`.md-content`): text inputs, selects, text areas, buttons, `.md-button`
  links, the home page's task links, and the `<label>` of every checkbox and radio (the label is
  the target: tapping it toggles the box);
- in the header: Material's menu and search buttons (`.md-header__button`), when shown.
Elements that are not rendered (hidden, zero-sized, or inside `aria-hidden`, like the honeypot)
are skipped.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Locator, Page, expect

PHONE: dict[str, Any] = {"viewport": {"width": 360, "height": 740}, "has_touch": True, "is_mobile": True,
         "device_scale_factor": 2}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}}
MIN_TARGET = 44.0
MIN_TEXT_PX = 14.0
# Phones zoom into a text field whose font is under 16 px when it gets focus (iOS Safari).
MIN_INPUT_PX = 16.0

TARGETS = ", ".join([
    ".md-content input:not([type=hidden]):not([type=checkbox]):not([type=radio])",
    ".md-content select", ".md-content textarea", ".md-content button",
    ".md-content a.md-button", ".md-content .portal-tasks a",
    ".md-content label:has(input[type=checkbox])", ".md-content label:has(input[type=radio])",
    ".md-content input[type=checkbox] + label", ".md-content input[type=radio] + label",
    ".md-header .md-header__button",
])

_SMALL_TARGETS = """(selector) => {
    const small = [];
    for (const el of document.querySelectorAll(selector)) {
        if (el.closest("[aria-hidden=true], [hidden]")) continue;
        const style = getComputedStyle(el);
        if (style.display === "none" || style.visibility === "hidden") continue;
        const box = el.getBoundingClientRect();
        if (box.width === 0 || box.height === 0) continue;
        if (box.width < %(min)s - 0.05 || box.height < %(min)s - 0.05) {
            small.push(`${Math.round(box.width)}×${Math.round(box.height)} ` +
                       el.outerHTML.slice(0, 160));
        }
    }
    return small;
}""" % {"min": MIN_TARGET}  # noqa: UP031 (the JS braces would need doubling)

_SMALL_INPUTS = """(min) => {
    const small = [];
    for (const el of document.querySelectorAll(
            "input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea")) {
        if (el.getClientRects().length === 0 || el.closest("[aria-hidden=true]")) continue;
        const size = parseFloat(getComputedStyle(el).fontSize);
        if (size < min) small.push(`${size}px ` + el.outerHTML.slice(0, 120));
    }
    return small;
}"""

_UNLABELLED = """() => {
    const missing = [];
    for (const el of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
        // Not rendered means not in the accessibility tree (Material's state checkboxes).
        if (el.getClientRects().length === 0 || getComputedStyle(el).visibility === "hidden")
            continue;
        const named = (el.labels && [...el.labels].some(l => l.textContent.trim())) ||
            (el.getAttribute("aria-label") || "").trim() ||
            (el.getAttribute("aria-labelledby") || "").split(/\\s+/).some(
                id => id && document.getElementById(id)?.textContent.trim());
        if (!named) missing.push(el.outerHTML.slice(0, 160));
    }
    return missing;
}"""


def horizontal_overflow(page: Page) -> int:
    """How many CSS px the page is wider than the screen (0 when it fits)."""
    extra: int = page.evaluate(
        "() => document.documentElement.scrollWidth - window.innerWidth")
    return max(extra, 0)


def wide_elements(page: Page) -> list[str]:
    """The elements sticking out to the right, to say what to fix."""
    found: list[str] = page.evaluate("""() => {
        const out = [];
        for (const el of document.querySelectorAll("body *")) {
            const box = el.getBoundingClientRect();
            if (box.right > window.innerWidth + 1 && box.width > 0)
                out.push(`${Math.round(box.right)}px ${el.tagName.toLowerCase()}.${el.className}`);
        }
        return out.slice(0, 8);
    }""")
    return found


def assert_fits_phone(page: Page, where: str) -> None:
    """No sideways scroll, tap targets large enough, no zoom on focus, zoom not disabled."""
    extra = horizontal_overflow(page)
    assert extra == 0, f"{where} scrolls sideways by {extra}px: {wide_elements(page)}"
    small: list[str] = page.evaluate(_SMALL_TARGETS, TARGETS)
    assert not small, f"{where}: tap targets under {MIN_TARGET:.0f}px:\n" + "\n".join(small)
    tiny: list[str] = page.evaluate(_SMALL_INPUTS, MIN_INPUT_PX)
    assert not tiny, f"{where}: fields the phone would zoom into (font under " \
                     f"{MIN_INPUT_PX:.0f}px):\n" + "\n".join(tiny)
    viewport = page.get_attribute("meta[name=viewport]", "content") or ""
    assert "width=device-width" in viewport and "user-scalable=no" not in viewport, viewport


def assert_labelled(page: Page, where: str) -> None:
    """Every rendered form control has a label with text, or an ARIA name."""
    missing: list[str] = page.evaluate(_UNLABELLED)
    assert not missing, f"{where}: controls without a label:\n" + "\n".join(missing)


def assert_readable(result: Locator) -> None:
    """The result is on screen, inside the screen's width, in text big enough to read."""
    expect(result).to_be_visible()
    expect(result).to_be_in_viewport()
    info: dict[str, Any] = result.evaluate("""el => {
        const box = el.getBoundingClientRect();
        return {left: box.left, right: box.right, width: window.innerWidth,
                font: parseFloat(getComputedStyle(el).fontSize)};
    }""")
    assert info["left"] >= 0 and info["right"] <= info["width"] + 0.5, info
    assert info["font"] >= MIN_TEXT_PX, info


def assert_stands_out(invalid: Locator, valid: Locator) -> None:
    """A control marked invalid looks different from a valid one (not only to screen readers)."""
    script = ("el => { const s = getComputedStyle(el); "
              "return [s.borderTopColor, s.borderTopWidth]; }")
    assert invalid.evaluate(script) != valid.evaluate(script), (
        "an invalid field is drawn like a valid one", invalid.evaluate(script))
