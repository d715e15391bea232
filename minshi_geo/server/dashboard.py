"""Dashboard journey (leaders): lights on the progress map, roll-ups, 推进缓慢, 通报 downloads.

Everything is computed by the progress package — :func:`~minshi_geo.progress.status.compute_status`
and its roll-ups, :func:`~minshi_geo.maps.progress.progress_page` for the map and
:func:`~minshi_geo.sheets.progress.write_progress_sheets` for the 通报 — once per state of the
store (publication version × newest report file), then served from a cache.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi import HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse

from minshi_geo.escape import path_inside
from minshi_geo.progress.store import report_files
from minshi_geo.server.app import guarded_router, render, state_of
from minshi_geo.server.publish import publications as list_publications

router = guarded_router()
_lock = threading.Lock()
MAP_CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
           "img-src data:; frame-ancestors 'self'")


def _key(state) -> tuple:
    cur = state.current()
    frame = state.store.read(sa.select(sa.func.max(report_files.c.id), sa.func.count())
                             .where(report_files.c.plan_id == cur.plan.id))
    top = frame.iloc[0, 0]
    return (cur.publication.version, None if top is None else int(top), int(frame.iloc[0, 1]))


def progress_view(state) -> dict[str, Any]:
    """Status, roll-ups, lagging list, map HTML and 通报 files for the current store state."""
    key = _key(state)
    with _lock:
        cached = state.cache.get("dashboard")
        if cached is not None and cached["key"] == key:
            return cached
        view = _compute(state, key)
        state.cache["dashboard"] = view
        if cached is not None:  # the previous state's 通报 files are not served any more
            for folder in {p.parent.parent for p in cached["files"].values()}:
                shutil.rmtree(folder, ignore_errors=True)
        return view


def _compute(state, key: tuple) -> dict[str, Any]:
    from minshi_geo.errors import MinshiError
    from minshi_geo.progress.status import compute_status, lagging, latest, province_rollup, \
        region_rollup

    cur = state.current()
    view: dict[str, Any] = {"key": key, "status": None, "error": None, "files": {}}
    try:
        status = compute_status(state.store, cur.allocation, cur.plan)
    except MinshiError as exc:
        view["error"] = str(exc)
        return view
    if status.empty:
        return view
    view["status"] = status
    period = max(status["period_end"])
    view["period"] = period
    view["province"] = province_rollup(latest(status, period))
    view["regions"] = region_rollup(latest(status, period))
    view["lagging"] = lagging(status, period)
    view["map_html"] = _map_html(status, cur)
    view["files"] = _bulletins(state, status, cur, key)
    return view


def _map_html(status, cur) -> str:
    from minshi_geo.maps.geometry import region_shapes
    from minshi_geo.maps.page import render_page
    from minshi_geo.maps.progress import progress_page

    data, view = progress_page(status, cur.regions, plan=cur.plan)
    shapes = region_shapes(view.frame, view.codes)
    return render_page(data, shapes, view)


def _bulletins(state, status, cur, key: tuple) -> dict[str, Path]:
    from minshi_geo.documents.bulletin_docx import docx_name
    from minshi_geo.sheets.progress import write_progress_sheets

    root = state.work_dir / "bulletins"
    root.mkdir(parents=True, exist_ok=True)
    out = Path(tempfile.mkdtemp(prefix=f"v{key[0]}-f{key[1]}-", dir=root))
    sheets = write_progress_sheets(status, cur.plan, cur.regions, out / "通报",
                                   cur.allocation.meta)
    paths = ([sheets.summary] if sheets.summary else []) + list(sheets.regions.values())
    files = {p.name: p for p in paths}
    # the Word 通报 is listed with the workbooks but written on its first download (it takes
    # seconds: drawing the map of lights and formatting its tables), not on every import
    name = docx_name(cur.plan, max(status["period_end"]), _is_sample(status, cur))
    files[name] = out / "通报" / name
    return files


def _is_sample(status, cur) -> bool:
    """示例 when any value came from a 示例 file or the allocation itself is 示例."""
    return bool(status["sample"].any()) or bool(cur.allocation.meta.get("sample"))


def _bulletin_file(view: dict[str, Any], name: str, cur) -> Path | None:
    """The 通报 file ``name`` of ``view``; the Word document is written when first asked for."""
    from minshi_geo.documents.bulletin_docx import write_bulletin_docx

    path = view["files"].get(name)
    if path is None or path.is_file() or path.suffix != ".docx":
        return path if path is not None and path.is_file() else None
    status = view["status"]
    with _lock:
        if not path.is_file():
            write_bulletin_docx(status, cur.plan, cur.regions, path,
                                sample=_is_sample(status, cur))
    return path


def _records(frame) -> list[dict]:
    return [] if frame is None else frame.to_dict("records")


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request):
    state = state_of(request)
    cur = state.current()
    view = progress_view(state)
    from minshi_geo.lights import rule_text

    return render(request, "dashboard.html", publication=cur.publication, view=view,
                  light_rule=rule_text(),
                  province=_records(view.get("province")), region_rows=_records(view.get("regions")),
                  lagging=_records(view.get("lagging")), files=list(view["files"]))


@router.get("/dashboard/map", response_class=HTMLResponse)
def dashboard_map(request: Request):
    view = progress_view(state_of(request))
    if not view.get("map_html"):
        raise HTTPException(404, "尚无进度报告，暂无进度地图")
    return HTMLResponse(view["map_html"], headers={"Content-Security-Policy": MAP_CSP})


@router.get("/dashboard/bulletin/{name}")
def bulletin(request: Request, name: str):
    state = state_of(request)
    view = progress_view(state)
    path = _bulletin_file(view, name, state.current())
    if path is None:
        raise HTTPException(404, "没有这个通报文件")
    return FileResponse(path, filename=path.name)


@router.get("/publications", response_class=HTMLResponse)
def publications(request: Request):
    state = state_of(request)
    pubs = list_publications(state.store, state.published_dir)
    files = {p.version: sorted(x.name for x in p.sheets_dir.glob("*.xlsx")) for p in pubs}
    return render(request, "publications.html", pubs=pubs, files=files)


@router.get("/publications/{version}/{name}")
def publication_file(request: Request, version: int, name: str):
    state = state_of(request)
    pub = next((p for p in list_publications(state.store, state.published_dir)
                if p.version == version), None)
    if pub is None:
        raise HTTPException(404, f"没有第{version}版")
    for folder in (pub.allocation_dir, pub.sheets_dir):
        try:
            path = path_inside(folder, name)
        except ValueError:
            raise HTTPException(404, "没有这个文件") from None
        if path.is_file():
            return FileResponse(path, filename=path.name)
    raise HTTPException(404, "没有这个文件")
