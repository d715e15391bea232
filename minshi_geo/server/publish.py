"""Published allocations (已发布的分解结果): immutable, numbered versions.

Publishing a scenario does what the CLI does — ``allocate`` → ``Allocation.save`` →
``sheets.write_all_sheets`` — into a new folder ``DATA/published/vNNNN/`` (``allocation/``,
``sheets/`` and a copy of the scenario file), written whole in one rename, then records it in
the ``server_publications`` table. A version folder is never written again: its files are made
read-only and the table keeps the sha256 of ``allocation.csv``, checked whenever it is loaded.
The newest version is the one regions report against.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from minshi_geo import atomic
from minshi_geo.errors import MinshiError
from minshi_geo.progress.store import ProgressStore
from minshi_geo.server.accounts import _audit, server_metadata

publications_table = sa.Table(
    "server_publications",
    server_metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("scenario", sa.String(128), nullable=False),
    sa.Column("scenario_title", sa.Text, nullable=False),
    sa.Column("scenario_sha256", sa.String(64), nullable=False),
    sa.Column("allocation_sha256", sa.String(64), nullable=False),
    sa.Column("folder", sa.String(32), nullable=False),
    sa.Column("published_by", sa.String(64), nullable=False),
    sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
)


class PublicationError(MinshiError):
    """A published version is missing or was changed on disk."""


@dataclass(frozen=True)
class Publication:
    version: int
    scenario: str
    scenario_title: str
    scenario_sha256: str
    allocation_sha256: str
    folder: Path
    published_by: str
    published_at: datetime

    @property
    def allocation_dir(self) -> Path:
        return self.folder / "allocation"

    @property
    def sheets_dir(self) -> Path:
        return self.folder / "sheets"

    @property
    def label(self) -> str:
        return f"第{self.version}版"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _freeze(folder: Path) -> None:
    """Read-only files: a published version is not edited in place."""
    for root, _dirs, files in os.walk(folder):
        for f in files:
            p = Path(root) / f
            p.chmod(p.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def publications(store: ProgressStore, root: Path) -> list[Publication]:
    """Every published version, newest first."""
    frame = store.read(sa.select(publications_table)
                       .order_by(publications_table.c.version.desc()))
    return [
        Publication(int(r.version), r.scenario, r.scenario_title, r.scenario_sha256,
                    r.allocation_sha256, root / r.folder, r.published_by, r.published_at)
        for r in frame.itertuples(index=False)
    ]


def latest(store: ProgressStore, root: Path) -> Publication | None:
    found = publications(store, root)
    return found[0] if found else None


def load(pub: Publication) -> tuple[Any, Any, Any]:
    """(allocation, plan, regions) of a version, after checking it is unchanged."""
    from minshi_geo.allocation import load_allocation_inputs

    csv = pub.allocation_dir / "allocation.csv"
    if not csv.is_file() or _sha256(csv) != pub.allocation_sha256:
        raise PublicationError(
            f"已发布的{pub.label}分解结果（{csv}）缺失或已被改动，拒绝使用",
            hint="restore the folder from backup; published versions are never edited",
        )
    return load_allocation_inputs(pub.allocation_dir)


def publish(store: ProgressStore, root: Path, scenario_path: Path, by: str,
            progress=None) -> Publication:
    """Allocate the scenario and publish allocation + task sheets as the next version."""
    from minshi_geo.allocate import allocate
    from minshi_geo.allocation import load_allocation_inputs
    from minshi_geo.scenario import load_scenario
    from minshi_geo.sheets.writer import write_all_sheets

    scenario = load_scenario(scenario_path)
    allocation = allocate(scenario, progress=progress)
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f".staging-{os.getpid()}-{datetime.now(UTC).strftime('%H%M%S%f')}"
    try:
        with atomic.atomic_dir(staging) as tmp:
            allocation.save(tmp / "allocation")
            saved, plan, regions = load_allocation_inputs(tmp / "allocation")
            write_all_sheets(saved, plan, regions, tmp / "sheets")
            shutil.copyfile(scenario_path, tmp / Path(scenario_path).name)
        alloc_sha = _sha256(staging / "allocation" / "allocation.csv")
        now = datetime.now(UTC)

        def work(conn: sa.Connection) -> int:
            top = conn.execute(sa.select(sa.func.max(publications_table.c.version))).scalar()
            version = int(top or 0) + 1
            folder = f"v{version:04d}"
            if (root / folder).exists():
                raise PublicationError(f"{root / folder} exists already; published versions "
                                       "are never overwritten")
            conn.execute(publications_table.insert().values(
                version=version, scenario=scenario.name, scenario_title=scenario.title,
                scenario_sha256=scenario.sha256, allocation_sha256=alloc_sha, folder=folder,
                published_by=by, published_at=now,
            ))
            _audit(conn, by, "publish", None, {"version": version, "scenario": scenario.name,
                                               "scenario_sha256": scenario.sha256})
            # The rename is the last step of the transaction: if it fails, nothing is recorded.
            staging.rename(root / folder)
            return version

        version = store.write(work, locks=["minshi-server-publish"])
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    folder = root / f"v{version:04d}"
    _freeze(folder)
    return Publication(version, scenario.name, scenario.title, scenario.sha256, alloc_sha,
                       folder, by, now)
