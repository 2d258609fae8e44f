#!/usr/bin/env bash
# Smoke test of the container images without a Docker engine or `podman run`:
#   1. a Debian bookworm base image made with debootstrap (kept; --rebuild makes it again),
#   2. every image built from deploy/Dockerfile with podman (buildah, chroot isolation),
#   3. each image started as its config says (user, env, workdir, command) in a chroot of its
#      filesystem on a free port: GET /health must answer 200 and it must listen on 0.0.0.0,
#   4. the orchestrator image, pointed at the service images, answers one POST /query,
#   5. every process gets SIGTERM and must exit within 10 s (Cloud Run's grace period).
# Run as root: `make smoke` or `bash deploy/smoke.sh [--rebuild]`.
# --rebuild: debootstrap the base again. Images are kept (localhost/mcp-<name>:dev).
set -euo pipefail
cd "$(dirname "$0")/.."

# The images, one line each: name, uv workspace package, module run by `python -m`, settings prefix
# (the build args of deploy/Dockerfile). Adding a service is one line here: the Dockerfile finds its
# pyproject itself. Every image but the orchestrator's is a service the orchestrator is pointed at.
IMAGES=(
    "orchestrator     mcp-orchestrator          orchestrator             ORCH_"
    "chargebee        chargebee-service         chargebee_service        CHARGEBEE_"
    "hubspot          hubspot-service           hubspot_service          HUBSPOT_"
    "menu             menu-service              menu_service             MENU_"
    "customer_profile customer-profile-service  customer_profile_service CUSTOMER_PROFILE_"
    "order            order-service             order_service            ORDER_"
    "tracking         tracking-service          tracking_service         TRACKING_"
    "recommendations  recommendations-service   recommendations_service  RECOMMENDATIONS_"
    "firebase         firebase-service          firebase_service         FIREBASE_"
)
BASE_IMAGE=localhost/bookworm-base:latest
MIRROR=${MIRROR:-http://deb.debian.org/debian}
TAG=${TAG:-dev}
LOG_DIR=var/smoke
STOP_LIMIT_S=10

rebuild_base=0
for arg in "$@"; do
    case "$arg" in
        --rebuild) rebuild_base=1 ;;
        -h | --help) sed -n '2,10p' "$0"; exit 0 ;;
        *) echo "unknown argument: $arg" >&2; exit 2 ;;
    esac
done

started=$(date +%s)
step() { printf '\n==> [%3ss] %s\n' "$(($(date +%s) - started))" "$*"; }
info() { printf '    %s\n' "$*"; }
fail() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }
image_ref() { echo "localhost/mcp-$1:${TAG}"; }  # as in deploy/compose.yml and Cloud Run

[ "$(id -u)" -eq 0 ] || fail "run as root (debootstrap, chroot and podman mount need it)"
mkdir -p "$LOG_DIR"

# ------------------------------------------------------------------------------ tools
step "tools"
missing=()
for tool in podman:podman debootstrap:debootstrap curl:curl python3:python3 ss:iproute2; do
    command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
    info "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
info "$(podman --version), debootstrap $(dpkg-query -W -f='${Version}' debootstrap 2>/dev/null || echo '?')"

