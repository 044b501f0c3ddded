"""Does a file's content match its extension (R-FL-8, issue 8 §4)? A renamed program (.exe as .pdf) or any
other mismatch is refused. The magic bytes are read by the `filetype` package, with small checks of our
own where it falls short: Office Open XML files are zip archives whose entries say which kind they are
(filetype only looks at the first few kilobytes), .doc/.xls are OLE2 compound files, text has no magic."""

import zipfile

import filetype

HEAD_BYTES = 8192

# extension → what filetype may call the content. An m4a is often an MP4 container with another brand.
BY_MAGIC = {
    "pdf": {"pdf"},
    "jpg": {"jpg"},
    "jpeg": {"jpg"},
    "png": {"png", "apng"},
    "gif": {"gif"},
    "webp": {"webp"},
    "bmp": {"bmp"},
    "tif": {"tif"},
    "tiff": {"tif"},
    "heic": {"heic"},
    "mp3": {"mp3"},
    "wav": {"wav"},
    "amr": {"amr"},
    "m4a": {"m4a", "mp4"},
    "aac": {"aac"},
    "ogg": {"ogg"},
    "flac": {"flac"},
    "3gp": {"3gp", "mp4"},
    "zip": {"zip", "docx", "xlsx", "pptx", "odt", "ods", "odp", "epub"},
    "rar": {"rar"},
    "7z": {"7z"},
}
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Microsoft compound file: .doc, .xls, .ppt
OLE2_EXTENSIONS = {"doc", "xls", "ppt"}
# Office Open XML: the archive entry that makes a zip this kind of document.
OOXML_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}
TEXT_EXTENSIONS = {"txt", "csv", "log", "md", "eml"}


def attachment_content_matches(*, uploaded_file, extension: str) -> bool:
    """True if the file's bytes are what its (lower-case) extension says. An extension with no rule here is
    accepted only when filetype recognises the content as exactly that extension. Leaves the file at 0."""
    try:
        uploaded_file.seek(0)
        head = uploaded_file.read(HEAD_BYTES)
        if extension in OOXML_PART:
            return _ooxml_matches(uploaded_file, OOXML_PART[extension])
        if extension in OLE2_EXTENSIONS:
            return head.startswith(OLE2)
        if extension in TEXT_EXTENSIONS:
            return _looks_like_text(head)
        kind = filetype.guess_extension(head)
        return kind in BY_MAGIC.get(extension, {extension})
    finally:
        uploaded_file.seek(0)


def _ooxml_matches(uploaded_file, part: str) -> bool:
    uploaded_file.seek(0)
    try:
        with zipfile.ZipFile(uploaded_file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False
    return "[Content_Types].xml" in names and part in names


def _looks_like_text(head: bytes) -> bool:
    """Text has no NUL byte and no binary signature, and reads as UTF-8 (a character cut at the end of the
    sample allowed) or GB18030 (Chinese text from older Windows tools)."""
    if b"\x00" in head or filetype.guess(head) is not None:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError as error:
            if encoding == "utf-8" and error.start >= len(head) - 3 and len(head) == HEAD_BYTES:
                return True
    return False
