# Editor engine: Python packages (requirements/editor*.txt) and espeak-ng, which the Magic Cut
# tests use to generate speech with known pauses; fonts-vlgothic (8 MB) gives burned-in captions
# Japanese glyphs (DejaVu has Arabic but no CJK; fonts-noto-cjk would be 91 MB).
PIP_REQUIREMENTS += requirements/editor.txt
PIP_NODEPS += requirements/editor.nodeps.txt
DEBIAN_PACKAGES += espeak-ng fonts-dejavu-core fonts-vlgothic
