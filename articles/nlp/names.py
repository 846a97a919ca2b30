"""Word lists the repair and entity rules rely on, kept as named, documented data.

Every list here is curated by hand for English-language news. Keep entries lower-case unless the
comment says otherwise; callers normalise before looking up.
"""

from __future__ import annotations


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of a block of text, as a set."""
    return frozenset(text.split())


def phrase_set(text: str) -> frozenset[str]:
    """The comma-separated phrases of a block of text, as a set."""
    return frozenset(" ".join(p.split()) for p in text.split(",") if p.strip())


# Words written before a person's name that are not part of it. Multi-word titles are listed
# whole ("prime minister") so the longest one can be stripped first. Lower-case, no dots.
TITLES: frozenset[str] = word_set(
    """
    mr mrs ms miss mx dr prof professor sir dame lord lady rev reverend fr father sister brother
    rabbi imam sheikh sheik cardinal pope bishop archbishop saint st
    president vice-president vp premier chancellor governor gov mayor councillor councilor
    senator sen representative rep congressman congresswoman congressmember delegate
    minister secretary ambassador commissioner chairman chairwoman chair chairperson speaker
    judge justice attorney prosecutor sheriff inspector detective officer constable sergeant sgt
    chief superintendent commander general gen lt lieutenant colonel col major maj captain capt
    admiral adm corporal cpl private pte marshal
    king queen prince princess duke duchess earl count countess baron baroness emperor empress
    ceo cfo coo cto mp mep mpp mla msp
    coach manager skipper striker goalkeeper keeper midfielder defender winger fullback
    goalie goaltender defenceman defenseman quarterback
    spokesperson spokesman spokeswoman
    dr. mr. mrs. ms.
    """
)

# Titles of two or more words, stripped before the one-word ones above.
MULTIWORD_TITLES: tuple[tuple[str, ...], ...] = tuple(
    tuple(title.split())
    for title in (
        "prime minister",
        "deputy prime minister",
        "foreign minister",
        "finance minister",
        "health minister",
        "defence minister",
        "defense minister",
        "interior minister",
        "first minister",
        "chief minister",
        "chief executive",
        "chief justice",
        "secretary of state",
        "secretary general",
        "secretary-general",
        "attorney general",
        "attorney-general",
        "solicitor general",
        "home secretary",
        "foreign secretary",
        "health secretary",
        "press secretary",
        "defense secretary",
        "defence secretary",
        "vice president",
        "president-elect",
        "supreme leader",
        "crown prince",
        "grand ayatollah",
        "lieutenant governor",
        "lt gov",
        "lt. gov.",
        "house speaker",
        "senate majority leader",
        "majority leader",
        "minority leader",
        "opposition leader",
        "party leader",
        "labour leader",
        "conservative leader",
        "liberal leader",
        "ndp leader",
        "shadow chancellor",
        "mr and mrs",
    )
)

# Words a title is often qualified by ("former President X", "acting Mayor Y").
TITLE_QUALIFIERS: frozenset[str] = word_set(
    "former late acting then interim deputy assistant associate senior junior "
    "retired incoming outgoing current new ex"
)

# Name particles that start a surname and stay lower-case inside a name ("Ursula von der Leyen").
SURNAME_PARTICLES: frozenset[str] = word_set(
    "van von der den de del della di da du dos das la le al el bin ibn ben ter ten"
)

# Generational suffixes: not a surname, dropped when picking the surname of a full name.
NAME_SUFFIXES: frozenset[str] = word_set("jr jr. sr sr. ii iii iv phd md qc kc")

# spaCy labels that are numbers or times rather than named things.
NUMERIC_LABELS: frozenset[str] = word_set("DATE TIME PERCENT MONEY QUANTITY ORDINAL CARDINAL")

# Alternative names of the same place, mapped to one key so articles agree across spellings.
PLACE_ALIASES: dict[str, str] = {
    "us": "united states",
    "usa": "united states",
    "u s": "united states",
    "united states of america": "united states",
    "america": "united states",
    "uk": "united kingdom",
    "u k": "united kingdom",
    "britain": "united kingdom",
    "great britain": "united kingdom",
    "uae": "united arab emirates",
    "drc": "democratic republic of the congo",
    "dr congo": "democratic republic of the congo",
    "ussr": "soviet union",
    "kiev": "kyiv",
    "burma": "myanmar",
    "holland": "netherlands",
    "czechia": "czech republic",
    "ivory coast": "cote d'ivoire",
    "nyc": "new york city",
    "la": "los angeles",
    "dc": "washington",
}

# Countries, capitals and major cities for finding place names written in lower case. A curated
# list, not a full gazetteer: the aim is the places news actually names.
PLACES: frozenset[str] = phrase_set(
    """
    afghanistan, albania, algeria, andorra, angola, argentina, armenia, australia, austria,
    azerbaijan, bahamas, bahrain, bangladesh, barbados, belarus, belgium, belize, benin, bhutan,
    bolivia, bosnia, botswana, brazil, brunei, bulgaria, burkina faso, burundi, cambodia,
    cameroon, canada, chad, chile, china, colombia, congo, costa rica, croatia, cuba, cyprus,
    czech republic, denmark, djibouti, dominican republic, ecuador, egypt, el salvador, england,
    eritrea, estonia, eswatini, ethiopia, fiji, finland, france, gabon, gambia, georgia, germany,
    ghana, greece, greenland, guatemala, guinea, guyana, haiti, honduras, hong kong, hungary,
    iceland, india, indonesia, iran, iraq, ireland, israel, italy, jamaica, japan, jordan,
    kazakhstan, kenya, kosovo, kuwait, kyrgyzstan, laos, latvia, lebanon, lesotho, liberia, libya,
    liechtenstein, lithuania, luxembourg, madagascar, malawi, malaysia, maldives, mali, malta,
    mauritania, mauritius, mexico, moldova, monaco, mongolia, montenegro, morocco, mozambique,
    myanmar, namibia, nepal, netherlands, new zealand, nicaragua, niger, nigeria, north korea,
    north macedonia, northern ireland, norway, oman, pakistan, palestine, panama,
    papua new guinea, paraguay, peru, philippines, poland, portugal, qatar, romania, russia,
    rwanda, saudi arabia, scotland, senegal, serbia, sierra leone, singapore, slovakia, slovenia,
    somalia, south africa, south korea, south sudan, spain, sri lanka, sudan, suriname, sweden,
    switzerland, syria, taiwan, tajikistan, tanzania, thailand, togo, tunisia, turkey,
    turkmenistan, uganda, ukraine, united arab emirates, united kingdom, united states, uruguay,
    uzbekistan, venezuela, vietnam, wales, yemen, zambia, zimbabwe, abu dhabi, abuja, accra,
    addis ababa, algiers, amman, amsterdam, ankara, athens, baghdad, baku, bangkok, barcelona,
    beijing, beirut, belfast, belgrade, berlin, bogota, brasilia, brussels, bucharest, budapest,
    buenos aires, cairo, calgary, canberra, cape town, caracas, chicago, copenhagen, damascus,
    delhi, dhaka, doha, dubai, dublin, edinburgh, edmonton, gaza, geneva, glasgow, halifax,
    hamburg, hanoi, havana, helsinki, houston, islamabad, istanbul, jakarta, jerusalem,
    johannesburg, kabul, karachi, kathmandu, khartoum, kyiv, kiev, kinshasa, lagos, lahore, lima,
    lisbon, london, los angeles, madrid, manchester, manila, melbourne, mexico city, miami, milan,
    minsk, montreal, moscow, mumbai, munich, nairobi, new delhi, new york, oslo, ottawa, paris,
    prague, pyongyang, quebec, rabat, riyadh, rome, san francisco, santiago, sao paulo, seoul,
    shanghai, stockholm, sydney, taipei, tehran, tel aviv, tokyo, toronto, tripoli, vancouver,
    vienna, warsaw, washington, wellington, winnipeg, yerevan, zurich, africa, asia, europe,
    antarctica,
    """
)

# Gazetteer entries that are also ordinary English words or common first names: found in lower
# case they are far more often the word ("turkey", "chad", "china") than the place.
AMBIGUOUS_PLACES: frozenset[str] = word_set(
    "chad china georgia guinea jordan jersey niger turkey wales lima halifax "
    "sydney victoria mali nice reading bath split mobile"
)

# Common given names (English-language news, with frequent international ones). A multi-word
# span that starts with one is a person whatever label the small model gave it ("Seth Jones"
# tagged ORG). Names that often begin company names (Morgan, Charles, Louis) are left out.
GIVEN_NAMES: frozenset[str] = word_set(
    """
    aaron abby adam adrian aidan alan albert alex alexander alexandra alexis ali alice alicia
    alison allan allison alyssa amanda amber amelia amir amy ana andre andrea andrew andy angela
    angelina ann anna anne annie anthony antoine antonio april ariana arthur ashley austin ava
    barbara barry ben benjamin bernard beth betty bill billy blake bob bobby brad bradley
    brandon brenda brendan brent brett brian brittany brooke bruce bryan caleb cameron camille
    carl carla carlos carol caroline carolyn catherine cathy chad charlotte chelsea cheryl chloe
    chris christian christina christine christopher chuck cindy claire claude colin connor craig
    cynthia dale dan dana daniel danielle danny darren dave david dean deborah debra denis
    dennis derek diana diane dominic don donald donna doug douglas dylan ed eddie edward eileen
    elena eli elijah elizabeth ella ellen emily emma eric erica erin ethan eugene eva evan
    fatima felix fiona frank fred frederick gabriel gary gavin george gerald gina gloria gordon
    grace graham greg gregory hailey hannah harold harry hassan heather helen henry holly howard
    hugh ian irene isaac isabella jack jacob jacqueline jake james jamie jan jane janet janice
    jason jean jeff jeffrey jennifer jenny jeremy jerry jesse jessica jill jim jimmy joan joe
    joel john johnny jon jonathan jordan jose joseph josh joshua joyce juan judith judy julia
    julian julie justin karen kate katherine kathleen kathryn kathy katie kayla keith kelly ken
    kenneth kevin kim kimberly kyle larry laura lauren lawrence leah lee leo leonard lisa liam
    linda logan lori lucas lucy luis luke lynn madison maggie mandy marc marcus margaret maria
    marie marilyn mario mark martha martin mary matt matthew maureen max maxime megan melanie
    melissa michael michelle mike miranda mohamed mohammad mohammed molly monica muhammad nancy
    naomi natalie nathan neil nicholas nick nicole noah norman olivia oliver omar pamela patricia
    patrick paul paula peter philip phillip pierre rachel ralph randy raymond rebecca richard
    rick rob robert robin roger ron ronald rose ruth ryan sally samantha samuel sandra sara
    sarah scott sean seth sharon shawn sheila simon sofia sophie stephanie stephen steve steven
    stuart susan tammy tanya taylor teresa terry theresa thomas tiffany tim timothy tina todd tom
    tony tracy travis tyler valerie vanessa victor victoria vincent virginia walter wayne wendy
    william willie yasmin yusuf zach zachary
    """
)

# Last words that make a name-shaped span a place or an organisation: "George Station".
NON_PERSON_HEADS: frozenset[str] = word_set(
    """
    inc ltd llc plc corp co company group bank foundation institute university college school
    station street road avenue park airport hospital stadium arena centre center hall house
    church river lake island bay bridge press news times post herald journal trust fund
    council party club fc united city county award awards prize cup
    """
)

# The NON_PERSON_HEADS that name buildings and streets rather than organisations.
FACILITY_HEADS: frozenset[str] = word_set(
    "station street road avenue park airport hospital stadium arena centre center hall house "
    "church bridge"
)
