"""A cache keyed by the input's content: the parsed table as Parquet, and compute's finished JSON (in lz4 blocks).

Entries are written under a temporary name and renamed into place, so concurrent runs never see half
an entry; an entry that cannot be read back whole (a damaged file, a checksum that does not match) is
ignored and rebuilt.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import mmap
import os
import struct
import tempfile
import zlib
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

import lz4.block

from chuangye_metrics import __version__
from chuangye_metrics.core.findings import Finding
from chuangye_metrics.core.guard import config_bytes, require_regular_file
from chuangye_metrics.core.resources import formulas_dir
from chuangye_metrics.reading.reader import Column, ReturnTable, file_sha256, read_return

if TYPE_CHECKING:
    from chuangye_metrics.reading.reader import ReturnTable

FORMAT = 2


class TextSink(Protocol):
    def write(self, text: str, /) -> int: ...


class BinarySink(Protocol):
    def write(self, data: bytes | memoryview, /) -> int: ...


BLOCK = 1 << 20
STORED_BLOCK = 4 << 20
"""compute's JSON is stored in lz4 blocks of this many bytes: a national return's 1.3 GB of JSON take 0.26 GB, so
a replay reads a fifth of the disk when the system has let the entry drop out of memory, and two threads
decompress it faster than the disk reads it."""
_FRAME = struct.Struct("<II")  # before each block: its compressed and its original length
_AHEAD = 4  # blocks compressed or decompressed ahead of the one being written


def cache_root() -> Path:
    """$CHUANGYE_CACHE_DIR, else the user's cache directory ($XDG_CACHE_HOME or ~/.cache)."""
    explicit = os.environ.get("CHUANGYE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "chuangye-metrics"


@lru_cache(maxsize=1)
def code_identity() -> str:
    """A hash of the package's own source files: an entry made by other code (a reader since fixed, at the same
    version number) is never served. Worked out once per process, in about a millisecond."""
    digest = hashlib.sha256()
    package = Path(__file__).parents[1]
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(*parts: Any, files: Sequence[Path] = ()) -> str:
    """A short hash of settings, of the code and of the bytes of the files they name (and of the shipped formulas)."""
    digest = hashlib.sha256(f"{FORMAT}|{__version__}|{code_identity()}".encode())
    for part in parts:
        digest.update(json.dumps(part, sort_keys=True, default=str).encode())

    for path in sorted(formulas_dir().rglob("*.yaml")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    for path in files:  # the user's: refused if not a regular file (a pipe would block) or over the size limit
        digest.update(path.name.encode())
        digest.update(config_bytes(path))
    return digest.hexdigest()[:32]


class Cache:
    """The entries of one input file, found by its SHA-256."""

    def __init__(self, root: Path, sha256: str) -> None:
        self.sha256 = sha256
        self.folder = root / sha256[:2] / sha256

    @classmethod
    def for_file(cls, path: Path, root: Path | None = None) -> Cache:

        require_regular_file(path)  # before hashing: a named pipe or /dev/zero would be hashed for ever
        root = root or cache_root()
        return cls(root, content_digest(path, root))

    # --- the parsed table ---------------------------------------------------------------------------

    def load_table(self, key: str, path: Path) -> ReturnTable | None:
        import pyarrow.parquet as pq

        meta_path = self.folder / f"table-{key}.json"
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            frame = pq.read_table(self.folder / meta["frame"]).to_pandas()
            totals = pq.read_table(self.folder / meta["totals"]).to_pandas() if meta["totals"] else None
            if len(frame) != meta["rows"] or meta["sha256"] != self.sha256:
                return None
            return ReturnTable(
                path=path,
                sheet=meta["sheet"],
                sha256=self.sha256,
                frame=_restore(frame),
                columns={name: Column(**column) for name, column in meta["columns"].items()},
                findings=[Finding.model_validate(item) for item in meta["findings"]],
                totals=None if totals is None else _restore(totals),
                title_year=meta["title_year"],
                header_row=meta["header_row"],
            )
        except Exception:  # a damaged or outdated entry is rebuilt, never trusted
            return None

    def store_table(self, key: str, table: ReturnTable) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            names = {"frame": f"table-{key}.parquet", "totals": f"totals-{key}.parquet"}
            with _atomic(self.folder / names["frame"], "wb") as stream:
                pq.write_table(pa.Table.from_pandas(table.frame, preserve_index=False), stream)
            if table.totals is not None:
                with _atomic(self.folder / names["totals"], "wb") as stream:
                    pq.write_table(pa.Table.from_pandas(table.totals, preserve_index=False), stream)
            meta = {
                "sha256": self.sha256,
                "sheet": table.sheet,
                "rows": len(table.frame),
                "frame": names["frame"],
                "totals": names["totals"] if table.totals is not None else None,
                "columns": {name: asdict(column) for name, column in table.columns.items()},
                "findings": [
                    {**finding.model_dump(mode="json"), "params": finding.params} for finding in table.findings
                ],
                "title_year": table.title_year,
                "header_row": table.header_row,
            }
            with _atomic(self.folder / f"table-{key}.json", "w") as stream:
                json.dump(meta, stream, ensure_ascii=False, default=str)
        except OSError:
            return  # a cache that cannot be written only costs time

    # --- compute's finished output ------------------------------------------------------------------

    def load_output(self, key: str) -> tuple[Path, dict[str, Any]] | None:
        """The output file and its meta (findings, has_errors), when the file checks out whole."""
        meta_path = self.folder / f"output-{key}.json"
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            output = self.folder / meta["file"]
            if _signature(output) == meta.get("signature"):
                return output, meta  # untouched since it was written and checked
            if _crc_and_size(output) != (meta["crc32"], meta["size"]):
                return None
            meta["signature"] = _signature(output)  # checked whole: next time its signature suffices
            with _atomic(meta_path, "w") as stream:
                json.dump(meta, stream, ensure_ascii=False, default=str)
            return output, meta
        except Exception:
            return None

    def store_output(
        self, key: str, write: Callable[[BinarySink], None], meta: dict[str, Any], tee_to: BinarySink | None = None
    ) -> bool:
        """Write the output through ``write`` into the cache (and to ``tee_to`` as it goes).

        False when the entry could not be stored; what went to ``tee_to`` is whole either way.
        """
        name = f"output-{key}.out"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with _atomic(self.folder / name, "wb") as stream, _Compressing(stream) as compressing:
                sink: BinarySink = _Tee(tee_to, compressing) if tee_to is not None else compressing
                write(sink)
                if isinstance(sink, _Tee) and sink.failed:
                    raise OSError("the cache entry could not be written whole")
                compressing.finish()
            crc, size = _crc_and_size(self.folder / name)
            entry = {**meta, "file": name, "crc32": crc, "size": size, "signature": _signature(self.folder / name)}
            with _atomic(self.folder / f"output-{key}.json", "w") as stream:
                json.dump(entry, stream, ensure_ascii=False, default=str)
            return True
        except OSError:
            return False


class _Tee:
    """Writes to the real output and to the cache entry; a failing cache write only drops the entry."""

    def __init__(self, primary: BinarySink, secondary: BinarySink) -> None:
        self.primary = primary
        self.secondary = secondary
        self.failed = False

    def write(self, data: bytes | memoryview) -> int:
        self.primary.write(data)
        if not self.failed:
            try:
                self.secondary.write(data)
            except OSError:
                self.failed = True
        return len(data)


class _Compressing:
    """A sink that stores what is written in lz4 blocks, each compressed in a thread beside the writer."""

    def __init__(self, stream: BinarySink) -> None:
        self.stream = stream
        self.buffer = bytearray()
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="chuangye-cache")
        self.pending: deque[Future[tuple[bytes, int]]] = deque()

    def __enter__(self) -> _Compressing:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def write(self, data: bytes | memoryview) -> int:
        view = memoryview(data)
        while view:  # blocks of exactly STORED_BLOCK bytes: the replay reuses buffers of one size
            room = STORED_BLOCK - len(self.buffer)
            self.buffer += view[:room]
            view = view[room:]
            if len(self.buffer) >= STORED_BLOCK:
                self._hand_over()
        return len(data)

    def finish(self) -> None:
        """Compress what is left and write every block; OSError when a block could not be compressed."""
        if self.buffer:
            self._hand_over()
        while self.pending:
            self._write_next()

    def _hand_over(self) -> None:
        block, self.buffer = self.buffer, bytearray()
        self.pending.append(self.pool.submit(self._compress, block))
        while len(self.pending) > _AHEAD:
            self._write_next()

    def _compress(self, block: bytearray) -> tuple[bytes, int]:
        compressed: bytes = lz4.block.compress(block, store_size=False)
        return compressed, len(block)

    def _write_next(self) -> None:
        try:
            compressed, size = self.pending.popleft().result()
        except Exception as error:  # lz4's errors are not OSErrors: the entry is dropped all the same
            raise OSError(f"the cache entry could not be compressed: {error}") from error
        self.stream.write(_FRAME.pack(len(compressed), size))
        self.stream.write(compressed)


def stored_blocks(path: Path) -> Iterator[memoryview]:
    """The bytes of a stored output, block by block, decompressed two at a time ahead of the reader.

    The entry is mapped, not read: each block goes to lz4 as a view of the mapping, with no copy."""
    with path.open("rb") as stream, ThreadPoolExecutor(2, thread_name_prefix="chuangye-cache") as pool:
        if os.fstat(stream.fileno()).st_size == 0:  # an empty file cannot be mapped
            return
        with mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            if hasattr(mapped, "madvise"):  # the disk reads ahead of the decompression
                mapped.madvise(mmap.MADV_WILLNEED)
            whole = memoryview(mapped)
            try:
                yield from _decompressed(whole, pool, path)
            finally:
                whole.release()


def _decompressed(whole: memoryview, pool: ThreadPoolExecutor, path: Path) -> Iterator[memoryview]:
    def decompress(data: memoryview, size: int) -> memoryview:
        try:
            return memoryview(lz4.block.decompress(data, uncompressed_size=size))
        finally:
            data.release()

    pending: deque[Future[memoryview]] = deque()
    offset = 0
    try:
        while offset < len(whole):
            if offset + _FRAME.size > len(whole):
                raise OSError(f"{path}: a cache entry ends inside a block header")
            length, size = _FRAME.unpack_from(whole, offset)
            offset += _FRAME.size
            if offset + length > len(whole):
                raise OSError(f"{path}: a cache entry ends inside a block")
            pending.append(pool.submit(decompress, whole[offset : offset + length], size))
            offset += length
            if len(pending) > _AHEAD:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:  # a reader that stopped early: every block in hand finishes, releasing its view, before the unmapping
        for future in pending:
            future.exception()


def replay_output(hit: tuple[Path, dict[str, Any]], out: IO[str]) -> tuple[list[Any], bool]:
    """Copy a whole cached output (from ``Cache.load_output``) to ``out``; its findings and whether it had errors."""

    path, meta = hit
    copy_to(path, out)
    return [Finding.model_construct(**item) for item in meta["findings"]], bool(meta["has_errors"])


def copy_to(source: Path, out: IO[str]) -> None:
    """Send a stored output to a text stream: straight to its file descriptor when it has one."""
    out.flush()
    try:
        target = out.fileno()
    except (AttributeError, OSError, ValueError):
        target = -1
    buffer = getattr(out, "buffer", None)
    decoder = codecs.getincrementaldecoder("utf-8")()  # a block may end inside a character
    for block in stored_blocks(source):
        if target >= 0:
            while block:
                block = block[os.write(target, block) :]
        elif buffer is not None:
            buffer.write(block)
        else:
            out.write(decoder.decode(block))
    if target < 0 and buffer is None:
        out.write(decoder.decode(b"", final=True))
    if buffer is not None and target < 0:
        buffer.flush()


def _crc_and_size(path: Path) -> tuple[int, int]:
    crc, size = 0, 0
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(BLOCK), b""):
            crc = zlib.crc32(block, crc)
            size += len(block)
    return crc, size