# ------------------------------------------------------------------------------ cleanup
declare -A pid_of=() url_of=()  # running processes and their URLs, by name
containers=()  # podman containers whose filesystems are mounted
roots=()       # their mount points (proc and dev mounted inside)
cleanup() {
    local rc=$?
    for pid in "${pid_of[@]}"; do { kill -KILL "$pid" && wait "$pid"; } 2>/dev/null || true; done
    for root in "${roots[@]}"; do
        for sub in dev proc; do mountpoint -q "$root/$sub" && umount -l "$root/$sub"; done
    done
    for ctr in "${containers[@]}"; do
        podman umount "$ctr" >/dev/null 2>&1 || true
        podman rm -f "$ctr" >/dev/null 2>&1 || true
    done
    [ -n "${rootfs:-}" ] && rm -rf "$rootfs"
    printf '\n%s in %ss\n' "$([ "$rc" -eq 0 ] && echo "smoke test passed" || echo "smoke test failed")" \
        "$(($(date +%s) - started))"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------------------ base image
step "base image $BASE_IMAGE"
if [ "$rebuild_base" -eq 0 ] && podman image exists "$BASE_IMAGE"; then
    info "exists (--rebuild to make it again)"
else
    t0=$(date +%s)
    rootfs=$(mktemp -d /var/tmp/bookworm-rootfs.XXXXXX)
    info "debootstrap bookworm (minbase + python3) from $MIRROR into $rootfs"
    debootstrap --variant=minbase --include=python3,python3-pip,ca-certificates \
        bookworm "$rootfs" "$MIRROR" >"$LOG_DIR/debootstrap.log" 2>&1 \
        || { tail -20 "$LOG_DIR/debootstrap.log"; fail "debootstrap (log: $LOG_DIR/debootstrap.log)"; }
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*.log
    tar -C "$rootfs" -c . | podman import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' --change 'CMD ["/bin/bash"]' \
        - "$BASE_IMAGE" >>"$LOG_DIR/debootstrap.log" 2>&1
    rm -rf "$rootfs"
    rootfs=""
    info "imported in $(($(date +%s) - t0))s"
fi

# ------------------------------------------------------------------------------ build
# Only for builds, and only where the host trusts extra CAs (a TLS-inspecting proxy): the host's CA
# bundle is bind-mounted over the base's during RUN steps; it is not part of any layer.
build_opts=()
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    build_opts+=(--volume /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro)
    info "builds use the host's CA bundle (extra CAs in /usr/local/share/ca-certificates)"
fi

# build LINE: one image from its line of IMAGES (log: $LOG_DIR/build-<name>.log, duration: .seconds).
build() {
    local name package module prefix t0=$SECONDS rc=0
    read -r name package module prefix <<<"$1"
    podman build --isolation chroot --layers "${build_opts[@]}" \
        --build-arg BASE="$BASE_IMAGE" --build-arg SERVICE="$name" --build-arg PACKAGE="$package" \
        --build-arg MODULE="$module" --build-arg ENV_PREFIX="$prefix" \
        -f deploy/Dockerfile -t "$(image_ref "$name")" . >"$LOG_DIR/build-$name.log" 2>&1 || rc=$?
    echo $((SECONDS - t0)) >"$LOG_DIR/build-$name.seconds"
    return $rc
}
built() {  # built NAME STATUS: a progress line, or the end of the log and exit when the build failed
    local ref venv
    ref=$(image_ref "$1")
    [ "$2" -eq 0 ] || { tail -30 "$LOG_DIR/build-$1.log"; fail "build of $ref (log: $LOG_DIR/build-$1.log)"; }
    # The last two COPY layers, newest first: the workspace's code, then the dependencies.
    venv=$(podman history --format '{{.Size}}|{{.CreatedBy}}' "$ref" \
        | awk -F'|' '/ COPY / { size[++n] = $1 } END { printf "venv: dependencies %s + code %s", size[2], size[1] }')
    info "$(printf '%-40s built in %3ss  %6s  %s' "$ref" "$(cat "$LOG_DIR/build-$1.seconds")" \
        "$(podman image inspect --format '{{.Size}}' "$ref" | awk '{printf "%.0f MB", $1/1e6}')" "$venv")"
}

# One after the other: the first makes the layers they all share (uv, the workspace manifests);
# parallel builds were no faster here (buildah hashes each venv to check its cache).
step "build ${#IMAGES[@]} images (podman build --isolation chroot, logs in $LOG_DIR/build-*.log)"
for line in "${IMAGES[@]}"; do
    rc=0
    build "$line" || rc=$?
    built "${line%% *}" $rc
done

# ------------------------------------------------------------------------------ run in a chroot
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The image's config as lines "user U", "workdir W", "env K=V", "arg A" (Entrypoint then Cmd).
image_config() {
    podman image inspect "$1" | python3 -c '
import json, sys
c = json.load(sys.stdin)[0]["Config"]
print("user", c.get("User") or "0:0")
print("workdir", c.get("WorkingDir") or "/")
for e in c.get("Env") or []:
    print("env", e)
for a in (c.get("Entrypoint") or []) + (c.get("Cmd") or []):
    print("arg", a)
'
}

# start NAME REF PORT [VAR=VALUE...]: runs the image's command as its user, from its workdir, with
# its environment plus PORT and the extra variables, in a chroot of a new container's filesystem
# (writable, as under `podman run`; /proc and /dev mounted). Records the process and its URL.
start() {
    local name=$1 ref=$2 port=$3
    shift 3
    local ctr root key value user="0:0" workdir=/ uid gid
    local -a envs=() argv=()
    ctr=$(podman create --name "smoke-$name-$$" "$ref")
    containers+=("$ctr")
    root=$(podman mount "$ctr")
    roots+=("$root")
    mount -t proc proc "$root/proc"
    mount --bind /dev "$root/dev"
    while IFS=' ' read -r key value; do
        case "$key" in
            user) user=$value ;;
            workdir) workdir=$value ;;
            env) envs+=("$value") ;;
            arg) argv+=("$value") ;;
        esac
    done < <(image_config "$ref")
    uid=${user%%:*}
    gid=${user#*:}
    [ "$gid" = "$user" ] && gid=$uid
    [[ "$uid" =~ ^[0-9]+$ ]] || uid=$(awk -F: -v u="$uid" '$1 == u {print $3}' "$root/etc/passwd")
    [[ "$gid" =~ ^[0-9]+$ ]] || gid=$(awk -F: -v g="$gid" '$1 == g {print $3}' "$root/etc/group")
    # chroot and env exec in turn, so $! is the image's process itself (PID 1 in a container).
    chroot --userspec="$uid:$gid" --groups="$gid" "$root" \
        /usr/bin/env -i -C "$workdir" "${envs[@]}" PORT="$port" "$@" "${argv[@]}" \
        >"$LOG_DIR/run-$name.log" 2>&1 &
    pid_of[$name]=$!
    url_of[$name]="http://127.0.0.1:$port"
}

