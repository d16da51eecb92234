"""Render an answer object (desk.dialogue.answer) for a channel: plain text for REST,
WeChat (fitted to its byte limit by dropping items, never the sources line) and the
staff's other-language copy; the hotline, web page and staff console get the object itself
as JSON and render it in the browser (web/render.js)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from desk.dialogue import texts

WECHAT_LIMIT_BYTES = 2048  # WeChat's limit for a passive text reply


def sources_line(answer: Dict[str, Any]) -> str:
    if not answer["sources"]:
        return ""
    lang = answer["language"]
    items = texts.label("sep", lang).join(s["line"] for s in answer["sources"])
    return f"{texts.label('source', lang)}{texts.label('colon', lang)}{items}"


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
    blocks += [_fact_lines(item) for item in answer["items"]]
    blocks += [p for p in ([[p] for p in answer["paragraphs"]])]
    for i, step in enumerate(answer["steps"], 1):
        lines = _fact_lines(step)
        lines[-1] = f"{i}. {lines[-1]}"
        blocks.append(lines)
    for item in answer["materials"]:
        blocks.append(([item["ended_warning"]] if item.get("ended_warning") else []) + [_material_line(item, lang)])
    if answer["missing"]:
        blocks.append([answer["missing"]])
    if answer["contacts_intro"]:
        blocks.append([answer["contacts_intro"]])
    blocks += [[f"• {c['line']}"] for c in answer["contacts"]]
    return blocks


def head_lines(answer: Dict[str, Any]) -> List[str]:
    return [line for line in [answer["heading"], *answer["warnings"]] if line]


def render_text(answer: Dict[str, Any], buttons: Sequence[Dict[str, Any]] = ()) -> str:
    """The plain-text reply (REST, WeChat before fitting, the staff's other-language copy)."""
    lines = head_lines(answer) + [line for block in body_blocks(answer) for line in block]
    lines += [f"• {b['title']}" for b in buttons if b.get("title")]
    tail = sources_line(answer)
    return "\n".join(lines + ([tail] if tail else []))


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _cut(text: str, limit: int) -> str:
    return text.encode("utf-8")[: max(limit, 0)].decode("utf-8", errors="ignore")


def render_wechat(answer: Dict[str, Any], buttons: Sequence[Dict[str, Any]] = (),
                  limit: int = WECHAT_LIMIT_BYTES) -> str:
    """The reply as one WeChat text within ``limit`` bytes: whole items are dropped from the
    end (marked with a note) until it fits; the heading, warnings and the sources line are
    always kept, because an answer without its warning or source is one the user cannot
    weigh or check."""
    full = render_text(answer, buttons)
    if _size(full) <= limit:
        return full
    lang = answer["language"]
    head, blocks = head_lines(answer), body_blocks(answer)
    extra = [[f"• {b['title']}"] for b in buttons if b.get("title")]
    tail = [line for line in (texts.label("truncated", lang), sources_line(answer)) if line]
    kept = blocks + extra
    while kept:
        kept = kept[:-1]
        if not kept:
            # not even the first block fits whole (a greeting listing a thousand imported topics):
            # its beginning, rather than nothing but the note that something was cut
            room = limit - _size("\n".join(head + tail)) - 1
            if room > 0:
                return "\n".join(head + [_cut("\n".join((blocks + extra)[0]), room)] + tail)
        text = "\n".join(head + [line for block in kept for line in block] + tail)
        if _size(text) <= limit:
            return text
    # even heading + warnings + sources are too long: keep the sources whole, cut the rest
    source = sources_line(answer)
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
