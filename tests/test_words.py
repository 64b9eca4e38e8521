"""The words catalogue: every code the source uses is there in both languages, and no module chooses words inline."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from chuangye_metrics.core import words
from chuangye_metrics.core.errors import ConfigError
from chuangye_metrics.core.resources import formulas_dir
from chuangye_metrics.core.words import LANGUAGES, placeholders

SOURCE = Path(__file__).resolve().parents[1] / "src" / "chuangye_metrics"
LOOKUPS = {"text", "both", "message_template", "known_message", "section"}

# lines that may still name a language, each with its reason: (module, text on the line) -> reason
ALLOWED = {
    ("config/catalog.py", 'return self.header if language == "zh" else self.id'): "a field's own names (formulas YAML)",
    ("config/catalog.py", 'return self.name if language == "zh" else (self.name_en or fallback)'): (
        "an indicator's own names (formulas YAML)"
    ),
    ("config/catalog.py", 'return self.name if language == "zh" else self.id'): (
        "an indicator's or a level's Chinese name, or its id (formulas YAML)"
    ),
    ("config/catalog.py", 'return self.name if language == "zh" else self.name_en'): "a level's own names",
    ("standards/library.py", 'return self.name if language == "zh" else (self.name_en or self.name)'): (
        "a standard's and a scored item's own names (its YAML)"
    ),
    ("standards/library.py", 'return self.grade if language == "zh" else (self.grade_en or self.grade)'): (
        "a grade's own names (its standard's YAML)"
    ),
    ("core/guard.py", 'language = "en" if arguments[index + 1] == "en" else "zh"'): (
        "--lang read from the raw arguments before they are parsed: a language, not a word"
    ),
    ("core/guard.py", 'language = "en" if argument.partition("=")[2] == "en" else "zh"'): (
        "--lang read from the raw arguments before they are parsed: a language, not a word"
    ),
    ("core/findings.py", '({"zh": …, "en": …})'): "a docstring naming the shape of a parameter in both languages",
    (
        "config/catalog.py",
        'return (self.short_name if language == "zh" else self.short_name_en) or self.label(language)',
    ): ("an indicator's own short names (formulas YAML)"),
    (
        "core/guard.py",
        'language: Language = "en" if os.environ.get(LANG_VARIABLE, "").strip().lower() == "en" else "zh"',
    ): ("CHUANGYE_LANG read from the environment: a language, not a word"),
}
INLINE = re.compile(
    r'[!=]=\s*"(zh|en)"|"(zh|en)"\s*:|\bzh\s*=\s*\S*language\b|\bif\s+(not\s+)?zh\b|\(zh,\s*en\)|\bzh,\s*en\s*='
)


def _modules() -> list[tuple[str, str]]:
    return [(path.relative_to(SOURCE).as_posix(), path.read_text(encoding="utf-8")) for path in SOURCE.rglob("*.py")]


def _lookups() -> list[tuple[str, int, str, ast.expr, list[ast.keyword]]]:
    """Every call of a catalogue lookup: module, line, function name, its code argument, its keywords."""
    calls = []
    for module, source in _modules():
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            function = node.func
            name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", None)
            owner = function.value if isinstance(function, ast.Attribute) else None
            if name in LOOKUPS and (owner is None or (isinstance(owner, ast.Name) and owner.id == "words")):
                # a code chosen by a condition: each of its codes
                codes, chosen = [], [node.args[0]]
                while chosen:
                    code = chosen.pop()
                    if isinstance(code, ast.IfExp):
                        chosen += [code.body, code.orelse]
                    else:
                        codes.append(code)
                calls += [(module, node.lineno, name, code, node.keywords) for code in codes]
    return calls


def _catalogue() -> dict[str, dict[str, str]]:
    return words._catalogue()


def test_the_catalogue_loads_with_both_languages_and_the_same_placeholders() -> None:
    catalogue = _catalogue()
    for file, section, _ in words.CATALOGUES:
        entries = yaml.safe_load((formulas_dir() / file).read_text(encoding="utf-8"))[section]
        for code, texts in entries.items():
            # match: the parser's English message an entry of usage.yaml translates
            assert set(texts) <= {"zh", "en", "unused", "match"}, code
            assert all(isinstance(texts[language], str) and texts[language] for language in LANGUAGES), code
            difference = placeholders(texts["zh"]) ^ placeholders(texts["en"])
            assert difference <= set(texts.get("unused") or []), code
            assert catalogue[code] == {language: texts[language] for language in LANGUAGES}


def test_every_code_the_source_looks_up_is_in_the_catalogue_with_its_placeholders() -> None:
    catalogue = _catalogue()
    calls = _lookups()
    assert len(calls) > 100  # the scan finds the lookups
    for module, line, name, code, keywords in calls:
        where = f"{module}:{line}"
        if isinstance(code, ast.Constant) and isinstance(code.value, str):
            if name == "section":
                assert any(known.startswith(code.value + ".") for known in catalogue), where
                continue
            assert code.value in catalogue, f"{where}: no {code.value!r} in the catalogue"
            if name in ("text", "both") and all(keyword.arg for keyword in keywords):
                texts = catalogue[code.value]
                wanted = placeholders(texts["zh"]) | placeholders(texts["en"])
                assert {keyword.arg for keyword in keywords} == wanted, f"{where}: {code.value}"
        elif isinstance(code, ast.JoinedStr):  # a family of codes, f"status.{status}": some code has its prefix
            first = code.values[0]
            prefix = first.value if isinstance(first, ast.Constant) else ""
            assert prefix and any(known.startswith(prefix) for known in catalogue), f"{where}: {prefix!r}"


def test_codes_kept_in_tables_are_in_the_catalogue() -> None:
    from chuangye_metrics.core.guard import _KINDS
    from chuangye_metrics.years.compare import GROWTH_REASONS

    for code in [*GROWTH_REASONS.values(), *_KINDS.values()]:
        assert code in _catalogue()


def test_every_label_is_used() -> None:
    """Each code of labels.yaml is named in the source, or belongs to a family or section the source looks up."""
    constants = {
        node.value
        for _, source in _modules()
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    prefixes = set()
    for _, _, name, code, _ in _lookups():
        if name == "section" and isinstance(code, ast.Constant):
            prefixes.add(f"{code.value}.")
        elif isinstance(code, ast.JoinedStr) and isinstance(code.values[0], ast.Constant):
            prefixes.add(str(code.values[0].value))
    labels = yaml.safe_load((formulas_dir() / "labels.yaml").read_text(encoding="utf-8"))["labels"]
    unused = [code for code in labels if code not in constants and not any(map(code.startswith, prefixes))]
    assert unused == []


def test_no_module_chooses_words_by_language_inline() -> None:
    found = {
        (module, line.strip()): number
        for module, source in _modules()
        for number, line in enumerate(source.splitlines(), start=1)
        if INLINE.search(line)
    }
    unexplained = [
        f"{module}:{number}: {line}"
        for (module, line), number in found.items()
        if not any(module == allowed and text in line for allowed, text in ALLOWED)
    ]
    assert unexplained == []
    stale = [key for key in ALLOWED if not any(key[0] == module and key[1] in line for module, line in found)]
    assert stale == []  # the allow-list names only lines that are still there


def test_a_catalogue_entry_with_different_placeholders_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for file, _, _ in words.CATALOGUES:
        (tmp_path / file).write_text((formulas_dir() / file).read_text(encoding="utf-8"), encoding="utf-8")
    labels = tmp_path / "labels.yaml"
    labels.write_text(labels.read_text(encoding="utf-8") + "  odd:\n    zh: '{a}'\n    en: '{b}'\n", encoding="utf-8")
    monkeypatch.setattr(words, "formulas_dir", lambda: tmp_path)
    words._part.cache_clear()
    try:
        with pytest.raises(ConfigError, match="placeholders"):
            words._catalogue()
        words._part.cache_clear()
        (tmp_path / "help.yaml").write_text("help:\n  compute:\n    zh: 计算\n    en: compute\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=r"does not begin as the codes of help\.yaml"):
            words._part("help.")  # a code of help.yaml outside help.: a lookup would never find it
    finally:
        monkeypatch.undo()
        words._part.cache_clear()


# entries the same in both languages on purpose: a symbol, not a word
NEUTRAL = {"item-unit.percent": "a percent sign", "item-unit.ratio": "the notation 1:N"}
IDEOGRAPH = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("code", sorted(words._catalogue()))
def test_every_entry_is_written_in_each_language(code: str) -> None:
    """Walks the whole catalogue (messages, labels, help, the parser's messages): the Chinese text is Chinese and the
    English text English (it may quote a Chinese header such as 统计年度), unless the entry is a symbol."""
    texts = words._catalogue()[code]
    if code in NEUTRAL:
        assert texts["zh"] == texts["en"]
        return
    if code == "html.lang":
        assert (texts["zh"], texts["en"]) == ("zh-CN", "en")
        return
    # placeholders and the notation 1:N are in both languages; what is left is words, or punctuation
    zh, en = (re.sub(r"\{[^}]*\}|1:N", "", texts[language]) for language in ("zh", "en"))
    if re.search(r"[^\W\d_]", zh):
        assert IDEOGRAPH.search(zh), f"{code}: its Chinese text has no Chinese: {texts['zh']!r}"
    if re.search(r"[^\W\d_]", en):
        assert re.search(r"[A-Za-z]", en), f"{code}: its English text has no English: {texts['en']!r}"
    if not (re.search(r"[^\W\d_]", zh) or re.search(r"[^\W\d_]", en)):
        return  # placeholders and punctuation in both: a separator (、 and ", ") or the shape of a line
    assert texts["zh"] != texts["en"]


def test_no_catalogue_file_gives_a_code_twice() -> None:
    """YAML keeps the last of two equal keys without a word: a second entry of a code would hide the first."""

    class Strict(yaml.SafeLoader):
        pass

    def mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[object, object]:
        keys = [loader.construct_object(key) for key, _ in node.value]
        repeated = {key for key in keys if keys.count(key) > 1}
        assert not repeated, f"line {node.start_mark.line + 1}: {sorted(map(str, repeated))} given twice"
        return loader.construct_mapping(node)

    Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    for file, _, _ in words.CATALOGUES:
        yaml.load((formulas_dir() / file).read_text(encoding="utf-8"), Loader=Strict)
