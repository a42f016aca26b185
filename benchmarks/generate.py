"""Seeded generator of realistic synthetic incident threads (generic CSV schema).

    python benchmarks/generate.py --posts 10000 --seed 1 -o thread.csv

or, as a module::

    from benchmarks.generate import generate, write_csv
    rows = generate(10_000, seed=1)          # list of dicts in the generic schema
    write_csv("thread.csv", 10_000, seed=1)  # same, streamed to a file

The schema is docs/formats.md's generic CSV: ``id,parent_id,author,author_name,created_at,
text,likes,shares``. The model of an incident:

* **Arrivals** are bursty: a mixture of decaying bursts (a Hawkes-like cascade: a viral
  root post, then news pick-ups and follow-ups whose sizes are Pareto-distributed, each an
  exponential decay of a few hours) over a diurnally modulated background rate.
* **Reply trees**: each non-root post answers an earlier post, chosen half the time among
  the most recent posts (geometric look-back) and half the time by preferential attachment
  (an urn holding every post once plus once per reply it received), so a few posts gather
  long reply chains.
* **A company account** (``AcmeAir`` by default) answers a share of the posts addressed to
  it after a log-normal delay (median about 40 minutes); it "wakes up" a few hours after
  the first complaint, so early posts wait longest. Customers push back under its replies.
* **Vocabulary** from templates with random fills: complaints (lost bags, delays, refunds,
  hold times), questions, praise and sarcasm, me-too posts, news chatter, retweets
  (``RT @user: ...`` of an earlier text) and exact duplicates (copy-paste campaigns,
  canned company replies).
* **Authors** follow a Zipf-like activity distribution; likes/shares are heavy-tailed.

Everything is drawn from ``numpy.random.Generator(PCG64(seed))``: the same ``(posts, seed)``
always gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

COMPANY = "AcmeAir"
COMPANY_NAME = "Acme Air"
FIELDS = ("id", "parent_id", "author", "author_name", "created_at", "text", "likes", "shares")
START = datetime(2024, 3, 1, 7, 42, tzinfo=UTC)

FIRST = [
    "alex",
    "ana",
    "ben",
    "carla",
    "dan",
    "eva",
    "finn",
    "gina",
    "hugo",
    "ines",
    "jack",
    "kate",
    "leo",
    "maya",
    "nick",
    "olga",
    "paul",
    "rosa",
    "sam",
    "tina",
    "uma",
    "vic",
    "will",
    "xena",
    "yusuf",
    "zoe",
    "amir",
    "bea",
    "chen",
    "dev",
    "emma",
    "femi",
    "gus",
    "hana",
    "ivan",
    "jon",
    "kofi",
    "lena",
    "max",
    "nora",
    "omar",
    "pia",
    "quinn",
    "raj",
    "sara",
    "tom",
    "uri",
    "vera",
    "wes",
    "yara",
]
LAST = [
    "smith",
    "jones",
    "brown",
    "lee",
    "patel",
    "khan",
    "garcia",
    "miller",
    "davis",
    "lopez",
    "wilson",
    "moore",
    "taylor",
    "clark",
    "lewis",
    "walker",
    "hall",
    "young",
    "king",
    "wright",
    "scott",
    "green",
    "baker",
    "adams",
    "nelson",
    "hill",
    "ramos",
    "campbell",
    "mitchell",
    "roberts",
]
CITIES = [
    "Boston",
    "Denver",
    "Chicago",
    "Dallas",
    "Seattle",
    "Miami",
    "Atlanta",
    "Phoenix",
    "Newark",
    "Austin",
    "Orlando",
    "Portland",
]
ITEMS = [
    "bag",
    "suitcase",
    "luggage",
    "stroller",
    "guitar",
    "wheelchair",
    "car seat",
    "golf clubs",
    "backpack",
    "laptop bag",
]
STAFF = ["gate agent", "pilot", "crew", "flight attendant", "ground staff", "agent at the desk", "lady at check-in"]
HASHTAGS = ["#fail", "#neveragain", "#AcmeFail", "#customerservice", "#badservice", "#travel", "#delayed", "#help"]
DURATIONS = ("2 hours", "3 hours", "45 minutes", "an hour", "5 hours", "two days", "a week", "90 minutes", "6 hours")
NEG_ADJ = [
    "terrible",
    "awful",
    "horrible",
    "ridiculous",
    "unacceptable",
    "pathetic",
    "disgusting",
    "useless",
    "shameful",
]
POS_ADJ = ["great", "amazing", "wonderful", "fantastic", "lovely", "excellent", "awesome", "brilliant"]
EMOJI_NEG = ("", "", "", " 😡", " 😤", " 🙄", " 😢", " :(")
EMOJI_POS = ("", "", " 😊", " 👍", " ❤️", " :)")

COMPLAINTS = (
    "@{co} you lost my {item} on flight {flight} from {city}. {dur} and nobody can tell me where it is{e}",
    "@{co} flight {flight} delayed again, {dur} at the gate and no updates. {adj} {tag}",
    "@{co} still waiting for my refund for booking {ref}. It has been {dur}{e}",
    "@{co} been on hold for {dur}. Is anyone actually working there? {tag}",
    "@{co} your app is down and I can't check in for {flight}. {adj} service",
    "@{co} cancelled my flight to {city} with no notice and no rebooking. {adj}.{e}",
    "@{co} charged me twice for the same seat, ref {ref}. Fix this please",
    "@{co} my {item} arrived broken. Who pays for this?{e} {tag}",
    "@{co} worst airline ever. {dur} on the tarmac, no water, no information {tag}",
    "@{co} no reply to my email in {dur}. Do you even read them?",
    "@{co} the {staff} in {city} was so rude to my elderly mother. {adj}{e}",
    "Never flying @{co} again. Lost {item}, {dur} delay, zero apology {tag}",
)
QUESTIONS = (
    "@{co} is flight {flight} to {city} still scheduled for today?",
    "@{co} how do I claim compensation for a {dur} delay?",
    "@{co} can I change my booking {ref} online or do I have to call?",
    "@{co} what is the baggage policy for a {item}?",
    "@{co} any update on the outage? My flight leaves {city} in {dur}",
)
PRAISE = (
    "Shout out to the {staff} on {flight}, {pos} job under pressure{p}",
    "@{co} thanks, the {staff} in {city} sorted my rebooking in minutes. {pos}{p}",
    "Honestly the crew on {flight} were {pos}, not their fault the system failed{p}",
    "Oh {pos}, another {dur} delay. Thanks so much @{co}{e}",
)
ME_TOO = (
    "same here{e}",
    "Same thing happened to me on {flight} {tag}",
    "+1 still no {item} after {dur}",
    "This. Exactly this. @{co} answer your customers",
    "me too, {dur} and counting{e}",
    "happening to everyone in {city} right now",
    "@{co} same problem, ref {ref}",
)
CHATTER = (
    "Reports say {co} systems outage is hitting flights out of {city} {tag}",
    "Anyone know what is going on with {co} today?",
    "Watching the {co} meltdown unfold. Their social team is having a long day",
    "lol the {co} replies are all copy paste",
    "Local news in {city} covering the {co} delays now",
)
COMPANY_REPLIES = (
    "@{u} We're sorry to hear this. Please DM us your booking reference and we'll look into it. ^{sig}",
    "@{u} Sorry for the inconvenience. Our team is working to restore systems as quickly as possible. ^{sig}",
    "@{u} We apologise for the delay. Please send us a DM with your details so we can help. ^{sig}",
    "@{u} Thanks for reaching out. Refunds are being processed, please allow {dur}. ^{sig}",
    "@{u} We understand your frustration. We've passed this to our baggage team. ^{sig}",
    "@{u} Hi, flight {flight} is currently delayed. Updates are on our website. ^{sig}",
    "@{u} We're sorry to hear this. Please DM us your booking reference and we'll look into it.",
)
PUSHBACK = (
    "@{co} I already sent a DM {dur} ago and nobody answered{e}",
    "@{co} that's a copy paste answer. Useless",
    "@{co} thanks, DM sent",
    "@{co} 'working on it' for {dur} now? {adj}",
    "@{co} ok thanks for the quick reply{p}",
)
SIGS = ("JS", "MK", "AL", "TR", "PB", "CW")
# share of each inbound category (cumulative sampling below)
CATEGORIES = (
    ("complaint", 0.34),
    ("question", 0.10),
    ("praise", 0.07),
    ("me_too", 0.14),
    ("chatter", 0.08),
    ("retweet", 0.20),
    ("duplicate", 0.07),
)


def _handle(index: int) -> str:
    suffix = index // (len(FIRST) * len(LAST)) or ""
    return f"{FIRST[index % len(FIRST)]}_{LAST[(index // len(FIRST)) % len(LAST)]}{suffix}"


def _name(index: int) -> str:
    return f"{FIRST[index % len(FIRST)].title()} {LAST[(index // len(FIRST)) % len(LAST)].title()}"


def _arrival_offsets(rng: np.random.Generator, n: int, duration_s: float) -> np.ndarray:
    """Bursty arrival offsets (seconds), unsorted: bursts of Pareto sizes plus a diurnal background."""
    n_bursts = int(8 + 4 * np.log10(max(n, 10)))
    starts = np.sort(rng.uniform(0.0, duration_s * 0.8, n_bursts))
    starts[0] = 0.0  # the viral root
    weights = rng.pareto(1.3, n_bursts) + 0.2
    weights[0] = weights.max() * 1.5  # the first cascade is the largest
    taus = rng.uniform(1800.0, 6 * 3600.0, n_bursts)
    n_background = int(n * 0.15)
    n_burst = n - n_background
    which = rng.choice(n_bursts, size=n_burst, p=weights / weights.sum())
    burst_times = starts[which] + rng.exponential(taus[which])
    # background: diurnal rate (thin by a day-night curve peaking mid-afternoon UTC)
    cand = rng.uniform(0.0, duration_s, n_background * 3)
    hours = ((START.hour + START.minute / 60) + cand / 3600.0) % 24
    accept = rng.uniform(0, 1, cand.size) < 0.55 + 0.45 * np.cos((hours - 15.0) / 24 * 2 * np.pi)
    background = cand[accept][:n_background]
    if background.size < n_background:
        background = np.concatenate([background, rng.uniform(0, duration_s, n_background - background.size)])
    offsets = np.concatenate([burst_times, background])
    offsets[0] = 0.0
    return offsets


class _Filler:
    """Random template fills from pre-drawn integers (fast and deterministic)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self._buf = rng.integers(0, 1 << 30, 1 << 16)
        self._i = 0

    def r(self, k: int) -> int:
        if self._i >= self._buf.size:
            self._buf = self.rng.integers(0, 1 << 30, 1 << 16)
            self._i = 0
        v = int(self._buf[self._i])
        self._i += 1
        return v % k

    def pick(self, seq):
        return seq[self.r(len(seq))]

    def fill(self, template: str, **extra: str) -> str:
        values = {
            "co": COMPANY,
            "item": self.pick(ITEMS),
            "flight": f"AA{100 + self.r(900)}",
            "city": self.pick(CITIES),
            "dur": self.pick(DURATIONS),
            "ref": f"{chr(65 + self.r(26))}{chr(65 + self.r(26))}{self.r(10000):04d}",
            "tag": self.pick(HASHTAGS),
            "adj": self.pick(NEG_ADJ).capitalize(),
            "pos": self.pick(POS_ADJ),
            "staff": self.pick(STAFF),
            "e": self.pick(EMOJI_NEG),
            "p": self.pick(EMOJI_POS),
            "sig": self.pick(SIGS),
        }
        values.update(extra)
        return template.format(**values)


