r"""The editable script file: Markdown with a small front matter.

Format (UTF-8)::

    ---
    voicer: script 1
    title: 黄仁勋、扎克伯格巅峰对谈实录
    language: zh
    hosts:
      - id: 黄仁勋
        name: 黄仁勋
        voice: zh-female-1
      - id: 主持人
        name: 主持人
        voice: zh-female-2
    source: huang-zuckerberg-interview.zh.md
    ---

    # 开场

    **主持人:** 欢迎收听。今天我们来聊聊：黄仁勋、扎克伯格巅峰对谈实录。 [+]

    **黄仁勋:** 你能相信吗？[笑] 这是现代计算的先驱之一。

    [pause 1.5s]

Front matter (between the two ``---`` lines): one ``key: value`` per line.
``voicer: script 1`` marks the file as a voicer script (`is_script_file`).
``title`` and ``language`` (zh/en) are the episode's; ``hosts:`` is a list of hosts,
each ``- id:`` followed by indented ``name:`` and ``voice:`` (a voice preset; see
``voicer voices``). Every other key is episode metadata (author, show, date...).
A value may be written in double quotes, JSON style, to keep spaces at its edges
or a line break (``"\n"``); the writer does that when needed.

Body: ``# Title`` starts a chapter. Each turn is one paragraph starting with the
speaker's host id in bold and a colon, ``**id:** text`` (``id: text`` and
``**id**: text`` are accepted too); a paragraph may wrap over several lines.
A turn ending with ``[+]`` is a line voicer added (a bridge, not from the
source). A line ``[pause 1.5s]`` after a turn sets the silence after it.
``[笑]``-style annotations inside a turn are kept for readers and never spoken;
``[pause 0.5s]`` inside a turn pauses there. Lines ``<!-- ... -->`` are comments.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from voicer.errors import InputError, ScriptSyntaxError
from voicer.fsutil import atomic_write_text
from voicer.model import Chapter, Host, Script, Turn

MAGIC = "script 1"
_RESERVED = ("voicer", "title", "language", "hosts")
_KEY_RE = re.compile(r"^([^\W\d_][\w.\-]*):(?:[ \t](.*))?$")
_HOST_KEY_RE = re.compile(r"^[ \t]+(?:-[ \t]+)?([a-z]+):(?:[ \t](.*))?$")
_HOST_START_RE = re.compile(r"^[ \t]*-[ \t]+")
_TURN_RES = (
    re.compile(r"^\*\*(?P<id>[^*\n]+?)[:：]\*\*[ \t]*(?P<text>.*)$"),
    re.compile(r"^\*\*(?P<id>[^*\n]+?)\*\*[ \t]*[:：][ \t]*(?P<text>.*)$"),
    re.compile(r"^(?P<id>[^\s*#\[<:：][^:：\n]{0,39}?)(?::[ \t]+|：[ \t]*)(?P<text>.*)$"),
)
_PAUSE_LINE_RE = re.compile(r"^\[pause(?:[ \t]+(?P<value>[^\]]*))?\]$", re.IGNORECASE)
_PAUSE_VALUE_RE = re.compile(r"^(\d+(?:\.\d+)?)[ \t]*s?$")
_BRIDGE_MARK = "[+]"
_COMMENT = (
    "<!-- voicer script: edit freely. '# Title' starts a chapter; '**id:** text' is one turn; "
    "a line '[pause 1.5s]' after a turn adds silence; '[+]' marks a line voicer added. -->"
)
MAX_PAUSE = 60.0


def _quote(value: str) -> str:
    if value == "" or value != value.strip() or "\n" in value or value.startswith('"'):
        return json.dumps(value, ensure_ascii=False)
    return value


def _unquote(value: str, path: str, line: int) -> str:
    value = value.strip()
    if value.startswith('"'):
        try:
            result = json.loads(value)
        except json.JSONDecodeError:
            raise ScriptSyntaxError(path, line, 'a quoted value must end with a closing " quote') from None
        if not isinstance(result, str):
            raise ScriptSyntaxError(path, line, "a quoted value must be text")
        return result
    return value


def _check_label(value: str, what: str) -> None:
    if not value or value != value.strip() or any(c in value for c in "*:：\n[]#"):
        raise ValueError(
            f"{what} {value!r} cannot be written to a script file (avoid * : [ ] # and spaces at its edges)"
        )


def _note(note: str) -> str:
    """A chapter note as one comment line (no line break, no early '-->')."""
    return " ".join(note.replace("-->", "->").split())


def format_script(script: Script) -> str:
    """The script as the editable Markdown text (see the module docstring)."""
    lines = [
        "---",
        f"voicer: {MAGIC}",
        f"title: {_quote(script.title)}",
        f"language: {_quote(script.language)}",
    ]
    lines.append("hosts:")
    for h in script.hosts:
        _check_label(h.id, "host id")
        lines += [f"  - id: {h.id}", f"    name: {_quote(h.name)}", f"    voice: {_quote(h.voice)}"]
    for key, value in script.meta.items():
        if key in _RESERVED or not _KEY_RE.match(f"{key}:"):
            raise ValueError(f"meta key {key!r} cannot be written to a script file")
        lines.append(f"{key}: {_quote(str(value))}")
    lines += ["---", "", _COMMENT]
    for chapter in script.chapters:
        if "\n" in chapter.title:
            raise ValueError("a chapter title cannot hold a line break")
        lines += ["", f"# {chapter.title}".rstrip()]
        lines += ["", *(f"<!-- {_note(n)} -->" for n in chapter.notes)] if chapter.notes else []
        for turn in chapter.turns:
            text = " ".join(turn.text.split("\n")).strip()
            lines += ["", f"**{turn.speaker}:** {text}" + (f" {_BRIDGE_MARK}" if turn.bridge else "")]
            if turn.pause_after is not None:
                lines += ["", f"[pause {turn.pause_after!r}s]"]
    return "\n".join(lines) + "\n"


def write_script(script: Script, path: str | os.PathLike[str]) -> None:
    """Write the script file atomically."""
    atomic_write_text(path, format_script(script))


def _front_matter(lines: list[str], path: str) -> tuple[dict[str, str], list[Host], int, int]:
    """(keys, hosts, line number of the language key, index of the first body line)."""
    first = next((i for i, raw in enumerate(lines) if raw.strip()), None)
    if first is None or lines[first].strip() != "---":
        raise ScriptSyntaxError(
            path, (first or 0) + 1, "a script starts with a '---' front matter block (title, language, hosts)"
        )
    keys: dict[str, str] = {}
    key_lines: dict[str, int] = {}
    hosts: list[Host] = []
    host: dict[str, str] | None = None
    host_line = 0
    in_hosts = False

    def finish_host() -> None:
        if host is None:
            return
        for k in ("id", "voice"):
            if not host.get(k):
                raise ScriptSyntaxError(path, host_line, f"a host needs a '{k}:' line")
        if any(h.id == host["id"] for h in hosts):
            raise ScriptSyntaxError(
                path, host_line, f"host id '{host['id']}' is listed twice; give each host its own id"
            )
        hosts.append(Host(id=host["id"], name=host.get("name") or host["id"], voice=host["voice"]))

    for i in range(first + 1, len(lines)):
        raw = lines[i].rstrip()
        n = i + 1
        if raw.strip() == "---":
            finish_host()
            for k in ("language",):
                if k not in keys:
                    raise ScriptSyntaxError(path, n, f"the front matter needs a '{k}:' line")
            if not hosts:
                raise ScriptSyntaxError(
                    path, n, "the front matter needs a 'hosts:' list with at least one host"
                )
            return keys, hosts, key_lines.get("language", n), i + 1
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if in_hosts and raw[:1] in " \t":
            m = _HOST_KEY_RE.match(raw)
            if not m or m.group(1) not in ("id", "name", "voice"):
                raise ScriptSyntaxError(
                    path, n, "a host line must be '- id: ...', 'name: ...' or 'voice: ...'"
                )
            if _HOST_START_RE.match(raw):
                finish_host()
                host, host_line = {}, n
            if host is None:
                raise ScriptSyntaxError(path, n, "start each host with '- id: ...'")
            host[m.group(1)] = _unquote(m.group(2) or "", path, n)
            continue
        m = _KEY_RE.match(raw)
        if not m:
            raise ScriptSyntaxError(path, n, "a front matter line must be 'key: value'")
        finish_host()
        host, in_hosts = None, False
        key = m.group(1)
        if key == "hosts":
            in_hosts = True
            continue
        if key in keys:
            raise ScriptSyntaxError(path, n, f"'{key}' is set twice in the front matter")
        keys[key] = _unquote(m.group(2) or "", path, n)
        key_lines[key] = n
    raise ScriptSyntaxError(path, len(lines), "the front matter is not closed; add a '---' line after it")


def _set_pause(pause: re.Match[str], last: Turn | None, path: str, n: int) -> None:
    """Apply a '[pause 1.5s]' line to the turn before it."""
    value = _PAUSE_VALUE_RE.match((pause.group("value") or "").strip())
    if not value:
        raise ScriptSyntaxError(path, n, "write a pause as '[pause 1.5s]' (seconds)")
    seconds = float(value.group(1))
    if seconds > MAX_PAUSE:
        raise ScriptSyntaxError(path, n, f"a pause of {seconds:g}s is too long; use at most {MAX_PAUSE:g}s")
    if last is None:
        raise ScriptSyntaxError(path, n, "a '[pause ...]' line must follow a turn")
    if last.pause_after is not None:
        raise ScriptSyntaxError(path, n, "this turn already has a pause line; keep one")
    last.pause_after = seconds


def _turn_line(line: str, hosts: list[Host], path: str, n: int) -> Turn:
    """The turn a '**A:** text' line starts (the label is a host's id or name)."""
    match = next((m for r in _TURN_RES if (m := r.match(line))), None)
    if not match:
        raise ScriptSyntaxError(path, n, "a turn must start with the speaker, e.g. '**A:** text'")
    label = match.group("id").strip()
    speaker = {h.id: h.id for h in hosts}.get(label) or {h.name: h.id for h in hosts}.get(label)
    if speaker is None:
        known = ", ".join(h.id for h in hosts)
        raise ScriptSyntaxError(
            path, n, f"unknown speaker '{label}'; use one of the hosts ({known}) or add it under 'hosts:'"
        )
    words = match.group("text").strip()
    bridge = words.endswith(_BRIDGE_MARK)
    if bridge:
        words = words[: -len(_BRIDGE_MARK)].rstrip()
    if not words:
        raise ScriptSyntaxError(path, n, "this turn has no text; write what the speaker says after the colon")
    return Turn(speaker=speaker, text=words, bridge=bridge)


def parse_script(text: str, path: str = "<script>") -> Script:
    """Parse the editable script text; `ScriptSyntaxError` names the offending line."""
    path = str(path)
    lines = text.lstrip("\ufeff").split("\n")
    keys, hosts, language_line, body = _front_matter(lines, path)
    language = keys.pop("language")
    if language not in ("zh", "en"):
        raise ScriptSyntaxError(path, language_line, f"language must be 'zh' or 'en', not '{language}'")
    title = keys.pop("title", "")
    keys.pop("voicer", None)
    chapters: list[Chapter] = []
    turn: Turn | None = None  # the turn a continuation line may extend
    last: Turn | None = None  # the turn a pause line applies to
    in_comment = False
    for i in range(body, len(lines)):
        n = i + 1
        line = lines[i].strip()
        if in_comment:
            in_comment = "-->" not in line
            continue
        if line.startswith("<!--"):
            in_comment = "-->" not in line
            if not in_comment and chapters and not chapters[-1].turns and line.endswith("-->"):
                chapters[-1].notes.append(line[4:-3].strip())  # a note under a chapter title
            continue
        if not line:
            turn = None
            continue
        if line.startswith("#"):
            heading = re.match(r"^#{1,6}(?:[ \t]+(.*))?$", line)
            if not heading:
                raise ScriptSyntaxError(path, n, "a chapter line must be '# Title' (a space after '#')")
            chapters.append(Chapter(title=(heading.group(1) or "").strip()))
            turn = last = None
            continue
        pause = _PAUSE_LINE_RE.match(line)
        if pause:
            _set_pause(pause, last, path, n)
            turn = None
            continue
        if turn is not None and not any(r.match(line) for r in _TURN_RES[:2]):
            # A wrapped paragraph: continue the turn (space only between Latin text).
            bridge = line.endswith(_BRIDGE_MARK)
            if bridge:
                line = line[: -len(_BRIDGE_MARK)].rstrip()
            sep = " " if re.search(r"[A-Za-z0-9,.;:!?]$", turn.text) or re.match(r"[A-Za-z0-9]", line) else ""
            turn.text += sep + line
            turn.bridge = turn.bridge or bridge
            continue
        if not chapters:
            chapters.append(Chapter(title=""))
        turn = last = _turn_line(line, hosts, path, n)
        chapters[-1].turns.append(turn)
    if in_comment:
        raise ScriptSyntaxError(path, len(lines), "a '<!--' comment is not closed; add '-->'")
    return Script(title=title, language=language, hosts=hosts, chapters=chapters, meta=keys)


def read_script(path: str | os.PathLike[str]) -> Script:
    """Read and parse a script file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"Script file {p} does not exist; check the path.") from None
    except (UnicodeDecodeError, IsADirectoryError, PermissionError, OSError):
        raise InputError(
            f"Script file {p} cannot be read as UTF-8 text; pass a script written by `voicer script`."
        ) from None
    return parse_script(text, str(p))


def is_script_file(path: str | os.PathLike[str]) -> bool:
    """True when `path` is a text file whose front matter has ``voicer: script ...``."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096).decode("utf-8", errors="replace")
    except OSError:
        return False
    lines = head.lstrip("\ufeff").lstrip().split("\n")
    if not lines or lines[0].strip() != "---":
        return False
    for raw in lines[1:]:
        if raw.strip() == "---":
            return False
        m = _KEY_RE.match(raw.rstrip())
        if m and m.group(1) == "voicer":
            return (m.group(2) or "").strip().startswith("script")
    return False
