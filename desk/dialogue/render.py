"""Render an answer object (desk.dialogue.answer) for a channel: plain text for REST,
WeChat (in pages within its byte limit, each source cited with its reference) and the
staff's other-language copy; the hotline, web page and staff console get the object itself
as JSON and render it in the browser (web/render.js)."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

from desk.dialogue import texts

WECHAT_LIMIT_BYTES = 2048  # WeChat's limit for a passive text reply
# A WeChat sources line (on the first and the last page) longer than this cites each source by its
# reference and date only, so that a page keeps room for the answer it cites.
WECHAT_SOURCES_MAX_BYTES = WECHAT_LIMIT_BYTES // 2
# Below this many bytes of room for a block a page is all head and sources: no splitting then.
MIN_PART_BYTES = 200
# Where a text too long for a page may be split, coarsest first; each match ends a piece (its
# trailing space stays with it). Full-width stops need no space after them; ASCII ones do, so
# "2023.05" or "No.75" is not a sentence end. Then clauses, then words; characters last.
SPLIT_AFTER = (
    re.compile(r"[。！？；][”’」』）)]*\s*|[.!?;][\"'”’)\]]*(?:\s+|$)"),
    re.compile(r"[，、：][”’」』）)]*\s*|[,:][\"'”’)\]]*\s+"),
    re.compile(r"\s+"),
)


def _labelled_sources(lang: str, items: Sequence[str]) -> str:
    """"Sources: a; b" in the reply's language, or "" when there are none."""
    if not items:
        return ""
    return f"{texts.label('source', lang)}{texts.label('colon', lang)}{texts.label('sep', lang).join(items)}"


def sources_line(answer: Dict[str, Any]) -> str:
    return _labelled_sources(answer["language"], [s["line"] for s in answer["sources"]])


def _reference(source: Dict[str, Any], lang: str) -> str:
    """A source by its reference (issuer or publisher, document number) and date, no title."""
    ref = source.get("ref") or source.get("title") or ""
    if lang == "zh":
        return ref + (f"（{source['date']}）" if source.get("date") else "")
    return ref + (f", {source['date']}" if source.get("date") else "")


def wechat_sources_line(answer: Dict[str, Any]) -> str:
    """WeChat's sources line: each source as every other channel cites it (its ``line``: the
    reference, the title and the date, desk.dialogue.answer.source_line), so a WeChat user can tell
    an official document (浦人社提复〔2023〕30号) from an agent's note (Team Relocations). WeChat
    repeats the line on the first and the last page of 2048 bytes; when it would take more than
    WECHAT_SOURCES_MAX_BYTES of them (nine sources took ~1500), each source is cited by its
    reference and date only: the title goes, never the reference."""
    lang = answer["language"]
    full = _labelled_sources(lang, [s["line"] for s in answer["sources"]])
    if _size(full) <= WECHAT_SOURCES_MAX_BYTES:
        return full
    return _labelled_sources(lang, [_reference(s, lang) for s in answer["sources"]])


def _fact_lines(fact: Dict[str, Any]) -> List[str]:
    return ([fact["ended_warning"]] if fact.get("ended_warning") else []) + [fact["text"]]


def _material_line(item: Dict[str, Any], lang: str) -> str:
    if lang == "zh":
        note = f"（{item['note']}）" if item.get("note") else ""
        return f"• {item['text']}【{item['flag']}】{note}"
    note = f" ({item['note']})" if item.get("note") else ""
    return f"• {item['text']} [{item['flag']}]{note}"


def body_blocks(answer: Dict[str, Any]) -> List[List[str]]:
    """The answer's droppable units in order (each a list of lines): what WeChat may drop
    from the end when the reply is too long."""
    lang = answer["language"]
    blocks: List[List[str]] = []
    blocks += [_fact_lines(item) for item in answer["items"] if not item.get("note")]
    blocks += [p for p in ([[p] for p in answer["paragraphs"]])]
    for i, step in enumerate(answer["steps"], 1):
        lines = _fact_lines(step)
        lines[-1] = f"{i}. {lines[-1]}"
        blocks.append(lines)
    for item in answer["materials"]:
        blocks.append(([item["ended_warning"]] if item.get("ended_warning") else []) + [_material_line(item, lang)])
    blocks += [_fact_lines(item) for item in answer["items"] if item.get("note")]  # after what they add to
    if answer["missing"]:
        blocks.append([answer["missing"]])
    if answer["contacts_intro"]:
        blocks.append([answer["contacts_intro"]])
    blocks += [[f"• {c['line']}"] for c in answer["contacts"]]
    return blocks


