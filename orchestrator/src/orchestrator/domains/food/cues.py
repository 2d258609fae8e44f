"""The cues of the embedded intent reader: for each intent, weighted patterns of the lower-cased,
normalised message (`food.intents` sums the weights a message matches, then weighs the facts).

Cues are phrased for how people ask, not for any one message: verbs and their objects ("put … in
my basket", "call it off"), question shapes ("what should I have", "how much is"), slang and British
and American wording. They are compiled once, at import.
"""

from __future__ import annotations

import re

from orchestrator.domains.food.slots import alternation
from orchestrator.domains.food.vocabulary import ALLERGEN_WORDS, CATEGORY_WORDS, DIETARY_WORDS, NUMBERS

DIET = alternation(DIETARY_WORDS)
ALLERGEN = alternation(ALLERGEN_WORDS)
_CATEGORY = alternation(CATEGORY_WORDS)
_NUMBER = r"(?:\d{1,2}|" + alternation({k: v for k, v in NUMBERS.items() if k not in ("a", "an")}) + ")"
CART = r"(?:cart|basket|bag|trolley)"
_FOOD = r"(?:order|food|delivery|meal|dinner|lunch|breakfast|takeaway|stuff|curry|pizza)"
_PLACE = r"(?:home|work|workplace|office|house|flat|my place)"

