"""The running server's state: configuration, the store, the current publication, caches."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minshi_geo.progress.store import ProgressStore
from minshi_geo.server import accounts, publish
from minshi_geo.server.security import LoginLimiter
from minshi_geo.server.uploads import MAX_UPLOAD_BYTES


@dataclass(frozen=True)
class ServerConfig:
    db_url: str | None = None
    data_dir: Path = Path("minshi-server")
    https_only: bool = False  # set behind TLS: the session cookie then carries Secure
    session_hours: int = 8
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    secret: str | None = None  # default: one generated per database (server_meta table)


@dataclass
class Current:
    """The published version regions report against, loaded once per version."""

    publication: publish.Publication
    allocation: Any
    plan: Any
    regions: Any


@dataclass
class ServerState:
    config: ServerConfig
    store: ProgressStore
    limiter: LoginLimiter = field(default_factory=LoginLimiter)
    _current: Current | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def published_dir(self) -> Path:
        return self.config.data_dir / "published"

    @property
    def scenarios_dir(self) -> Path:
        return self.config.data_dir / "scenarios"

    @property
    def uploads_dir(self) -> Path:
        return self.config.data_dir / "uploads"

    @property
    def work_dir(self) -> Path:
        return self.config.data_dir / "work"

    def current(self) -> Current:
        """The newest publication (publishing the bundled baseline on a fresh database)."""
        pub = publish.latest(self.store, self.published_dir)
        if pub is None:
            with self._lock:
                pub = publish.latest(self.store, self.published_dir)
                if pub is None:
                    from minshi_geo import paths

                    pub = publish.publish(self.store, self.published_dir,
                                          paths.DEFAULT_SCENARIO, by="system")
        with self._lock:
            if self._current is None or self._current.publication.version != pub.version:
                allocation, plan, regions = publish.load(pub)
                from minshi_geo.progress.importer import register_reference

                register_reference(self.store, plan, regions)
                self._current = Current(pub, allocation, plan, regions)
            return self._current


def open_state(config: ServerConfig) -> ServerState:
    store = ProgressStore(config.db_url)
    accounts.create_schema(store)
    return ServerState(config=config, store=store)
