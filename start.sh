#!/usr/bin/env bash
# OllamaSpace's container entry point (the Dockerfile's ENTRYPOINT).
#
# Starts `ollama serve` in the background, waits until it answers (the gateway binary checks: the
# image has no curl), pulls OLLAMA_MODEL if it is not installed (through Ollama's API, one progress
# line every few seconds: `ollama pull` redraws a progress bar with terminal escapes, which fills
# a log), then runs the gateway and, beside it, loads the model into memory, so the first visitor
# does not wait for a load. From then on, if Ollama or the gateway stops, the script stops the
# other and exits 1, so the platform restarts the container rather than leave it half up. SIGTERM
# or SIGINT stops both and exits 0.
#
# Ollama does not get OLLAMA_API_KEY: that is the gateway's secret, and newer Ollama reads the
# variable as its own key for ollama.com.
#
# Environment, all optional:
#   OLLAMA_HOST           address Ollama binds to (default 127.0.0.1:11434, reachable only from
#                         inside the container); the gateway's OLLAMA_URL is derived from it
#   OLLAMA_MODEL          model to make sure of (default qwen3:4b); the gateway's default model
#   OLLAMA_KEEP_ALIVE     how long Ollama keeps a model loaded after its last answer (default -1:
#                         for ever, so no visitor waits for a reload; Ollama's own default is 5m)
#   OLLAMA_START_TIMEOUT  seconds to wait for Ollama to answer (default 120)
#   GATEWAY_BIN           the gateway binary (default /app/ollamaspace)
#   PORT                  the gateway's port (default 7860)
#   TRUST_PROXY           proxies in front of the gateway that append to X-Forwarded-For (default:
#                         1 on a Hugging Face Space, which sets SPACE_ID; 0 elsewhere, as under a
#                         plain `docker run -p`, where the header is whatever the client sends)
#
# The soft open-file limit is raised to the hard one: every connection holds a file descriptor.
set -euo pipefail

export OLLAMA_HOST="${OLLAMA_HOST:-127.0.0.1:11434}"
export OLLAMA_MODEL="${OLLAMA_MODEL:-qwen3:4b}"
export OLLAMA_KEEP_ALIVE="${OLLAMA_KEEP_ALIVE:--1}"
export PORT="${PORT:-7860}"
space_proxies=0
if [[ -n "${SPACE_ID:-}" ]]; then space_proxies=1; fi
export TRUST_PROXY="${TRUST_PROXY:-$space_proxies}"
readonly GATEWAY_BIN="${GATEWAY_BIN:-/app/ollamaspace}"
readonly START_TIMEOUT="${OLLAMA_START_TIMEOUT:-120}"

ollama_pid=""
helper_pid=""
gateway_pid=""
preload_pid=""

log() { echo "start.sh: $*"; }

# Where the gateway finds Ollama: OLLAMA_HOST read as Ollama reads it (optional scheme, default
# port 11434), with a bind-everywhere address (0.0.0.0, ::) replaced by the loopback address.
ollama_url() {
  local address="${OLLAMA_HOST#*://}" host port=11434
  address="${address%%/*}"
  if [[ "$address" =~ ^(.*):([0-9]+)$ ]]; then
    host="${BASH_REMATCH[1]}" port="${BASH_REMATCH[2]}"
  else
    host="$address"
  fi
  case "$host" in "" | 0.0.0.0 | "::" | "[::]") host=127.0.0.1 ;; esac
  echo "http://${host}:${port}"
}

# Sends SIGTERM to every process this script started that may still run, and waits for them.
stop_children() {
  local pid
  for pid in "$helper_pid" "$preload_pid" "$gateway_pid" "$ollama_pid"; do
    if [[ -n "$pid" ]]; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  wait || true
}

# Stops everything and exits 1 with a message saying why.
fail() {
  log "$*" >&2
  stop_children
  exit 1
}

# Runs "$@" in the background (so a signal is handled at once, not when it ends) and returns its
# exit status; stops the container if `ollama serve` exits first.
while_ollama_runs() {
  local finished="" status=0
  "$@" &
  helper_pid=$!
  wait -n -p finished "$helper_pid" "$ollama_pid" || status=$?
  if [[ "$finished" == "$ollama_pid" ]]; then
    fail "ollama serve exited (status $status) before OllamaSpace was up"
  fi
  helper_pid=""
  return "$status"
}

# shellcheck disable=SC2317  # called through while_ollama_runs, which shellcheck cannot follow
model_installed() { ollama show "$OLLAMA_MODEL" >/dev/null 2>&1; }

if (($# > 0)); then
  echo "start.sh takes no arguments; it is configured through the environment (see its header)" >&2
  exit 2
fi
trap 'log "stopping Ollama and the gateway"; stop_children; exit 0' TERM INT

OLLAMA_URL="$(ollama_url)"
export OLLAMA_URL
ulimit -n "$(ulimit -Hn)" 2>/dev/null || log "could not raise the open-file limit above $(ulimit -n)"

log "starting Ollama on $OLLAMA_HOST (models stay loaded for OLLAMA_KEEP_ALIVE=$OLLAMA_KEEP_ALIVE)"
env -u OLLAMA_API_KEY ollama serve &
ollama_pid=$!

while_ollama_runs "$GATEWAY_BIN" wait-for-ollama --timeout "$START_TIMEOUT" ||
  fail "Ollama is not answering, so OllamaSpace cannot start; stopping"

if while_ollama_runs model_installed; then
  log "model $OLLAMA_MODEL is installed"
else
  log "model $OLLAMA_MODEL is not installed: pulling it now (progress below; it can take minutes)"
  while_ollama_runs "$GATEWAY_BIN" pull-model "$OLLAMA_MODEL" ||
    fail "could not pull $OLLAMA_MODEL (is the name right? see https://ollama.com/library); stopping"
  log "model $OLLAMA_MODEL is installed"
fi

log "starting the gateway on port $PORT (Ollama at $OLLAMA_URL, TRUST_PROXY=$TRUST_PROXY, open-file limit $(ulimit -n))"
"$GATEWAY_BIN" &
gateway_pid=$!

# Not fatal if it fails: the gateway serves anyway, and each answer then says what Ollama said.
log "loading $OLLAMA_MODEL into memory beside the gateway"
"$GATEWAY_BIN" preload-model "$OLLAMA_MODEL" &
preload_pid=$!

finished=""
status=0
wait -n -p finished "$ollama_pid" "$gateway_pid" || status=$?
if [[ "$finished" == "$ollama_pid" ]]; then stopped="ollama serve"; else stopped="the gateway"; fi
fail "$stopped exited (status $status); stopping the container so that it is restarted"