def head_lines(answer: Dict[str, Any]) -> List[str]:
    return [line for line in [answer["heading"], *answer["warnings"]] if line]


def option_lines(buttons: Sequence[Dict[str, Any]], lang: Optional[str] = None) -> List[str]:
    """Buttons as numbered lines, for channels that cannot show buttons (WeChat, plain text),
    and, in the answer's language, how to pick one: a reply "2" or "第二个" chooses the second
    (desk.dialogue.choices)."""
    lines = [f"{i}. {b['title']}" for i, b in enumerate((b for b in buttons if b.get("title")), 1)]
    return lines + ([texts.label("pick_by_number", lang)] if lines and lang else [])


def render_text(answer: Dict[str, Any], buttons: Sequence[Dict[str, Any]] = ()) -> str:
    """The plain-text reply (REST, the staff's other-language copy)."""
    lines = head_lines(answer) + [line for block in body_blocks(answer) for line in block]
    lines += option_lines(buttons, answer["language"])
    tail = sources_line(answer)
    return "\n".join(lines + ([tail] if tail else []))


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _cut(text: str, limit: int) -> str:
    return text.encode("utf-8")[: max(limit, 0)].decode("utf-8", errors="ignore")


def render_wechat(answer: Dict[str, Any], buttons: Sequence[Dict[str, Any]] = (),
                  limit: int = WECHAT_LIMIT_BYTES) -> str:
    """The reply as one WeChat text within ``limit`` bytes: the first of its pages."""
    return wechat_pages(answer, buttons, limit)[0]


def wechat_pages(answer: Dict[str, Any], buttons: Sequence[Dict[str, Any]] = (),
                 first_limit: int = WECHAT_LIMIT_BYTES, limit: int = WECHAT_LIMIT_BYTES) -> List[str]:
    """The reply as WeChat texts: one when it fits ``first_limit`` bytes, else pages of whole
    items, each within its limit, every one but the last ending with the note that the user can
    reply "more" (the channel keeps the rest: desk.channels.wechat). The heading and warnings are
    on every page, the sources line (``wechat_sources_line``) on the first and the last: an answer
    without its warning or source is one the user cannot weigh or check, and a user who stops at
    the first page has both. An item too long for any page is split at sentence ends first
    (``split_block``), so its end comes on the next page instead of being cut off."""
    lang = answer["language"]
    head, source = head_lines(answer), wechat_sources_line(answer)
    blocks = body_blocks(answer) + [[line] for line in option_lines(buttons, lang)]
    full = "\n".join(head + [line for block in blocks for line in block] + ([source] if source else []))
    if _size(full) <= first_limit:
        return [full]
    note = texts.label("more_follows", lang)
    room = _block_room(head, lang, source, note, first_limit, limit)
    blocks = [part for block in blocks for part in split_block(block, room)]
    pages: List[str] = []
    while blocks:
        room = first_limit if not pages else limit
        page_head = head if not pages else _continued(head, lang)
        if pages:
            rest = "\n".join(page_head + [line for block in blocks for line in block] + ([source] if source else []))
            if _size(rest) <= room:
                pages.append(rest)  # the last page: the rest, and the sources again
                break
        taken, text = _fill(page_head, blocks, source if not pages else "", note, room)
        if taken == 0:
            # not even the first block fits a page whole, and the page is too full of heading and
            # sources to split it: its beginning with the note that it was cut, rather than nothing
            pages.append(_cut_block(page_head, blocks[0], source, texts.label("truncated", lang), room))
            blocks = blocks[1:]
            continue
        pages.append(text)
        blocks = blocks[taken:]
    return pages or [_cut_head(head, source, first_limit)]


def _block_room(head: List[str], lang: str, source: str, note: str, first_limit: int, limit: int) -> int:
    """Bytes one block may take so that it fits any page (the first, a middle or the last) with
    that page's head, the note and the sources line; the first page only counts when it has
    room for a fair part (a reply that already spent most of it on other messages)."""
    later = limit - _size("\n".join(_continued(head, lang) + [note, source])) - 1
    first = first_limit - _size("\n".join(head + [note, source])) - 1
    return min(first, later) if first >= MIN_PART_BYTES else later