# wait_healthy NAME: GET /health answers 200 within 60 s, the process runs unprivileged and listens
# on every interface (its <PREFIX>HOST=0.0.0.0 from the image took effect).
wait_healthy() {
    local name=$1 pid=${pid_of[$1]} url=${url_of[$1]} deadline=$((SECONDS + 60)) t0=$SECONDS
    until curl -fsS -o /dev/null --max-time 2 "$url/health" 2>/dev/null; do
        kill -0 "$pid" 2>/dev/null || { tail -20 "$LOG_DIR/run-$name.log"; fail "$name exited during start-up"; }
        [ $SECONDS -lt $deadline ] || { tail -20 "$LOG_DIR/run-$name.log"; fail "$name not healthy in 60s"; }
        sleep 0.2
    done
    local uid port=${url##*:} listen
    uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")
    [ "$uid" != 0 ] || fail "$name runs as root"
    listen=$(ss -Hltn "sport = :$port" | awk '{print $4}' | head -1)
    [ "$listen" = "0.0.0.0:$port" ] || fail "$name listens on $listen, not 0.0.0.0:$port"
    info "$(printf '%-17s pid %-7s uid %-6s %-14s GET /health 200 after %ss' \
        "$name" "$pid" "$uid" "$listen" "$((SECONDS - t0))")"
}

# stop NAME: SIGTERM, then it must exit within the limit, after a graceful shutdown (uvicorn logs it,
# then re-raises the signal: exit status 143).
stop() {
    local name=$1 pid=${pid_of[$1]} t0 ms rc=0
    t0=$(date +%s%N)
    kill -TERM "$pid"
    while kill -0 "$pid" 2>/dev/null; do
        [ $((($(date +%s%N) - t0) / 1000000)) -lt $((STOP_LIMIT_S * 1000)) ] \
            || fail "$name still running ${STOP_LIMIT_S}s after SIGTERM"
        sleep 0.05
    done
    wait "$pid" || rc=$?
    ms=$((($(date +%s%N) - t0) / 1000000))
    unset "pid_of[$name]"
    grep -q "Application shutdown complete" "$LOG_DIR/run-$name.log" \
        || { tail -5 "$LOG_DIR/run-$name.log"; fail "$name did not shut down gracefully"; }
    info "$(printf '%-17s shut down gracefully, exit status %s, %s ms after SIGTERM' "$name" "$rc" "$ms")"
}

step "start each service image (chroot of its filesystem, logs in $LOG_DIR/run-*.log)"
services=()
for line in "${IMAGES[@]}"; do
    [ "${line%% *}" = orchestrator ] || services+=("${line%% *}")
done
for name in "${services[@]}"; do start "$name" "$(image_ref "$name")" "$(free_port)"; done
services_json="{"
for name in "${services[@]}"; do
    wait_healthy "$name"
    services_json+="\"$name\": \"${url_of[$name]}\", "
done
services_json="${services_json%, }}"

step "start the orchestrator image on them and ask it one question"
# Development mode (the image listens on 0.0.0.0; this run is on this machine only).
start orchestrator "$(image_ref orchestrator)" "$(free_port)" ORCH_SERVICES="$services_json" ORCH_ALLOW_DEVELOPMENT_MODE=true
wait_healthy orchestrator
health=$(curl -fsS "${url_of[orchestrator]}/health")
summary=$(python3 -c '
import json, sys
h = json.loads(sys.argv[1])
print(h["status"] + ",", h["tools"], "tools,", ", ".join(n + " " + s["status"] for n, s in h["services"].items()))
' "$health")
info "GET /health: $summary"
[[ "$summary" == ok,* ]] || fail "the orchestrator is not healthy: $health"
answer=$(curl -fsS --max-time 30 -X POST "${url_of[orchestrator]}/query" -H 'content-type: application/json' \
    -d '{"query": "what plan am I on?", "email": "ada@example.com"}')
info "POST /query \"what plan am I on?\" → $(python3 -c 'import json, sys; print(json.loads(sys.argv[1]).get("answer"))' "$answer")"
grep -q 'pro-monthly' <<<"$answer" || fail "the answer does not mention pro-monthly: $answer"

step "SIGTERM each process (limit ${STOP_LIMIT_S}s)"
stop orchestrator
for name in "${services[@]}"; do stop "$name"; done

step "images"
podman images --filter reference='localhost/mcp-*' --filter reference="$BASE_IMAGE" \
    --format '{{.Repository}}:{{.Tag}} {{.Size}}' | sort | while read -r ref size; do info "$(printf '%-44s %s' "$ref" "$size")"; done
