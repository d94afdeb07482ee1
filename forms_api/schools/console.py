"""Console pages of the registry: the list, one school (edit, close, merge), the mapping list."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from forms_api.admin.web import Ctx, FormState, page, redirect
from forms_api.forms.validation import validate
from forms_api.schools import imports_web, links, registry
from forms_api.schools.forms import School
from forms_api.schools.records import STAGES, admin_view, all_schools, current, key
from forms_api.web.context import blocking

FIELDS = ("code", "name", "aliases", "district", "district_code", "stage")
DONE = {"saved": "已保存。", "closed": "已停用：它不再出现在表单的学校选项和统计总数中。",
        "reopened": "已恢复在用。", "merged": "已合并：记录、名称和别名都归到了这所学校。",
        "created": "已新增。", "mapped": "已对应：有这个名称的记录都已关联到所选学校。",
        "linked": "已按名称关联。"}


def labels() -> dict[str, Any]:
    return {"stages": STAGES, "done_messages": DONE}


def _matches(school: dict[str, Any], q: str, district: str) -> bool:
    if district and key(school.get("district")) != district:
        return False
    if not q:
        return True
    return (q in key(school.get("name")) or q == school.get("code")
            or any(q in key(a) for a in school.get("aliases") or []))


@page
async def listing(request: Request, ctx: Ctx) -> Response:
    q = request.query_params.get("q", "").strip()[:40]
    district = request.query_params.get("district", "").strip()[:20]
    every = await blocking(all_schools, ctx.p.db)
    rows = [admin_view(s) for s in every if _matches(s, key(q), key(district))]
    districts = sorted({str(s.get("district")) for s in every if s.get("district")})
    names = {s["id"]: s.get("name") for s in every}
    return ctx.render("schools/schools.html", rows=rows, q=q, district=district,
                      districts=districts, names=names, total=len(every),
                      done=request.query_params.get("done"), **labels())


def _values(ctx: Ctx) -> dict[str, Any]:
    return {name: ctx.text(name) for name in FIELDS}


@page
async def new_school(request: Request, ctx: Ctx) -> Response:
    state = FormState()
    if request.method == "POST":
        state.values = _values(ctx)

        async def act() -> Response:
            form = validate(School, state.values, json=False)
            made = await blocking(registry.create, ctx.p.db, form, ctx.admin,
                                  ctx.p.school_links)
            return redirect(f"/admin/schools/{made['id']}/?done=created")

        if done := await state.attempt(act):
            return done
    return ctx.render("schools/school.html", state.status, **state.context(), school=None,
                      others=[], **labels())


@page
async def one_school(request: Request, ctx: Ctx) -> Response:
    school_id = request.path_params["id"]
    state = FormState()
    if request.method == "POST":
        action = ctx.text("action")
        state.values = _values(ctx)

        async def act() -> Response:
            db, admin = ctx.p.db, ctx.admin
            if action in ("close", "reopen"):
                await blocking(registry.set_active, db, school_id, action == "reopen", admin)
                return redirect(f"/admin/schools/{school_id}/?done="
                                + ("reopened" if action == "reopen" else "closed"))
            if action == "merge":
                await blocking(registry.merge, db, school_id, ctx.text("absorbed_id"), admin,
                               ctx.p.school_links)
                return redirect(f"/admin/schools/{school_id}/?done=merged")
            form = validate(School, state.values, json=False)
            await blocking(registry.update, db, school_id, form, admin)
            return redirect(f"/admin/schools/{school_id}/?done=saved")

        if done := await state.attempt(act):
            return done
    school = admin_view(await blocking(registry.get, ctx.p.db, school_id))
    if not state.values:
        state.values = {**school, "aliases": "、".join(school["aliases"])}
    every = await blocking(all_schools, ctx.p.db)
    others = [s for s in every if s["id"] != school_id and not s.get("merged_into")]
    counts = await blocking(links.linked_counts, ctx.p.db, ctx.p.school_links)
    kept = next((s for s in every if s["id"] == school.get("merged_into")), None)
    return ctx.render("schools/school.html", state.status, **state.context(), school=school,
                      others=others, records=counts.get(school_id, 0), kept=kept,
                      done=request.query_params.get("done"), **labels())


@page
async def mapping(request: Request, ctx: Ctx) -> Response:
    state = FormState()
    if request.method == "POST":
        state.values = {"text": ctx.text("text"), "school_id": ctx.text("school_id")}

        async def act() -> Response:
            if ctx.text("action") == "link":
                await blocking(links.link_now, ctx.p.db, ctx.p.school_links, ctx.admin)
                return redirect("/admin/schools/mapping/?done=linked")
            await blocking(links.map_text, ctx.p.db, ctx.p.school_links,
                           state.values["text"], state.values["school_id"], ctx.admin)
            return redirect("/admin/schools/mapping/?done=mapped")

        if done := await state.attempt(act):
            return done
    rows = await blocking(links.unlinked, ctx.p.db, ctx.p.school_links)
    choices = [s for s in await blocking(all_schools, ctx.p.db) if current(s)]
    return ctx.render("schools/mapping.html", state.status, **state.context(), rows=rows,
                      choices=choices, done=request.query_params.get("done"), **labels())


def routes() -> tuple[BaseRoute, ...]:
    return (
        Route("/admin/schools/", listing, methods=["GET"]),
        Route("/admin/schools/new/", new_school, methods=["GET", "POST"]),
        Route("/admin/schools/import/", imports_web.import_page, methods=["GET", "POST"]),
        Route("/admin/schools/mapping/", mapping, methods=["GET", "POST"]),
        Route("/admin/schools/{id}/", one_school, methods=["GET", "POST"]),
    )
