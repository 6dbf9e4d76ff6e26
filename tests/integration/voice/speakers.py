"""Reference speakers for voice tests and the benchmark, made on the spot by Debian's
``flite`` voices and ``espeak-ng`` variants (so no recordings ship with the repo)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

#: name → command that writes ``{out}`` speaking ``{text}``.
SPEAKERS: dict[str, list[str]] = {
    "flite-awb": ["flite", "-voice", "awb", "-t", "{text}", "-o", "{out}"],
    "flite-slt": ["flite", "-voice", "slt", "-t", "{text}", "-o", "{out}"],
    "flite-rms": ["flite", "-voice", "rms", "-t", "{text}", "-o", "{out}"],
    "espeak-f3": ["espeak-ng", "-v", "en-us+f3", "-w", "{out}", "{text}"],
    "espeak-m3": ["espeak-ng", "-v", "en+m3", "-w", "{out}", "{text}"],
}

# Public-domain Harvard sentences (IEEE 1969), none of them in the engine's base corpus.
UPLOAD_SENTENCES = [
    "The small pup gnawed a hole in the sock.",
    "The fish twisted and turned on the bent hook.",
    "Press the pants and sew a button on the vest.",
    "The swan dive was far short of perfect.",
    "The beauty of the view stunned the young boy.",
    "Two blue fish swam in the tank.",
    "Her purse was full of useless trash.",
    "The colt reared and threw the tall rider.",
    "It snowed, rained, and hailed the same morning.",
    "Read verse out loud for pleasure.",
    "Hoist the load to your left shoulder.",
    "Take the winding path to reach the lake.",
    "Note closely the size of the gas tank.",
    "Wipe the grease off his dirty face.",
    "Mend the coat before you go out.",
    "The wrist was badly strained and hung limp.",
    "The stray cat gave birth to kittens.",
    "The young girl gave no clear response.",
    "The meal was cooked before the bell rang.",
    "What joy there is in living.",
    "A king ruled the state in the early days.",
    "The ship was torn apart on the sharp reef.",
    "Sickness kept him home the third week.",
    "The wide road shimmered in the hot sun.",
    "The lazy cow lay in the cool grass.",
    "Lift the square stone over the fence.",
    "The rope will bind the seven books at once.",
    "Hop over the fence and plunge in.",
    "The friendly gang left the drug store.",
    "Mesh wire keeps chicks inside.",
    "The frosty air passed through the coat.",
    "The crooked maze failed to fool the mouse.",
    "Adding fast leads to wrong sums.",
    "The show was a flop from the very start.",
]

EVAL_SENTENCES = [
    "The ripe taste of cheese improves with age.",
    "The wagon moved on smooth wheels.",
    "The doctor cured him with these pills.",
    "A cup of sugar makes sweet fudge.",
    "Place a rose near the porch steps.",
    "Both lost their lives in the raging storm.",
    "We talked of the clowns in the circus.",
    "Use a pencil to write the first draft.",
    "He ran to the corner store.",
    "The clock struck to mark the third period.",
]


def available() -> list[str]:
    """Speakers whose synthesiser is installed (``make deps`` installs both)."""
    return [name for name, cmd in SPEAKERS.items() if shutil.which(cmd[0])]


def speak(name: str, text: str, out: Path) -> Path:
    cmd = [part.format(text=text, out=out) for part in SPEAKERS[name]]
    subprocess.run(cmd, check=True, capture_output=True)
    return out
