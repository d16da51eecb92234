"""Every bot phrase, bilingual, from one file (data/texts.yml): replies, answer labels,
WeChat texts and the web pages' labels. Topic lists in greetings are filled from the
catalogue, so an imported topic shows up after publish without a code change."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Dict, Iterable, Optional

import yaml

from desk import settings

TEXTS_FILE = settings.PROJECT_ROOT / "data" / "texts.yml"
LANGUAGES = ("zh", "en")
_BRACKETED = re.compile(r"\s*[（(][^（）()]*[）)]\s*$")


@lru_cache(maxsize=1)
def all_texts() -> Dict[str, Any]:
    return yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))


def _lang(lang: str) -> str:
    return lang if lang in LANGUAGES else "en"


def text(section: str, key: str, lang: str, **values: Any) -> str:
    """One phrase (``section`` is replies | answer | wechat | page) with ``values`` filled in."""
    phrase = all_texts()[section][key][_lang(lang)]
    return phrase.format(**values) if values else phrase


def label(key: str, lang: str, **values: Any) -> str:
    return text("answer", key, lang, **values)


def hotline() -> str:
    return str(all_texts()["hotline"])


def has_reply(key: str) -> bool:
    return key in (all_texts().get("replies") or {})


def short_title(title: str) -> str:
    """A topic title without its trailing bracketed remark, for lists."""
    return _BRACKETED.sub("", title).strip() or title


def topic_list(titles: Iterable[Dict[str, str]], lang: str) -> str:
    """"a, b and c" of the catalogue's topic titles in one language."""
    names = [short_title(t[_lang(lang)]) for t in titles]
    return label("list_sep", lang).join(names)


def reply(key: str, lang: str, titles: Optional[Iterable[Dict[str, str]]] = None, **values: Any) -> str:
    """A bot reply; ``{topics}`` is the catalogue's topic list (empty catalogue: the
    generic wording without a list)."""
    phrase = all_texts()["replies"][key][_lang(lang)]
    if "{topics}" in phrase:
        values["topics"] = topic_list(titles or (), lang) or ("…" if lang == "en" else "……")
    return phrase.format(**values) if values else phrase


def page_texts(titles: Iterable[Dict[str, str]] = ()) -> Dict[str, Dict[str, str]]:
    """The web pages' labels by language (served in /config.js)."""
    titles = list(titles)
    out: Dict[str, Dict[str, str]] = {}
    for lang in LANGUAGES:
        out[lang] = {
            key: value[lang].format(hotline=hotline(), topics=topic_list(titles, lang))
            if "{" in value[lang] else value[lang]
            for key, value in all_texts()["page"].items()
        }
    return out