def split_block(block: List[str], room: int) -> List[List[str]]:
    """A block longer than ``room`` bytes as several blocks each within it, split between lines,
    then at sentence ends, clauses, words and (last) characters, so that nothing of it is lost
    and no page ends inside a word where a boundary would do. A block that fits, or a room too
    small to be worth filling, is returned whole."""
    if room < MIN_PART_BYTES or _size("\n".join(block)) <= room:
        return [block]
    lines = [chunk for line in block for chunk in _chunks(line.strip(), room)]
    parts: List[List[str]] = []
    for line in lines:
        if parts and _size("\n".join([*parts[-1], line])) <= room:
            parts[-1].append(line)
        else:
            parts.append([line])
    return parts


def _chunks(text: str, room: int, level: int = 0) -> List[str]:
    """``text`` in consecutive pieces of at most ``room`` bytes, broken after the matches of
    ``SPLIT_AFTER[level]`` where that will do, a finer level inside a piece where it will not."""
    if _size(text) <= room:
        return [text] if text else []
    if level >= len(SPLIT_AFTER):
        return _char_chunks(text, room)
    pieces, start = [], 0
    for match in SPLIT_AFTER[level].finditer(text):
        if match.end() > start:
            pieces.append(text[start:match.end()])
            start = match.end()
    pieces.append(text[start:])
    chunks: List[str] = []
    current = ""
    for piece in pieces:
        if _size((current + piece).rstrip()) <= room:
            current += piece
            continue
        if current.strip():
            chunks.append(current.rstrip())
        current = ""
        if _size(piece.rstrip()) <= room:
            current = piece
        else:
            chunks += _chunks(piece.strip(), room, level + 1)
    if current.strip():
        chunks.append(current.rstrip())
    return chunks


def _char_chunks(text: str, room: int) -> List[str]:
    """The last resort: whole characters (never part of a UTF-8 sequence) up to ``room`` bytes
    (``_cut``), at least one character each."""
    chunks = []
    while text:
        chunk = _cut(text, room) or text[0]
        chunks.append(chunk)
        text = text[len(chunk):]
    return chunks


def _continued(head: List[str], lang: str) -> List[str]:
    """A later page's head: the heading marked as continued, the warnings again."""
    if not head:
        return [texts.label("continued", lang)]
    return [f"{head[0]}{texts.label('continued', lang)}", *head[1:]]


def _fill(head: List[str], blocks: List[List[str]], source: str, note: str, limit: int) -> Tuple[int, str]:
    """How many leading blocks (not all: more follow) fit one page with the note and the sources
    line (if any), and that page."""
    best = (0, "")
    for n in range(1, len(blocks)):
        lines = head + [line for block in blocks[:n] for line in block]
        text = "\n".join(lines + [line for line in (note, source) if line])
        if _size(text) > limit:
            break
        best = (n, text)
    return best


def _cut_block(head: List[str], block: List[str], source: str, note: str, limit: int) -> str:
    tail = [line for line in (note, source) if line]
    room = limit - _size("\n".join(head + tail)) - 1
    if room <= 0:
        return _cut_head(head, source, limit)
    return "\n".join(head + [_cut("\n".join(block), room)] + tail)


def _cut_head(head: List[str], source: str, limit: int) -> str:
    """Even heading, warnings and sources are too long: keep the sources whole, cut the rest."""
    room = limit - _size(source) - 1
    return (_cut("\n".join(head), room) + "\n" + source) if room > 0 else _cut(source, limit)


def contract_answer(answer: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The hotline contract's ``answer`` fields, from the object (what this reply says)."""
    if answer["kind"] != "answer":
        return None
    aspect = answer["aspect"]
    field_text = "\n".join(i["text"] for i in answer["items"]) or None
    return {
        "title": answer["heading"],
        "status": answer["status"],
        "summary": field_text if aspect == "overview" else None,
        "eligibility": field_text if aspect == "eligibility" else None,
        "where": field_text if aspect == "where" else None,
        "duration": field_text if aspect == "duration" else None,
        "steps": [s["text"] for s in answer["steps"]],
        "materials": [{"name": m["text"], "required": m["required"], "note": m["note"]} for m in answer["materials"]],
        "warnings": answer["warnings"],
        "contacts": [c["line"] for c in answer["contacts"]],
    }


def contract_sources(answer: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [{k: s[k] for k in ("id", "ref", "title", "date", "url")} for s in answer["sources"]]
