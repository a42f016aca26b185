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
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from postmortem.analysis.fast_vader import FastVader, FastVaderScorer, compound_from_sum, shared_engine

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
    """Applies the neutralisations and complaint cues to VADER's token valences."""

    def __init__(self, engine: FastVader | None = None) -> None:
        self.engine = engine or shared_engine()

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
        """The adjusted compound score of one text."""
        return self.explain(text, with_vader=False).compound

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


class CustomerServiceScorer:
    """VADER with the customer-service layer; follows the ``SentimentScorer`` protocol.

    ``method`` is ``"vader+cs"``. Identical texts are scored once per instance.
    """

    method = "vader+cs"

    def __init__(self) -> None:
        self.layer = CustomerServiceLayer()
        self._cache: dict[str, float] = {}

    def score(self, texts: Sequence[str]) -> list[float]:
        """Adjusted compound score per text."""
        cache = self._cache
        for text in dict.fromkeys(texts):
            if text not in cache:
                cache[text] = self.layer.compound(text)
        return [cache[t] for t in texts]

    def explain(self, text: str) -> Explanation:
        """Which neutralisations and cues fired for ``text``."""
        return self.layer.explain(text)


def scorer_for(method: str) -> FastVaderScorer | CustomerServiceScorer:
    """The scorer for a method string: ``"vader"`` (plain) or ``"vader+cs"``."""
    if method == FastVaderScorer.method:
        return FastVaderScorer()
    if method == CustomerServiceScorer.method:
        return CustomerServiceScorer()
    raise ValueError(f"unknown sentiment method {method!r}; expected 'vader' or 'vader+cs'")
