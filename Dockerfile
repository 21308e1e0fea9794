# OllamaSpace for a Hugging Face Docker Space: Ollama's official image, the gateway compiled to one
# binary, start.sh to run both, and the model already inside so the Space wakes up without a
# download. Hugging Face runs the container as uid 1000; so does this image.
#
#   docker build -t ollamaspace .                  (--build-arg OLLAMA_MODEL=llama3.2:1b for another)
#   docker run --rm -p 7860:7860 -e OLLAMA_API_KEY="$(openssl rand -base64 32)" ollamaspace

# 1. The gateway, compiled by the `compile` task of deno.json (`deno compile` downloads Deno's
#    runtime, so this stage needs the internet). It builds for the platform it runs on: x86-64,
#    or aarch64 with `docker build --platform linux/arm64`.
FROM denoland/deno:2.9.6 AS build
WORKDIR /app
COPY . .
RUN deno task compile

# 2. The model, pulled once. Nothing here depends on the code, so Docker's cache keeps this layer
#    (gigabytes) when only the code changes. `ollama pull` needs a running server in the same step;
#    `ollama list` succeeds once it answers. `ollama pull` redraws its progress bar with terminal
#    escapes ten times a second, even into a log: it goes to a file, and the log gets the last
#    state of each stage (or the error) once the pull has ended (each redraw starts at column 1,
#    ESC[1G: a new line there, the other escapes dropped, the last line of each stage kept).
FROM ollama/ollama:0.32.15 AS model
ARG OLLAMA_MODEL=qwen3:4b
ENV OLLAMA_MODELS=/models OLLAMA_HOST=127.0.0.1:11434
RUN ollama serve & server=$!; \
    for _ in $(seq 60); do ollama list >/dev/null 2>&1 && break; sleep 1; done; \
    echo "Pulling $OLLAMA_MODEL (the outcome of each stage follows once it is done)"; \
    ollama pull "$OLLAMA_MODEL" 2>/tmp/pull.log; pulled=$?; \
    sed 's/\x1b\[1G/\n/g; s/\x1b\[[0-9;?]*[A-Za-z]//g' /tmp/pull.log | \
      tac | awk 'NF && !seen[$1 FS $2]++' | tac; \
    kill "$server"; exit "$pulled"

# 3. The Space. Ollama 0.32.15 (2026-08-19) is the newest stable release: 0.33.0 is still in release
#    candidates. Since 0.12.6 it accepts thinking levels for every thinking model; tests/ship
#    checks that the fake Ollama imitates the version pinned here.
FROM ollama/ollama:0.32.15
ARG OLLAMA_MODEL=qwen3:4b
# uid 1000 needs a writable HOME: `ollama serve` keeps its key pair in $HOME/.ollama, and the models
# directory must be writable to pull another model at start. Ollama listens on loopback only: the
# gateway, which asks for the API key, is the one way in. TRUST_PROXY is start.sh's to choose: on
# a Space, Hugging Face's proxy appends the client to X-Forwarded-For (1 proxy); under a plain
# `docker run -p` nobody does, and the header would be the client's own choice (0).
ENV HOME=/home/ubuntu \
    OLLAMA_MODELS=/home/ubuntu/.ollama/models \
    OLLAMA_HOST=127.0.0.1:11434 \
    OLLAMA_MODEL=${OLLAMA_MODEL} \
    PORT=7860
RUN install -d -o 1000 -g 1000 "$HOME" "$HOME/.ollama" "$OLLAMA_MODELS"
COPY --from=model --chown=1000:1000 /models ${OLLAMA_MODELS}
COPY --from=build /app/dist/ollamaspace /app/ollamaspace
COPY --chmod=0755 start.sh /app/start.sh
USER 1000:1000
EXPOSE 7860
HEALTHCHECK --interval=30s --timeout=10s --start-period=120s --retries=3 \
    CMD ["/app/ollamaspace", "healthcheck"]
# Replaces ollama's own entry point (`ollama serve`): start.sh runs Ollama and the gateway.
ENTRYPOINT ["/app/start.sh"]
