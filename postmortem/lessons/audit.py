"""Reply audit: what each company reply did, with the matched words as evidence.

Every detector is a list of regular expressions plus vetoes (see docs/lessons.md for what
each matches and its measured precision and recall). Nothing is learned or downloaded:
the sarcasm and made-light detectors also use features of the thread (is the post being
answered a complaint? does the reply apologise?) so a joke answering praise is not flagged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Literal

import numpy as np
import pandas as pd

from postmortem.perf import Pending
from postmortem.timeline import (
    ADDRESSED,
    AUTHOR,
    AUTHOR_HANDLE,
    AUTHOR_NAME,
    CREATED_AT,
    ID,
    IS_COMPANY,
    PARENT_ID,
    RESPONSE_S,
    ROLE,
    ROLE_COMPLAINANT,
    SENTIMENT,
    TEXT,
    answered_by_company,
    company_posts_to,
    first_post_to,
    replies_to_company,
)

Strategy = Literal["deny", "diminish", "rebuild", "bolster", "none"]
ReplyVerdict = Literal["went_well", "went_badly", "neutral"]

FLAG_NAMES: tuple[str, ...] = (
    "apology",
    "empathy",
    "explanation",
    "solution",
    "next_steps",
    "offline",
    "personal_touch",
    "sarcasm",
    "arguing",
    "made_light",
    "no_problem",
    "customer_burden",
    "follow_up_promise",
)
"""Stable flag names (JSON, rules, tests)."""
BAD_FLAGS = frozenset({"sarcasm", "arguing", "made_light", "no_problem", "customer_burden"})
GOOD_FLAGS = frozenset(FLAG_NAMES) - BAD_FLAGS - {"personal_touch"}
STRATEGIES: tuple[str, ...] = ("deny", "diminish", "rebuild", "bolster", "none")
NEGATIVE_SENTIMENT = -0.05
POSITIVE_SENTIMENT = 0.05


@dataclass(frozen=True)
class Flag:
    """One detector hit: its name, the character span in the reply and the matched words."""

    name: str
    span: tuple[int, int]
    evidence: str


@dataclass(frozen=True)
class ReplyContext:
    """What the reply answers: the nearest non-company post above it."""

    parent_text: str = ""
    parent_negative: bool = False
    """The post answered is a complaint (negative sentiment or complaint words)."""
    addressee: str | None = None
    """Handle of the person answered (normalised, no @)."""
    addressee_name: str | None = None
    """Display name of the person answered, if known."""


@dataclass(frozen=True)
class ReplyAudit:
    """The audit of one company post."""

    post_id: str
    author: str
    text: str
    flags: tuple[Flag, ...]
    strategy: Strategy
    strategy_reason: str
    verdict: ReplyVerdict
    suggestion: str | None
    addressed_to: str | None
    parent_id: str | None = None
    answers_complaint: bool = False

    def has(self, name: str) -> bool:
        """Whether the reply carries the flag ``name``."""
        return any(flag.name == name for flag in self.flags)

    def flag(self, name: str) -> Flag | None:
        """The first flag called ``name``, if any."""
        return next((flag for flag in self.flags if flag.name == name), None)


@dataclass(frozen=True)
class ThreadAudit:
    """Per-reply audits plus the patterns only visible across replies."""

    replies: tuple[ReplyAudit, ...]
    canned_groups: tuple[tuple[str, ...], ...]
    """Groups (2+) of company posts with identical or near-identical wording, largest first."""
    broken_promises: tuple[str, ...]
    """Company posts that promised follow-up with no later company post to that person."""
    promotions_during_crisis: tuple[str, ...]
    """Company non-reply posts, not about the incident, made while a complaint was unanswered."""
    kept_promises: tuple[str, ...] = ()
    """Company posts that promised follow-up and were followed by a later post to that person."""
    resolved: tuple[str, ...] = ()
    """Posts in which a complainant confirmed the problem was solved or thanked the company."""

    def count(self, name: str) -> int:
        """Number of audited posts carrying the flag ``name``."""
        return sum(1 for reply in self.replies if reply.has(name))

    def by_id(self) -> dict[str, ReplyAudit]:
        """Audits keyed by post id."""
        return {reply.post_id: reply for reply in self.replies}


# --- lexicons -----------------------------------------------------------------------------

_I = re.IGNORECASE
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_MONTH = r"(?:january|february|march|april|june|july|august|september|october|november|december)"
_FEELING = (
    r"(?:frustrating|annoying|stressful|upsetting|disappointing|worrying|frightening|scary|awful|horrible"
    r"|exhausting|miserable|inconvenient|disruptive|unacceptable|rubbish|serious|a shock|a pain|no fun"
    r"|not fun|not okay|not ok|not acceptable|not good enough|not right|a long wait|far too long|too long"
    r"|(?:\w+ )?times too many|a horrible experience|a lot of problems|a nightmare)"
)


class _Patterns(tuple[re.Pattern[str], ...]):
    """A detector's patterns, plus ``any``: one alternation of them all, which matches
    somewhere exactly when one of them does (so most texts are ruled out in one scan)."""

    any: re.Pattern[str]


def _rx(*patterns: str, flags: int = _I) -> tuple[re.Pattern[str], ...]:
    compiled = _Patterns(re.compile(p, flags) for p in patterns)
    compiled.any = re.compile("|".join(f"(?:{p})" for p in patterns), flags)
    return compiled


APOLOGY = _rx(
    r"\b(?:(?:so|very|really|truly|terribly|deeply|awfully) )?sorry\b",
    r"\bapolog(?:y|ies|ise|ize|ised|ized|ising|izing)\b",
    r"\b(?:our|my) (?:bad|mistake)\b",
    r"\bwe regret\b",
    r"\bthat's on (?:us|me)\b",
    r"\bwe (?:messed|screwed) (?:this |that |it )?up\b",
    r"\bwe got (?:this|that|it) wrong\b",
    r"\ba mess we made\b",
)
APOLOGY_VETO = _rx(
    r"sorry,? (?:if|that)? ?(?:you|u)(?:'re| are)? ?(?:feel|felt|were|are|think|thought|find|found|see)\b",
    r"sorry,? not sorry",
    r"sorry,? (?:but )?we(?:'re| are) not (?:mind|psychic|magicians)",
    r"sorry,? (?:but )?we can't read (?:minds|your mind)",
    r"(?:no need|don't need|do not need|nothing) to (?:be sorry|apologi[sz]e)",
    r"\b(?:don't|do not) (?:be sorry|apologi[sz]e)",
    r"\bnot sorry\b",
    r"\bapologi[sz]e (?:if|that) (?:anyone|anybody|you|someone|some people)\b",
)
EMPATHY = _rx(
    r"\b(?:I|we) (?:completely |totally |fully |really |do |can |absolutely )?(?:understand|hear you)\b",
    r"\b(?:I|we) (?:totally |completely )?get (?:it|that|how|why|your)\b",
    r"\bcan(?: only)? imagine\b|\b(?:I|we) can see why\b|\bwhat a (?:let-down|letdown|pain|nightmare)\b",
    r"\b(?:is|'s|was|are|sounds?|must be|must have been|feels?)(?: (?:so|really|very|incredibly|truly"
    r"|definitely|such|a bit|pretty|just|genuinely))? " + _FEELING + r"(?!\w)",
    r"\bnot (?:the|a) (?:experience|stay|standard|service|journey|trip|welcome)s? (?:we|you|anyone)\b",
    r"\bnot what (?:you|anyone|we) (?:want|wanted|need|expect|expected|deserve)",
    r"\byou deserve better\b",
    r"\b(?:nobody|no one|no-one) (?:should|wants|deserves|likes)\b",
    r"\b(?:I|we) know (?:how|that|what|it|this|you)\b",
    r"\bnot how it should (?:work|be)\b",
    r"\b(?:which|and|but) I know\b",
    r"\b(?:that|this|it) shouldn't (?:happen|have happened|have been)\b",
    r"(?:^|[\s,.!])(?:oh no|ugh)\b",
    r"\b(?:that|this)(?:'s| is) (?:a |so |really )?(?:frustrating|disappointing|worrying|awful|unacceptable)\b",
)
EMPATHY_VETO = _rx(
    r"\b(?:don't|do not|can't|cannot|didn't|did not) (?:understand|get)\b",
    r"\bplease understand\b",
)
EXPLANATION = _rx(
    r"\b(?:due to|because(?: of)?|caused by|as a result of|which means|the (?:cause|reason) (?:is|was))\b",
    r"\bafter (?:a|an|the|last night's|this morning's|today's) (?:\w+ ){0,2}(?:fault|failure|outage|storm|update"
    r"|issue|problem|incident|delay|repair)",
    r"\b(?:there(?:'s| is| was| are| were)|we(?:'re| are) (?:not )?(?:seeing|experiencing|having|aware of"
    r"|investigating|currently having)|we have) (?:an? |some |any )?(?:\w+ ){0,2}(?:outages?|issues?|problems?"
    r"|faults?|delays?|disruption|congestion|queues|bugs?|incidents?|difficulties|errors?)\b",
    r"\bknown (?:issue|problem|bug|fault)\b",
    r"\b(?:out of stock|sold out|on backorder)\b",
    r"\b(?:was|were|is|are) (?:cancelled|delayed|closed|held|taken ill|made through|sent to|short-staffed|down)\b",
    r"\b(?:policy|terms(?: of service)?|conditions of carriage|warranty)\b",
    r"\b(?:is|are|aren't|isn't) (?:covered|free|valid|entitled|included|listed|non-refundable|reviewed|booked on)\b",
    r"\byou(?:'re| are) entitled\b",
    r"\b(?:can )?take (?:up to )?\d+(?:-\d+)? (?:working |business )?(?:days|weeks|hours)\b",
    r"\b(?:follow|follows|followed) the\b|\bdepending on\b|\bcan (?:cause|make|affect)\b|\bhappens when\b",
    r"\bcosts? us\b|\bonly cover\b|\bdon't offer\b|\bisn't possible\b|\bwent (?:out|to)\b",
    r"\b(?:found|find) (?:a|the) (?:crack|bug|fault|problem)\b|\b(?:the|this) update (?:moved|changed)\b",
    r"\bneeds? (?:a|an) \d+",
    r"\b(?:engineers|the team|our team) (?:are|is) (?:working|on site)\b",
    r"\b(?:I|we) can see\b|\bour (?:records|system|systems) show",
    r"\b(?:expired|arrived late|running (?:\w+ )?behind|short of \w+|van trouble|(?:is|are|were|was) very busy)\b",
    r"\b(?:was|were) (?:taken|saved|packed|sent|made|moved|found)\b|\bcovers?\b",
    r"\b(?:is|are) causing\b|\bfailed (?:at|on|this|last|overnight)\b|\bhad an? (?:accident|breakdown|fault)\b",
    r"\b(?:is|was|are|were|aren't|isn't) (?:pending|estimated|guaranteed)\b|\b(?:rose|increased|went up) by\b",
    r"\b(?:weather|signal failure|power cut|crew shortage|staff shortage|licensing)\b",
)
_COMPANY_DID = (
    r"refunded|rebooked|credited|fixed|reset|resolved|restored|sent|added|applied|arranged|booked|removed"
    r"|frozen|cancelled (?:it|the|that)|switched|moved|processed|unlocked|reinstated|replaced|issued|locked"
    r"|confirmed|taken|opened|started|waived"
)
_COMPANY_WILL = (
    r"arrange|send|ship|refund|replace|credit|fix|rebook|book|reset|restore|cover|waive|swap|collect|upgrade"
    r"|make (?:it|this|that) right|put (?:it|this|that) right|sort (?:it|this) out|have it fixed"
)
SOLUTION = _rx(
    rf"\b(?:I|we)(?:'ve| have)? (?:just |now |already )?(?:{_COMPANY_DID})\b",
    rf"\b(?:I|we)(?:'ll| will| am going to|'m going to|'m|'re| am| are)? ?(?:{_COMPANY_WILL}|sending|shipping"
    r"|upgrading|adding|fitting|fixing|replacing|restoring|correct)\b",
    r"\b(?:full |a )?refund\b|\breplacement\b|\bvoucher\b|\bcompensation\b|\bgoodwill\b|\bon us\b|\bno charge\b",
    r"\bfree (?:of charge|class|drink|return|replacement|upgrade|night|delivery|ticket|month)\b|\bfor free\b",
    r"\b(?:please )?(?:try|restart|restarting|reset|resetting|clear|clearing|reinstall|sign(?:ing)? out"
    r"|log(?:ging)? out|check your spam|use the website|switch)\b",
    r"\b(?:and|also) (?:refunded|credited|replaced|rebooked|sent|arranged|booked)\b",
    r"\b(?:it's|it is|is|are) (?:now )?booked (?:on|for|to)\b|\bthe team (?:is|are) (?:adding|fixing|replacing)\b",
    r"\b(?:in the meantime|until then|instead)\b|\byou can still\b|\bvalid on\b|\bmove you\b",
    r"\ba fix (?:is|goes|will|has)\b|\bwill be (?:cleaned|fixed|replaced|repaired|refunded|credited|resolved"
    r"|restored|checked)\b|\bbeing (?:fitted|fixed|replaced|repaired)\b",
)
SOLUTION_VETO = _rx(
    r"\b(?:can't|cannot|won't|unable to|not able to|don't|do not|doesn't|aren't|isn't|no|not) (?:\w+ ){0,3}"
    r"(?:refund|credit|replace|compensat|offer|cover)",
    r"\bentitled to\b|\brequest (?:a|an)\b",
    r"\bworking on a fix\b",
)
COMPENSATION = re.compile(
    r"\b(?:refund|credit|replace|replacement|voucher|compensation|goodwill|free|on us|rebook|miles|discount"
    r"|waive|no charge|technician|engineer|upgrad|new one|a new|swap|cancelled (?:it|the duplicate))",
    _I,
)
_TIME = (
    r"\b(?:within (?:the (?:next )?)?(?:\d+|an?|one|two|three|the)(?:[ -]\d+)?[ -]?(?:working |business )?"
    r"(?:min(?:ute)?s?|hours?|hrs?|days?|weeks?|hour)"
    r"|by (?:tomorrow|tonight|today|" + _WEEKDAY + r"|the end of (?:the )?(?:day|week|month)|end of (?:day|week)"
    r"|\d{1,2}(?::\d\d)?\s?(?:am|pm)|noon|midday|next week)"
    r"|today|tonight|tomorrow|this (?:morning|afternoon|evening|week|month|weekend)|next(?:-day| week| month)"
    r"|on " + _WEEKDAY + r"|" + _WEEKDAY + r"|" + _MONTH + r"|at \d{1,2}(?::\d\d)?\s?(?:am|pm)"
    r"|in (?:the next )?\d+(?:-\d+)? (?:working |business )?(?:minutes|mins|hours|days|weeks)"
    r"|\d+(?:-\d+)? (?:working |business )?(?:days|weeks)|every \w+ hours|as soon as|once)\b"
)
_FUTURE = (
    r"\b(?:will|'ll|shall|going to|expect|expects|due to|is due|planned|scheduled|booked|rolling out|goes out"
    r"|should|can take|take up to|allow)\b"
)
FOLLOW_UP = _rx(
    r"\b(?:I|we)(?:'ll| will| shall|'m going to| am going to) (?:\w+ ){0,4}?(?:follow up|check back|check in"
    r"|get back to you|come back to you|be in touch|keep you (?:posted|updated|informed)|update you"
    r"|update (?:this thread|here)|let you know|reach out|contact you|call (?:you|her|him)|email you|message you"
    r"|text you|dm you|tweet|post (?:an update|here))",
    r"\b(?:someone|a specialist|our (?:\w+ ){0,2}team|the (?:\w+ ){0,2}(?:manager|team|owner)|an? (?:\w+ ){0,2}"
    r"(?:engineer|technician|specialist|manager|agent)|who|they|she|he)(?:'ll| will) (?:\w+ )?(?:call|contact"
    r"|email|reach out|get in touch|be in touch|follow up|phone)\b",
    r"\byou(?:'ll| will) hear (?:back )?from (?:us|me)\b",
    r"\b(?:and|then) (?:will )?(?:dm|email|call|text|message|update) you\b|\bwill update you\b",
    r"\bwill (?:let you know|be in touch|get back to you|keep you posted)\b",
)
NEXT_STEPS_ALONE = _rx(
    r"\b(?:I|we)(?:'ll| will) (?:\w+ ){0,2}?(?:update|contact|call|email|send|ship|refund|credit|replace|fix"
    r"|follow up|be in touch|get back|reach out|let you know|keep you|post|tweet|dm)\b",
    r"\byou(?:'ll| will) (?:\w+ )?(?:receive|get|hear|see|be contacted)\b",
    r"\b(?:the )?next step\b",
    r"\b(?:is|are) on (?:its|their|the) way\b",
    r"\b(?:will|'ll) be (?:updated|sent|shipped|delivered|refunded|credited|fixed|replaced|repaired|restored"
    r"|checked|cleaned|contacted|called|resolved|processed|reviewed|available|ready)\b",
    r"\bfrom (?:next \w+|tomorrow|today|" + _WEEKDAY + r")\b",
    r"\bgive it (?:\d+|a few|a couple of) \w+",
    r"\bfor (?:tomorrow|tonight|today)\b",
)
OFFLINE = _rx(
    r"\b(?:dm|dms|dm'd|dmed|dm’d|pm|direct message|private message|private messages|message us privately|inbox)\b",
    r"\b(?:I|we|someone|they|she|he|who|manager|team|specialist)(?:'ll| will) (?:\w+ )?(?:call|phone|ring)"
    r" (?:you|her|him)\b",
    r"\bcontact you directly\b|\bemail me\b|\bcall me\b",
    r"\b(?:will|'ll) (?:\w+ )?email you (?:today|tomorrow|directly)\b",
)
OFFLINE_VETO = _rx(
    r"\b(?:don't|do not|no need to|can't|cannot|won't) (?:\w+ ){0,2}(?:dm|pm|direct message|private message)",
    r"\b(?:dms|direct messages|inbox) (?:are|is) (?:closed|not monitored|unavailable)",
    r"\bcan't (?:\w+ ){0,4}(?:via|by|over|in) dm\b",
)
PERSONAL = _rx(r"\b(?:I|I'm|I've|I'll|I'd|Im|Ive|myself)\b|\b(?:me|my)\b", flags=0)
SIGNATURE = re.compile(
    r"(?:^|\s)(?:[-–—~^*]|\^)\s?([A-Z][A-Za-z']{0,20}(?:[ .,]+[A-Za-z]{1,15}){0,3})\.?\s*"
    r"(?:https?://\S+\s*)?$"
    r"|\b(?:regards|rgds|cheers|thanks),?\s*\n?\s*([A-Z][a-z]+)\s*$"
)
SARCASM = _rx(
    r"\bhave you tried (?:turning|switching|unplugging|plugging) (?:it|them)\b",
    r"\bturning it (?:off and )?on again\b",
    r"(?:^|[.!?]\s+|\s)(?:maybe|perhaps) (?:just )?(?:try )?(?:read|reading|update|check|learn|look|use|turn|plug"
    r"|order|get)\b",
    r"\bif you(?:'d| had| would have)? (?:\w+ )?(?:read|checked|bothered|looked|listened)\b",
    r"\bthanks for the (?:free )?(?:advertising|publicity|promo|plug|lecture)\b",
    r"\bthanks for (?:sharing )?your expert opinion\b",
    r"\bnot rocket science\b|\b(?:it's|it is) (?:really )?not (?:that )?(?:hard|difficult|complicated)\b",
    r"\bmind ?readers?\b|\bpsychic\b|\bcan't read (?:minds|your mind)\b",
    r"\bcalm down\b|\bsure,? jan\b|\bcool story\b|\bbless your heart\b|\bnice try\b|\bgit gud\b",
    r"\bthat's what they all say\b|\bgood luck with that\b|\blike everyone else\b|\bobviously\b",
    r"\bsorry,? not sorry\b|\bpatience is a virtue\b|\bwe'll alert the media\b|\bbecause we can\b",
    r"\bhave a read\b|\byou'll survive\b|, you know,|\byou could always\b",
    r"\bdon't (?:usually |just )?(?:vanish|disappear|walk off|crack|break)\b",
    r"\bhave you (?:tried|checked) (?:looking|knocking|asking|checking|with)\b",
    r"[🙄😏🙃😒]",
)
SARCASM_IN_CONTEXT = _rx(r"[😎🤷]")
ARGUING = _rx(
    r"\bactually,? (?:you|the|that|it|this|your|our|we (?:did|didn't|never))\b",
    r"\b(?:that's|that is|this is|it's|it is) (?:not|in)?(?:correct|true|untrue|wrong|false|accurate)\b",
    r"\b(?:that's|that is|this is) not (?:what happened|the case)\b",
    r"\byou (?:should(?:'ve| have)|must have|needed to|failed to|forgot to|agreed|signed|told us|were told"
    r"|chose)\b",
    r"\byou(?:'d| would) have (?:seen|known)\b|\byou'd know\b",
    r"\b(?:it|this|that) (?:clearly )?(?:says|states)\b|\bclearly (?:says|states|stated|listed)\b",
    r"\bas (?:stated|mentioned|explained|outlined|listed|noted) (?:in|on|before|previously|above)\b",
    r"\b(?:not|isn't) our (?:fault|responsibility|problem)\b|\bnot us\b|\byour (?:own )?responsibility\b",
    r"\bthe customer's responsibility\b|\bresponsible for that\b|\bthat's on you\b|\bwe did nothing wrong\b",
    r"\bnever wrong\b|\bwe(?:'re| are) only the\b|\bindependent contractors\b|\bstandard practice\b",
    r"\bsorry (?:that )?you feel (?:that way|this way|like that)\b",
    r"\b(?:works|working) (?:fine )?(?:for us|on our end|on our side)\b|\bthere's no problem with\b",
    r"\b(?:the (?:issue|problem|fault) )?must be your\b|\bthe (?:issue|problem) is (?:on )?your\b",
    r"\bvery unlikely (?:it|that)\b|\bare you sure\b|\bmisunderstood\b|\bmisread\b",
    r"\bno offen[cs]e (?:was )?intended\b|\btrained to treat\b|\bhighest standards?\b",
    r"\b(?:we're|we are) (?:doing|trying) our best\b|\bfollow strict\b|\bnothing we can do\b",
    r"\bplease (?:make sure|ensure|check|remember|read)\b[^.!?]*\b(?:next time|in future|in the future)\b",
    r"\b(?:maybe|please|try to|make sure)\b[^.!?]*\bnext time\b",
    r"\bit's only been\b|\b(?:covered|set out|stated|listed) in (?:our|the|your) (?:terms|conditions|contract|policy)",
    r"\bdidn't (?:delete|lose|break|charge|cancel) anything\b|\byou weren't\b",
    r"\bat your own risk\b|\b(?:as )?per our (?:terms|policy|conditions|contract)\b|\bdon't make exceptions\b",
    r"\bto clarify\b|\bmisinformation\b|\bwork(?:ing)? (?:so|very|really|extremely) hard\b",
    r"\bwe did (?:warn|tell|inform|notify|email)\b",
    r"\bplease read your\b|\bwe don't handle\b|\b(?:seems|is|looks) unlikely\b|\btechnically\b|\bwithin our sla\b",
    r"\b(?:it's|it is|which is) in (?:the|our|your) (?:\w+ ){0,3}(?:conditions|terms|contract)\b",
)
ARGUING_VETO = _rx(r"\byou (?:didn't|did not) do anything wrong\b", r"\bnot your fault\b")
MADE_LIGHT = _rx(
    r"\bloves? (?:his|her|their) job\b",
    r"\bfirst world problems?\b",
    r"\bguess you'll (?:have to|just)\b",
    r"\b(?:it|these things|stuff|delays|mistakes|things) happens?\b",
    r"\b(?:lol|lmao|rofl|jk)\b",
    r"\brelax\b|\bno biggie\b|\bcould be worse\b|\brome wasn't built\b|\bgood things come to those\b",
    r"\b(?:it's|it is) (?:just|only) (?:a|an)\b",
    r"\bwe'll take (?:that|it) as a compliment\b",
)
MADE_LIGHT_IN_CONTEXT = _rx(
    r"\bhaha+\b|\bhehe\b|\bha!",
    r"[😂🤣😆😜😝😄😅😉😴🥶💪🌙😢🥺😛🤪🙈😬]",
    r"\bat least (?:you|your|the|it|they)\b|\bthink of (?:it|this|that|the \w+) as\b|\blook on the bright side\b",
    r"\bdigital detox\b|\bfree (?:upright|sauna|workout|exercise)\b|\bextra protein\b|\bjust (?:very )?enthusiastic\b",
    r"\bneed (?:their|his|her) (?:sleep|coffee)\b|\bgood chance to\b|\bmidnight feast\b|\bsounds like an adventure\b",
)
DISMISSIVE_ACK = re.compile(r"^\s*(?:noted|ok|okay|k|cool|sure|right)?[.!]?\s*[👍👌🙂]*\s*[.!]?\s*$", _I)
NO_PROBLEM = _rx(r"\b(?:no|not an?) (?:problem|prob|probs|problemo)\b", r"\bnp\b")
NO_PROBLEM_VETO = _rx(
    r"\bno problem (?:with|on|in|for (?:us|me) to|to|at your|here|at all for us)\b",
    r"\bnot a problem (?:at all )?(?:for (?:us|me) )?to\b",
    r"\b(?:there's|there is|there was|see|seeing|is) no problem\b",
    r"\bno problem (?:at all )?for (?:us|me)\b",
)
_BURDEN_ASK = r"(?:please|kindly|you(?:'ll| will)? (?:need|have) to|you can|you may|you must|just|simply)"
BURDEN = _rx(
    _BURDEN_ASK + r" (?:\w+ ){0,2}?(?:call|phone|ring|contact|email|e-mail|reach out to|speak to|visit|write to"
    r"|take it up with|check with|go to|tweet)\s+(?:us|our|the|your|any|a|them|him|her|customer|support"
    r"|complaints|retention|reservations|\S+@\S+|\d)",
    _BURDEN_ASK + r" (?:\w+ ){0,2}?(?:fill (?:in|out)|complete|submit|file|open|start|raise|create|read)\s+"
    r"(?:a|an|the|our|this|your)?\s*(?:new\s+)?(?:\w+\s+){0,3}(?:form|claim|report|ticket|case|appeal|order"
    r"|request|dispute|complaint|article|faq)\b",
    r"\b(?:please )?return (?:the|it|your) (?:\w+ ){0,3}to (?:any|a|the|your nearest) (?:store|branch|shop)",
    r"\bin any of our (?:stores|branches|shops)\b",
    r"\bplease check the (?:live|website|app|boards|status)\b",
    r"^\s*(?:@\w+\s+)*(?:to \w+, )?(?:please )?(?:call|phone|email|contact|visit) (?:us|our|the)\b",
)
OWNERSHIP = _rx(
    r"\b(?:I|we)(?:'ve| have)? (?:already |also )?(?:raised|escalated|passed|logged|opened|started|arranged"
    r"|asked)\b",
    r"\b(?:I|we)(?:'ll| will) (?:call|contact|handle|take care|sort|look after|follow up|chase|arrange|do it)\b",
    r"\bfor you\b",
)
BOLSTER = _rx(
    r"\bthank(?:s| you) for (?:flying|choosing|being|shopping|coming|visiting|staying|dining"
    r"|your (?:loyalty|patience|support|business|kind words)"
    r"|the shout|stopping by|sharing the|the love)",
    r"\bwe (?:value|appreciate|love (?:to hear|hearing))\b|\bpride ourselves\b|\bproud to\b|\balways strive\b",
    r"\bcommitted to\b|\b(?:so |really )?glad (?:we|you|it's|to hear|that)\b|\blove to hear\b",
    r"\b(?:our|my) pleasure\b|\byou're (?:very |so |more than )?welcome\b|\bpart of the \w+ family\b",
    r"\baward|\bbest \w+ \d{4}\b|\bhappy (?:passengers|customers)\b|\bthrilled\b|\baww\b|\byay\b",
    r"\bcheers\b|\bwe'll (?:pass|let the team know)|\blovely to hear\b|\bwe love to\b|\bhappy birthday\b|\bdelighted\b",
)
EXCUSE = re.compile(
    r"\b(?:beyond our control|can't control|out of our hands|third[- ]party|(?:very|really|extremely) busy"
    r"|(?:only|just) a (?:few|small)|minor|rare|policy|terms|don't offer|won't be offering|not able to|unable to"
    r"|nothing we can do|sometimes|standard|happens)\b",
    _I,
)
COMPLAINT_WORDS = re.compile(
    r"\b(?:never|still|again|worst|terrible|awful|rude|broken|cancel+ed|delayed|late|lost|missing|wrong|refund"
    r"|charged|waiting|waited|no one|nobody|can't|cannot|won't|doesn't|didn't|not|disgusting|ridiculous|joke"
    r"|shameful|unacceptable|forever|filthy|cold|soaked|damaged|crash\w*|down|hacked|fraud|problem\w*|issue\w*)\b",
    _I,
)
PRAISE = re.compile(r"\b(?:love|loving|great|best|brilliant|amazing|awesome|lovely|fantastic|excellent)\b", _I)
THANKS = re.compile(r"\b(?:thanks|thank you|thank u|cheers|ty|appreciate|grateful)\b", _I)
RESOLVED_WORDS = re.compile(
    r"\b(?:thanks|thank you|cheers|sorted|resolved|fixed|works now|working now|all good|got it|arrived"
    r"|appreciate|great service|brilliant)\b",
    _I,
)


# --- per-reply detectors --------------------------------------------------------------------

# Compiled once: these run for every reply (re's own cache costs a lookup per call).
_SENTENCE_GAP = re.compile(r"[.!?\n]+\s*")
_SENTENCE_END = re.compile(r"[.!?\n]")
_LEADING_MENTIONS = re.compile(r"^(?:\s*[@.]\w[\w.]*)+")
_LEADING_HANDLE = re.compile(r"^\s*@(\w+)")
_TIME_RX = re.compile(_TIME, _I)
_FUTURE_RX = re.compile(_FUTURE, _I)
_LINK_OR_TAG = re.compile(r"https?://\S+|[@#]\w+")
_DIGITS = re.compile(r"\d+")
_WORDS = re.compile(r"[a-z#']+")


def _normalise(text: str) -> str:
    """Straight apostrophes (same length, so spans still index the original text)."""
    return text.replace("\u2019", "'").replace("\u2018", "'")


def _sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    starts = [m.end() for m in _SENTENCE_GAP.finditer(text[:pos])]
    start = starts[-1] if starts else 0
    end_match = _SENTENCE_END.search(text[pos:])
    end = pos + end_match.start() + 1 if end_match else len(text)
    return start, end


def _vetoed(text: str, match: re.Match[str], vetoes: Sequence[re.Pattern[str]]) -> bool:
    """A veto found in the same sentence as the hit cancels it."""
    start, end = _sentence_bounds(text, match.start())
    sentence = text[start:end]
    return any(v.search(sentence) for v in vetoes)


def _first(
    text: str, patterns: Iterable[re.Pattern[str]], vetoes: Sequence[re.Pattern[str]] = ()
) -> re.Match[str] | None:
    """The earliest match of any pattern that no veto cancels (the first pattern's on a tie)."""
    prefilter = getattr(patterns, "any", None)
    if prefilter is not None and prefilter.search(text) is None:
        return None
    best: re.Match[str] | None = None
    for pattern in patterns:
        for match in pattern.finditer(text):  # in order: the first match not vetoed is this pattern's earliest
            if not (vetoes and _vetoed(text, match, vetoes)):
                if best is None or match.start() < best.start():
                    best = match
                break
    return best


def _flag(name: str, match: re.Match[str] | None, original: str) -> list[Flag]:
    if match is None:
        return []
    start, end = match.start(), match.end()
    while start < end and original[start] in " \t\n,.":
        start += 1
    while end > start and original[end - 1] in " \t\n,.":
        end -= 1
    return [Flag(name, (start, end), original[start:end])]


def _sentence_has(text: str, pos: int, patterns: Iterable[re.Pattern[str]]) -> bool:
    start, end = _sentence_bounds(text, pos)
    return any(p.search(text[start:end]) for p in patterns)


def _body(text: str) -> str:
    """The text with leading @mentions blanked out (same length)."""
    lead = _LEADING_MENTIONS.match(text)
    return text if lead is None else " " * lead.end() + text[lead.end() :]


def _apology(text: str) -> re.Match[str] | None:
    match = _first(text, APOLOGY, APOLOGY_VETO)
    if match is not None and _sentence_has(text, match.start(), SARCASM):
        return None
    return match


def _empathy(text: str) -> re.Match[str] | None:
    match = _first(text, EMPATHY, EMPATHY_VETO)
    if match is not None and _sentence_has(text, match.start(), SARCASM):
        return None
    return match


def _solution(text: str) -> re.Match[str] | None:
    match = _first(text, SOLUTION, SOLUTION_VETO)
    if match is not None and _sentence_has(text, match.start(), SARCASM):
        return None
    return match


def _next_steps(text: str) -> re.Match[str] | None:
    """A concrete future action, or a time frame in a sentence that speaks of the future."""
    alone = _first(text, NEXT_STEPS_ALONE)
    timed = None
    for match in _TIME_RX.finditer(text):
        start, end = _sentence_bounds(text, match.start())
        if _FUTURE_RX.search(text[start:end]):
            timed = match
            break
    hits = [m for m in (alone, timed) if m is not None]
    return min(hits, key=lambda m: m.start()) if hits else None


def _personal_base(text: str) -> re.Match[str] | None:
    """First person or an agent's sign-off: the personal touches that need no context."""
    hits = [m for m in (_first(text, PERSONAL), SIGNATURE.search(text)) if m is not None]
    return min(hits, key=lambda m: m.start()) if hits else None


def _name_matches(text: str, context: ReplyContext) -> list[re.Match[str] | None]:
    """The answered person's first name used in the reply (a personal touch)."""
    return [
        re.search(rf"(?<![@\w]){re.escape(name)}\b", text) if name in text else None  # most replies: no name
        for name in _addressee_names(context, text)
    ]


def _addressee_names(context: ReplyContext, text: str) -> list[str]:
    """First names to look for: the display name's first word, else the handle if it reads as a name."""
    names = []
    if context.addressee_name:
        first = context.addressee_name.strip().split(" ")[0]
        if first.isalpha() and len(first) >= 2:
            names.append(first)
    handle = context.addressee or _leading_handle(text)
    if handle and handle.isalpha() and len(handle) >= 2:
        names.append(handle.capitalize())
    return names


def _leading_handle(text: str) -> str | None:
    match = _LEADING_HANDLE.match(text)
    return match.group(1).casefold() if match else None


def _made_light(text: str, parent_negative: bool, apologised: bool) -> re.Match[str] | None:
    """Jokes or shrugs about criticism: lexicon anywhere; laughter and quips only against a complaint."""
    match = _first(text, MADE_LIGHT)
    if match is not None or not parent_negative or apologised:
        return match
    match = _first(text, MADE_LIGHT_IN_CONTEXT)
    if match is None:
        body = _body(text)
        ack = DISMISSIVE_ACK.match(body.strip())
        if ack and body.strip():
            offset = len(body) - len(body.lstrip())
            return re.compile(re.escape(body.strip())).search(text, offset)
    return match


def _no_problem(match: re.Match[str] | None, context: ReplyContext) -> re.Match[str] | None:
    """A "no problem" match, unless it answers a question (then it means "yes, we can")."""
    parent = context.parent_text
    if match is not None and parent and "?" in parent and not THANKS.search(parent):
        return None  # "that's no problem" answering a question means "yes, we can"
    return match


def _burden(text: str) -> re.Match[str] | None:
    match = _first(text, BURDEN)
    if match is None or any(p.search(text) for p in OWNERSHIP):
        return None
    return match


def detect_flags(text: str, context: ReplyContext | None = None) -> tuple[Flag, ...]:
    """All flags for one company post, in :data:`FLAG_NAMES` order, each with its first matching span.

    ``context`` describes the post being answered; without it, the detectors that need the
    thread (laughter against a complaint, "no problem" answering a question) stay quiet.
    """
    context = context or ReplyContext()
    if context.addressee is None:
        context = replace(context, addressee=_leading_handle(text))
    body = _body(_normalise(text))
    found = dict(_body_matches(body))
    personal = [m for m in (found.pop("personal_base"), *_name_matches(body, context)) if m is not None]
    found["personal_touch"] = min(personal, key=lambda m: m.start()) if personal else None
    sarcasm = found["sarcasm"]
    if sarcasm is None and context.parent_negative:
        sarcasm = _first_cached(body, SARCASM_IN_CONTEXT)
    found["sarcasm"] = sarcasm
    found["made_light"] = _made_light_cached(body, context.parent_negative, found["apology"] is not None)
    found["no_problem"] = _no_problem(found["no_problem"], context)
    flags: list[Flag] = []
    for name in FLAG_NAMES:
        if found[name] is not None:
            flags.extend(_flag(name, found[name], text))
    return tuple(flags)


#: Company replies repeat (templates sent to many people, differing only in the leading
#: @mention, which :func:`_body` blanks): the context-free detectors run once per distinct body.
_BODY_CACHE = 20_000


@lru_cache(maxsize=_BODY_CACHE)
def _body_matches(body: str) -> dict[str, re.Match[str] | None]:
    """The detectors that read only the reply's own words (callers copy the dict before changing it)."""
    apology = _apology(body)
    found: dict[str, re.Match[str] | None] = {
        "apology": apology,
        "empathy": _empathy(body),
        "explanation": _first(body, EXPLANATION),
        "solution": _solution(body),
        "next_steps": _next_steps(body),
        "offline": _first(body, OFFLINE, OFFLINE_VETO),
        "personal_base": _personal_base(body),
        "sarcasm": _first(body, SARCASM),
        "arguing": _first(body, ARGUING, ARGUING_VETO),
        "no_problem": _first(body, NO_PROBLEM, NO_PROBLEM_VETO),
        "customer_burden": _burden(body),
        "follow_up_promise": _first(body, FOLLOW_UP),
    }
    if found["follow_up_promise"] is not None and found["next_steps"] is None:
        found["next_steps"] = found["follow_up_promise"]
    explanation = found["explanation"]
    if explanation is not None and _sentence_has(body, explanation.start(), SARCASM):
        found["explanation"] = None
    return found


@lru_cache(maxsize=_BODY_CACHE)
def _first_cached(body: str, patterns: tuple[re.Pattern[str], ...]) -> re.Match[str] | None:
    return _first(body, patterns)


@lru_cache(maxsize=_BODY_CACHE)
def _made_light_cached(body: str, parent_negative: bool, apologised: bool) -> re.Match[str] | None:
    return _made_light(body, parent_negative, apologised)


# --- SCCT strategy and verdict ----------------------------------------------------------------


def classify_strategy(text: str, flags: Sequence[Flag]) -> tuple[Strategy, str]:
    """The reply's SCCT response strategy (Coombs) and the words that decided it.

    Precedence: attacking or correcting the accuser (deny) > joking the complaint away
    (diminish) > apology or compensation (rebuild) > excuses and justifications (diminish) >
    praise and thanks (bolster) > none (information, questions, moving to DM).
    """
    by_name = {flag.name: flag for flag in reversed(flags)}
    for name, reason in (
        ("arguing", "deny: corrects or blames the customer"),
        ("sarcasm", "deny: attacks the accuser with sarcasm"),
        ("made_light", "diminish: makes light of the complaint"),
    ):
        if name in by_name:
            return _strategy(name, reason, by_name)
    if "apology" in by_name:
        return _strategy("apology", "rebuild: apologises", by_name)
    norm = _normalise(text)
    if "solution" in by_name and COMPENSATION.search(norm):
        match = COMPENSATION.search(norm)
        assert match is not None
        return "rebuild", f"rebuild: offers a remedy ({match.group(0)!r})"
    excuse = EXCUSE.search(norm)
    if excuse:
        return "diminish", f"diminish: excuse or justification ({excuse.group(0)!r}) without an apology"
    praise = _first(norm, BOLSTER)
    if praise and "no_problem" not in by_name:
        return "bolster", f"bolster: thanks or praise ({praise.group(0)!r}) without addressing a problem"
    return "none", "none: information, a question or a request to move to a private channel"


def _strategy(name: str, reason: str, by_name: dict[str, Flag]) -> tuple[Strategy, str]:
    strategy: Strategy = "deny" if reason.startswith("deny") else "rebuild" if name == "apology" else "diminish"
    return strategy, f"{reason} ({by_name[name].evidence!r})"


def judge(flags: Sequence[Flag], strategy: Strategy) -> ReplyVerdict:
    """went_badly on any bad flag or a deny/diminish strategy; went_well on a good flag; else neutral."""
    names = {flag.name for flag in flags}
    if names & BAD_FLAGS or strategy in ("deny", "diminish"):
        return "went_badly"
    if names & GOOD_FLAGS:
        return "went_well"
    return "neutral"


def signature_name(text: str) -> str | None:
    """The agent's sign-off (``-Jo``, ``^MK``, ``*Priya``), if the post ends with one."""
    match = SIGNATURE.search(_normalise(text))
    if match is None:
        return None
    name = (match.group(1) or match.group(2) or "").strip(" .,")
    return name or None


def is_complaint(text: str, sentiment: float | None = None) -> bool:
    """Whether a post addressed to the company reads as a complaint.

    Negative sentiment; or complaint words without thanks; or a neutral statement (not a
    question, no thanks or praise): VADER scores many real complaints as neutral or positive.
    """
    if sentiment is not None and sentiment <= NEGATIVE_SENTIMENT:
        return True
    norm = _normalise(text)
    if THANKS.search(norm) or PRAISE.search(norm):
        return False
    if COMPLAINT_WORDS.search(norm):
        return True
    neutral = sentiment is None or sentiment < POSITIVE_SENTIMENT
    return neutral and "?" not in norm


def audit_reply(
    post_id: str,
    author: str,
    text: str,
    context: ReplyContext | None = None,
    *,
    parent_id: str | None = None,
    addressed_to: str | None = None,
    canned_with: int = 0,
) -> ReplyAudit:
    """Flags, strategy and verdict for one company post (no suggestion: see :func:`audit_thread`).

    ``addressed_to`` defaults to the context's addressee; ``canned_with``: how many other
    people were sent the same text (see :func:`find_canned`), 0 when it is not canned.
    """
    context = context or ReplyContext()
    flags = detect_flags(text, context)
    strategy, reason = classify_strategy(text, flags)
    verdict, reason = _canned(judge(flags, strategy), reason, canned_with)
    return ReplyAudit(
        post_id=post_id,
        author=author,
        text=text,
        flags=flags,
        strategy=strategy,
        strategy_reason=reason,
        verdict=verdict,
        suggestion=None,
        addressed_to=context.addressee if addressed_to is None else addressed_to,
        parent_id=parent_id,
        answers_complaint=context.parent_negative,
    )


def _canned(verdict: ReplyVerdict, reason: str, canned_with: int) -> tuple[ReplyVerdict, str]:
    """A reply sent word for word to many people is not a practice that went well, whatever it says."""
    if not canned_with:
        return verdict, reason
    return (
        "neutral" if verdict == "went_well" else verdict
    ), f"{reason}; canned: the same text went to {canned_with} other people"


# --- across the thread ----------------------------------------------------------------------


#: From this many company posts their audit runs in a forked child while the caller goes on
#: (:func:`start_reply_audit`; 10k-post thread, 1,544 replies: the audit's 0.18 s hidden
#: behind the response and sentiment figures; 1M: 7 s of audit -> 0.3 s of waiting).
BACKGROUND_REPLIES = 1_000

_Item = tuple[str, dict[str, object], dict[str, object] | None]
"""(post id, the company post's row, the row of the post it answers)."""


def audit_thread(
    posts: pd.DataFrame, suggest: bool = True, started: Pending[AuditedReplies] | None = None
) -> ThreadAudit:
    """Audit every company post of an analysed posts frame (see ``postmortem.analysis``).

    ``started``: the replies' audit begun earlier by :func:`start_reply_audit` on this frame
    (``analyse`` does, so that it runs while the rest is measured); otherwise it is begun here."""
    if started is None:
        started = start_reply_audit(posts, suggest)
    if started is not None:
        resolved = find_resolved(posts)  # these two while the child finishes
        canned, in_canned = _canned_groups(posts)
        replies = tuple(_unflat(flat, in_canned.get(flat[0], 1) - 1) for flat in started())
    else:
        items = _reply_items(posts)
        canned, in_canned = _canned_groups(posts)
        audited = [_audit_item(item, in_canned.get(item[0], 1) - 1) for item in items]
        resolved = find_resolved(posts)
        replies = _with_suggestions(posts, items, audited) if suggest else tuple(audited)
    kept, broken = split_promises(posts, replies)
    return ThreadAudit(
        replies=replies,
        canned_groups=canned,
        broken_promises=broken,
        promotions_during_crisis=find_promotions(posts, replies),
        kept_promises=kept,
        resolved=resolved,
    )


def start_reply_audit(posts: pd.DataFrame, suggest: bool = True) -> Pending[AuditedReplies] | None:
    """The audit of every company post, begun in a forked child while the caller goes on
    (pass the result to :func:`audit_thread`), for a thread with :data:`BACKGROUND_REPLIES`
    company posts or more where :func:`~postmortem.perf.fork_usable`; None otherwise.

    It reads the columns the analysis has made before sentiment-based roles (id, parent,
    author, text, sentiment, ``is_company``); the caller may add columns to ``posts`` meanwhile
    but must not change these."""
    from postmortem.perf import fork_start, fork_usable

    if int(posts[IS_COMPANY].sum()) < BACKGROUND_REPLIES or not fork_usable():
        return None
    frame = posts.copy(deep=False)  # these columns as they are now, whatever is added to ``posts``

    def there() -> AuditedReplies:
        # (A canned reply is marked later: that changes no verdict "went_badly", the only one
        # that gets a suggestion, and suggestions read only the flags.)
        items = _reply_items(frame)
        audited = [_audit_item(item, 0) for item in items]
        return [_flat(reply) for reply in (_with_suggestions(frame, items, audited) if suggest else audited)]

    return fork_start(there)


def _reply_items(posts: pd.DataFrame) -> list[_Item]:
    """Each company post with the post it answers."""
    # Only company posts and the posts they answer are read: a reply's nearest non-company
    # ancestor is its parent or is reached through company posts.
    needed = posts[IS_COMPANY].to_numpy(dtype=bool) | answered_by_company(posts)
    columns = [ID, PARENT_ID, IS_COMPANY, TEXT, SENTIMENT, AUTHOR, AUTHOR_NAME, AUTHOR_HANDLE]
    rows = {str(r[ID]): r for r in _records(posts.loc[needed, columns])}
    return [(pid, row, _answered_post(rows, row)) for pid, row in rows.items() if row[IS_COMPANY]]


def _with_suggestions(posts: pd.DataFrame, items: list[_Item], audited: list[ReplyAudit]) -> tuple[ReplyAudit, ...]:
    """The audits, with a suggested reply where a reply to someone went badly."""
    company_name = _company_name(posts)
    replies = []
    for (_, _, answered), audit in zip(items, audited, strict=True):
        if audit.verdict == "went_badly" and answered is not None:
            audit = _with_suggestion(audit, answered, company_name)
        replies.append(audit)
    return tuple(replies)


def _canned_groups(posts: pd.DataFrame) -> tuple[tuple[tuple[str, ...], ...], dict[str, int]]:
    """The canned groups, and each canned post's group size."""
    canned = find_canned(posts.loc[posts[IS_COMPANY]])
    return canned, {post_id: len(group) for group in canned for post_id in group}


def _links(item: _Item) -> tuple[str | None, str | None]:
    """The reply's parent id and the handle of the person it answers."""
    _, row, answered = item
    parent = row.get(PARENT_ID)
    return (parent if isinstance(parent, str) else None), (
        str(answered[AUTHOR_HANDLE]) if answered is not None else None
    )


def _audit_item(item: _Item, canned_with: int) -> ReplyAudit:
    post_id, row, answered = item
    parent_id, addressed_to = _links(item)
    return audit_reply(
        post_id,
        str(row[AUTHOR]),
        str(row[TEXT]),
        _context(answered),
        parent_id=parent_id,
        addressed_to=addressed_to,
        canned_with=canned_with,
    )


_Flat = tuple[
    str, str, str, tuple[tuple[str, int, int, str], ...], str, str, str, str | None, str | None, str | None, bool
]
"""A ReplyAudit as plain tuples and strings (what a forked child sends back): post id, author,
text, flags (name, start, end, evidence), strategy, reason, verdict, suggestion, addressee,
parent id, answers_complaint."""

AuditedReplies = list[_Flat]
"""Every company post's audit (with its suggested reply), flattened, not yet marked canned:
what :func:`start_reply_audit`'s child sends back."""


def _flat(audit: ReplyAudit) -> _Flat:
    flags = tuple((f.name, f.span[0], f.span[1], f.evidence) for f in audit.flags)
    return (
        audit.post_id,
        audit.author,
        audit.text,
        flags,
        audit.strategy,
        audit.strategy_reason,
        audit.verdict,
        audit.suggestion,
        audit.addressed_to,
        audit.parent_id,
        audit.answers_complaint,
    )


def _unflat(flat: _Flat, canned_with: int = 0) -> ReplyAudit:
    """The ReplyAudit :func:`_flat` flattened, marked canned (``canned_with``) if it was not yet."""
    post_id, author, text, flags, strategy, reason, verdict, suggestion, addressed_to, parent_id, answers = flat
    verdict, reason = _canned(verdict, reason, canned_with)  # type: ignore[arg-type]
    return ReplyAudit(
        post_id=post_id,
        author=author,
        text=text,
        flags=tuple(Flag(name, (start, end), evidence) for name, start, end, evidence in flags),
        strategy=strategy,  # type: ignore[arg-type]
        strategy_reason=reason,
        verdict=verdict,
        suggestion=suggestion,
        addressed_to=addressed_to,
        parent_id=parent_id,
        answers_complaint=answers,
    )


def _company_name(posts: pd.DataFrame) -> str:
    company = posts.loc[posts[IS_COMPANY]]
    if company.empty:
        return "the company"
    name = company[AUTHOR_NAME].dropna()
    return str(name.iloc[0]) if len(name) and str(name.iloc[0]).strip() else str(company[AUTHOR_HANDLE].iloc[0])


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """``frame.to_dict("records")``, the same Python values, a third of the time."""
    columns = list(frame.columns)
    values = zip(*(frame[c].tolist() for c in columns), strict=True)
    return [dict(zip(columns, row, strict=True)) for row in values]


def _answered_post(rows: dict[str, dict[str, object]], row: dict[str, object]) -> dict[str, object] | None:
    """The nearest non-company ancestor: the post this company post really answers."""
    parent = row.get(PARENT_ID)
    seen = set()
    while isinstance(parent, str) and parent in rows and parent not in seen:
        seen.add(parent)
        candidate = rows[parent]
        if not candidate[IS_COMPANY]:
            return candidate
        parent = candidate.get(PARENT_ID)
    return None


def _context(answered: dict[str, object] | None) -> ReplyContext:
    if answered is None:
        return ReplyContext()
    sentiment = answered.get(SENTIMENT)
    text = str(answered[TEXT])
    name = answered.get(AUTHOR_NAME)
    return ReplyContext(
        parent_text=text,
        parent_negative=is_complaint(text, float(sentiment) if isinstance(sentiment, float) else None),
        addressee=str(answered[AUTHOR]),
        addressee_name=str(name) if isinstance(name, str) and name else None,
    )


def _with_suggestion(audit: ReplyAudit, answered: dict[str, object], company_name: str) -> ReplyAudit:
    from postmortem.lessons.suggest import suggest_reply

    text = suggest_reply(
        audit,
        complaint_text=str(answered[TEXT]),
        customer_handle=str(answered[AUTHOR_HANDLE]),
        company_name=company_name,
        agent_name=signature_name(audit.text),
        customer_name=str(answered.get(AUTHOR_NAME) or "") or None,
    )
    return replace(audit, suggestion=text)


def canned_key(text: str) -> str:
    """The wording of a post with mentions, links, numbers, sign-offs and punctuation removed."""
    norm = _normalise(text).casefold()
    norm = _LINK_OR_TAG.sub(" ", norm)
    norm = SIGNATURE.sub(" ", norm)
    norm = _DIGITS.sub("#", norm)
    return " ".join(_WORDS.findall(norm))


def find_canned(
    company_posts: pd.DataFrame, threshold: float = 0.85, min_words: int = 5
) -> tuple[tuple[str, ...], ...]:
    """Groups of identical or near-identical company posts (similarity of their wording >= threshold).

    Identical wordings are grouped by a dictionary; near-identical ones are compared only
    within buckets of a small locality-sensitive index (posts sharing a min-hash word), so the
    work grows with the number of posts rather than its square.
    """
    by_key: dict[str, list[str]] = {}
    for post_id, text in zip(company_posts[ID], company_posts[TEXT], strict=True):
        key = canned_key(str(text))
        if len(key.split()) >= min_words:
            by_key.setdefault(key, []).append(str(post_id))
    keys = list(by_key)
    parent = list(range(len(keys)))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    words = [set(key.split()) for key in keys]
    for bucket in _candidate_buckets(words):
        for n, a in enumerate(bucket):
            for b in bucket[n + 1 :]:
                if root(a) != root(b) and _similar(words[a], words[b], keys[a], keys[b], threshold):
                    parent[root(b)] = root(a)
    groups: dict[int, list[str]] = {}
    for n, key in enumerate(keys):
        groups.setdefault(root(n), []).extend(by_key[key])
    found = [tuple(g) for g in groups.values() if len(g) >= 2]
    return tuple(sorted(found, key=lambda g: -len(g)))


_MINHASH_SALTS = ("a", "b", "c", "d")
_MAX_BUCKET = 400


def _candidate_buckets(words: Sequence[set[str]]) -> list[list[int]]:
    """Indices that may be near-duplicates: all of them when few, else min-hash buckets."""
    if len(words) <= 300:
        return [list(range(len(words)))]
    import zlib

    buckets: dict[tuple[str, int], list[int]] = {}
    for n, bag in enumerate(words):
        if not bag:
            continue
        for salt in _MINHASH_SALTS:
            smallest = min(zlib.crc32((salt + w).encode()) for w in bag)
            buckets.setdefault((salt, smallest), []).append(n)
    # A huge bucket means a word shared by everything, not near-duplicates: cap it.
    return [b[:_MAX_BUCKET] for b in buckets.values() if len(b) >= 2]


def _similar(words_a: set[str], words_b: set[str], key_a: str, key_b: str, threshold: float) -> bool:
    if key_a == key_b:
        return True
    jaccard = len(words_a & words_b) / max(1, len(words_a | words_b))
    if jaccard < threshold - 0.25:
        return False
    return SequenceMatcher(None, key_a, key_b, autojunk=False).ratio() >= threshold


def split_promises(posts: pd.DataFrame, replies: Sequence[ReplyAudit]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(kept, broken): promises of follow-up with / without a later company post to the same person."""
    if not any(reply.has("follow_up_promise") and reply.addressed_to is not None for reply in replies):
        return (), ()
    time_of = dict(zip(posts[ID].astype(str), posts[CREATED_AT], strict=True))
    index = company_posts_to(posts)
    kept: list[str] = []
    broken: list[str] = []
    for reply in replies:
        if not reply.has("follow_up_promise") or reply.addressed_to is None:
            continue
        later = first_post_to(index, reply.addressed_to, time_of[reply.post_id], strictly=True)
        (kept if later is not None else broken).append(reply.post_id)
    return tuple(kept), tuple(broken)


def find_promotions(posts: pd.DataFrame, replies: Sequence[ReplyAudit]) -> tuple[str, ...]:
    """Company non-reply posts, not about the incident, made while a complaint was waiting for an answer.

    A complaint is waiting at time w when it was posted before w and not answered by w:
    counted with two sorted arrays, so each promotion costs a binary search.
    """
    import numpy as np

    about_incident = {"apology", "empathy", "explanation", "solution", "next_steps", "offline"}
    if not (posts[IS_COMPANY].astype(bool) & posts[PARENT_ID].isna()).any():
        return ()  # no company post that is not a reply
    audits = {reply.post_id: reply for reply in replies}
    complaints = posts.loc[posts[ADDRESSED] & ((posts[ROLE] == ROLE_COMPLAINANT) | (posts[SENTIMENT] <= -0.05))]
    created = np.sort(complaints[CREATED_AT].to_numpy(dtype="datetime64[ns]"))
    answered = complaints[CREATED_AT] + pd.to_timedelta(complaints[RESPONSE_S], unit="s")
    answered_at = np.sort(answered.dropna().to_numpy(dtype="datetime64[ns]"))
    found = []
    for row in posts.loc[posts[IS_COMPANY] & posts[PARENT_ID].isna()].itertuples(index=False):
        post_id, when = str(getattr(row, ID)), getattr(row, CREATED_AT)
        audit = audits.get(post_id)
        if audit is None or {f.name for f in audit.flags} & about_incident:
            continue
        moment = np.datetime64(when.tz_convert(None).to_datetime64(), "ns")
        posted_before = int(np.searchsorted(created, moment, side="left"))
        answered_by_then = int(np.searchsorted(answered_at, moment, side="right"))
        if posted_before - answered_by_then > 0:
            found.append(post_id)
    return tuple(found)


def find_resolved(posts: pd.DataFrame) -> tuple[str, ...]:
    """Complainants' posts after a company reply to them that thank or confirm a fix, and are not negative.

    Only people who had complained count: a bystander's "thanks for finally saying something"
    does not resolve anything.
    """
    # On plain arrays: a review calls this for every small conversation, where pandas'
    # per-call overhead (masks, isin, loc, itertuples) was 2 ms of a 3-post thread.
    company = posts[IS_COMPANY].to_numpy(dtype=bool)
    if not company.any():
        return ()
    ids = posts[ID].to_numpy()
    answers_company = replies_to_company(posts)
    candidates = np.flatnonzero(~company & answers_company & (posts[ROLE].to_numpy() == ROLE_COMPLAINANT))
    texts, scores = posts[TEXT].to_numpy(), posts[SENTIMENT].to_numpy()
    found: list[str] = []
    for n in candidates.tolist():  # each answers a company post
        text, sentiment = str(texts[n]), float(scores[n])
        still_complaining = COMPLAINT_WORDS.search(_normalise(text)) is not None
        if sentiment > NEGATIVE_SENTIMENT and RESOLVED_WORDS.search(text) and not still_complaining:
            found.append(str(ids[n]))
    return tuple(found)


def audit_to_dict(audit: ThreadAudit) -> dict[str, object]:
    """The JSON form of an audit (the report's ``audit`` key)."""
    return {
        "replies": [
            {
                "post_id": r.post_id,
                "author": r.author,
                "addressed_to": r.addressed_to,
                "answers_complaint": r.answers_complaint,
                "flags": [{"name": f.name, "span": list(f.span), "evidence": f.evidence} for f in r.flags],
                "strategy": r.strategy,
                "strategy_reason": r.strategy_reason,
                "verdict": r.verdict,
                "suggestion": r.suggestion,
            }
            for r in audit.replies
        ],
        "canned_groups": [list(g) for g in audit.canned_groups],
        "broken_promises": list(audit.broken_promises),
        "kept_promises": list(audit.kept_promises),
        "promotions_during_crisis": list(audit.promotions_during_crisis),
        "resolved": list(audit.resolved),
    }
