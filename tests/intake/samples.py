"""Hostile files, built on demand, for the tests and for bench/hostile_inputs.py."""

from __future__ import annotations

import io
import struct
import zipfile


def forged_docx_bomb(inflated: int) -> bytes:
    """A .docx whose word/document.xml inflates to `inflated` bytes of zeros, while the zip's
    central directory claims 1,000 bytes (the patched bomb that once got past the size check)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=False) as member:
            chunk = bytes(1024 * 1024)
            for _ in range(inflated // len(chunk)):
                member.write(chunk)
    data = bytearray(buffer.getvalue())
    at = data.find(b"PK\x01\x02")
    while at != -1:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46 : at + 46 + length]) == b"word/document.xml":
            struct.pack_into("<I", data, at + 24, 1000)
        at = data.find(b"PK\x01\x02", at + 1)
    return bytes(data)
