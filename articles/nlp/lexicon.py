"""Word lists the quote extractor relies on, kept as named data so editors can review them.

Every list is lower-case and matched against spaCy lemmas (verbs, nouns) or lower-cased
token text (pronouns, titles). Changing a list changes extraction output: bump
pipeline.PIPELINE_VERSION when you do.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    """A word list written as whitespace-separated words, so long lists stay readable."""
    return frozenset(text.split())


# Verbs that introduce what someone said or wrote. A token with one of these lemmas and a
# clause complement (or a quotation beside it) is a quote cue. Kept to verbs whose complement
# is reported speech; "show" or "find" would pull in study results and statistics.
SPEECH_VERBS: frozenset[str] = _words(
    """
    say tell add write ask note report announce suggest tweet post argue explain claim
    warn insist state declare acknowledge admit allege confirm deny recall reply respond
    predict estimate urge assert contend maintain stress emphasize emphasise point
    reiterate repeat complain concede conclude caution comment remark mention observe
    describe testify vow promise pledge threaten boast brag joke quip muse wonder
    blurt shout scream yell whisper mutter exclaim cry sigh laugh smile
    agree disagree reveal disclose indicate signal hint imply
    counter retort rebut dispute question challenge contest
    continue begin go proclaim affirm demand propose recommend advise instruct
    order request plead beg charge accuse blame criticize criticise praise
    speculate theorize theorise surmise echo elaborate clarify reassure assure inform notify
    answer remember react
    """
)

# Verbs of belief ("believes", "thinks"). News prose uses them for narration as often as for
# attribution ("he thought nobody was home"), so they count only with an explicit "that" and a
# subject that is not a pronoun: "Smith believes that the plan will fail".
COGNITION_VERBS: frozenset[str] = _words(
    """
    believe think feel know hope fear worry expect reckon figure guess doubt suspect
    decide determine find
    """
)

# Cues that only count with a quotation or a "that" clause next to them, because on their own
# they usually describe actions, not speech ("she went home", "the judge ruled on Monday").
WEAK_SPEECH_VERBS: frozenset[str] = _words(
    """
    go begin continue rule order charge smile laugh sigh cry question challenge signal
    indicate estimate conclude suggest remember react
    """
)

# Verbs whose clause is a question, not a claim: "asked whether the plan would work".
QUESTION_VERBS: frozenset[str] = _words("ask wonder inquire enquire question")

# Subordinators that open an embedded question.
QUESTION_WORDS: frozenset[str] = _words("if whether what why how when where who which")

# Verbs of stance: taking a side on something ("criticized the plan", "endorsed Smith",
# "wants to run"). Political attribution counts what they take as the attributed content, so
# they are cues for their object or infinitive, never for a quotation beside them.
STANCE_VERBS: frozenset[str] = _words(
    """
    criticize criticise praise endorse accuse blame condemn denounce defend attack blast slam
    mock dismiss applaud thank hail tout laud vow urge oppose question mention discuss cite
    refuse express announce propose acknowledge note embrace bemoan stress reiterate decry
    repeat lament insult emphasize emphasise ridicule disparage admit threaten highlight
    """
)

# Verbs of wanting, backing and planning ("Smith wants to run", "Jones backed the bill").
# News prose uses them loosely for anyone and anything ("voters want change", "parties that
# support more"), so they count only for a named subject in a main clause.
DESIRE_VERBS: frozenset[str] = _words(
    "want wish prefer support back reject promise plan refer talk"
)

# Verbs that take their content through a preposition: "called for a ban", "campaigned
# against the deal". Keyed by lemma, with the prepositions that introduce the content.
STANCE_PREP_VERBS: dict[str, frozenset[str]] = {
    "refer": frozenset({"to"}),
    "talk": frozenset({"about"}),
    "balk": frozenset({"at"}),
    "apologize": frozenset({"for"}),
    "apologise": frozenset({"for"}),
    "appeal": frozenset({"for"}),
    "joke": frozenset({"about"}),
    "agree": frozenset({"with", "on"}),
    "disagree": frozenset({"with", "on"}),
    "argue": frozenset({"for", "against"}),
    "rail": frozenset({"against"}),
    "warn": frozenset({"about", "against", "of"}),
    "respond": frozenset({"to"}),
    "insist": frozenset({"on"}),
    "call": frozenset({"for"}),
    "advocate": frozenset({"for"}),
    "campaign": frozenset({"for", "against"}),
}

# Verbs of asking someone to act ("asked voters to stay home"): a cue for the person and the
# act together, only when both are there.
REQUEST_VERBS: frozenset[str] = _words("ask invite encourage press implore")

# Verbs that ask someone to act through a preposition ("called on Congress to pass the bill",
# "appealed to voters to stay home"), with the prepositions that name who is asked. Like
# REQUEST_VERBS, a cue only when both the person and the act are there.
REQUEST_PREP_VERBS: dict[str, frozenset[str]] = {
    "call": frozenset({"on", "upon"}),
    "appeal": frozenset({"to"}),
}

# Verbs that report what a poll found ("polls show Smith ahead"), and the nouns that make them
# cues. Political attribution counts poll findings and what a recording or a tally shows
# ("the video shows him leaving", "the data show a rise"); studies and reports ("the study
# found") are left out, as reporting on them is rarely attributed in news annotation.
FINDING_VERBS: frozenset[str] = _words("show find suggest indicate reveal")
POLL_NOUNS: frozenset[str] = _words("poll polling survey")
FINDING_NOUNS: frozenset[str] = POLL_NOUNS | _words(
    "video footage photo image recording tape data number result figure"
)

# Verbs of perception and realisation. Their "that" clause is what someone noticed, not a
# position they state ("he realized that he was late"), so they are never cues.
PERCEPTION_VERBS: frozenset[str] = _words(
    """
    hear see notice realize realise recognize recognise mean remind grow hope hop discover
    understand feel sense seem appear turn happen
    """
)

# Nouns of saying or stance that report a content when someone's ("Smith's claim that ...",
# "her call for a recount"), with the prepositions that introduce a content phrase. A "that"
# clause or an infinitive after any of them is content too.
NOMINAL_CUES: dict[str, frozenset[str]] = {
    noun: frozenset(preps.split())
    for noun, preps in {
        "claim": "",
        "assertion": "",
        "allegation": "",
        "accusation": "",
        "warning": "about against of",
        "promise": "of",
        "pledge": "of",
        "vow": "",
        "call": "for",
        "calls": "for",
        "demand": "for",
        "decision": "",
        "insistence": "on",
        "view": "on of",
        "views": "on",
        "fear": "of",
        "remark": "about",
        "remarks": "about on",
        "comment": "about on",
        "comments": "about on",
        "prediction": "",
        "threat": "",
        "admission": "",
        "announcement": "of",
        "criticism": "of",
        "criticisms": "of",
        "opposition": "to",
        "praise": "for of",
        "endorsement": "of",
        "rejection": "of",
        "denial": "of",
        "push": "for",
        "embrace": "of",
        "attack": "on against",
        "attacks": "on against",
        "support": "for of",
        "endorsements": "of",
    }.items()
}

# Every verb that can be a cue.
CUE_VERBS: frozenset[str] = (
    SPEECH_VERBS | COGNITION_VERBS | STANCE_VERBS | DESIRE_VERBS | frozenset(STANCE_PREP_VERBS)
)

# Verbs that quote a few words as a label ('called the plan a "disaster"', 'described it as
# "chaos"'). They make a fragment in quotation marks a quote, but report no clause themselves.
LABELLING_VERBS: frozenset[str] = _words(
    """
    call describe dub label brand term characterize characterise deride denounce slam
    """
)

# Labels of link and video lines that sit between paragraphs ("READ MORE: Minister says ...").
# What follows them is a headline, not a quote.
BOILERPLATE_LABELS: frozenset[str] = frozenset(
    {"read more", "watch", "related", "listen", "see also", "more", "click here", "subscribe"}
)

# Line labels that are not speakers ("UPDATE: ...", "Photo: ...").
NON_SPEAKER_LABELS: frozenset[str] = _words(
    """
    update updated breaking exclusive analysis opinion editorial correction note photo photos
    video videos source sources live transcript warning caution spoiler disclosure editor
    q a question answer poll explainer timeline background context fact factbox
    """
)

# Short words left lower-case in a title ("State of the Union"), and the prepositions a
# title follows ("on 'Meet the Press'").
TITLE_SMALL_WORDS: frozenset[str] = _words("a an and the of in on at to for with or by from")

# Relative pronouns: a speaker "who said ..." is the noun the clause hangs from.
RELATIVE_PRONOUNS: frozenset[str] = frozenset({"who", "which", "that", "whom"})

# Multi-word cues that attribute a whole clause to their object: "according to police, ...".
ACCORDING_TO_PHRASES: tuple[tuple[str, ...], ...] = (
    ("according", "to"),
    ("in", "the", "words", "of"),
    ("as", "quoted", "by"),
)

# Nouns for documents and findings. "The statement said" is a quote (the document stands in
# for its author), but "the study found" or "data suggests" reports a finding, not speech.
DOCUMENT_NOUNS: frozenset[str] = _words(
    """
    statement release report letter email e-mail tweet post complaint claim lawsuit suit
    filing document memo affidavit ruling decision judgment judgement study survey poll
    research data analysis figure number record belief review estimate projection model
    evidence finding paper
    """
)

# Modal auxiliaries: a cue under one ("will argue", "could say") is not a report of speech.
MODAL_VERBS: frozenset[str] = _words("will would could might may should must can shall 'll 'd")

# Pronouns that can be speakers, with what they agree with: "m"/"f" a man or woman, "p" a
# group or organisation, "n" an organisation or place, "" anyone.
SPEAKER_PRONOUNS: dict[str, str] = {
    "he": "m",
    "him": "m",
    "she": "f",
    "her": "f",
    "they": "p",
    "i": "",
    "we": "p",
    "it": "n",
}

# First-person speakers: the writer, an interviewee, or whoever a quotation around them quotes.
FIRST_PERSON: frozenset[str] = frozenset({"i", "we", "me", "us"})

# Nouns that name an interview; "an interview with Jane Doe" names the interviewee.
INTERVIEW_NOUNS: frozenset[str] = frozenset(
    {"interview", "q&a", "q-and-a", "conversation", "chat", "podcast"}
)

# Possessive and object pronouns used to learn each person's gender from the text itself.
GENDERED_PRONOUNS: dict[str, str] = {
    "he": "m",
    "him": "m",
    "his": "m",
    "himself": "m",
    "she": "f",
    "her": "f",
    "hers": "f",
    "herself": "f",
}

# Honorifics that reveal gender before any pronoun appears.
GENDERED_TITLES: dict[str, str] = {
    "mr": "m",
    "mr.": "m",
    "sir": "m",
    "lord": "m",
    "mrs": "f",
    "mrs.": "f",
    "ms": "f",
    "ms.": "f",
    "miss": "f",
    "madam": "f",
    "dame": "f",
    "lady": "f",
}

# Role nouns that describe a person ("the minister said"). A description speaker is resolved
# to the person introduced earlier with the same role ("Foreign Minister Jane Doe").
ROLE_NOUNS: frozenset[str] = _words(
    """
    minister secretary president chairman chairwoman chair chairperson director chief
    spokesman spokeswoman spokesperson official officer leader premier mayor governor
    senator representative congressman congresswoman lawmaker legislator mp mla mpp
    councillor councilor commissioner superintendent inspector sergeant constable
    detective captain lieutenant general colonel major admiral judge justice lawyer
    attorney prosecutor counsel advocate professor researcher scientist economist
    analyst expert author writer executive ceo cfo coo founder owner manager coach
    player candidate nominee ambassador diplomat envoy king queen prince princess pope
    bishop priest pastor rabbi imam chancellor mother father son daughter
    wife husband sister brother widow teacher principal student doctor physician nurse
    surgeon psychologist president-elect vice-president boss head editor reporter
    columnist activist organizer organiser campaigner protester resident witness victim
    survivor defenceman defenseman forward goaltender goalie quarterback
    striker midfielder rookie veteran trustee administrator adviser
    advisor consultant aide
    """
)

# Collective or institutional subjects that speak for themselves ("Police said").
ORGANISATION_NOUNS: frozenset[str] = _words(
    """
    police authorities government ministry department agency company firm court
    commission committee council board union party campaign administration office
    military army navy kremlin pentagon house senate congress parliament officials
    prosecutors investigators researchers scientists experts analysts critics supporters
    opponents residents witnesses organizers organisers group coalition association
    federation league team club university school hospital service
    """
)

# Dependency labels of a speech verb's subject.
SUBJECT_DEPS: frozenset[str] = frozenset({"nsubj", "nsubjpass", "csubj"})

# Dependency labels of reported content under a speech verb.
CONTENT_DEPS: frozenset[str] = frozenset({"ccomp", "xcomp"})

# Quotation marks. Straight marks are resolved by context; curly and angle marks by shape.
DOUBLE_OPEN: frozenset[str] = frozenset("“„«‟")
DOUBLE_CLOSE: frozenset[str] = frozenset("”»")
DOUBLE_STRAIGHT: frozenset[str] = frozenset('"')
SINGLE_OPEN: frozenset[str] = frozenset("‘‚‹")
SINGLE_CLOSE: frozenset[str] = frozenset("’›")
SINGLE_STRAIGHT: frozenset[str] = frozenset("'")
QUOTE_CHARS: frozenset[str] = (
    DOUBLE_OPEN | DOUBLE_CLOSE | DOUBLE_STRAIGHT | SINGLE_OPEN | SINGLE_CLOSE | SINGLE_STRAIGHT
)