def _signature(path: Path) -> list[int]:
    """Size, modification time and inode: they change whenever the file is written to or replaced."""
    status = path.stat()
    return [status.st_size, status.st_mtime_ns, status.st_ino]


def content_digest(path: Path, root: Path) -> str:
    """The SHA-256 of the file's bytes, remembered against its signature so an untouched file is not read again."""

    index = root / "digests" / (hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:32] + ".json")
    signature = _signature(path)
    try:
        known = json.loads(index.read_text(encoding="utf-8"))
        if known["signature"] == signature and len(known["sha256"]) == 64:
            return str(known["sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    digest = file_sha256(path)
    try:
        index.parent.mkdir(parents=True, exist_ok=True)
        with _atomic(index, "w") as stream:
            json.dump({"signature": signature, "sha256": digest}, stream)
    except OSError:
        pass
    return digest


@contextmanager
def _atomic(target: Path, mode: str) -> Iterator[Any]:
    """A file written under a temporary name in the same folder, renamed over ``target`` when complete."""
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with open(handle, mode, encoding=None if "b" in mode else "utf-8") as stream:
            yield stream
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _restore(frame: Any) -> Any:
    """Parquet gives text back as Arrow-backed strings; the reader's frames hold objects with None."""
    for name in frame.columns:
        if frame[name].dtype != "float64" and frame[name].dtype.kind not in "iub":
            frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
    return frame


def load_return(
    path: Path,
    catalog: Any,
    *,
    sheet: str | None = None,
    mapping: dict[str, str] | None = None,
    cache: Cache | None = None,
) -> ReturnTable:
    """The parsed return: from the cache when an entry for these bytes and settings is whole, else read."""

    if cache is None:
        return read_return(path, catalog, sheet=sheet, mapping=mapping)
    key = fingerprint(
        "table",
        sheet,
        mapping,
        [field.model_dump() for field in catalog.fields.values()],
        [level.model_dump() for level in catalog.levels.values()],
    )
    table = cache.load_table(key, path)
    if table is None:
        table = read_return(path, catalog, sheet=sheet, mapping=mapping)
        cache.store_table(key, table)
    return table
