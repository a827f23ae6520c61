#!/usr/bin/env bash
# Festival's Italian, Finnish, Czech, Catalan, Russian, Hindi, Marathi and Telugu voices, for `data synth
# --voices foreign` (foreign2, foreign3) and its tests (Debian packages, about 250 MB; the demo does not need them).
set -euo pipefail
packages="festvox-italp16k festvox-itapc16k festvox-suopuhe-lj festvox-suopuhe-mv festvox-ru festvox-czech-dita festvox-czech-ph
          festvox-czech-krb festvox-czech-machac festvox-ca-ona-hts festvox-hi-nsk festvox-mr-nsk festvox-te-nsk"
voices=/usr/share/festival/voices
for voice in italian/lp_diphone italian/pc_diphone finnish/suo_fi_lj_diphone finnish/hy_fi_mv_diphone \
             russian/msu_ru_nsh_clunits czech/czech_dita czech/czech_ph czech/czech_krb czech/czech_machac \
             catalan/upc_ca_ona_hts hindi/hindi_NSK_diphone marathi/marathi_NSK_diphone telugu/telugu_NSK_diphone; do
  if [ ! -d "$voices/$voice" ]; then
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages >/dev/null
      exit 0
    fi
    echo "install festival's foreign voices (sudo apt-get install $packages), then run again" >&2
    exit 1
  fi
done
