# Voice engines, checks and scoring: Python packages (requirements/voice*.txt), the Debian
# speech synthesisers that make the reference speakers in the tests and bench/voice.py, and
# g++ for building pyworld.
PIP_REQUIREMENTS += requirements/voice.txt
PIP_NODEPS += requirements/voice.nodeps.txt
DEBIAN_PACKAGES += flite espeak-ng g++
