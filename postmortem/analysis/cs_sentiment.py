"""VADER plus a customer-service lexicon layer (method ``"vader+cs"``).

VADER (Hutto & Gilbert 2014) is tuned on general social-media text. Complaints to a
company are often written in neutral words that VADER does not score ("still waiting for
my refund", "on hold for 2 hours", "site is down", "no response") while courtesy words of a
service request score positive ("please help", "can you help", "I would like to change",
"thank you"), and an agent's empathy scores negative ("sorry for the inconvenience").

This layer works on VADER's own per-token valences (from :mod:`fast_vader`, identical to
the reference) before VADER normalises their sum:

1. **Neutralisation**: tokens of service-talk phrases whose VADER valence is not sentiment
   get valence 0 ("no problem", agent apologies, "please"/"help" in requests, "would like",
   "customer support/care", and courtesy "thanks" inside a complaint).
2. **Complaint cues**: phrase patterns of complaint language add a negative valence each
   (waiting and hold durations, delays, cancellations, refunds and charges, lost/broken/
   never arrived, things that do not work, no reply, "still", "again", escalation, "thanks
   for nothing", rhetorical questions at the company, negative hashtags, dismissals such as
   "nope", elapsed times such as "57 minutes", slowness, sarcasm markers).
3. **Enquiries, laughter, links, requests**: a short status / information question with
   only soft cues ("any update on my refund?") does not count them; "lol"/"haha"/
   tears-of-joy and ";)" winks get valence 0; a post with a link and no cue is damped
   (news, ads); a request or question whose result is positive but below 0.3 becomes 0
   (courtesy, not praise).

The adjusted sum then goes through VADER's punctuation emphasis and normalisation, so the
score stays a compound in [-1, 1] and classifies at +-0.05 as usual. Every pattern is
general customer-service English (no company, product or data-set specific tokens); see
``docs/sentiment.md`` for the categories, the measurements and the limits.

Speed: :meth:`CustomerServiceLayer.explain` is the reference (every pattern on one text,
with names). Scoring (:meth:`CustomerServiceScorer.score`) gives the same scores (``==``)
several times faster: each distinct text once, the batch through VADER in bulk, the anchor
words of each distinct token looked up once, and per text only the few patterns its words
allow (see "gates" below) without building names; batches of more than
``PARALLEL_THRESHOLD`` distinct texts are spread over processes like plain VADER's.
``tests/test_sentiment_speed.py`` checks the equality and the gates.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache, reduce
from itertools import compress, repeat
from operator import and_, itemgetter, not_, or_
from typing import NamedTuple

from postmortem.analysis.fast_vader import (
    MAX_CACHED_TOKENS,
    PARALLEL_THRESHOLD,
    CachedScorer,
    FastVader,
    FastVaderScorer,
    compound_from_sum,
    in_batches,
    score_in_processes,
    score_split_fork,
    shared_engine,
    use_fork_split,
    use_processes,
)
from postmortem.perf import gc_paused

# --- neutralisation: (name, pattern over the joined lower-case tokens, group to zero) ----
# Tokens inside the group named "z" (else the whole match) get valence 0.
_DURATION = (
    r"(?:\d+|an?|one|two|three|four|five|six|several|many|few|couple of)\s*(?:\+\s*)?(?:more\s+)?"
    r"(?:hours?|hrs?|h|days?|weeks?|months?|minutes?|mins?)"
)

NEUTRALISE: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in [
        # agent empathy: "sorry to hear", "sorry for the inconvenience", "apologies for the delay"
        (
            "empathy",
            r"\b(?:sorry|apologi[sz]e|apologies|apology)\s+(?:to hear|to see|to learn|for|about|that|if)\b"
            r"(?:(?:\s+\S+){0,3}?\s+(?:inconvenience|trouble|delays?|wait|frustration|confusion|issues?|problems?"
            r"|experience|hassle|disappointment|difficult(?:y|ies)))?",
        ),
        # service requests: "please", "help" and "plz" ask for something; they are not praise
        ("request", r"\b(?:please|pls|plz|help)\b"),
        # "I would like to", "looks like", "feel like": "like" as a verb of wanting / comparison
        (
            "like",
            r"(?:^|(?<!\S)(?!(?:i|we|you|they|u|really|also|totally|don't|dont|didn't|didnt|do|does|doesn't|doesnt"
            r"|did|to|who)\s)\S+\s)(?P<z>like)\b",
        ),
        # wanting and asking: "I want to change my seat", "wish you flew to X"
        ("want", r"\b(?:want|wants|wanted|wish|free)\b"),
        # service nouns VADER reads as praise: account/card "credit", "safety" (demo, issue), "number"
        ("service noun", r"\b(?:credits?|safety|number)\b"),
        # acknowledgements in a conversation: "ok", "yes", "sure", "alright", "fyi"; "dear" as a salutation
        ("acknowledgement", r"\b(?:ok|okay|yes|sure|alright|fyi)\b|^dear\b|^\S+ dear\b"),
        # department names: "customer support", "customer care", "support team"
        (
            "department",
            r"\b(?:customer|tech|technical)\s+(?:support|care)\b|\bsupport\s+(?:team|ticket|line|agent)s?\b",
        ),
    ]
)

# Courtesy phrases rewritten to one neutral token before VADER sees the text: "no problem"
# is an acknowledgement, and its "no" must not negate the words after it ("No problem,
# happy to help!" is not negative).
COURTESY_PHRASE = re.compile(r"\b(?:no|not a|not any)\s+(?:problems?|worries|worry|trouble|issues?)\b", re.IGNORECASE)
COURTESY_TOKEN = "no-problem"

# --- complaint cues: (name, weight, pattern over the joined lower-case tokens) -------------
CUES: tuple[tuple[str, float, re.Pattern[str]], ...] = tuple(
    (name, weight, re.compile(pattern))
    for name, weight, pattern in [
        # waiting and hold durations
        ("on hold", -1.5, r"\bon hold\b|\bhold times?\b|\bhold music\b"),
        (
            "waiting",
            -1.5,
            r"\b(?:still|been|keep|kept|currently)\s+(?:\w+\s+)?(?:waiting|trying|calling|holding|on the phone)\b"
            r"|\bwait(?:ing|ed|s)?\s+(?:time|times|since|(?:for\s+)?(?:over\s+|more than\s+)?" + _DURATION + r")\b"
            r"|\bfor\s+(?:over\s+|more than\s+)?" + _DURATION + r"\s+(?:now|already|and counting)\b",
        ),
        ("duration", -0.8, r"\b(?:over|more than|almost|nearly)\s+" + _DURATION + r"\b"),
        # delays, cancellations, missed connections
        ("delay", -1.2, r"\bdelay(?:ed|s|ing)?\b|\blate\b|\bcancel+(?:ed|ing|ation|ations|s)?\b|\bmissed\b"),
        ("stranded", -1.5, r"\bstranded\b|\bstuck\b|\brebook(?:ed|ing)?\b"),
        # refunds, charges, fees
        (
            "money",
            -1.2,
            r"\brefunds?\b|\bcharg(?:ed|ing)\b|\bpaid (?:extra|more|for|a premium)\b|\bpay(?:ing)? (?:extra|more)\b"
            r"|\bovercharg\w*|\bfees?\b|\bcompensat\w*|\bmoney back\b|\breimburs\w*",
        ),
        # lost, damaged, never arrived
        (
            "lost",
            -1.5,
            r"\blost\b|\bmissing\b|\bdamaged\b|\bbroken\b|\bstolen\b|\bstole\b"
            r"|\bnever\s+(?:arrived|arrives|came|comes|showed|shows|received|got|gets|delivered|heard|works|worked)\b"
            r"|\b(?:hasn't|hasnt|haven't|havent|didn't|didnt|still not)\s+(?:arrived|come|shown up|been delivered)\b",
        ),
        # things that do not work
        (
            "not working",
            -1.5,
            r"\b(?:not|isn't|isnt|doesn't|doesnt|won't|wont|didn't|didnt|can't|cant|cannot|unable to)\s+"
            r"(?:\w+\s+)?(?:work|working|load|loading|let me|letting me|log ?in|login|access|connect|find|get through|"
            r"check ?in|book|change|reach)\b"
            r"|\b(?:site|website|app|page|system|server|link|phone line)s?\s+(?:is\s+|are\s+|was\s+)?"
            r"(?:down|broken|crash\w*|not working)\b|\berrors?\b|\bbug(?:gy|s)?\b|\bcrash(?:ed|es|ing)?\b",
        ),
        # nobody answers
        (
            "no reply",
            -1.8,
            r"\bno\s+(?:response|reply|replies|answer|one|call ?back|help|update|updates|info|information|news|word)\b"
            r"|\b(?:haven't|havent|hasn't|hasnt|didn't|didnt|never|not)\s+(?:\w+\s+)?(?:heard|gotten|received|responded"
            r"|replied|answered|answering|called|contacted|helped)\b|\bnobody\b|\bhung up\b|\bignor(?:ed|ing)\b"
            r"|\bunanswered\b|\bnot answering\b",
        ),
        # an unresolved issue: "same issue", "please fix" (a bare "trying to" is usually a plain
        # request, "trying to add my son to the booking"; "still/been trying" is a waiting cue)
        (
            "issue",
            -1.0,
            r"\bissues?\b|\bfix (?:this|it|that|the|your)\b|\bplease fix\b|\bunusable\b"
            r"|\bpersist\w*|\bnot an? answer\b|\bno options?\b|\binsufficient\b|\banymore\b",
        ),
        ("sarcasm tag", -2.0, r"#sarcasm\b|\bsarcasm\b"),
        # persistence and repetition
        ("still", -0.8, r"\bstill\b"),
        ("again", -0.6, r"\bagain\b|\b(?:second|third|fourth|2nd|3rd|4th|\d+)\s+time\b"),
        # escalation and churn
        (
            "escalation",
            -2.0,
            r"\bnever\s+(?:again|(?:fly|flying|use|using|buy|buying|shop|shopping|order|ordering|book|booking)\b)"
            r"|\b(?:switch|switching|moving|going)\s+to\s+(?:another|a different|other)\b|\bcomplain(?:t|ts|ing|ed)?\b"
            r"|\bescalat\w*|\blawyer\b|\bbbb\b|\bcancel+ing my\b|\bunacceptable\b|\bfiled? a\b",
        ),
        # "you can do better", "expected better", "could be better"
        (
            "do better",
            -1.5,
            r"\b(?:can|could|should|must|need to|needs to|have to|has to) do (?:a lot |much |way )?better\b"
            r"|\b(?:expected|expect|deserve|deserved) (?:much |a lot |way )?better\b"
            r"|\bcould (?:have )?be(?:en)? better\b",
        ),
        ("thanks for nothing", -3.0, r"\bthanks? (?:you )?for nothing\b|\bthanks a lot\b.*\b(?:not|no|never)\b"),
        ("worst", -1.0, r"\bworst\b|\bfail(?:ed|s|ing|ure)?\b|\bpathetic\b|\bjoke\b|\bseriously\b|\bridiculous\b"),
        # dismissive replies VADER has no (or a weak) valence for: "nope", "apparently not", "c'mon"
        (
            "dismissal",
            -1.5,
            r"\bnope\b|\bapparently not\b|\bc'?mon\b|\bwhat the (?:heck|hell)\b|\bget ?it ?together\b|\bsmh\b",
        ),
        # elapsed time stated as a number: "57 minutes", "3 hrs", "15 min"
        ("elapsed", -0.8, r"\b\d+\s*(?:min|mins|minutes|hrs?|hours?)\b"),
        # slowness and waste, elongated too ("sloooow"); "barely works"
        (
            "slow",
            -1.2,
            r"\bs+l+o+w+(?:ly|er|est)?\b|\bbarely (?:work\w*|load\w*|mov\w*)\b|\btanked\b"
            r"|\b(?:a )?waste of\b|\ba waste\b",
        ),
    ]
)

# Sarcasm markers, matched on the raw (lower-cased) text: "thanks for the third ...",
# "love how ...", "great job" followed by a complaint word, the eye-roll emoji (VADER's
# description "face with rolling eyes"), "(not)".
SARCASM = re.compile(
    r"\bthanks? (?:you )?for the (?:second|third|fourth|2nd|3rd|4th|another|extra)\b|\blove how\b"
    r"|\b(?:great|nice|good) job\b(?=.*\b(?:but|not|no|still|again|delay\w*|wait\w*)\b)"
    r"|\bface with rolling eyes\b|\(not\)"
)
SARCASM_WEIGHT = -2.5

# Rhetorical questions at the company, matched on the raw (lower-cased) text with its "?".
RHETORICAL = re.compile(
    r"\b(?:why|how come|what(?:'s| is) (?:going on|up with|the deal)|how (?:hard|difficult|long)"
    r"|are you (?:kidding|serious)"
    r"|is (?:this|that) (?:how|what|a joke)|where (?:is|are) my|when will|how (?:much )?longer"
    r"|how long (?:does|do|will|is|are|has|have|until|till|before))\b[^?!]*[?!]"
)
RHETORICAL_WEIGHT = -1.0

# Hashtags glued from words ("#worstservice", "#fail", "#neveragain").
NEGATIVE_HASHTAG = re.compile(
    r"#\w*(?:worst|fail|never|bad|sucks?|awful|terrible|poor|lame|nothing|disappoint|angry|annoyed|fraud|scam|ripoff"
    r"|unacceptable|joke|shame|help|frustrat|not(?:happy|cool|impressed|ok|okay|good|fun|amused))\w*"
)
HASHTAG_WEIGHT = -1.5

#: Courtesy and praise words that are pro-forma or sarcastic once a complaint is recognised.
COURTESY = frozenset(
    {"thanks", "thank", "thx", "ty", "appreciate", "appreciated", "cheers", "kindly", "hope", "hoping", "hopefully"}
)

#: How strong (sum of cue weights) a complaint must be before courtesy words stop counting.
COURTESY_OFF_BELOW = -1.0

#: In a strong complaint (cue sum at or below this) remaining praise counts only this much
#: (sarcasm: "great, delayed again and no response").
DAMP_PRAISE_BELOW = -2.5
PRAISE_DAMPING = 0.5

#: In a question, positive words up to this valence are politeness, not sentiment (0: off).
QUESTION_MILD_MAX = 2.5

#: Laughter and winks are amusement and teasing (jokes, memes about the company), not an
#: opinion of the service: "lol", "lmao", "haha", the tears-of-joy emoji ("tears" and "joy")
#: and the ";)" / ";-)" / ";D" / ";P" winks get valence 0.
LAUGHTER = re.compile(r"\b(?:lol+|lmf?ao+|ha(?:ha)+h?|he(?:he)+|rofl)\b|\b(?P<z>tears of joy)\b|(?<!\S);-?[)dp](?!\S)")

#: A post with a link and no complaint cue is usually news, an ad or a shared item: the
#: sentiment words describe the linked content, so positives count this much, negatives
#: LINK_NEGATIVE_FACTOR.
LINK = re.compile(r"https?://")
LINK_POSITIVE_FACTOR = 0.25
LINK_NEGATIVE_FACTOR = 0.5

#: A request or question whose adjusted compound is positive but below this is courtesy,
#: not praise: its compound is set to 0 (neutral). The +-0.05 class thresholds stay.
REQUEST_DEAD_BAND = 0.3
REQUEST = re.compile(
    r"\b(?:please|pls|plz|can you|could you|would you|how do i|how can i|is there|dm|follow (?:me )?back"
    r"|thanks in advance)\b"
)

#: Neutral enquiries: a question asking for status or information ("is my order delayed?",
#: "any update on my refund?", "when will it ...?") mentions a problem without complaining.
#: Without a strong complaint cue or a clearly negative word, its soft cues (the problem
#: nouns and states below) do not count.
ENQUIRY = re.compile(
    r"(?:^|[.!?]\s+|^(?:@\w+\s+)+)(?:is|are|do|does|did|can|could|will|would|should|has|have|any)\s[^?]*\?"
    r"|\b(?:status|update|any news|any word|any info|any chance|any way|when will|is there|how long)\b[^?]*\?"
)
ENQUIRY_SOFT_CUES = frozenset(
    {"delay", "money", "still", "issue", "elapsed", "duration", "stranded", "again", "rhetorical question"}
)
ENQUIRY_STRONG_NEGATIVE = -1.5
#: ... and at most this many words (mentions and links aside) outside the questions, none of
#: them a cue: "I had to change my whole schedule. Can I get a refund?" is a complaint.
ENQUIRY_MAX_STATEMENT_WORDS = 15


# --- gates: which patterns can match a text at all ----------------------------------------
# Every pattern needs, in any match, certain words: "\bon hold\b" the word "hold",
# "\bovercharg\w*" a word starting with "overcharg", "\b\d+\s*mins?\b" a word ending in
# "min"/"mins". A *word* here is a run of ``\w`` characters (what ``\b`` delimits), so it lies
# inside one token, and it is also a word of that token after VADER's punctuation strip
# (which never cuts into a run of letters). :data:`ANCHORS` names groups of such words
# (exact, by prefix, by suffix). For each pattern:
#
# * :data:`SURE`: groups that make it match on their own, because one of its alternatives is
#   just a word list ("\bstill\b", "\brefunds?\b", "\bescalat\w*"): a text holding such a word
#   fires the cue without running the pattern;
# * :data:`GATES`: the alternatives of groups (all needed) for its other branches: only a
#   text whose tokens hold them runs the pattern (any match needs them);
# * :data:`TOKEN_NEUTRALISE`: neutralisations that are word lists zero exactly the tokens
#   holding one of their words, without running the pattern.
#
# So most texts run none or one or two of the 29 patterns instead of all of them, and give
# the same scores; ``tests/test_sentiment_speed.py`` checks SURE, GATES and
# TOKEN_NEUTRALISE against the patterns on many texts.


@dataclass(frozen=True)
class _Anchor:
    words: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()
    slow_word: bool = False  # "slow", "sloooow", "slowly", ... (``s+l+o+w+(?:ly|er|est)?``)


def _w(words: str) -> frozenset[str]:
    return frozenset(words.split())


_NOT_CONTRACTED = "hasn hasnt haven havent didn didnt"  # "hasn't" is the words "hasn" and "t"
ANCHORS: dict[str, _Anchor] = {
    # neutralisations of single words (TOKEN_NEUTRALISE), then in context
    "request": _Anchor(_w("please pls plz help")),
    "want": _Anchor(_w("want wants wanted wish free")),
    "service noun": _Anchor(_w("credit credits safety number")),
    "acknowledgement": _Anchor(_w("ok okay yes sure alright fyi")),
    "dear": _Anchor(_w("dear")),
    "empathy": _Anchor(_w("sorry apologise apologize apologies apology")),
    "like": _Anchor(_w("like")),
    "department": _Anchor(_w("support care")),
    "laughter": _Anchor(_w("tears"), prefixes=("lol", "lmao", "lmfao", "haha", "hehe", "rofl")),
    # cue words that fire their cue on their own (SURE)
    "still": _Anchor(_w("still")),
    "worst": _Anchor(_w("worst fail failed fails failing failure pathetic joke seriously ridiculous")),
    "stranded": _Anchor(_w("stranded stuck rebook rebooked rebooking")),
    "sarcasm tag": _Anchor(_w("sarcasm")),
    "issue": _Anchor(_w("issue issues unusable insufficient anymore"), prefixes=("persist",)),
    "again": _Anchor(_w("again")),
    "delay": _Anchor(_w("delay delayed delays delaying late missed")),
    "money": _Anchor(_w("refund refunds charged charging fee fees"), prefixes=("overcharg", "compensat", "reimburs")),
    "lost": _Anchor(_w("lost missing damaged broken stolen stole")),
    "error": _Anchor(_w("error errors bug buggy bugs crash crashed crashes crashing")),
    "nope": _Anchor(_w("nope smh")),
    "slow": _Anchor(_w("tanked"), slow_word=True),
    "escalation": _Anchor(
        _w("complain complaint complaints complaining complained lawyer bbb unacceptable"), prefixes=("escalat",)
    ),
    "nobody": _Anchor(_w("nobody unanswered ignored ignoring")),
    # cue words that need their context
    "on hold": _Anchor(_w("hold")),
    "waiting": _Anchor(_w("waiting trying calling holding phone wait waited waits")),
    "for": _Anchor(_w("for")),
    "now": _Anchor(_w("now already counting")),
    "duration": _Anchor(_w("over than almost nearly")),
    "cancel": _Anchor(prefixes=("cancel",)),
    "paid": _Anchor(_w("paid pay paying money")),
    "never": _Anchor(_w("never")),
    "not yet": _Anchor(_w(f"{_NOT_CONTRACTED} still")),
    "arrived": _Anchor(_w("arrived come shown been")),
    "negation": _Anchor(_w("not isn isnt doesn doesnt won wont didn didnt can cant cannot unable")),
    "work": _Anchor(
        _w("work working load loading let letting log login access connect find get check checkin book change reach")
    ),
    "site": _Anchor(
        _w("site sites website websites app apps page pages system systems server servers link links line lines")
    ),
    "down": _Anchor(_w("down broken working"), prefixes=("crash",)),
    "no": _Anchor(_w("no")),
    "no what": _Anchor(
        _w("response reply replies answer one call callback help update updates info information news word")
    ),
    "not ever": _Anchor(_w(f"{_NOT_CONTRACTED} never not")),
    "heard": _Anchor(_w("heard gotten received responded replied answered answering called contacted helped")),
    "hung up": _Anchor(_w("hung answering")),
    "fix": _Anchor(_w("fix answer option options")),
    "time": _Anchor(_w("time")),
    "switch": _Anchor(_w("another different other")),
    "file": _Anchor(_w("file filed")),
    "better": _Anchor(_w("better")),
    "nothing": _Anchor(_w("nothing lot")),
    "dismissal": _Anchor(_w("apparently mon cmon heck hell"), suffixes=("together",)),
    "elapsed": _Anchor(suffixes=("min", "mins", "minutes", "hr", "hrs", "hour", "hours")),
    "barely": _Anchor(_w("barely waste")),
    # SARCASM (matched on the text, whose words are its tokens' words)
    "thanks": _Anchor(_w("thank thanks")),
    "ordinal": _Anchor(_w("second third fourth 2nd 3rd 4th another extra")),
    "love": _Anchor(_w("love")),
    "how": _Anchor(_w("how")),
    "job": _Anchor(_w("job")),
    "praise": _Anchor(_w("great nice good")),
    "rolling": _Anchor(_w("rolling")),
    "eyes": _Anchor(_w("eyes")),
    # RHETORICAL (on the text; every branch has one of these words) and REQUEST (the joined
    # tokens: "please", "pls", "plz" are the group "request", "how do i" has "how")
    "rhetorical": _Anchor(_w("why how what kidding serious joke where when")),
    "asks": _Anchor(_w("you there dm follow advance")),
}

#: Neutralisations that are word lists (``\b(?:please|pls|plz|help)\b``): they zero exactly
#: the tokens holding one of the words of the group of the same name.
TOKEN_NEUTRALISE = ("request", "want", "service noun", "acknowledgement")

#: Per cue: the groups whose words make it match on their own.
SURE: dict[str, tuple[str, ...]] = {
    "still": ("still",),
    "worst": ("worst",),
    "stranded": ("stranded",),
    "sarcasm tag": ("sarcasm tag",),
    "issue": ("issue",),
    "again": ("again",),
    "delay": ("delay",),
    "money": ("money",),
    "lost": ("lost",),
    "not working": ("error",),
    "dismissal": ("nope",),
    "slow": ("slow",),
    "escalation": ("escalation",),
    "no reply": ("nobody",),
}

#: Per pattern (the neutralisations', cues', "laughter", "sarcasm"): the alternatives of
#: groups a match of its other branches needs all of (besides :data:`SURE`).
GATES: dict[str, tuple[tuple[str, ...], ...]] = {
    "empathy": (("empathy",),),
    "like": (("like",),),
    "acknowledgement": (("dear",),),  # "^dear", "^\S+ dear"; its word list is TOKEN_NEUTRALISE
    "department": (("department",),),
    "laughter": (("laughter",),),
    "on hold": (("on hold",),),
    "waiting": (("waiting",), ("for", "now")),
    "duration": (("duration",),),
    "delay": (("cancel",),),
    "money": (("paid",),),
    "lost": (("never",), ("not yet", "arrived")),
    "not working": (("negation", "work"), ("site", "down")),
    "no reply": (("no", "no what"), ("not ever", "heard"), ("hung up",)),
    "issue": (("fix",),),
    "again": (("time",),),
    "escalation": (("never",), ("switch",), ("cancel",), ("file",)),
    "do better": (("better",),),
    "thanks for nothing": (("nothing",),),
    "dismissal": (("dismissal",),),
    "elapsed": (("elapsed",),),
    "slow": (("barely",),),
    "sarcasm": (("thanks", "ordinal"), ("love", "how"), ("job", "praise"), ("rolling", "eyes")),  # and "(not)"
}

#: Whole tokens that are winks (``LAUGHTER``'s ``(?<!\S);-?[)dp](?!\S)``).
WINKS = frozenset({";)", ";-)", ";d", ";-d", ";p", ";-p"})

_BIT = {name: 1 << k for k, name in enumerate(ANCHORS)}


def _exact_word_bits() -> dict[str, int]:
    bits: dict[str, int] = {}
    for name, anchor in ANCHORS.items():
        for word in anchor.words:
            bits[word] = bits.get(word, 0) | _BIT[name]
    return bits


def _bits(*groups: str) -> int:
    return sum(_BIT[group] for group in groups)


_WORD_BITS = _exact_word_bits()
_PREFIX_BITS = tuple((p, _BIT[n]) for n, a in ANCHORS.items() for p in a.prefixes)
_SUFFIX_BITS = tuple((x, _BIT[n]) for n, a in ANCHORS.items() for x in a.suffixes)
_PREFIXES = tuple(p for p, _ in _PREFIX_BITS)
_SUFFIXES = tuple(x for x, _ in _SUFFIX_BITS)
_SLOW_WORD = re.compile(r"s+l+o+w+(?:ly|er|est)?")
_SLOW_BITS = _bits(*(name for name, anchor in ANCHORS.items() if anchor.slow_word))
_WORD_RUN = re.compile(r"\w+")
_TOKEN_NEUTRALISE_BITS = _bits(*TOKEN_NEUTRALISE)
_RHETORICAL_BITS = _BIT["rhetorical"]
_REQUEST_BITS = _bits("request", "asks", "how")


def _word_bits(word: str) -> int:
    """The anchor groups one word (run of ``\\w``) belongs to."""
    bits = _WORD_BITS.get(word, 0)
    if word.startswith(_PREFIXES):
        for prefix, bit in _PREFIX_BITS:
            if word.startswith(prefix):
                bits |= bit
    if word.endswith(_SUFFIXES):
        for suffix, bit in _SUFFIX_BITS:
            if word.endswith(suffix):
                bits |= bit
    if word[:1] == "s" and "ow" in word and _SLOW_WORD.fullmatch(word):
        bits |= _SLOW_BITS
    return bits


def token_bits(lower: str) -> int:
    """The anchor groups of one lower-case token (the OR of its words' groups)."""
    if lower in WINKS:
        return _BIT["laughter"]
    if lower.isalnum():  # one run of \w (str.isalnum is \w without "_")
        return _word_bits(lower)
    bits = 0
    for word in _WORD_RUN.findall(lower):
        bits |= _word_bits(word)
    return bits


def _tokens_bits(lowers: list[str]) -> list[int]:
    """:func:`token_bits` of many tokens: C-level look-ups, and the word by word analysis only
    for the tokens that are not one word or that start or end like an anchor."""
    bits = list(map(_WORD_BITS.get, lowers, repeat(0)))
    slow_like = map(and_, map(str.startswith, lowers, repeat("s")), map(str.__contains__, lowers, repeat("ow")))
    odd = map(
        or_,
        map(or_, map(not_, map(str.isalnum, lowers)), map(str.startswith, lowers, repeat(_PREFIXES))),
        map(or_, map(str.endswith, lowers, repeat(_SUFFIXES)), slow_like),
    )
    for i in compress(range(len(lowers)), odd):
        bits[i] = token_bits(lowers[i])
    return bits


#: The characters other than ASCII letters that an ASCII letter matches case-insensitively
#: (``re.IGNORECASE``); ``tests/test_sentiment_speed.py`` checks the list.
CASE_FOLDS_TO_ASCII = frozenset("\u0130\u0131\u017f\u212a")


def _courtesy_possible(normalised: str) -> bool:
    """Whether :data:`COURTESY_PHRASE` can match: it needs one of its nouns, in any case."""
    if not normalised.isascii() and not CASE_FOLDS_TO_ASCII.isdisjoint(normalised):
        return True
    lower = normalised.lower()
    return "problem" in lower or "worr" in lower or "trouble" in lower or "issue" in lower


_Cue = tuple[str, float, re.Pattern[str]]
_NAME = itemgetter(0)
_WEIGHT = itemgetter(1)


class _Plan(NamedTuple):
    """What a text runs, given its tokens' anchor groups (reference order kept)."""

    token_neutralise: bool  # zero the tokens of TOKEN_NEUTRALISE groups
    neutralise: tuple[tuple[re.Pattern[str], bool], ...]  # with: zero only the group "z"
    laughter: bool
    cues: tuple[tuple[_Cue, bool], ...]  # with: sure to match (no search)
    sarcasm: bool
    joined: bool  # a pattern runs over the joined tokens


#: Every pattern in the reference order: kind, name, what the fast path runs.
_PATTERNS: tuple[tuple[str, str, object], ...] = (
    *(("neutralise", name, (pattern, "z" in pattern.groupindex)) for name, pattern in NEUTRALISE),
    ("laughter", "laughter", LAUGHTER),
    *(("cue", cue[0], cue) for cue in CUES),
    ("sarcasm", "sarcasm", SARCASM),
)
_SURE_MASKS = tuple(_bits(*SURE.get(name, ())) for _, name, _ in _PATTERNS)
_GATE_MASKS = tuple(tuple(_bits(*groups) for groups in GATES.get(name, ())) for _, name, _ in _PATTERNS)


def _pattern_masks() -> tuple[dict[int, int], dict[int, int], tuple[tuple[int, int], ...]]:
    """Per anchor group bit: the patterns (bits ``1 << index in _PATTERNS``) it makes sure,
    and those an alternative of a single group lets run; the alternatives of several groups
    as (groups, pattern)."""
    sure: dict[int, int] = {}
    single: dict[int, int] = {}
    several: list[tuple[int, int]] = []
    for k, (_, name, _) in enumerate(_PATTERNS):
        for group in SURE.get(name, ()):
            sure[_BIT[group]] = sure.get(_BIT[group], 0) | 1 << k
        for groups in GATES.get(name, ()):
            if len(groups) == 1:
                single[_BIT[groups[0]]] = single.get(_BIT[groups[0]], 0) | 1 << k
            else:
                several.append((_bits(*groups), 1 << k))
    return sure, single, tuple(several)


_SURE_BY_GROUP, _RUN_BY_GROUP, _RUN_BY_GROUPS = _pattern_masks()


def _plan_for(bits: int) -> _Plan:
    """What a text runs given the anchor groups ``bits`` of its tokens."""
    sure = run = 0
    rest = bits
    while rest:
        low = rest & -rest
        rest ^= low
        sure |= _SURE_BY_GROUP.get(low, 0)
        run |= _RUN_BY_GROUP.get(low, 0)
    for groups, pattern in _RUN_BY_GROUPS:
        if bits & groups == groups:
            run |= pattern
    neutralise: list[tuple[re.Pattern[str], bool]] = []
    cues: list[tuple[_Cue, bool]] = []
    laughter = sarcasm = joined = False
    rest = run | sure
    while rest:  # in pattern order
        low = rest & -rest
        rest ^= low
        kind, _, payload = _PATTERNS[low.bit_length() - 1]
        if kind == "cue":
            cues.append((payload, bool(sure & low)))  # type: ignore[arg-type]
            joined = joined or not sure & low
        elif kind == "neutralise":
            neutralise.append(payload)  # type: ignore[arg-type]
            joined = True
        elif kind == "laughter":
            laughter = joined = True
        else:
            sarcasm = True
    return _Plan(bool(bits & _TOKEN_NEUTRALISE_BITS), tuple(neutralise), laughter, tuple(cues), sarcasm, joined)


_NO_PLAN = _plan_for(0)

#: Bound on the plans cached per layer (one per combination of anchor groups met).
MAX_PLANS = 100_000
_RHETORICAL_CUE: _Cue = ("rhetorical question", RHETORICAL_WEIGHT, RHETORICAL)
_SARCASM_CUE: _Cue = ("sarcasm", SARCASM_WEIGHT, SARCASM)
_HASHTAG_CUE: _Cue = ("negative hashtag", HASHTAG_WEIGHT, NEGATIVE_HASHTAG)


@dataclass(frozen=True)
class Explanation:
    """What the layer did to one text (for the report's method appendix and debugging)."""

    vader: float
    compound: float
    neutralised: tuple[str, ...]
    cues: tuple[str, ...]


def _normalise(text: str) -> str:
    """HTML entities decoded and typographic apostrophes made ASCII ("can’t" -> "can't")."""
    return html.unescape(text).replace("\u2019", "'").replace("\u2018", "'")


def _token_spans(lowers: Sequence[str]) -> tuple[str, list[int]]:
    """The tokens joined by single spaces, and each token's start offset in that string."""
    starts = []
    pos = 0
    for word in lowers:
        starts.append(pos)
        pos += len(word) + 1
    return " ".join(lowers), starts


def _tokens_in(starts: list[int], lowers: Sequence[str], begin: int, end: int) -> range:
    """Indexes of the tokens overlapping ``[begin, end)`` in the joined string."""
    first = next((i for i, s in enumerate(starts) if s + len(lowers[i]) > begin), len(starts))
    last = first
    while last < len(starts) and starts[last] < end:
        last += 1
    return range(first, last)


class CustomerServiceLayer:
    """Applies the neutralisations and complaint cues to VADER's token valences.

    :meth:`explain` is the reference: it runs every pattern on one text and names what
    fired. :meth:`compound_many` (and :meth:`compound`) give the same scores (``==``) for a
    batch, faster: the texts go through VADER in bulk (:meth:`FastVader.prepare`), each
    distinct raw token's anchor groups are computed once, and a text runs only the patterns
    its tokens' groups allow (:data:`GATES`), without building names or a record.
    """

    def __init__(self, engine: FastVader | None = None) -> None:
        self.engine = engine or shared_engine()
        # Per raw token (the engine's raws): analysed raws; the anchor groups of those that
        # have any; raws a TOKEN_NEUTRALISE pattern zeroes; raws whose lower case is a
        # :data:`COURTESY` word. Per lower-case token: its anchor groups. Per combination of
        # anchor groups: what to run.
        self._seen: set[str] = set()
        self._bits: dict[str, int] = {}
        self._neutral_raws: set[str] = set()
        self._courtesy_raws: set[str] = set()
        self._lower_bits: dict[str, int] = {}
        self._plans: dict[int, _Plan] = {0: _NO_PLAN}

    def _add_raws(self, raws: set[str]) -> None:
        """The anchor groups of a batch's new raw tokens (computed once per lower-case token)."""
        new = list(raws.difference(self._seen))
        if not new:
            return
        if len(self._seen) + len(new) > MAX_CACHED_TOKENS:
            for cache in (self._seen, self._bits, self._neutral_raws, self._courtesy_raws, self._lower_bits):
                cache.clear()
            new = list(raws)
        self._seen.update(new)
        lowers = self.engine.lowers(new)
        lower_bits = self._lower_bits
        fresh = list(set(lowers).difference(lower_bits))
        lower_bits.update(zip(fresh, _tokens_bits(fresh), strict=True))
        bits = list(map(lower_bits.__getitem__, lowers))
        self._bits.update(compress(zip(new, bits, strict=True), bits))
        # (only lexicon words can have a valence to zero)
        neutral = compress(new, map(and_, bits, repeat(_TOKEN_NEUTRALISE_BITS)))
        self._neutral_raws.update(filter(self.engine.is_lexical, neutral))
        self._courtesy_raws.update(compress(new, map(COURTESY.__contains__, lowers)))

    def _new_plan(self, bits: int) -> _Plan:
        if len(self._plans) >= MAX_PLANS:  # (bounded on endless streams of new texts)
            self._plans.clear()
        plan = self._plans[bits] = _plan_for(bits)
        return plan

    def compound_many(self, texts: Sequence[str]) -> list[float]:
        """:meth:`compound` of every text (equal to ``explain(t).compound``), in bulk."""
        with gc_paused():
            return self._compound_many(texts)

    def _compound_many(self, texts: Sequence[str]) -> list[float]:
        """:meth:`compound_many` (with the garbage collector paused).

        The same steps as :meth:`explain` with the same float operations, but a text runs
        only the patterns its tokens allow (:func:`_plan_for`), and steps that cannot change
        the result are skipped (every valence 0, no courtesy word, no "?" ...).
        """
        normalised_texts = [t if t.isascii() and "&" not in t else _normalise(t) for t in texts]
        rewritten = [COURTESY_PHRASE.sub(COURTESY_TOKEN, n) if _courtesy_possible(n) else n for n in normalised_texts]
        engine = self.engine
        prepared = engine.prepare(rewritten)
        self._add_raws(prepared.raws)
        sentiments, lowers_of = engine.sentiments, engine.lowers
        bits_of, plans = self._bits, self._plans
        neutral_raws, courtesy_raws = self._neutral_raws, self._courtesy_raws
        enquiry = CustomerServiceLayer._enquiry
        out: list[float] = []
        for normalised, clean, raws in zip(normalised_texts, prepared.cleaned, prepared.splits, strict=True):
            valences = sentiments(raws)  # None: no lexicon word, every valence is 0
            bits = reduce(or_, map(bits_of.get, raws, repeat(0)), 0)
            plan = plans.get(bits) or self._new_plan(bits)
            lowers: list[str] = []
            joined = ""
            if plan.joined:
                lowers = lowers_of(raws)
                joined = " ".join(lowers)
            starts: list[int] | None = None  # the tokens' offsets in ``joined``, once a match needs them
            if valences is not None:  # neutralisations (with every valence 0 they change nothing)
                if plan.token_neutralise and not neutral_raws.isdisjoint(raws):
                    for i in compress(range(len(raws)), map(neutral_raws.__contains__, raws)):
                        if valences[i] != 0:
                            valences[i] = 0
                for pattern, z_group in plan.neutralise:
                    starts = _zero_matches(pattern, z_group, joined, starts, lowers, valences)
            # complaint cues, in the reference order
            fired = [cue for cue, sure in plan.cues if sure or cue[2].search(joined)] if plan.cues else []
            question = "?" in clean
            shout = "!" in clean
            paren = "(" in clean
            rhetorical = (question or shout) and bits & _RHETORICAL_BITS
            if rhetorical or paren or plan.sarcasm or "#" in clean:
                raw_lower = clean.lower()
                if rhetorical and RHETORICAL.search(raw_lower):
                    fired.append(_RHETORICAL_CUE)
                if (plan.sarcasm or (paren and "(not)" in raw_lower)) and SARCASM.search(raw_lower):
                    fired.append(_SARCASM_CUE)
                if "#" in raw_lower and NEGATIVE_HASHTAG.search(raw_lower):
                    fired.append(_HASHTAG_CUE)
            cue_sum = 0.0
            if fired:
                cue_sum = float(sum(map(_WEIGHT, fired)))
                # (an enquiry is a question with only soft cues)
                if (
                    "?" in normalised
                    and ENQUIRY_SOFT_CUES.issuperset(map(_NAME, fired))
                    and enquiry(normalised, list(map(_NAME, fired)), valences or ())
                ):
                    fired = [cue for cue in fired if cue[0] not in ENQUIRY_SOFT_CUES]
                    cue_sum = float(sum(map(_WEIGHT, fired)))
            if valences is None:  # every later step keeps the valences 0: the sum is the cues'
                out.append(compound_from_sum(cue_sum, clean) if fired else 0.0)
                continue
            if plan.laughter:
                _zero_matches(LAUGHTER, None, joined, starts, lowers, valences)
            if not fired and "://" in normalised and LINK.search(normalised):
                valences = [v * (LINK_POSITIVE_FACTOR if v > 0 else LINK_NEGATIVE_FACTOR) for v in valences]
            if (cue_sum <= COURTESY_OFF_BELOW or question) and not courtesy_raws.isdisjoint(raws):
                for i, word in enumerate(lowers or lowers_of(raws)):
                    if word in COURTESY and valences[i] > 0:
                        valences[i] = 0
            if cue_sum <= DAMP_PRAISE_BELOW:
                valences = [v * PRAISE_DAMPING if v > 0 else v for v in valences]
            if question:
                valences = [0 if 0 < v <= QUESTION_MILD_MAX else v for v in valences]
            compound = compound_from_sum(float(sum(valences)) + cue_sum, clean)
            if (
                0 < compound < REQUEST_DEAD_BAND
                and (question or bits & _REQUEST_BITS)
                and (question or REQUEST.search(joined or " ".join(lowers_of(raws))))
            ):
                compound = 0.0
            out.append(compound)
        return out

    def explain(self, text: str, *, with_vader: bool = True) -> Explanation:
        """Score one text and say which patterns fired (``with_vader``: also plain VADER's score)."""
        normalised = _normalise(text)
        vader = self.engine.compound(normalised) if with_vader else float("nan")
        rewritten, courtesies = COURTESY_PHRASE.subn(COURTESY_TOKEN, normalised)
        parsed = self.engine.parse(rewritten)
        valences = list(parsed.valences)
        lowers = [t.lower for t in parsed.tokens]
        joined, starts = _token_spans(lowers)
        neutralised = ["courtesy:no problem"] * courtesies
        neutralised += self._neutralise(joined, starts, lowers, valences)
        cues, cue_sum = self._cues(joined, parsed.text.lower())
        if cues and self._enquiry(normalised, cues, valences):
            kept = [(n, w) for n, w in self._cue_weights(joined, parsed.text.lower()) if n not in ENQUIRY_SOFT_CUES]
            cues, cue_sum = [n for n, _ in kept], float(sum(w for _, w in kept))
            neutralised.append("enquiry")
        neutralised += self._laughter(joined, starts, lowers, valences)
        if not cues and LINK.search(normalised):
            valences = [v * (LINK_POSITIVE_FACTOR if v > 0 else LINK_NEGATIVE_FACTOR) for v in valences]
            neutralised.append("link")
        question = "?" in parsed.text
        if cue_sum <= COURTESY_OFF_BELOW or question:
            for i, word in enumerate(lowers):
                if word in COURTESY and valences[i] > 0:
                    valences[i] = 0
                    neutralised.append(
                        f"courtesy-in-{'complaint' if cue_sum <= COURTESY_OFF_BELOW else 'question'}:{word}"
                    )
        if cue_sum <= DAMP_PRAISE_BELOW:
            valences = [v * PRAISE_DAMPING if v > 0 else v for v in valences]
        if question:
            valences = [0 if 0 < v <= QUESTION_MILD_MAX else v for v in valences]
        total = float(sum(valences)) + cue_sum
        compound = compound_from_sum(total, parsed.text) if (valences or cues) else 0.0
        if 0 < compound < REQUEST_DEAD_BAND and (question or REQUEST.search(joined)):
            compound = 0.0
            neutralised.append("request dead band")
        return Explanation(vader, compound, tuple(neutralised), tuple(cues))

    def compound(self, text: str) -> float:
        """The adjusted compound score of one text (``explain(text).compound``)."""
        return self.compound_many([text])[0]

    @staticmethod
    def _neutralise(joined: str, starts: list[int], lowers: list[str], valences: list[float]) -> list[str]:
        """Zero the valence of the tokens inside each neutralisation match; name what fired."""
        fired = []
        for name, pattern in NEUTRALISE:
            for match in pattern.finditer(joined):
                begin, end = match.span("z") if "z" in pattern.groupindex else match.span()
                for i in _tokens_in(starts, lowers, begin, end):
                    if valences[i] != 0:
                        valences[i] = 0
                        fired.append(f"{name}:{lowers[i]}")
        return fired

    @staticmethod
    def _laughter(joined: str, starts: list[int], lowers: list[str], valences: list[float]) -> list[str]:
        """Zero the valence of laughter tokens; name what fired."""
        fired = []
        for match in LAUGHTER.finditer(joined):
            begin, end = match.span("z") if match.group("z") else match.span()
            for i in _tokens_in(starts, lowers, begin, end):
                if valences[i] != 0:
                    valences[i] = 0
                    fired.append(f"laughter:{lowers[i]}")
        return fired

    @staticmethod
    def _cue_weights(joined: str, raw_lower: str) -> list[tuple[str, float]]:
        """Complaint cues found (each pattern counts once) with their weights."""
        fired = [(name, weight) for name, weight, pattern in CUES if pattern.search(joined)]
        if RHETORICAL.search(raw_lower):
            fired.append(("rhetorical question", RHETORICAL_WEIGHT))
        if SARCASM.search(raw_lower):
            fired.append(("sarcasm", SARCASM_WEIGHT))
        if NEGATIVE_HASHTAG.search(raw_lower):
            fired.append(("negative hashtag", HASHTAG_WEIGHT))
        return fired

    @classmethod
    def _cues(cls, joined: str, raw_lower: str) -> tuple[list[str], float]:
        """Complaint cues found (each pattern counts once) and the sum of their weights."""
        fired = cls._cue_weights(joined, raw_lower)
        return [name for name, _ in fired], float(sum(weight for _, weight in fired))

    @staticmethod
    def _enquiry(text: str, cues: Sequence[str], valences: Sequence[float]) -> bool:
        """A status / information question with only soft cues and no clearly negative word."""
        if not set(cues) <= ENQUIRY_SOFT_CUES or any(v <= ENQUIRY_STRONG_NEGATIVE for v in valences):
            return False
        lower = text.lower()
        if ENQUIRY.search(lower) is None:
            return False
        statements = " ".join(part for part in re.split(r"(?<=[.!?])\s+", lower) if not part.rstrip().endswith("?"))
        words = [w for w in statements.split() if not w.startswith(("@", "http"))]
        if len(words) > ENQUIRY_MAX_STATEMENT_WORDS:
            return False
        return not CustomerServiceLayer._cues(statements, statements)[0]


class CustomerServiceScorer(CachedScorer):
    """VADER with the customer-service layer; follows the ``SentimentScorer`` protocol.

    ``method`` is ``"vader+cs"``. Identical texts are scored once per instance; batches with
    more than ``parallel_threshold`` distinct new texts are split over ``workers`` processes
    like :class:`FastVaderScorer`'s (see :class:`CachedScorer`).
    """

    method = "vader+cs"

    def __init__(self, workers: int | None = None, parallel_threshold: int = PARALLEL_THRESHOLD) -> None:
        super().__init__(workers, parallel_threshold)
        self.layer = CustomerServiceLayer()

    def _chunk_function(self) -> Callable[[list[str]], list[float]]:
        return _score_chunk

    def _score_unique(self, texts: list[str]) -> list[float]:
        if not all(isinstance(t, str) for t in texts):  # (what the reference path does with them)
            return [self.layer.explain(t, with_vader=False).compound for t in texts]
        if use_processes(self.workers, len(texts), self.parallel_threshold):
            return score_in_processes(_score_chunk, texts, self.workers)
        if use_fork_split(self.workers, len(texts)):
            return score_split_fork(lambda part: _score_with(self.layer, part), texts)
        return _score_with(self.layer, texts)

    def explain(self, text: str) -> Explanation:
        """Which neutralisations and cues fired for ``text``."""
        return self.layer.explain(text)


def _zero_matches(
    pattern: re.Pattern[str],
    z_group: bool | None,
    joined: str,
    starts: list[int] | None,
    lowers: list[str],
    valences: list[float],
) -> list[int] | None:
    """Valence 0 for the tokens of each match (of group "z" when ``z_group``; with ``None``,
    when the match has one), as :meth:`CustomerServiceLayer._neutralise` / ``_laughter``.

    ``starts`` (the token offsets in ``joined``) are computed at the first match; returned."""
    for match in pattern.finditer(joined):
        if z_group is None:
            begin, end = match.span("z") if match.group("z") else match.span()
        else:
            begin, end = match.span("z") if z_group else match.span()
        if starts is None:
            starts = _token_spans(lowers)[1]
        for i in _tokens_in(starts, lowers, begin, end):
            if valences[i] != 0:
                valences[i] = 0
    return starts


def _score_with(layer: CustomerServiceLayer, texts: list[str]) -> list[float]:
    return in_batches(layer.compound_many, texts)


@lru_cache(maxsize=1)
def shared_layer() -> CustomerServiceLayer:
    """One layer per process (on the process's shared engine)."""
    return CustomerServiceLayer()


def _score_chunk(texts: list[str]) -> list[float]:
    return _score_with(shared_layer(), texts)


def scorer_for(method: str) -> FastVaderScorer | CustomerServiceScorer:
    """The scorer for a method string: ``"vader"`` (plain) or ``"vader+cs"``."""
    if method == FastVaderScorer.method:
        return FastVaderScorer()
    if method == CustomerServiceScorer.method:
        return CustomerServiceScorer()
    raise ValueError(f"unknown sentiment method {method!r}; expected 'vader' or 'vader+cs'")