def iter_posts(
    n_posts: int, seed: int = 0, *, duration_days: float = 3.0, reply_share: float = 0.4
) -> Iterator[dict[str, object]]:
    """Yield ``n_posts`` posts (dicts in the generic schema), in time order, deterministic for ``seed``."""
    if n_posts < 1:
        raise ValueError("n_posts must be >= 1")
    rng = np.random.Generator(np.random.PCG64(seed))
    duration_s = duration_days * 86400.0
    # 1. inbound arrivals; overshoot so that inbound + company replies >= n_posts, then cut.
    n_in = int(np.ceil(n_posts / (1 + 0.45 * reply_share * 0.9))) + 16
    t_in = np.sort(_arrival_offsets(rng, n_in, duration_s))
    to_company = rng.uniform(0, 1, n_in) < 0.45
    to_company[0] = True
    # 2. company replies: a share of the addressed posts, log-normal delays, late wake-up.
    wake_s = rng.uniform(2.5, 4.5) * 3600.0
    answered = to_company & (rng.uniform(0, 1, n_in) < reply_share)
    answered_idx = np.flatnonzero(answered)
    delays = rng.lognormal(np.log(40 * 60.0), 1.0, answered_idx.size)
    t_co = np.maximum(t_in[answered_idx] + delays, wake_s + rng.exponential(1200.0, answered_idx.size))
    # 3. merge by time (stable: inbound before company at equal times) and cut to n_posts.
    times = np.concatenate([t_in, t_co])
    is_co = np.concatenate([np.zeros(n_in, bool), np.ones(answered_idx.size, bool)])
    src = np.concatenate([np.arange(n_in), answered_idx])  # inbound index (company: the one answered)
    order = np.argsort(times, kind="stable")[:n_posts]
    times, is_co, src = times[order], is_co[order], src[order]
    position_of_inbound = np.full(n_in, -1, dtype=np.int64)
    inbound_rows = np.flatnonzero(~is_co)
    position_of_inbound[src[inbound_rows]] = inbound_rows
    # 4. authors (Zipf-like activity) and engagement.
    n_users = max(50, n_posts // 3)
    ranks = np.arange(1, n_users + 1, dtype=np.float64)
    cdf = np.cumsum(ranks**-0.85)
    cdf /= cdf[-1]
    authors = np.searchsorted(cdf, rng.uniform(0, 1, n_posts))
    perm = rng.permutation(n_users)  # decouple activity from the handle order
    authors = perm[np.minimum(authors, n_users - 1)]
    likes = np.floor(rng.pareto(1.6, n_posts) * 2).astype(np.int64)
    shares = np.floor(likes * rng.uniform(0, 0.4, n_posts)).astype(np.int64)
    is_root = rng.uniform(0, 1, n_posts) < 0.08
    is_root[0] = True
    look_back = rng.geometric(0.01, n_posts)
    use_urn = rng.uniform(0, 1, n_posts) < 0.5
    urn_pick = rng.uniform(0, 1, n_posts)
    category_cdf = np.cumsum([p for _, p in CATEGORIES])
    category = np.searchsorted(category_cdf / category_cdf[-1], rng.uniform(0, 1, n_posts))
    fill = _Filler(rng)
    urn: list[int] = []
    texts: list[str] = []
    author_of: list[str] = []
    for i in range(n_posts):
        t = START + timedelta(seconds=float(times[i]))
        if is_co[i]:
            parent = int(position_of_inbound[src[i]])
            author = COMPANY
            name = COMPANY_NAME
            text = fill.fill(fill.pick(COMPANY_REPLIES), u=author_of[parent])
            like, share = int(likes[i] // 4), 0
        else:
            author_idx = int(authors[i])
            author = _handle(author_idx)
            name = _name(author_idx)
            like, share = int(likes[i]), int(shares[i])
            if i == 0 or is_root[i] or not urn:
                parent = -1
            elif use_urn[i]:
                parent = urn[int(urn_pick[i] * len(urn))]
            else:
                parent = max(0, i - int(look_back[i]))
            text = _inbound_text(fill, int(category[i]), i, parent, bool(to_company[src[i]]), texts, author_of, is_co)
        texts.append(text)
        author_of.append(author)
        urn.append(i)
        if parent >= 0:
            urn.append(parent)
        yield {
            "id": str(1_000_000_000 + i),
            "parent_id": "" if parent < 0 else str(1_000_000_000 + parent),
            "author": author,
            "author_name": name,
            "created_at": t.isoformat(timespec="seconds"),
            "text": text,
            "likes": like,
            "shares": share,
        }


def _inbound_text(
    fill: _Filler,
    category: int,
    i: int,
    parent: int,
    to_company: bool,
    texts: list[str],
    author_of: list[str],
    is_co: np.ndarray,
) -> str:
    name = CATEGORIES[category][0]
    if parent >= 0 and is_co[parent]:
        return fill.fill(fill.pick(PUSHBACK))
    if i > 0 and name == "retweet":
        j = fill.r(i)
        return f"RT @{author_of[j]}: {texts[j]}"[:280]
    if i > 0 and name == "duplicate":
        return texts[fill.r(i)]
    if name == "question":
        template = fill.pick(QUESTIONS)
    elif name == "praise":
        template = fill.pick(PRAISE)
    elif name == "me_too":
        template = fill.pick(ME_TOO)
    elif name == "chatter":
        template = fill.pick(CHATTER)
    else:
        template = fill.pick(COMPLAINTS)
    text = fill.fill(template)
    if not to_company:
        text = text.replace(f"@{COMPANY} ", "").replace(f"@{COMPANY}", COMPANY)
    if parent >= 0 and fill.r(3) == 0:
        text = f"@{author_of[parent]} {text}"
    return text


def generate(n_posts: int, seed: int = 0, **kwargs: float) -> list[dict[str, object]]:
    """All posts as a list of dicts (see :func:`iter_posts`)."""
    return list(iter_posts(n_posts, seed, **kwargs))


def write_csv(path: str | Path, n_posts: int, seed: int = 0, **kwargs: float) -> Path:
    """Write the generic CSV to ``path`` (atomically) and return it."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(iter_posts(n_posts, seed, **kwargs))
    tmp.replace(path)
    return path


def parse_size(text: str) -> int:
    """``1k`` -> 1000, ``1m`` -> 1000000, ``2500`` -> 2500."""
    text = text.strip().lower().replace("_", "")
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if factor > 1 else text) * factor)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", required=True, help="number of posts (1000, 10k, 1m)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args(argv)
    write_csv(args.output, parse_size(args.posts), args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
