#!/bin/sh
# Point an overlay at one image, by digest:
#   deploy/set-image.sh staging ghcr.io/org/repo@sha256:<64 hex digits>
# The deploy workflow runs it with the digest of the champion's image; the
# committed overlays hold a placeholder digest and render as they are.
set -eu
usage() { echo "usage: $0 staging|production IMAGE@sha256:DIGEST" >&2; exit 2; }
[ $# -eq 2 ] || usage
overlay="$(dirname "$0")/overlays/$1"
[ -f "$overlay/kustomization.yaml" ] || { echo "no overlay '$1': use staging or production" >&2; exit 2; }
name="${2%@*}"
digest="${2##*@}"
case "$2" in *@sha256:*) ;; *) echo "'$2' names no digest: use IMAGE@sha256:<64 hex digits>" >&2; exit 2 ;; esac
hex="${digest#sha256:}"
if [ "${#hex}" -ne 64 ] || [ -n "$(printf '%s' "$hex" | tr -d '0-9a-f')" ] || [ -z "$name" ]; then
  echo "'$2' is not IMAGE@sha256:<64 hex digits>" >&2
  exit 2
fi
tmp="$overlay/kustomization.yaml.tmp"
sed -e "s|^\(    newName:\).*|\1 $name|" -e "s|^\(    digest:\).*|\1 $digest|" \
  "$overlay/kustomization.yaml" > "$tmp"
mv "$tmp" "$overlay/kustomization.yaml"
echo "$1: $name@$digest"
