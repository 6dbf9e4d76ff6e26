# Editor engine: Python packages (requirements/editor*.txt) and espeak-ng, which the Magic Cut
# tests use to generate speech with known pauses.
PIP_REQUIREMENTS += requirements/editor.txt
PIP_NODEPS += requirements/editor.nodeps.txt
DEBIAN_PACKAGES += espeak-ng fonts-dejavu-core
