"""The aiohttp application: `init_app(config)` wires stores, search, models, routes and middlewares."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from cloud import datadir
from cloud.admission import Admission
from cloud.clips import ClipStore
from cloud.config import ServerConfig
from cloud.keys import ADMISSION, CLIPS, CONFIG, METRICS, POOL, SEARCHER, STATE, TELEMETRY, TOKENS
from cloud.metrics import Metrics
from cloud.middleware import auth, errors, metrics
from cloud.pool import InferencePool
from cloud.recognize_request import MAX_METADATA_BYTES
from cloud.recognizers.vocabulary import index_vocabulary
from cloud.routes import ops, recognize, search, telemetry
from cloud.search.catalog import default_catalog_path
from cloud.search.index import build_index, index_is_current
from cloud.search.searcher import Searcher
from cloud.state import ServerState
from cloud.telemetry import TelemetryStore
from cloud.tokens import TokenStore

log = logging.getLogger(__name__)
PRUNE_EVERY_S = 3600.0


def init_app(config: ServerConfig) -> web.Application:
    """Build the application; resources open in its cleanup contexts when it starts."""
    app = web.Application(client_max_size=config.limits.max_body_bytes + MAX_METADATA_BYTES,
                          middlewares=[metrics, errors, auth])
    app[CONFIG] = config
    app[STATE] = ServerState()
    app[METRICS] = Metrics()
    for module in (recognize, search, telemetry, ops):
        app.add_routes(module.routes)
    app.cleanup_ctx.extend([_stores, _search_index, _models, _maintenance])
    app.on_startup.append(_freeze_heap)  # runs after the cleanup contexts have started
    app.on_shutdown.append(_drain)
    return app


async def _stores(app: web.Application) -> AsyncIterator[None]:
    """Tokens, clip answers and telemetry: SQLite files in the data directory."""
    data_dir: Path = app[CONFIG].data_dir
    app[TOKENS] = TokenStore(data_dir / datadir.TOKENS_DB)
    app[CLIPS] = ClipStore(data_dir / datadir.CLIPS_DB, stale_after_s=2 * app[CONFIG].limits.inference_timeout_s)
    app[TELEMETRY] = TelemetryStore(data_dir / datadir.TELEMETRY_DB)
    yield
    for key in (TOKENS, CLIPS, TELEMETRY):
        app[key].close()


async def _search_index(app: web.Application) -> AsyncIterator[None]:
    """Open the search index, building it first when missing or built from another catalog."""
    config = app[CONFIG]
    db_path = config.data_dir / datadir.SEARCH_DB
    if config.search.catalog is not None or not db_path.exists():
        catalog = Path(config.search.catalog) if config.search.catalog else default_catalog_path()
        if not await asyncio.to_thread(index_is_current, db_path, catalog):
            log.info("indexing %s", catalog)
            await asyncio.to_thread(build_index, catalog, db_path)
    app[SEARCHER] = await asyncio.to_thread(Searcher, db_path)
    app[STATE].started.add("search")
    yield


async def _models(app: web.Application) -> AsyncIterator[None]:
    """Start the model workers in the background; /readyz says 503 until they have loaded."""
    config = app[CONFIG]
    vocabulary = index_vocabulary(app[SEARCHER].db_path) if config.model.adapt_to_catalog else ()
    app[ADMISSION] = Admission(config.limits)
    app[POOL] = pool = InferencePool(config.model, vocabulary, config.limits.max_inferences,
                                     config.limits.inference_timeout_s, config.limits.retry_after_s,
                                     on_restart=app[METRICS].worker_restarts.inc)

    async def load() -> None:
        await pool.start()
        app[STATE].started.add("models")
        log.info("models ready: %s in %d workers", ", ".join(pool.model_names), pool.workers)

    loading = asyncio.create_task(load())
    loading.add_done_callback(_log_failure)
    yield
    loading.cancel()
    await pool.close()


async def _maintenance(app: web.Application) -> AsyncIterator[None]:
    """Forget old clip answers, hourly."""
    async def loop() -> None:
        while True:
            app[CLIPS].prune()
            await asyncio.sleep(PRUNE_EVERY_S)

    task = asyncio.create_task(loop())
    yield
    task.cancel()


async def _freeze_heap(app: web.Application) -> None:
    """Exempt what start-up built (modules, the search index) from garbage collection: a full
    collection over it took 18 ms, paid by whichever request happened to trigger it."""
    gc.collect()
    gc.freeze()


async def _drain(app: web.Application) -> None:
    """On shutdown: report not-ready at once; aiohttp then lets requests in flight finish."""
    app[STATE].draining = True


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("model workers failed to start: %s", task.exception())
