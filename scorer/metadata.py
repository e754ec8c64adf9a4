"""Report metadata read off the text: who issued it, which year it covers, when it was published.

Each value keeps the passage it was read from, so the memo can show why.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict

from scorer.normalize import NormalizedText

_HAN = r"\u4e00-\u9fff"
_DATE = re.compile(r"((?:19|20)\d{2})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})\s*日?")
_CN_DIGITS = {
    "〇": 0,
    "○": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_DATE = re.compile(
    r"([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日"
)
_PUBLISHED = re.compile(r"(发布时间|发布日期|发文日期|成文日期)\s*[:：]?\s*")
_DOC_NUMBER = re.compile(rf"[{_HAN}]{{2,10}}\s*[〔\[(（【]\s*(?:19|20)\d{{2}}\s*[〕\])）】]\s*\d{{1,4}}\s*号")
_DOC_FIELD = re.compile(r"文\s*号\s*[:：]\s*(\S+)")
_ISSUER_FIELD = re.compile(r"发布机构\s*[:：]\s*(\S+)")
_INSTITUTION = r"(?:人民政府|政府|司法局|法制办公室|法制办|办公室|委员会)"
_REGION = re.compile(rf"(?=([{_HAN}]{{2}}(?:市(?!场)|区|县|旗)))")
_REGION_STOP_CHARS = set("全我本各该市县区省州其此两三每个在对和及与等了的治面设为于从向到将由是以")
_REGION_STOP = {
    "城市",
    "都市",
    "超市",
    "上市",
    "门市",
    "集市",
    "社区",
    "园区",
    "城区",
    "辖区",
    "景区",
    "片区",
    "小区",
    "地区",
    "新区",
    "街区",
    "老区",
    "库区",
    "矿区",
    "校区",
    "试区",
    "范区",
    "发区",
}
_ISSUER_PLACE = re.compile(rf"[{_HAN}]{{2,6}}?(?:省|市|区|县|旗)")
_SELF_REFERENCE = re.compile(r"[我全本]([市区县旗])")
_TITLE_CUE = re.compile(r"法治政府|依法行政|法治建设")
_ANNUAL_CUE = re.compile(
    r"(\d{4}年度?|年度).{0,20}(法治政府|依法行政|法治建设).{0,12}(报告|总结|情况)|"
    r"(现将|特将).{0,20}(报告如下|总结如下|报告如下)|(\d{4})年度?[,，]\s*.{0,30}法治政府建设"
)
_EVALUATION_CUE = re.compile(r"中期评估|评估报告|第三方评估|评估情况|考核结果|督察报告")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年(?!\d)")
_OPENING_YEAR = re.compile(r"^((?:19|20)\d{2})\s*年度?\s*[,，]")


class Evidence(BaseModel):
    """Where a metadata value was read: the passage and its span in the original text."""

    model_config = ConfigDict(frozen=True)
    text: str
    start: int
    end: int


class Metadata(BaseModel):
    """What a report says about itself. None means the report does not say."""

    model_config = ConfigDict(frozen=True)
    title: str | None = None
    issuer: str | None = None
    region: str | None = None
    year: int | None = None
    published: date | None = None
    signed: date | None = None
    doc_number: str | None = None
    kind: str = "other"
    script: str = "simplified"
    encoding: str = "utf-8"
    evidence: dict[str, Evidence] = {}

    def summary(self) -> dict[str, Any]:
        """The values as JSON-ready fields (dates as ISO strings), without the evidence."""
        return self.model_dump(mode="json", exclude={"evidence"})


def _cn_date(m: re.Match[str]) -> date | None:
    year = int("".join(str(_CN_DIGITS[c]) for c in m.group(1)))

    def small(s: str) -> int:
        if s == "十":
            return 10
        if s.startswith("十"):
            return 10 + _CN_DIGITS[s[1]]
        if s.endswith("十"):
            return _CN_DIGITS[s[0]] * 10
        if "十" in s:
            return _CN_DIGITS[s[0]] * 10 + _CN_DIGITS[s[2]]
        return _CN_DIGITS[s]

    try:
        return date(year, small(m.group(2)), small(m.group(3)))
    except (ValueError, KeyError):
        return None


def _to_date(m: re.Match[str]) -> date | None:
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


class _Reader:
    """Helpers to turn matches in normalized text or removed header lines into Evidence."""

    def __init__(self, norm: NormalizedText) -> None:
        self.norm = norm
        self.lines: list[tuple[int, str]] = []
        pos = 0
        for line in norm.text.split("\n"):
            self.lines.append((pos, line))
            pos += len(line) + 1

    def evidence(self, start: int, end: int) -> Evidence:
        ostart, oend = self.norm.to_original(start, end)
        return Evidence(text=self.norm.original[ostart:oend], start=ostart, end=oend)

    def header_evidence(self, line_start: int, line_text: str, m: re.Match[str]) -> Evidence:
        return Evidence(text=m.group(0), start=line_start + m.start(), end=line_start + m.end())


def _region_of(name: str) -> str | None:
    """The most specific place an issuer's name starts with: 湘潭市雨湖区人民政府 → 雨湖区."""
    region, at = None, 0
    while m := _ISSUER_PLACE.match(name, at):
        region, at = m.group(0), m.end()
    return region


