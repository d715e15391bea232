"""What the server accepts as an uploaded report file, checked before any reader sees it.

- type: ``.xlsx`` or ``.csv`` by name *and* by content (an xlsx is a zip with
  ``[Content_Types].xml``; a CSV has no NUL bytes); macro workbooks (.xlsm) are refused;
- size: :data:`MAX_UPLOAD_BYTES` (the request body limit of the app is the same figure);
- zip bombs: at most :data:`MAX_ZIP_ENTRIES` entries, :data:`MAX_UNPACKED_BYTES` unpacked in
  all and a compression ratio of at most :data:`MAX_RATIO` per entry — judged from the zip
  directory, nothing is inflated; encrypted entries are refused.

The file is kept under its own (made safe) name in a fresh private folder, so the reader's
messages name the file the user chose.
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

from minshi_geo.errors import MinshiError
from minshi_geo.escape import path_inside, safe_filename

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ZIP_ENTRIES = 200
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_RATIO = 200
ALLOWED_SUFFIXES = (".xlsx", ".csv")


class UploadRefused(MinshiError):
    """The uploaded file is not an acceptable report file (message in Chinese)."""


def check_upload(filename: str, data: bytes) -> str:
    """The file's safe name, or :class:`UploadRefused` saying what is wrong."""
    name = safe_filename(Path(filename or "").name or "report.xlsx", default="report.xlsx")
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise UploadRefused(
            f"{name}：不接受的文件类型（{suffix or '无扩展名'}），请上传任务分解表 .xlsx 或 .csv",
            hint="含宏的 .xlsm 和其他格式一律拒收",
        )
    if not data:
        raise UploadRefused(f"{name}：文件为空")
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadRefused(f"{name}：文件过大（{len(data) / 1048576:.1f} MB，上限 "
                            f"{MAX_UPLOAD_BYTES // 1048576} MB）")
    if suffix == ".xlsx":
        _check_zip(name, data)
    elif b"\x00" in data[:65536]:
        raise UploadRefused(f"{name}：不是文本格式的 CSV 文件（含二进制内容）")
    return name


def _check_zip(name: str, data: bytes) -> None:
    import io

    if not data.startswith(b"PK"):
        raise UploadRefused(f"{name}：不是有效的 xlsx 文件（不是 Excel 工作簿格式）")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise UploadRefused(f"{name}：xlsx 文件已损坏，无法打开") from None
    if len(infos) > MAX_ZIP_ENTRIES:
        raise UploadRefused(f"{name}：xlsx 内部文件过多（{len(infos)} 个，上限 {MAX_ZIP_ENTRIES}）")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise UploadRefused(f"{name}：xlsx 已加密，请另存为未加密的工作簿后上传")
        total += info.file_size
        if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
            raise UploadRefused(f"{name}：xlsx 压缩比异常（{info.filename}），疑似压缩炸弹，已拒收")
    if total > MAX_UNPACKED_BYTES:
        raise UploadRefused(f"{name}：xlsx 解压后过大（{total / 1048576:.0f} MB，上限 "
                            f"{MAX_UNPACKED_BYTES // 1048576} MB），已拒收")
    if "[Content_Types].xml" not in {i.filename for i in infos}:
        raise UploadRefused(f"{name}：不是 Excel 工作簿（缺少 [Content_Types].xml）")


def save_upload(folder: Path, filename: str, data: bytes) -> Path:
    """Check and keep the upload in a new private folder under ``folder``; returns its path."""
    name = check_upload(filename, data)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="upload-", dir=folder))
    path = path_inside(tmp, name)
    path.write_bytes(data)
    return path
