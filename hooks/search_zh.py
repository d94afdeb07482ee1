"""Chinese search: jieba segmentation with the programme's terms, a fixed query segmenter,
and a UTF-8 search index.

Material segments Chinese text with jieba at build time, silently skipping it when jieba is
missing; this hook makes that a build error, loads our user dictionary (resolved against this
file, not the working directory), and after the build patches the copied search worker so
a query's last word is no longer dropped (心理委员 was searched as 心理*).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jieba
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError

USER_DICT = Path(__file__).with_name("jieba-userdict.txt")

# The greedy segmenter's inner loop `for(j=i+1; j<q.length; j++) q.slice(i,j) in index`
# never tests a slice that ends at the query's last character.
_SEGMENT_LOOP = re.compile(
    r"for\(let (?P<j>\w+)=(?P<i>\w+)\+1;(?P=j)<(?P<q>\w+)\.length;(?P=j)\+\+\)"
    r"(?P=q)\.slice\((?P=i),(?P=j)\)in "
)
PATCH_MARK = "/*portal:segment-fix*/"


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    jieba.setLogLevel(60)
    with USER_DICT.open("rb") as userdict:
        jieba.load_userdict(userdict)
    return config


def patch_worker(source: str) -> str:
    """Return the search worker with the segmenter's loop bound fixed; fail if not found."""
    if PATCH_MARK in source:
        return source
    patched, count = _SEGMENT_LOOP.subn(
        lambda m: (
            f"{PATCH_MARK}for(let {m['j']}={m['i']}+1;{m['j']}<={m['q']}.length;{m['j']}++)"
            f"{m['q']}.slice({m['i']},{m['j']})in "
        ),
        source,
    )
    if count != 1:
        raise PluginError(
            f"search_zh: expected one segmenter loop in the search worker, found {count}; "
            "Material changed its worker, re-check the Chinese query fix"
        )
    return patched


def on_post_build(config: MkDocsConfig) -> None:
    site = Path(config.site_dir)
    workers = sorted((site / "assets/javascripts/workers").glob("search.*.min.js"))
    if not workers:
        raise PluginError("search_zh: no search worker found in the built site")
    for worker in workers:
        worker.write_text(patch_worker(worker.read_text(encoding="utf-8")), encoding="utf-8")
    index = site / "search/search_index.json"
    if index.exists():
        data = json.loads(index.read_text(encoding="utf-8"))
        index.write_text(
            json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
        )