def _region_candidates(text: str) -> Counter[str]:
    """Three-character place names (浏阳市, 相山区), counted; the suffix the report uses for itself wins.

    Only a name the text also prints with its government (浏阳市人民政府) is a region: any two
    characters before 市 or 区 are not (直达市县基层, 按照市委部署, 刷爆市场).
    """
    counts: Counter[str] = Counter()
    for m in _REGION.finditer(text):
        name = m.group(1)
        if _REGION_STOP_CHARS.intersection(name[:2]) or name[1:] in _REGION_STOP or name[:2] in _REGION_STOP:
            continue
        counts[name] += 1
    counts = Counter({name: n for name, n in counts.items() if f"{name}人民政府" in text})
    own = Counter(m.group(1) for m in _SELF_REFERENCE.finditer(text))
    if own:
        suffix = own.most_common(1)[0][0]
        preferred = Counter({k: v for k, v in counts.items() if k.endswith(suffix)})
        if preferred:
            return preferred
    return counts


Found = dict[str, object]


def _header_fields(norm: NormalizedText, found: Found, ev: dict[str, Evidence]) -> None:
    """Doc number and issuer from the removed header lines; the page's date goes under `chrome_date`.

    The date a site prints in its info line (发布时间：…) is when the page went up, a fallback only: the
    date signed under the report outranks it (see _dates).
    """
    for line in norm.removed:
        whole = Evidence(text=norm.original[line.start : line.end], start=line.start, end=line.end)
        m = _PUBLISHED.search(line.text) if "chrome_date" not in found else None
        if m and (d := _DATE.search(line.text, m.end())) and (day := _to_date(d)):
            found["chrome_date"] = day
            ev["chrome_date"] = whole
        if "doc_number" not in found and (m := _DOC_FIELD.search(line.text)):
            found["doc_number"] = m.group(1)
            ev["doc_number"] = whole
        if "issuer" not in found and (m := _ISSUER_FIELD.search(line.text)):
            found["issuer"] = m.group(1)
            ev["issuer"] = whole


def _title_fields(r: _Reader, found: Found, ev: dict[str, Evidence]) -> None:
    """Title, and the issuer and year it names, from the first three lines."""
    for start, line in r.lines[:3]:
        if _TITLE_CUE.search(line) and len(line) <= 60 and not re.search(r"[。；]", line):
            found["title"] = line.strip()
            ev["title"] = r.evidence(start, start + len(line))
            head = re.match(rf"([{_HAN}]{{2,20}}?{_INSTITUTION})(?:关于)?(?:19|20)\d{{2}}", line)
            if head and "issuer" not in found:
                found["issuer"] = head.group(1)
                ev["issuer"] = r.evidence(start + head.start(1), start + head.end(1))
            if y := _YEAR.search(line):
                found["year"] = int(y.group(1))
                ev["year"] = r.evidence(start + y.start(), start + y.end())
            break


def _signature_fields(r: _Reader, found: Found, ev: dict[str, Evidence]) -> None:
    """The signing body and date (落款) among the last four lines."""
    tail = [(s, ln) for s, ln in r.lines[-4:] if ln.strip()]
    for start, line in reversed(tail):
        d = _DATE.fullmatch(line.strip()) or _CN_DATE.fullmatch(line.strip())
        if d and "signed" not in found:
            found["signed"] = _to_date(d) if d.re is _DATE else _cn_date(d)
            ev["signed"] = r.evidence(start, start + len(line))
            continue
        if "issuer" not in found and len(line) <= 25 and re.search(rf"{_INSTITUTION}$", line.strip()):
            found["issuer"] = line.strip()
            ev["issuer"] = r.evidence(start, start + len(line))


