#!/usr/bin/env bash
# Subscribes to a topic with kcat, an independent Kafka client (not kafkajs), and writes what it reads:
#   OUT            the message values, one CloudEvents envelope (JSON) per line
#   OUT.meta.tsv   partition, offset, key and headers of each message (tab-separated, same order)
# Installs kcat from Debian's packages when it is missing.
#
# usage: scripts/subscribe-kcat.sh [-b BROKERS] [-w WAIT_SECONDS] [--validate] TOPIC COUNT OUT
#   -b  brokers (default: $KAFKA_BROKERS or 127.0.0.1:9092)
#   -w  keep re-reading for up to this many seconds until COUNT messages are there (default 30)
#   --validate  then check every envelope against packages/contracts/generated/schemas (exit 1 on failure)
# Reads from the beginning of every partition; exits 1 when fewer than COUNT messages arrive in time.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
brokers="${KAFKA_BROKERS:-127.0.0.1:9092}"
wait_s=30
validate=0
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    -b) brokers="$2"; shift 2;;
    -w) wait_s="$2"; shift 2;;
    --validate) validate=1; shift;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0;;
    -*) echo "unknown option $1" >&2; exit 2;;
    *) args+=("$1"); shift;;
  esac
done
[ "${#args[@]}" -eq 3 ] || { echo "usage: $0 [-b BROKERS] [-w WAIT_SECONDS] [--validate] TOPIC COUNT OUT" >&2; exit 2; }
topic="${args[0]}" count="${args[1]}" out="${args[2]}"
[[ "$count" =~ ^[1-9][0-9]*$ ]] || { echo "COUNT must be a positive number" >&2; exit 2; }

if ! command -v kcat >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "kcat is missing and installing it needs root (apt-get install kcat)" >&2; exit 1; }
    sudo="sudo"
  fi
  echo "installing kcat from Debian's packages" >&2
  if ! $sudo apt-get install -y -qq kcat >/dev/null 2>&1; then
    $sudo apt-get update -qq >/dev/null
    $sudo apt-get install -y -qq kcat >/dev/null
  fi
fi

tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
deadline=$(( $(date +%s) + wait_s ))
got=0
while :; do
  # -e: stop at the end of every partition; -c: stop after COUNT messages. One line per message:
  # partition, offset, key, headers, then the value (JSON envelopes carry no raw tabs or newlines).
  kcat -C -q -b "$brokers" -t "$topic" -o beginning -e -c "$count" \
    -f '%p\t%o\t%k\t%h\t%s\n' > "$tmp" 2> "$tmp.err" || { cat "$tmp.err" >&2; rm -f "$tmp.err"; exit 1; }
  rm -f "$tmp.err"
  got="$(wc -l < "$tmp")"
  [ "$got" -ge "$count" ] && break
  [ "$(date +%s)" -ge "$deadline" ] && break
  sleep 1
done

cut -f5- "$tmp" > "$out"
cut -f1-4 "$tmp" > "$out.meta.tsv"
echo "read $got of $count message(s) from $topic into $out" >&2
[ "$got" -ge "$count" ] || { echo "expected $count message(s) within ${wait_s}s" >&2; exit 1; }

if [ "$validate" -eq 1 ]; then
  (cd "$ROOT" && node --import tsx packages/cli/src/validate-envelopes.ts) < "$out"
fi
