"""Every request a page makes is routed here: only the portal's own origin may answer.

Anything else (another host, another port, https://…) is aborted and recorded, so a test
fails even when a page degrades quietly without the outside resource. Script errors and
Content-Security-Policy refusals are recorded too: each means the page tried something that
does not work here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from playwright.sync_api import BrowserContext, ConsoleMessage, Error, Page, Request, Route

# Schemes that never leave the browser.
LOCAL_SCHEMES = ("data:", "blob:", "about:")


@dataclass
class OriginGuard:
    """Allows `origin` (or file:// for the offline edition) and records everything else."""

    origin: str | None
    allow_file: bool = False
    blocked: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp: list[str] = field(default_factory=list)

    def allowed(self, url: str) -> bool:
        if url.startswith(LOCAL_SCHEMES):
            return True
        if self.allow_file and url.startswith("file://"):
            return True
        if self.origin is None:
            return False
        return url == self.origin or url.startswith(self.origin + "/")

    def attach(self, context: BrowserContext) -> None:
        context.route("**/*", self._route)
        # `request` also sees what routing may not (workers, the file:// edition).
        context.on("request", self._request)
        context.on("console", self._console)
        context.on("page", self._watch_page)

    def _route(self, route: Route) -> None:
        if self.allowed(route.request.url):
            route.continue_()
        else:
            self._record(route.request.url)
            route.abort("blockedbyclient")

    def _request(self, request: Request) -> None:
        if not self.allowed(request.url):
            self._record(request.url)

    def _record(self, url: str) -> None:
        if url not in self.blocked:
            self.blocked.append(url)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.csp.append(message.text)

    def _watch_page(self, page: Page) -> None:
        page.on("pageerror", self._page_error)

    def _page_error(self, error: Error) -> None:
        self.page_errors.append(f"{error.name}: {error.message}")

    def problems(self) -> list[str]:
        return ([f"request to another origin: {url}" for url in self.blocked]
                + [f"script error: {text}" for text in self.page_errors]
                + [f"refused by the Content-Security-Policy: {text}" for text in self.csp])

    def check(self, where: str = "") -> None:
        """Fail with everything recorded so far, then start afresh."""
        found = self.problems()
        self.blocked.clear()
        self.page_errors.clear()
        self.csp.clear()
        assert not found, f"{where}:\n" + "\n".join(found)
