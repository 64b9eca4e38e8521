"""Every command's --output: checked before anything is read, then written whole or not at all.

An output file is written under a temporary name in a private folder beside it, flushed to the disk and only then
renamed over the old one, so that a full disk, a read-only folder or an interruption leaves the old file as it was
and nothing else behind (XlsxWriter's own temporary files included: they are written in the same private folder).
An output is never a file the command reads (compared by device and inode, so hard links count), never a symbolic
link (which may point at an input, or anywhere) and never anything but a regular file (a folder, a device such as
/dev/null, a named pipe), which a rename would replace by a file.
"""

from __future__ import annotations

import datetime
import errno
import gc
import os
import shutil
import stat
import sys
import tempfile
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from chuangye_metrics.core.errors import UsageError
from chuangye_metrics.core.words import message_template

if TYPE_CHECKING:
    from chuangye_metrics.core.words import Language

# why a write failed, in the words of messages.yaml, by errno; other errors are given in the system's words
_REASONS = {
    errno.ENOSPC: "write-no-space",
    errno.EDQUOT: "write-quota",
    errno.EFBIG: "write-too-large",
    errno.EROFS: "write-read-only",
    errno.EACCES: "write-denied",
    errno.EPERM: "write-denied",
}
# the errors of a stream that is full or broken; any other stays what it is (a bug is reported as one)
_STREAM_FAILURES = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)
_KINDS = (
    (stat.S_ISDIR, "output-kind-folder"),
    (stat.S_ISCHR, "output-kind-device"),
    (stat.S_ISBLK, "output-kind-device"),
    (stat.S_ISFIFO, "output-kind-pipe"),
    (stat.S_ISSOCK, "output-kind-socket"),
)


def check_output(output: Path | None, inputs: Iterable[Path | None], language: Language) -> None:
    """Refuse, before anything is read or opened, an --output that may not be replaced: one of ``inputs`` (every
    file the command reads), a symbolic link, anything but a regular file, or one in a folder that is missing or
    cannot be written."""
    if output is None:
        return
    _refuse(output, [path for path in inputs if path is not None], language)
    folder = output.parent
    if not folder.is_dir():
        raise UsageError(_text("output-no-folder", language, output=output, folder=folder))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(_text("output-folder-denied", language, output=output, folder=folder))


@contextmanager
def replacing(output: Path, language: Language, inputs: Iterable[Path] = ()) -> Iterator[Path]:
    """A temporary path for the whole of ``output`` to be written to, in a private folder beside it; when the
    block ends, the file is flushed to the disk and renamed over ``output`` (keeping the old file's mode). When
    the block fails, or the file cannot be finished, the private folder goes with everything in it, ``output`` is
    left as it was, and an OSError becomes a UsageError that says why."""
    sources = list(inputs)
    _refuse(output, sources, language)
    try:
        folder = Path(tempfile.mkdtemp(prefix=f".{output.name}.", suffix=".partial", dir=output.parent))
    except OSError as error:
        raise _cannot_write(output, error, language) from error
    temporary = folder / output.name
    try:
        yield temporary
        _sync(temporary)
        if output.exists():
            os.chmod(temporary, stat.S_IMODE(output.stat().st_mode))
        _refuse(output, sources, language)  # the output may have been changed while it was written
        os.replace(temporary, output)
        _sync_folder(output.parent)
    except BaseException as failure:
        _release(failure)
        if isinstance(failure, OSError):
            raise _cannot_write(output, failure, language) from failure
        raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def replacing_workbook(output: Path, language: Language, inputs: Iterable[Path] = ()) -> Iterator[Path]:
    """``replacing`` for a workbook XlsxWriter writes: its FileCreateError, which wraps the OSError of creating the
    file, is that OSError again, so that it is said in one line like any other."""
    from xlsxwriter.exceptions import FileCreateError

    with replacing(output, language, inputs) as temporary:
        try:
            yield temporary
        except FileCreateError as error:
            cause = error.args[0] if error.args else None
            if isinstance(cause, OSError):
                raise cause from error
            raise OSError(errno.EIO, str(error)) from error


@contextmanager
def output_stream(output: Path | None, language: Language, *, bom: bool = False) -> Iterator[TextIO]:
    """stdout, or a text stream to the --output file (UTF-8, with a byte-order mark if ``bom``, for Excel),
    written through ``replacing``."""
    if output is None:
        try:
            yield sys.stdout
            sys.stdout.flush()
        except OSError as error:
            if error.errno not in _STREAM_FAILURES:
                raise
            raise UsageError(_text("output-stdout", language, reason=_reason(error, language))) from error
        return
    with (
        replacing(output, language) as temporary,
        open(temporary, "w", encoding="utf-8-sig" if bom else "utf-8") as stream,
    ):
        yield stream


def write_output(text: str, output: Path | None, language: Language, *, bom: bool = False) -> None:
    """``text`` to stdout or, whole or not at all, to the --output file."""
    with output_stream(output, language, bom=bom) as stream:
        stream.write(text)


def _refuse(output: Path, inputs: list[Path], language: Language) -> None:
    try:
        found = os.lstat(output)
    except FileNotFoundError:
        return
    except OSError as error:
        raise _cannot_write(output, error, language) from error
    if stat.S_ISLNK(found.st_mode):
        raise UsageError(_text("output-is-link", language, output=output))
    if not stat.S_ISREG(found.st_mode):
        kind = next((code for test, code in _KINDS if test(found.st_mode)), "output-kind-special")
        raise UsageError(_text("output-not-a-file", language, output=output, kind=_text(kind, language)))
    for source in inputs:
        try:
            read = os.stat(source)
        except OSError:
            continue
        if (read.st_dev, read.st_ino) == (found.st_dev, found.st_ino):
            raise UsageError(_text("output-is-input", language, output=output, input=source))


def _release(failure: BaseException) -> None:
    """Free, now and quietly, what a failed writer left open: XlsxWriter and openpyxl leave their ZipFile
    unclosed, and its own clean-up, whenever the collector came to it, would fail again on the full disk and print
    a traceback on stderr."""

    hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: None
    try:
        seen: set[int] = set()
        pending: list[BaseException | None] = [failure]
        while pending:  # the failure, and the errors it was raised from or while handling
            error = pending.pop()
            if error is None or id(error) in seen:
                continue
            seen.add(id(error))
            traceback.clear_frames(error.__traceback__)  # the writer's frames, and the files their locals hold
            pending += [error.__cause__, error.__context__]
        gc.collect()
    finally:
        sys.unraisablehook = hook


def _sync(path: Path) -> None:
    """Flush the file's data to the disk, so that the rename never puts an empty or partial file in place."""
    descriptor = os.open(path, os.O_RDWR)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _sync_folder(folder: Path) -> None:
    """Flush the folder's entry of the renamed file (where the system allows it)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _cannot_write(output: Path, error: OSError, language: Language) -> UsageError:
    if isinstance(error, FileNotFoundError) and not output.parent.is_dir():
        return UsageError(_text("output-no-folder", language, output=output, folder=output.parent))
    return UsageError(_text("output-cannot-write", language, output=output, reason=_reason(error, language)))


def _reason(error: OSError, language: Language) -> str:
    code = _REASONS.get(error.errno or 0)
    if code is not None:
        return _text(code, language)
    return error.strerror or str(error)


def _text(code: str, language: Language, **values: object) -> str:

    return message_template(code, language).format(**values)


def made_on() -> datetime.datetime:
    """Now, or the time SOURCE_DATE_EPOCH gives (as build tools honour it): the same workbook from the same returns."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), datetime.UTC).replace(tzinfo=None)
    return datetime.datetime.now()