_CUE_TABLE: dict[str, tuple[tuple[str, float], ...]] = {
    "track_order": (
        (rf"\bwhere('s| is| are)\b.*\b({_FOOD}|driver|rider|courier|it|they)\b", 3.5),
        (rf"\bwhere\b(?! (can|do|should|would|could))\b.*\b({_FOOD}|driver|rider|courier)\b", 3.0),
        (rf"\b(has|is|have|did) (my|the|our) ({_FOOD}|driver|rider|courier) (left|leave|been|dispatched|shipped|sent|"
         r"out|ready|coming|on|set off|gone)\b", 3.5),
        (r"\byet\b", 1.0),
        (r"\btrack(ing)?\b", 3.5),
        (r"\bwhere('s| is| are)\b", 1.0),
        (r"\bord-[0-9a-f]{4,}\b", 1.0),
        (r"\b(driver|rider|courier|delivery (guy|person|man|driver))\b", 2.5),
        (r"\bwho('s| is)? (delivering|bringing|dropping)\b", 3.5),
        (r"\bwhen (will|is|does|should|do|'ll)\b.*\b(it|they|order|food|arrive|here|come|coming|turn up|show up|"
         r"delivered|get here|be here)\b", 3.5),
        (r"\b(get|be|arrive) here\b", 2.0),
        (r"\barriv(e|es|ing|al)\b", 2.0),
        (r"\bon (its|the|it's) way\b", 2.5),
        (r"\b(late|delayed|delay|taking (so|too|ages|forever)|still waiting|eta|still not here|not arrived)\b", 3.0),
        (r"\b(order|delivery) status\b|\bstatus of\b", 3.5),
        (r"\bhow long\b", 2.5),
        (r"\bhow (long|much longer|soon)\b.*\b(till|until|before|for|will|does|do)\b", 1.0),
        (r"\b(nearly|almost) (here|hear|there|done|ready)\b", 3.5),
        (r"\b(news|update|updates|progress|word)\b.*\bord[- ]?[0-9a-f]{4,}\b", 3.5),
        (r"\bwhat('s| is) (going on|happening|up) with\b", 1.5),
        (rf"\b(update|updates|news|word|progress|status|sign)\b.*\b(on|about|with|for|of) (my|the|our) {_FOOD}\b",
         3.5),
        (r"\bout for delivery\b|\b(left|leaving|collected|picked (it )?up)\b.*\b(restaurant|kitchen|shop)\b", 3.0),
        (r"\b(has|is|have) (my|the|our) (driver|rider|courier)\b", 1.5),
    ),
    "order_history": (
        (rf"\b(past|previous|recent|old|older|earlier|latest|last|{_NUMBER}) orders\b", 3.5),
        (r"\b(order )?history\b", 3.5),
        (r"\bwhat (did|have|was it|did we) (i |we )?(order|ordered|get|got|go for|have|had|eat|ate|buy|bought)\b", 3.5),
        (r"\b(last time|last week|last month|last night|yesterday|the other (day|night)|before|previously|"
         r"in the past|ages ago)\b", 1.5),
        (r"\bi (got|ordered|had|bought|ate)\b", 1.5),
        (r"\b(i've|i have|we've|we have|have i|have we|did i|did we)( \w+)? (ordered|bought|eaten|had|spent)\b", 2.5),
        (r"\b(this|last|past|previous) (week|month|year)\b", 1.0),
        (r"\bmy orders\b", 2.5),
        (r"\b(my|the) (last|previous|latest|most recent) order\b", 3.0),
        (r"\bwhat was (that|the)\b", 1.5),
        (r"\b(bring up|pull up|show|list|see)\b.*\borders\b", 2.0),
        (r"\border again\b|\bsame as (last time|before)\b", 2.0),
        (r"\bwhen did (i|we) (last )?(order|get|have|buy)\b", 3.5),
        (r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|last night)('s)? order\b", 3.5),
        (r"\b(total )?number of (my )?orders\b|\bhow many (orders|times)\b", 4.0),
    ),
    "cancel_order": (
        (r"\bcancel(l?ing|l?ed|lation)?\b", 3.5),
        (r"\bcall (it|the order|that|my order) off\b|\bcall off\b", 4.0),
        (r"\b(cancel|call off|stop)\b.{0,30}\b(order|delivery)\b", 1.5),
        (r"\b(get|have) (my|the|that|this) (order|delivery) (stopped|cancell?ed|called off|scrapped)\b", 4.0),
        (r"\brefund\b", 3.0),
        (r"\b(don't|do not) want\b.*\b(any ?more|after all|any longer)\b", 3.0),
        (r"\b(stop|abort|kill|scrap) (my|the|that) order\b", 4.0),
        (r"\b(stop|halt|hold back|prevent|block|keep)\b.*\b(from|before) (it |they |that )?(going|goes|being|leaving|"
         r"leaves|coming|getting|gets|is sent|ships)\b", 3.5),
        (r"\b(halt|stop|abort|kill|scrap) (my |the |that |this )?ord-[0-9a-f]{4,}\b", 3.0),
        (r"\bord-[0-9a-f]{4,}\b", 0.5),
    ),
    "checkout": (
        (r"\bcheck ?out\b", 4.5),
        (rf"\border (what's|what is|everything|all that's|whatever's|what i have|what i've got) in (my|the) {CART}\b",
         5.0),
        (r"\bplace (the|my|an|this|our) order\b", 4.0),
        (r"\b(send|put|submit|push) (the|my|this|our) order (through|in|off)\b", 4.0),
        (r"^\s*(let's |i'll |i want to |can i |ready to )?pay( now| up)?[\s.!]*$", 4.5),
        (r"\b(let's|i'll|i'd like to|i want to|ready to|can i|time to|how do i) pay\b", 3.5),
        (r"\bpay (now|up)\b", 3.5),
        (r"\b(i'm|that's|thats|we're) (all )?(done|everything|it|all|sorted|good)\b", 3.0),
        (r"\bready to (order|pay|check)\b", 4.0),
        (r"^\W*(?:(?:ok|okay|right|alright|so)\W+)?(i'm|i am|we're|we are) ready\W*$", 4.0),
        (r"\b(complete|finish|finalise|finalize|submit|confirm) (the |my |this )?order\b", 4.0),
        (r"\bpaying\b", 1.0),
        (r"\b(payment|pay for (it|this|everything|the lot|my order))\b", 3.0),
        (r"\b(proceed|continue|go|move on|carry on) to (the )?(checkout|payment|paying|pay)\b", 2.0),
        (r"\b(wrap|finish|round) (it |this |things |everything )?(up|off)\b|\b(wrap|finish)(ing)? up\b", 3.0),
        (r"\b(that's|that is|thats) (all|everything|it)\b|\bnothing (else|more)\b", 1.5),
        (r"\b(order|buy) (it|this|these|them|everything|the lot|all of (it|this|them))\b|"
         r"\b(get|have) (it|this|these|them|everything) (ordered|sent|delivered)\b", 3.0),
        (r"\b(happy|done|good|set) with (that|this|it|everything|my (order|basket|cart))\b", 1.5),
    ),
    "view_cart": (
        (rf"\b{CART}\b", 2.0),
        (rf"\b(what's|what is|whats|show|view|see|check|review|look at|open)\b.*\b{CART}\b", 2.0),
        (r"\b(order )?so far\b", 3.5),
        (r"\bhow much\b.*\b(my (order|cart|basket|bag)|so far|in total|altogether|all together|total|i owe|"
         r"it all|everything|the lot|all this|coming to|come to)\b", 3.0),
        (rf"^\s*(my |the )?{CART}\s*\??$", 4.0),
        (r"\bwhat (have|did) i (added|add|put|got|chosen|picked)\b", 4.5),
        (r"\bbefore i (pay|check ?out|order|confirm)\b", 3.5),
        (r"\b(coming|come|comes) to\b|\b(all|all of) this\b", 2.0),
        (r"\b(my|the|our) (total|subtotal|bill)\b|\bwhat do i owe\b", 3.0),
        (r"\b(read|run|go|list|talk me) (\w+ ){0,2}(back|through|over|out)\b|\brecap\b|\bremind me what\b", 2.0),
    ),
    "remove_from_cart": (
        (r"\b(remove|delete|take (out|off|away)|drop|scrap|ditch|bin|lose|get rid of|cross off|minus|undo)\b", 3.5),
        (r"\btake (the |that |those |a |an |my )?(\w+ ){0,4}(out|off)\b", 3.5),
        (rf"\b(empty|clear|reset)\b.*\b{CART}\b", 4.5),
        (r"\b(don't|do not) (want|need) (the|that|those|these|my|a|an|any)\b", 1.5),
        (r"\b(don't|do not) want (the|that|those|these|my) (?!order\b|delivery\b|food\b)(\w+ ){1,3}"
         r"(any ?more|after all|any longer)\b", 3.5),
        (r"\b(less|fewer|one less|one fewer)\b", 1.0),
    ),
    "add_to_cart": (
        (r"\badd\b", 3.5),
        (r"\b(i'll have|i'll take|i'll get|i'll go for|i'll go with|i'd like|i would like|i want|i'd love|"
         r"get me|give me|can i (get|have)|could i (get|have)|may i have|let me (get|have)|i'll try|"
         r"i'd (go for|have|take))\b", 2.0),
        (rf"\b(put|stick|throw|chuck|pop|bung|slap)\b.*\b(in|into|on|onto)\b.*\b({CART}|order|there|it)\b", 4.0),
        (r"\b(stick|chuck|bung|pop|throw|slap) (a|an|the|one|two|three|some|another|\d+)\b", 3.5),
        (r"\b(put|stick|chuck|bung|pop|throw|slap|throw) in (a|an|the|one|two|three|some|another|\d+)\b", 3.5),
        (r"\b(also|as well|too)\b", 0.5),
        (r"\b(number|no\.?|#) ?\d{1,2}\b", 2.5),
        (r"\b(another|one more|more of|same again|extra)\b", 2.0),
        (r"^\s*(i'd like to |i want to |can i |let me )?order (a|an|the|one|two|three|some|\d+)\b", 3.0),
        (r"^(?!.*\?).*\bm[- ]?\d{1,3}\b", 1.5),
        (r"\b(that|this|it|them|those) (one|ones|please)\b", 1.0),
    ),
    "choose_address": (
        (r"\bdeliver(y|ed)? (it |them |this |that |my order |the order |the food )?(to|at|home)\b", 3.5),
        (r"\bsend (it|them|this|that|everything|the food)?( over)? ?(to|home)\b", 3.5),
        (rf"^\s*(to|at) (the |my )?{_PLACE}\b", 3.5),
        (rf"\b{_PLACE}\b", 1.5),
        (rf"\b(use|choose|pick|select) (my |the )?({_PLACE}|default|usual|saved)( delivery)?( address)?\b", 3.5),
        (r"\baddress\b", 1.5),
        (r"\bbring it to\b", 3.0),
        (r"\b(can|could) (it|they|the order|my order|the food) (go|come|be sent|be delivered|be taken) to\b", 3.5),
        (rf"^\s*(the |my |to |at )*{_PLACE}( address| one| please| thanks| then| is fine| works)*[\s.!]*$", 3.0),
    ),
    "update_preferences": (
        (rf"\bi('m| am)( now| also| actually| currently| strictly| going| gone)*( a| an)? ({DIET})\b", 4.0),
        (rf"\bi('ve| have) (gone|become|turned) ({DIET})\b", 4.0),
        (r"\b(allergic|allergy|intolerant|intolerance|coeliac|celiac)\b", 3.0),
        (rf"\bi (can't|cannot|can not|don't|do not|mustn't|shouldn't) (eat|have|do|tolerate|digest) "
         rf"({ALLERGEN}|meat)\b", 3.0),
        (rf"\b(no longer|not) ({DIET}|allergic)\b", 3.0),
        (r"\b(update|change|set|add|remove|put|take|edit|amend)\b.*\b(my )?(diet|dietary|preferences?|allerg\w*|"
         r"profile|intolerances?)\b", 4.5),
        (r"\b(remember|note|know|record|save|for the record|heads up|fyi|be aware)\b", 1.5),
        (r"\bi (love|like|prefer|enjoy|adore|really like)\b.*\b(food|cuisine|dishes)\b", 3.0),
        (r"\bmy favourite (cuisines?|food)\b", 3.0),
        (r"\b(put|add|stick|include)\b.*\b(on|to|in|among) my (list of )?favou?rites?\b", 4.5),
        (rf"\bi('ve| have)? (stopped|stoped|quit|given up|cut out) (eating |having )?(meat|dairy|{ALLERGEN})\b", 4.0),
        (r"\b(put|mark|set|register|record|have) me (down )?as\b", 4.0),
        (rf"\bi (only |just |strictly |mostly |now |no longer )?eat (only )?({DIET})\b|"
         r"\bi (don't|do not|no longer) eat meat\b", 3.5),
    ),
    "show_profile": (
        (r"\bmy (profile|account|details|addresses|address|preferences|dietary preferences|diet|allergies|"
         r"allergens|loyalty|points|info|information|settings|saved \w+)\b", 2.5),
        (r"\b(who am i|about me)\b", 3.5),
        (r"\b(what|which|where)('s| is| are)? (\w+ )?my (default|saved|usual) (delivery )?address(es)?\b", 2.5),
        (r"\b(loyalty|reward|rewards) points\b|\bhow many points\b", 3.5),
        (r"\b(what|which) (allergies|allergens|diet|dietary preferences|preferences|addresses|cuisines)\b"
         r".*\b(i|me|my)\b", 3.5),
        (r"\b(profile|account)\b", 2.0),
        (r"\b(registered|on file|on record|down as|recorded|listed as|marked as|saved as)\b", 2.0),
        (r"\b(stored|saved|kept|remembered|have (got )?(for|on) me)\b", 1.5),
        (r"\b(addresses|locations|places|spots)\b.*\b(i|me|my)\b", 1.5),
    ),
    "recommend": (
        (r"\brecommend\w*|\bsuggest\w*|\brecs?\b", 4.5),
        (r"\bwhat (\w+ ){0,4}(should|shall|could|can|would) (i|we) (eat|have|order|get|go for|try|pick|choose)\b", 3.5),
        (r"\b(in mind|what do you think|any thoughts|your thoughts)\b", 2.0),
        (r"\bwhat to (eat|have|order|get|pick|choose|go for)\b", 3.5),
        (r"\b(hungry|starving|peckish|famished|feed me|ravenous)\b", 3.0),
        (r"\b(surprise me|any ideas|ideas|inspire me|inspiration|you choose|you pick|you decide)\b", 3.5),
        (r"\b(can't|cannot|don't know|not sure|unsure|undecided)\b.*\b(decide|choose|pick|what)\b", 3.0),
        (r"\b(pick|choose|find) (me )?(something|anything|one|a dish)\b|\b(help me|you) (pick|choose|decide)\b",
         3.5),
        (r"\bwhat's (best|good|nice|popular|tasty|your favourite|the best)\b|\bwhat is (best|good|popular)\b", 3.0),
        (r"\b(best|popular|favourite|top|tasty|special)\b", 1.0),
        (r"\b(fancy|in the mood for|craving|feel like)\b", 2.0),
        (r"\bwhat (would|do|should|will) you (get|have|order|pick|choose|go for|eat|try|take)\b", 3.5),
        (r"\bworth (trying|a (try|go|shot)|getting|ordering|having)\b", 3.5),
        (r"\b(pick|choose|find|get) (me )?(a|an|one) (\w+ )?for me\b", 3.5),
        (r"\bif (you were|i were) (me|you)\b|\bin my (shoes|place)\b|\byour (pick|choice|call|go-to)\b", 2.5),
        (r"\bfor (dinner|lunch|tonight|breakfast|supper|tea|later)\b|\btonight\b", 1.0),
        (r"\bsomething (for|good|nice|tasty|spicy|light|healthy|filling|sweet|cheap|different|new)\b", 2.5),
    ),
    "browse_menu": (
        (r"\bmenu\b", 3.5),
        (r"\b(show|list|see|browse|find|search|looking for|look for|have|got|do you (do|have|sell|serve|make))\b", 1.0),
        (rf"\b{_CATEGORY}\b", 2.0),
        (r"\b(any|anything)\b", 1.0),
        (r"\bhow much (is|are|does|do|for|would)\b(?!.*\b(my|so far|in total|altogether|total|it all|everything|"
         r"the lot|all this|coming to|come to)\b)", 3.0),
        (r"\b(price|prices|cost|costs|priced)\b", 2.0),
        (r"\bwhich\b", 1.5),
        (r"\bwhat (\w+ )?(do you have|have you got|is there|are there|do you do|can i eat|can i have)\b", 2.0),
        (r"\b(options|dishes|food|items|choices|range|selection)\b", 1.0),
        (r"\b(categories|sections)\b", 3.5),
        (rf"\bwhat('s| is| goes) in(to)? (the|a|an|your|that|this)\b(?!.*\b{CART}\b)|\bingredients?\b", 2.5),
        (r"\bm[- ]?\d{1,3}\b", 2.0),
        (r"^(is|are|does|do|has) (the|your|a|an|there)\b", 2.0),
        (r"\?.*$(?<=\?)", 0.5),
        (r"\b(under|below|less than|cheaper than|up to|max|at most)\b", 1.0),
    ),
    "help": (
        (r"\bhelp\b(?! me (choose|pick|decide|find))", 3.0),
        (r"\b(what can you do|how does this work|what do you do|how do i use|what are you|who are you)\b", 4.0),
        (r"^\s*(hi|hello|hey|hiya|yo|howdy|good (morning|evening|afternoon)|greetings)\b", 3.0),
        (r"\b(confused|lost|don't understand|makes no sense|what\?)\b", 3.5),
        (r"^\s*(huh|eh|what|sorry)\s*\?*\s*$", 3.5),
        (r"\bwhat can i (ask|say|do here|use you for)\b|\bwhat('s| is) this (bot|thing|app|chat|service)( for)?\b|"
         r"\bwhat are you for\b", 4.0),
        (r"^\s*(thanks|thank you|cheers|ta|bye|goodbye|see you|great thanks)\b", 3.0),
    ),
}  # fmt: skip
CUES: dict[str, tuple[tuple[re.Pattern[str], float], ...]] = {
    intent: tuple((re.compile(pattern), weight) for pattern, weight in cues) for intent, cues in _CUE_TABLE.items()
}
"""Each intent's weighted patterns, compiled once; a message scores the sum of the weights it matches."""