def _dates(found: Found, ev: dict[str, Evidence]) -> None:
    """Publication date: the signed date when the report has one, else the page's own date."""
    chrome, chrome_ev = found.pop("chrome_date", None), ev.pop("chrome_date", None)
    if found.get("signed"):
        found["published"], ev["published"] = found["signed"], ev["signed"]
    elif chrome and chrome_ev:
        found["published"], ev["published"] = chrome, chrome_ev


def _doc_number_fields(r: _Reader, found: Found, ev: dict[str, Evidence]) -> None:
    """A document number printed alone on one of the first five lines."""
    if "doc_number" not in found:
        for start, line in r.lines[:5]:
            if m := _DOC_NUMBER.fullmatch(line.strip()):
                found["doc_number"] = m.group(0)
                ev["doc_number"] = r.evidence(start, start + len(line))
                break


def _region_fields(r: _Reader, found: Found, ev: dict[str, Evidence]) -> None:
    """Region from the issuer, else the opening (2020年，浏阳市…), else the most named place."""
    text = r.norm.text
    issuer = found.get("issuer")
    region = _region_of(issuer) if isinstance(issuer, str) else None
    if region:
        found["region"] = region
        ev["region"] = ev["issuer"]
    else:
        opening = re.match(rf"^(?:19|20)\d{{2}}年度?[,，]\s*([{_HAN}]{{2,4}}?(?:市|区|县|旗))", text)
        counts = _region_candidates(text)
        if opening:
            found["region"] = opening.group(1)
            ev["region"] = r.evidence(opening.start(1), opening.end(1))
        elif counts:
            name, _ = max(counts.items(), key=lambda kv: (kv[1], -text.find(kv[0])))
            found["region"] = name
            at = text.find(name)
            ev["region"] = r.evidence(at, at + len(name))
        if "region" in found and not issuer:
            gov = f"{found['region']}人民政府"
            at = text.find(gov)
            if at >= 0:
                found["issuer"] = gov
                ev["issuer"] = r.evidence(at, at + len(gov))


def _year_fields(r: _Reader, found: Found, ev: dict[str, Evidence]) -> None:
    """Year reported on: title, opening, publication date, else the most named year."""
    text = r.norm.text
    if "year" not in found:
        if m := _OPENING_YEAR.match(text):
            found["year"] = int(m.group(1))
            ev["year"] = r.evidence(m.start(1), m.end())
        elif found.get("published"):
            published = found["published"]
            assert isinstance(published, date)
            found["year"] = published.year - 1 if published.month <= 6 else published.year
            ev["year"] = ev["published"]
        else:
            years = Counter(int(m.group(1)) for m in _YEAR.finditer(text))
            if years:
                year = max(years, key=lambda y: (years[y], y))
                found["year"] = year
                at = text.find(f"{year}年")
                ev["year"] = r.evidence(at, at + 5)


def extract_metadata(norm: NormalizedText, *, encoding: str = "utf-8") -> Metadata:
    """Read title, issuer, region, year, dates, document number and kind from a normalized report."""
    r = _Reader(norm)
    text = norm.text
    found: Found = {"script": norm.script, "encoding": encoding}
    ev: dict[str, Evidence] = {}
    _header_fields(norm, found, ev)
    _title_fields(r, found, ev)
    _signature_fields(r, found, ev)
    _dates(found, ev)

    _doc_number_fields(r, found, ev)
    _region_fields(r, found, ev)
    _year_fields(r, found, ev)

    opening_text = text[:400]
    if _EVALUATION_CUE.search(opening_text):
        found["kind"] = "evaluation"
        m = _EVALUATION_CUE.search(opening_text)
        assert m
        ev["kind"] = r.evidence(m.start(), m.end())
    elif m := _ANNUAL_CUE.search(opening_text):
        found["kind"] = "annual_report"
        ev["kind"] = r.evidence(m.start(), m.end())
    return Metadata(**found, evidence=ev)  # type: ignore[arg-type]
