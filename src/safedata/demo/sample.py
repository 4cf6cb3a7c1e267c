"""The built-in sample: short documents written for this project, with simulated votes.

Every text here was written for Safe Training Data and is dedicated to the
public domain (CC0 1.0). They span the spectrum the site rates: clearly
helpful writing, plain neutral text, and unhelpful writing that still keeps
to the Acceptable Use Policy (sloppy advice, rude low-effort answers,
confidently wrong trivia). Nothing here names a private person, carries
personal data, code that does harm, or anything else the policy forbids.

``votes`` holds one letter per simulated reviewer, in order: ``g`` great,
``n`` neutral, ``u`` unsafe. Reviewer *i* votes as ``demo:reviewer-<i>``.
This module is plain data: it imports nothing from Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from safedata.consensus import Label

LICENSE = "CC0-1.0"
"""The licence of every sample text."""

VOTE_LETTERS = {"g": Label.GREAT, "n": Label.NEUTRAL, "u": Label.UNSAFE}
"""A letter in ``SampleDocument.votes`` -> the rating it stands for."""


class Kind(StrEnum):
    """Where on the spectrum a sample text was written to sit."""

    HELPFUL = "helpful"
    NEUTRAL = "neutral"
    UNHELPFUL = "unhelpful"


@dataclass(frozen=True)
class SampleDocument:
    """One sample text and the simulated votes it arrives with."""

    title: str
    text: str
    kind: Kind
    votes: str
    """One letter per simulated reviewer (``g``, ``n``, ``u``); may be empty."""

    def ratings(self) -> list[tuple[int, str]]:
        """``(reviewer number, rating)`` for each simulated vote, numbered from 1."""
        return [(number, VOTE_LETTERS[letter]) for number, letter in enumerate(self.votes, 1)]


def _doc(kind: Kind, votes: str, title: str, *lines: str) -> SampleDocument:
    return SampleDocument(title=title, text="\n".join(lines), kind=kind, votes=votes)


H, N, U = Kind.HELPFUL, Kind.NEUTRAL, Kind.UNHELPFUL

SAMPLE: tuple[SampleDocument, ...] = (
    # Clearly helpful: explanations, safety advice, honest answers.
    _doc(
        H,
        "gggggn",
        "Why a password manager beats a clever scheme",
        "A password manager lets every account have a long, random, unique password.",
        "If one site leaks, the others are untouched. Clever schemes such as the site name "
        "plus a fixed word are easy for attackers to guess once one password is known.",
        "Protect the manager itself with a long passphrase and turn on two-factor sign-in.",
    ),
    _doc(
        H,
        "ggggg",
        "What to do in the first minute of a kitchen fire",
        "If oil in a pan catches fire, turn off the heat and slide a lid over the pan.",
        "Never pour water on burning oil: it flashes to steam and throws the fire outwards.",
        "If the fire is bigger than the pan, leave the room, close the door and call the "
        "emergency number.",
    ),
    _doc(
        H,
        "gggng",
        "How compound interest works, in one example",
        "Put 100 into an account paying 5% a year. After one year you have 105.",
        "In the second year you earn 5% of 105, not of 100, so you end with 110.25.",
        "The growth speeds up because interest is paid on earlier interest. The same rule "
        "makes unpaid credit card debt grow quickly.",
    ),
    _doc(
        H,
        "ggggng",
        "Honest answer: can I learn a language in a month?",
        "In a month of daily practice you can learn greetings, numbers, a few hundred words "
        "and simple sentences. That is a real start, not fluency.",
        "Most adults need hundreds of hours to hold a relaxed conversation. Short daily "
        "sessions beat rare long ones, and speaking early helps more than perfect grammar.",
    ),
    _doc(
        H,
        "gggg",
        "Checking a news story before sharing it",
        "Before sharing a surprising story, look for the same facts from two independent "
        "outlets. Check the date: old stories often circulate as new.",
        "Read past the headline, and be most careful with stories that make you angry, "
        "because that is when people share without checking.",
    ),
    _doc(
        H,
        "gggnggg",
        "Why we see lightning before we hear thunder",
        "Light travels about a million times faster than sound. Sound covers roughly one "
        "kilometre every three seconds.",
        "Count the seconds between the flash and the thunder and divide by three for a rough "
        "distance in kilometres. If you hear thunder at all, you are close enough to be struck: "
        "go indoors.",
    ),
    _doc(
        H,
        "gggg",
        "Lifting heavy boxes without hurting your back",
        "Stand close to the box with your feet apart. Bend your knees, keep your back straight "
        "and hold the load close to your body.",
        "Lift with your legs and turn with your feet rather than twisting your spine. If a box "
        "is too heavy to lift smoothly, get help or split the load.",
    ),
    _doc(
        H,
        "ggngg",
        "What a variable is, for someone new to programming",
        "A variable is a name that refers to a value, like a label on a jar.",
        "In `total = 3 + 4` the name `total` now refers to 7. Later you can write "
        "`total = total + 1`, and the label moves to the new value, 8.",
        "Good names say what the value means: `price_in_cents` is clearer than `p`.",
    ),
    _doc(
        H,
        "gggggg",
        "Recognising a phishing message",
        "Phishing messages try to rush you: an account about to close, a parcel held, a prize "
        "to claim today.",
        "Do not use the link in the message. Open the company's site or app the way you "
        "normally would and check there. Real banks never ask for your full password or a "
        "one-time code by message or phone.",
    ),
    _doc(
        H,
        "gggng",
        "How to give feedback that people can use",
        "Describe what you saw, its effect, and what you would like instead: "
        "'The report arrived after the meeting, so we decided without it. Could it come a day "
        "earlier next time?'",
        "Talk about the work, not the person, and give feedback soon, while details are fresh.",
    ),
    _doc(
        H,
        "ggg",
        "Staying safe in hot weather",
        "Drink water regularly, before you feel thirsty. Stay in the shade during the hottest "
        "hours and wear light, loose clothes.",
        "Check on older neighbours. Confusion, a very high body temperature or no sweating "
        "despite the heat can mean heat stroke, which is an emergency.",
    ),
    _doc(
        H,
        "ggggn",
        "What the median tells you that the average does not",
        "The median is the middle value once numbers are sorted. The average adds them all and "
        "divides by how many there are.",
        "If nine people earn 30,000 and one earns 3,000,000, the average is 327,000, which "
        "describes nobody. The median, 30,000, describes the typical person.",
    ),
    _doc(
        H,
        "gnggg",
        "Honest answer: is it safe to charge my phone overnight?",
        "Yes, for modern phones. They stop charging when full, and many slow down near 100% "
        "to protect the battery.",
        "Use a reputable charger, keep the phone off soft bedding where heat cannot escape, "
        "and replace cables that are frayed or get hot.",
    ),
    _doc(
        H,
        "gggggn",
        "Backing up files with the 3-2-1 rule",
        "Keep three copies of anything important, on two different kinds of storage, with one "
        "copy somewhere else, such as a cloud service or a drive at a relative's home.",
        "Test a restore now and then: a backup you have never restored is a hope, not a plan.",
    ),
    _doc(
        H,
        "ggg",
        "Why vaccines are tested in phases",
        "New vaccines are tested first in a small group for safety, then in hundreds of people "
        "for dose and response, then in thousands to measure protection against a placebo.",
        "Monitoring continues after approval, so rare side effects that no trial is large enough "
        "to see can still be found and studied.",
    ),
    _doc(
        H,
        "ggnggg",
        "Apologising well",
        "A good apology names what you did, acknowledges its effect, and says what you will do "
        "differently. 'I am sorry I missed your call; I know you were waiting. I will call "
        "tonight at eight.'",
        "Leave out 'but' and 'if you were offended': they turn an apology into an excuse.",
    ),
    _doc(
        H,
        "gggg",
        "Crossing a road with small children",
        "Hold hands, stop at the kerb, and look and listen both ways before crossing.",
        "Cross where drivers can see you, not between parked cars. Explain what you are doing "
        "each time: children learn road sense by hearing the steps out loud many times.",
    ),
    _doc(
        H,
        "gg",
        "How to read a nutrition label",
        "Start with the serving size: every number below it is per serving, and a packet often "
        "holds more than one.",
        "Compare products per 100 grams instead. Ingredients are listed by weight, largest "
        "first, so sugar near the top means a lot of sugar.",
    ),
    _doc(
        H,
        "gggng",
        "What a software update actually fixes",
        "Updates often close security holes that attackers already know about. Delaying them "
        "leaves a door open that has been described in public.",
        "Turn on automatic updates for the system and your browser, and restart when asked: "
        "many fixes only take effect after a restart.",
    ),
    _doc(
        H,
        "",
        "Saying no to extra work politely",
        "You can decline without a long excuse: 'Thank you for thinking of me. I can't take "
        "this on and do it well right now.'",
        "If you want to help a little, offer something specific and limited, such as reviewing "
        "a draft on Friday.",
    ),
    # Neutral: recipes, descriptions, plain facts.
    _doc(
        N,
        "nnnnng",
        "Simple tomato soup",
        "Soften a chopped onion in olive oil for ten minutes. Add two tins of tomatoes, a cup of "
        "stock and a pinch of sugar.",
        "Simmer for twenty minutes, blend until smooth and season with salt and pepper. Serves "
        "four.",
    ),
    _doc(
        N,
        "nngnn",
        "The water cycle",
        "Water evaporates from oceans, lakes and plants, rises as vapour and cools into clouds. "
        "It falls back as rain or snow, flows through rivers and soil, and returns to the sea.",
    ),
    _doc(
        N,
        "nnnn",
        "A description of a city park in autumn",
        "The paths are covered in yellow leaves. A few runners pass the pond, where ducks gather "
        "near the bench by the old boathouse.",
        "By five o'clock the lamps come on and the park empties, except for a man walking two "
        "grey dogs.",
    ),
    _doc(
        N,
        "nnnnn",
        "Facts about the Moon",
        "The Moon is about 384,000 kilometres from Earth and about a quarter of Earth's "
        "diameter. The same side always faces us because its rotation matches its orbit.",
        "Its gravity drives most of the ocean tides.",
    ),
    _doc(
        N,
        "nngn",
        "Overnight oats",
        "Mix half a cup of rolled oats with half a cup of milk and a spoonful of yoghurt in a "
        "jar. Add a pinch of cinnamon, close the lid and refrigerate overnight.",
        "In the morning, top with fruit or nuts.",
    ),
    _doc(
        N,
        "nnnnnn",
        "How a bicycle gear system is laid out",
        "Most bicycles have one to three chainrings at the pedals and a cassette of cogs on the "
        "rear wheel. A derailleur moves the chain between them.",
        "A small chainring with a large rear cog makes pedalling easy; the opposite makes each "
        "turn of the pedals go further.",
    ),
    _doc(
        N,
        "nnn",
        "Minutes of a residents' meeting",
        "Twelve residents attended. The group agreed to repaint the bike shed in spring and to "
        "ask the council about a second recycling bin.",
        "The next meeting is on the first Tuesday of next month in the community room.",
    ),
    _doc(
        N,
        "nnnng",
        "The rules of noughts and crosses",
        "Two players take turns marking a square on a three by three grid, one with X and one "
        "with O. The first to complete a row, column or diagonal wins.",
        "If all nine squares fill with no line, the game is a draw. With careful play by both "
        "sides, every game is a draw.",
    ),
    _doc(
        N,
        "nnnn",
        "Basic lentil dal",
        "Rinse a cup of red lentils and simmer in three cups of water with turmeric until soft, "
        "about twenty minutes.",
        "Fry cumin seeds, garlic and a chopped onion in oil, stir them into the lentils and salt "
        "to taste.",
    ),
    _doc(
        N,
        "nnunn",
        "A product description: canvas tote bag",
        "A plain cotton canvas tote bag, 38 by 42 centimetres, with two shoulder handles and an "
        "inner pocket. Machine washable at 30 degrees. Available in natural, navy and olive.",
    ),
    _doc(
        N,
        "nnnnn",
        "What a leap year is",
        "A leap year has 366 days, with 29 February added. Years divisible by four are leap "
        "years, except century years, which must also be divisible by 400.",
        "So 2000 was a leap year and 1900 was not.",
    ),
    _doc(
        N,
        "nn",
        "Train timetable notice",
        "From Monday, the 07:42 service will leave three minutes earlier, at 07:39. All other "
        "morning departures are unchanged.",
        "Weekend services keep their current times.",
    ),
    _doc(
        N,
        "nnng",
        "Banana bread",
        "Mash three ripe bananas. Stir in 75 grams of melted butter, 150 grams of sugar, an egg "
        "and a teaspoon of baking soda, then fold in 190 grams of flour.",
        "Bake in a lined loaf tin at 175 degrees for about an hour, until a skewer comes out "
        "clean.",
    ),
    _doc(
        N,
        "nnnnn",
        "How honeybees communicate",
        "A foraging honeybee that finds food performs a waggle dance on the comb. The angle of "
        "the dance shows the direction of the food relative to the sun, and its length shows "
        "the distance.",
    ),
    _doc(
        N,
        "nngnn",
        "A short description of a rainy morning",
        "Rain taps on the window. The street below is grey, and the bus stop shelter is full of "
        "people holding coffee cups and folded umbrellas.",
    ),
    _doc(
        N,
        "nnnn",
        "Parts of a flower",
        "Petals attract pollinators. The stamens make pollen, and the pistil, at the centre, "
        "receives it. After pollination the ovary at the base of the pistil can grow into a "
        "fruit holding seeds.",
    ),
    _doc(
        N,
        "nnn",
        "Library opening hours",
        "The library is open Monday to Friday from 9:00 to 19:00 and on Saturday from 10:00 to "
        "16:00. It is closed on Sundays and public holidays. Returns can be left in the box by "
        "the door at any time.",
    ),
    _doc(
        N,
        "nnnnu",
        "How paper is made",
        "Wood is chipped and cooked into pulp, which is washed, sometimes bleached, and spread "
        "thinly on a moving mesh. Water drains away, rollers press the sheet, and heated "
        "cylinders dry it.",
    ),
    _doc(
        N,
        "",
        "Cucumber salad",
        "Slice a cucumber thinly, salt it lightly and leave it for ten minutes. Drain, then "
        "dress with a spoonful of vinegar, a little sugar and chopped dill.",
    ),
    _doc(
        N,
        "n",
        "What a time zone is",
        "Time zones divide the world into regions that keep the same clock time, mostly in "
        "steps of one hour from Coordinated Universal Time. Their borders often follow national "
        "or regional boundaries rather than straight lines.",
    ),
    # Unhelpful but within the policy: sloppy, rude, misleading-but-harmless, wrong.
    _doc(
        U,
        "uuuuu",
        "Re: how do I centre a div",
        "just google it lol. people ask this every day, it's not hard",
    ),
    _doc(
        U,
        "uuuun",
        "The Great Wall of China is visible from the Moon",
        "Everyone knows the Great Wall of China is the only man-made object you can see from "
        "the Moon with the naked eye. Astronauts confirm it all the time.",
    ),
    _doc(
        U,
        "uuuuuu",
        "My study tip",
        "Don't bother revising. If you didn't get it in class you never will. Just wing the "
        "exam, it's all luck anyway.",
    ),
    _doc(
        U,
        "uunuu",
        "Goldfish memory fact",
        "Goldfish only remember things for three seconds, which is why they never get bored in "
        "a bowl. Scientists proved this ages ago.",
    ),
    _doc(
        U,
        "uuuu",
        "Answer to: what is a good first programming language?",
        "Whatever. They're all the same, pick one. Why do people overthink this.",
    ),
    _doc(
        U,
        "uuunu",
        "Lightning never strikes the same place twice",
        "You can shelter under a tree that was struck before, because lightning never strikes "
        "the same place twice. It's basic physics.",
    ),
    _doc(
        U,
        "uuuuu",
        "Product review: kettle",
        "bad. 1 star. didnt read the manual but it doesnt work how i want",
    ),
    _doc(
        U,
        "ununu",
        "How to save money",
        "Easy: just stop buying things. If you're broke it's your own fault for spending. "
        "That's literally all there is to it.",
    ),
    _doc(
        U,
        "uuuu",
        "Napoleon was tiny",
        "Napoleon was famously only about five feet tall, which is why he was so aggressive. "
        "Short people always try to compensate.",
    ),
    _doc(
        U,
        "uuuuun",
        "Re: my code throws an error, can someone help?",
        "Works on my machine. Maybe learn to code before posting.",
    ),
    _doc(
        U,
        "uuguu",
        "Cracking your knuckles",
        "Cracking your knuckles definitely gives you arthritis. My uncle did it and now his "
        "hands hurt, so that proves it.",
    ),
    _doc(
        U,
        "uuuu",
        "Recipe: pasta",
        "boil pasta. add stuff. done. dont know why people write whole blogs about this",
    ),
    _doc(
        U,
        "nuuuu",
        "Humans only use ten percent of their brains",
        "Humans only use ten percent of their brains. Imagine what we could do if we unlocked "
        "the other ninety percent with the right training.",
    ),
    _doc(
        U,
        "uuuuu",
        "Advice for a job interview",
        "Just be yourself and don't prepare, interviewers can tell when you've practised and "
        "they hate it. Turn up a bit late so you look busy.",
    ),
    _doc(
        U,
        "uuun",
        "Bulls hate the colour red",
        "Bulls go mad when they see red, that's why matadors use red capes. Any other colour "
        "and the bull would just ignore you.",
    ),
    _doc(
        U,
        "uuuuuu",
        "Re: is this a good essay?",
        "Too long, didn't read. Probably fine, or probably not, who cares.",
    ),
    _doc(
        U,
        "ugunu",
        "Sugar and hyperactive children",
        "Sugar makes all kids hyperactive within minutes, so never give them cake at a party. "
        "Every parent has seen it, no need for studies.",
    ),
    _doc(
        U,
        "uu",
        "Explaining the internet",
        "The internet is basically one big computer in America that everyone connects to. "
        "That's why it goes slow in the evening when Americans are online.",
    ),
    _doc(
        U,
        "uuuu",
        "Fixing a slow laptop",
        "Slow laptop? Just buy a new one, they're cheap. Trying to fix old stuff is a waste of "
        "time.",
    ),
    _doc(
        U,
        "",
        "Seasons explained",
        "We have summer because the Earth is closer to the Sun then, and winter because it is "
        "further away. Simple.",
    ),
)
"""Sixty documents: twenty helpful, twenty neutral, twenty unhelpful."""
