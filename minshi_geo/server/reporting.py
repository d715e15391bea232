"""Reporting journey (region offices): own tasks, the task sheet, upload or web form, history.

Every route sits under ``/regions/{code}``; the authorisation step holds a region reporter to
its own ``code``, and an uploaded sheet must also *be* that region's sheet (its identity says
so) — a neighbour's sheet is refused before anything is read into the store. Storing goes
through :func:`minshi_geo.progress.importer.import_reports` (one batch, nothing stored on
error); the web form fills the very same task workbook (:mod:`minshi_geo.sheets.writer`) and
sends it through the same reader and importer.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import File, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse

from minshi_geo.errors import MinshiError
from minshi_geo.escape import excel_cell, path_inside
from minshi_geo.progress.store import ReportRejected
from minshi_geo.server import accounts
from minshi_geo.server.app import guarded_router, current_user, render, state_of
from minshi_geo.server.uploads import UploadRefused, save_upload

router = guarded_router("/regions/{code}")


def _region(request: Request, code: str):
    cur = state_of(request).current()
    if code not in cur.regions.codes:
        raise HTTPException(404, f"没有地区代码 {code}")
    return cur


def _tasks(cur, code: str) -> list[Any]:
    from minshi_geo.sheets.writer import region_rows

    return region_rows(cur.allocation, cur.plan, code)


def _history(request: Request, code: str) -> list[dict]:
    store = state_of(request).store
    cur = state_of(request).current()
    files = store.files(cur.plan.id)
    if files.empty:
        return []
    mine = files[files["region_code"].astype(str) == code].sort_values("id", ascending=False)
    return mine.to_dict("records")


@router.get("", response_class=HTMLResponse)
def region_page(request: Request, code: str):
    cur = _region(request, code)
    return render(request, "region.html", code=code, region_name=cur.regions.name_of(code),
                  publication=cur.publication, tasks=_tasks(cur, code),
                  history=_history(request, code))


@router.get("/sheet.xlsx")
def region_sheet(request: Request, code: str):
    cur = _region(request, code)
    from minshi_geo.sheets import layout

    stem = layout.region_file_stem(cur.plan.title, cur.regions.name_of(code),
                                   bool(cur.allocation.meta.get("sample")))
    path = path_inside(cur.publication.sheets_dir, stem + ".xlsx")
    if not path.is_file():
        raise HTTPException(404, "本地区任务分解表尚未生成")
    return FileResponse(path, filename=path.name,
                        media_type="application/vnd.openxmlformats-officedocument."
                                   "spreadsheetml.sheet")


def _import(request: Request, code: str, path: Path, how: str) -> HTMLResponse:
    """Check the sheet is this region's, import it, show the result (nothing stored on error)."""
    from minshi_geo.progress.importer import import_reports
    from minshi_geo.sheets.reader import ReportError, read_report

    state = state_of(request)
    cur = _region(request, code)
    user = current_user(request)
    name = cur.regions.name_of(code)
    problems: list[str] = []
    result = None
    try:
        try:
            report = read_report(path)
        except ReportError as exc:
            raise ReportRejected(exc.problems, hint=exc.hint) from None
        theirs = str(report.identity.region_code)
        if theirs != code:
            other = report.identity.region_name or theirs
            raise ReportRejected([f"{path.name}：这是 {other}（{theirs}）的任务分解表，不是 "
                                  f"{name}（{code}）的；只能提交本地区的表，未保存任何数据"])
        result = import_reports([path], state.store, allocation=cur.allocation, plan=cur.plan,
                                regions=cur.regions, imported_by=user.username)
    except ReportRejected as exc:
        problems = exc.problems
    except MinshiError as exc:
        problems = [str(exc)]
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)
    if problems:
        accounts.audit(state.store, user.username, "import_rejected", code, file=path.name,
                       how=how, problems=problems[:20])
    else:
        accounts.audit(state.store, user.username, "import", code, file=path.name, how=how,
                       outcomes=[(o.action, o.period_end.isoformat(), o.lines)
                                 for o in result.outcomes])
    return render(request, "import_result.html", status_code=422 if problems else 200,
                  code=code, region_name=name, filename=path.name, problems=problems,
                  result=result, history=_history(request, code))


@router.post("/upload", response_class=HTMLResponse)
async def region_upload(request: Request, code: str, file: UploadFile = File(...)):
    state = state_of(request)
    data = await file.read(state.config.max_upload_bytes + 1)
    try:
        path = save_upload(state.uploads_dir, file.filename or "", data)
    except UploadRefused as exc:
        user = current_user(request)
        accounts.audit(state.store, user.username, "upload_refused", code,
                       file=(file.filename or "")[:200], reason=str(exc))
        cur = _region(request, code)
        return render(request, "import_result.html", status_code=422, code=code,
                      region_name=cur.regions.name_of(code), filename=file.filename,
                      problems=[str(exc)], result=None, history=_history(request, code))
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_import, request, code, path, "upload")


@router.get("/form", response_class=HTMLResponse)
def region_form(request: Request, code: str):
    cur = _region(request, code)
    return render(request, "region_form.html", code=code, region_name=cur.regions.name_of(code),
                  tasks=_tasks(cur, code), today=date.today().isoformat(),
                  statuses=("未启动", "推进中", "已完成"))


@router.post("/form", response_class=HTMLResponse)
async def region_form_submit(request: Request, code: str):
    form = await request.form()
    from starlette.concurrency import run_in_threadpool

    path = await run_in_threadpool(_form_workbook, request, code, dict(form))
    return await run_in_threadpool(_import, request, code, path, "form")


def _form_workbook(request: Request, code: str, form: dict[str, Any]) -> Path:
    """The region's own task workbook with the form's values typed into its reporting cells."""
    import tempfile

    from minshi_geo.sheets import layout
    from minshi_geo.sheets.writer import build_region_workbook

    state = state_of(request)
    cur = _region(request, code)
    wb, _w = build_region_workbook(cur.allocation, cur.plan, cur.regions, code)
    ws = wb[layout.TASK_SHEET]
    heading = {ws.cell(row=layout.HEADING_ROW, column=c).value: c
               for c in range(1, ws.max_column + 1)}
    col = {k: heading[layout.HEADER_TEXTS[k]] for k in ("target_id", *layout.REPORTING_KEYS)}
    period = str(form.get("period_end") or "").strip()
    ws.cell(row=layout.header_row_of("period_end"), column=layout.HEADER_VALUE_COL,
            value=excel_cell(period) or None)
    for r in range(layout.FIRST_DATA_ROW, ws.max_row + 1):
        tid = ws.cell(row=r, column=col["target_id"]).value
        if tid is None:
            continue
        for key in ("completed", "status", "note"):
            value = str(form.get(f"{key}:{tid}") or "").strip()[:500]
            if value:
                ws.cell(row=r, column=col[key], value=excel_cell(value))
    state.uploads_dir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="form-", dir=state.uploads_dir))
    path = path_inside(folder, f"网页填报-{cur.regions.name_of(code)}-{period or '未填日期'}.xlsx")
    wb.save(path)
    return path
