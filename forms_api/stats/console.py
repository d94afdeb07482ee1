"""Console pages for the figures: the dashboard 统计, the printable report, the targets."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from forms_api.admin.downloads import attachment
from forms_api.admin.web import Ctx, FormState, page, redirect
from forms_api.bookings.records import STATUSES
from forms_api.errors import ApiError
from forms_api.forms.validation import validate
from forms_api.stats import exports, period, targets
from forms_api.stats.figures import compute
from forms_api.stats.forms import Targets
from forms_api.stats.sources import earliest_day, snapshot
from forms_api.storage import Database
from forms_api.web.context import Portal, blocking

TARGET_FIELDS = tuple(t.key for t in targets.DEFINED)


def chart_data(figures: dict[str, Any]) -> dict[str, Any]:
    """What stats.js draws: only the counts the charts show (their tables are in the page)."""
    schools = figures["schools"]
    return {
        "coverage": {"covered": schools["covered"], "total": schools["total"],
                     "target": figures["targets"]["coverage"]["target"]},
        "districts": [{k: r[k] for k in ("district", "schools", "covered", "teachers",
                                         "visits_completed")} for r in figures["by_district"]],
        "trend": figures["trend"],
    }


def by_district(schools: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """A list of schools grouped by district, in the order given."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for school in schools:
        groups.setdefault(school["district"], []).append(school)
    return list(groups.items())


def _view(figures: dict[str, Any]) -> dict[str, Any]:
    """Everything the dashboard and the report show, beyond the figures themselves."""
    query = urlencode({"from": figures["from"], "to": figures["to"]})
    return {"f": figures, "query": query, "charts": chart_data(figures),
            "uncovered": by_district(figures["schools"]["uncovered"]),
            "never_visited": by_district(figures["never_visited"]), "statuses": STATUSES}


def tile(db: Database) -> dict[str, Any]:
    """The overview's tile: this school year's training coverage."""
    figures = compute(snapshot(db), period.current(), {}, targets.load(db))
    return {"schools": figures["schools"], "label": figures["label"]}


def _dashboard(db: Database, chosen: period.Period | None, hours: dict[str, float]
               ) -> tuple[dict[str, Any] | None, list[int]]:
    snap = snapshot(db)
    years = period.recent_years(earliest_day(snap))
    if chosen is None:
        return None, years
    return compute(snap, chosen, hours, targets.load(db)), years


@page
async def dashboard(request: Request, ctx: Ctx) -> Response:
    query = request.query_params
    values = {k: query.get(k, "") for k in ("year", "from", "to")}
    errors: dict[str, str] = {}
    message = None
    try:
        chosen: period.Period | None = period.from_query(query)
    except ApiError as exc:
        chosen, errors, message = None, dict(exc.fields or {}), exc.message
    figures, years = await blocking(_dashboard, ctx.p.db, chosen, ctx.p.module_hours)
    view = _view(figures) if figures is not None else {"f": None}
    if figures is not None and not values["year"] and not values["from"]:
        values["year"] = str(figures["school_year"] or "")
    return ctx.render("stats/stats.html", 422 if errors else 200, years=years, values=values,
                      errors=errors, message=message, **view)


def _report(p: Portal, chosen: period.Period, actor: str) -> dict[str, Any]:
    return exports.audited_figures(p, chosen, actor, "print")


@page
async def report(request: Request, ctx: Ctx) -> Response:
    chosen = period.from_query(request.query_params)
    figures = await blocking(_report, ctx.p, chosen, ctx.admin)
    return ctx.render("stats/report.html", bureau=ctx.p.settings.bureau_name, **_view(figures))


@page
async def report_xlsx(request: Request, ctx: Ctx) -> Response:
    chosen = period.from_query(request.query_params)
    body = await blocking(exports.report_xlsx, ctx.p, chosen, ctx.admin)
    return attachment(body, exports.report_name(chosen), "xlsx")


def _shown(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


@page
async def targets_page(request: Request, ctx: Ctx) -> Response:
    state = FormState()
    if request.method == "POST":
        state.values = {k: ctx.text(k) for k in TARGET_FIELDS}

        async def save() -> Response:
            form = validate(Targets, dict(state.values), json=False)
            await blocking(targets.save, ctx.p.db, form, ctx.admin)
            return redirect("/admin/stats/targets/?saved=1")

        if done := await state.attempt(save):
            return done
    else:
        current = await blocking(targets.load, ctx.p.db)
        state.values = {k: _shown(current.get(k)) for k in TARGET_FIELDS}
    return ctx.render("stats/targets.html", state.status, **state.context(),
                      targets=targets.DEFINED, saved=bool(request.query_params.get("saved")))


def routes() -> tuple[BaseRoute, ...]:
    return (
        Route("/admin/stats/", dashboard, methods=["GET"]),
        Route("/admin/stats/report/", report, methods=["GET"]),
        Route("/admin/stats/report.xlsx", report_xlsx, methods=["GET"]),
        Route("/admin/stats/targets/", targets_page, methods=["GET", "POST"]),
    )
