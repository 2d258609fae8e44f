#!/usr/bin/env bash
# Deploys the orchestrator and every MCP service to Cloud Run (step by step: docs/deploy.md).
# Idempotent: run it again after any change; what exists is kept, what changed is updated.
#
#   PROJECT=my-project REGION=europe-west1 deploy/cloudrun/deploy.sh [STEP...]
#
# Steps (default: setup build deploy):
#   setup    enable the APIs, create the Artifact Registry repository, one runtime service account
#            per process with its roles, Private Google Access on the subnet, the Firestore
#            database and its TTL policies
#   build    build and push one image per process (Cloud Build, or BUILD=docker with docker/podman)
#   deploy   `gcloud run deploy` each process in list order (a service after the services it
#            calls), then grant roles/run.invoker on it to its callers' service accounts
#   render   write each deploy/cloudrun/<name>.yaml, its placeholders filled, to $OUT_DIR
#   replace  render, then `gcloud run services replace` each (the production shape of the YAMLs:
#            vendor APIs, PostgreSQL and API keys from Secret Manager), with the same IAM grants
#   urls     print each service's URL
#
# Settings (environment variables; only PROJECT and REGION are required):
#   REPOSITORY=mcp              Artifact Registry (Docker) repository in REGION
#   TAG=<git describe>          image tag
#   BUILD=cloudbuild            cloudbuild (`gcloud builds submit`) | docker (local build and push)
#   DOCKER=docker               the local builder for BUILD=docker (docker or podman)
#   BASE=                       base image build argument (empty: the Dockerfile's default)
#   SERVICE_INGRESS=internal    internal | internal-and-cloud-load-balancing | all (the MCP services)
#   VPC_NETWORK=default VPC_SUBNET=default
#                               Direct VPC egress of the callers, needed for internal ingress
#   ORCH_PUBLIC=true            true: anyone may call the orchestrator (--allow-unauthenticated);
#                               false: IAM only (--no-allow-unauthenticated), callers in INVOKERS
#   INVOKERS=                   comma-separated members granted roles/run.invoker on the orchestrator
#                               (e.g. user:you@example.com,group:team@example.com)
#   STATE_BACKEND=firestore     firestore | redis (secret orch-redis-url; Memorystore reached through the VPC)
#   FIRESTORE_LOCATION=$REGION  location of the Firestore database created by setup
#   LLM=vertex:gemma-4-26b-a4b-it-maas    ORCH_LLM (rules: no model)
#   VERTEX_LOCATION=global      ORCH_VERTEX_LOCATION
#   DATABASE=sqlite             sqlite: each food service keeps a SQLite file per instance and runs
#                               at most one instance; postgres: <PREFIX>DATABASE_URL from the secret
#                               <service>-database-url (e.g. menu-database-url)
#   CLOUDSQL_INSTANCE=          Cloud SQL connection name (project:region:instance) mounted at /cloudsql
#   CHARGEBEE_SITE=             set: the real Chargebee API (secret chargebee-api-key); unset: demo data
#   HUBSPOT_BACKEND=demo        hubspot: the real HubSpot API (secret hubspot-access-token)
#   FIREBASE_PROJECT_ID=        set: Firebase Auth and Firestore of that project; unset: demo data
#   ENV_LABEL=cloudrun          the `env` label of every log line
#   TIMEOUT=60                  request timeout of every service, seconds
#   OUT_DIR=var/cloudrun        where render writes (var/ is not tracked by git)
#   DRY_RUN=1                   print the gcloud/docker commands instead of running them
# The secret orch-mcp-api-keys, when it exists, becomes ORCH_MCP_API_KEYS (callers of /mcp).
# The secrets mcp-caller-keys and mcp-caller-key-id (made by setup when missing: one random key) become
# <PREFIX>CALLER_KEYS and <PREFIX>CALLER_KEY_ID of every process (docs/security-services.md).
set -euo pipefail

if [[ "${1:-}" == -h || "${1:-}" == --help ]]; then
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
  exit 0
fi

# One line per process, in start order: a process comes after the services it calls. Columns:
#  1 name (as in devtools/src/mcp_devtools/stack.py; the Cloud Run service is the name with - for _)
#  2 uv workspace package   3 module run by `python -m`   4 settings prefix   5 database: yes | no
#  6 links: SETTING=service,… (the prefix is added: MENU_URL=menu sets ORDER_MENU_URL), * every service, - none
#  7 memory   8 CPUs   9 min instances   10 max instances   11 concurrency (requests per instance)
PROCESSES=(
  "chargebee        chargebee-service        chargebee_service        CHARGEBEE_        no  -                                                                 512Mi 1 0 10 80"
  "hubspot          hubspot-service          hubspot_service          HUBSPOT_          no  -                                                                 512Mi 1 0 10 80"
  "menu             menu-service             menu_service             MENU_             yes -                                                                 512Mi 1 0 10 80"
  "customer_profile customer-profile-service customer_profile_service CUSTOMER_PROFILE_ yes -                                                                 512Mi 1 0 10 80"
  "order            order-service            order_service            ORDER_            yes MENU_URL=menu,CUSTOMER_PROFILE_URL=customer_profile               512Mi 1 0 10 80"
  "tracking         tracking-service         tracking_service         TRACKING_         yes ORDER_URL=order                                                   512Mi 1 0 10 80"
  "recommendations  recommendations-service  recommendations_service  RECOMMENDATIONS_  yes MENU_URL=menu,ORDER_URL=order,CUSTOMER_PROFILE_URL=customer_profile 512Mi 1 0 10 80"
  "firebase         firebase-service         firebase_service         FIREBASE_         no  -                                                                 512Mi 1 0 10 80"
  "orchestrator     mcp-orchestrator         orchestrator             ORCH_             no  *                                                                 1Gi   1 1 20 80"
)

APIS=(run.googleapis.com aiplatform.googleapis.com firestore.googleapis.com secretmanager.googleapis.com
  artifactregistry.googleapis.com cloudbuild.googleapis.com compute.googleapis.com iam.googleapis.com
  logging.googleapis.com cloudtrace.googleapis.com)
# Every runtime service account: write logs and traces.
COMMON_ROLES=(roles/logging.logWriter roles/cloudtrace.agent)
# The orchestrator: Gemma on Vertex AI, Firestore (shared state).
ORCHESTRATOR_ROLES=(roles/aiplatform.user roles/datastore.user)
# Cloud Build's service account: read the uploaded source, push images, write build logs.
BUILD_ROLES=(roles/artifactregistry.writer roles/storage.objectViewer roles/logging.logWriter)
TTL_NAMESPACES=(answer tool generation session plan)  # Firestore collections orch_<namespace> (docs/state.md)
# Every process, as in deploy/cloudrun/<name>.yaml: started once /health/ready answers 200 (what it needs answers),
# restarted when /health/live (no I/O) fails 3 times in a row (docs/deploy.md, probes).
STARTUP_PROBE=httpGet.path=/health/ready,httpGet.port=8080,periodSeconds=2,timeoutSeconds=3,failureThreshold=60
LIVENESS_PROBE=httpGet.path=/health/live,httpGet.port=8080,periodSeconds=10,timeoutSeconds=3,failureThreshold=3

: "${PROJECT:?set PROJECT to the Google Cloud project id}"
: "${REGION:?set REGION to a Cloud Run region, e.g. europe-west1}"
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
REPOSITORY=${REPOSITORY:-mcp}
TAG=${TAG:-$(git -C "$ROOT" describe --always --dirty 2>/dev/null || date -u +%Y%m%d%H%M%S)}
BUILD=${BUILD:-cloudbuild}
DOCKER=${DOCKER:-docker}
BASE=${BASE:-}
SERVICE_INGRESS=${SERVICE_INGRESS:-internal}
VPC_NETWORK=${VPC_NETWORK:-default}
VPC_SUBNET=${VPC_SUBNET:-default}
ORCH_PUBLIC=${ORCH_PUBLIC:-true}
INVOKERS=${INVOKERS:-}
STATE_BACKEND=${STATE_BACKEND:-firestore}
FIRESTORE_LOCATION=${FIRESTORE_LOCATION:-$REGION}
LLM=${LLM:-vertex:gemma-4-26b-a4b-it-maas}
VERTEX_LOCATION=${VERTEX_LOCATION:-global}
DATABASE=${DATABASE:-sqlite}
CLOUDSQL_INSTANCE=${CLOUDSQL_INSTANCE:-}
CHARGEBEE_SITE=${CHARGEBEE_SITE:-}
HUBSPOT_BACKEND=${HUBSPOT_BACKEND:-demo}
FIREBASE_PROJECT_ID=${FIREBASE_PROJECT_ID:-}
ENV_LABEL=${ENV_LABEL:-cloudrun}
TIMEOUT=${TIMEOUT:-60}
OUT_DIR=${OUT_DIR:-$ROOT/var/cloudrun}
DRY_RUN=${DRY_RUN:-}
REGISTRY="$REGION-docker.pkg.dev/$PROJECT/$REPOSITORY"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

log() { if [[ -t 2 ]]; then printf '\033[1m==> %s\033[0m\n' "$*" >&2; else printf '==> %s\n' "$*" >&2; fi; }
die() { printf 'deploy.sh: %s\n' "$*" >&2; exit 1; }

# Runs a command, or prints it with DRY_RUN=1.
run() {
  if [[ -n "$DRY_RUN" ]]; then
    { printf '+'; printf ' %q' "$@"; printf '\n'; } >&2
  else
    "$@"
  fi
}
gc() { run gcloud --project="$PROJECT" --quiet "$@"; }
# gcloud that only reads (describe, list): runs even with DRY_RUN; fails quietly.
gc_read() { gcloud --project="$PROJECT" --quiet "$@" 2>/dev/null; }
# IAM changes right after an account is created can fail until it has propagated.
retry() {
  local attempt
  for attempt in 1 2 3 4 5; do
    "$@" && return 0
    [[ -n "$DRY_RUN" ]] && return 1
    log "retrying in $((attempt * 5))s: $*"
    sleep $((attempt * 5))
  done
  return 1
}

# The fields of one PROCESSES line: `fields "$line"; echo "$F_NAME"`.
fields() {
  read -r F_NAME F_PACKAGE F_MODULE F_PREFIX F_DB F_LINKS F_MEMORY F_CPU F_MIN F_MAX F_CONCURRENCY <<<"$1"
  [[ -n "$F_CONCURRENCY" ]] || die "incomplete PROCESSES line: $1"
}
run_name() { printf '%s' "${1//_/-}"; }                        # Cloud Run service name
sa_email() { printf 'mcp-%s@%s.iam.gserviceaccount.com' "$(run_name "$1")" "$PROJECT"; }
image() { printf '%s/mcp-%s:%s' "$REGISTRY" "$1" "$TAG"; }
placeholder_url() { printf 'https://%s-<hash>-<region>.a.run.app' "$(run_name "$1")"; }
names() { local line; for line in "${PROCESSES[@]}"; do fields "$line"; echo "$F_NAME"; done; }

# The deployed URL of a process (a placeholder with DRY_RUN=1 when it does not exist).
service_url() {
  local url
  url=$(gc_read run services describe "$(run_name "$1")" --region="$REGION" --format='value(status.url)' || true)
  if [[ -z "$url" && -n "$DRY_RUN" ]]; then url=$(placeholder_url "$1"); fi
  [[ -n "$url" ]] || die "$1 is not deployed yet (deploy the services it calls first)"
  printf '%s' "$url"
}

secret_exists() { gc_read secrets describe "$1" --format='value(name)' >/dev/null; }

# Who calls a process: every process whose links name it (the orchestrator, `*`, calls them all).
callers_of() {
  local target=$1 line link
  for line in "${PROCESSES[@]}"; do
    fields "$line"
    [[ "$F_NAME" == "$target" ]] && continue
    if [[ "$F_LINKS" == "*" ]]; then echo "$F_NAME"; continue; fi
    [[ "$F_LINKS" == "-" ]] && continue
    for link in ${F_LINKS//,/ }; do
      [[ "${link#*=}" == "$target" ]] && echo "$F_NAME"
    done
  done
  return 0
}

# ---------------------------------------------------------------- what each process is given

# Plain settings of the process of the current `fields` line, one KEY=VALUE per line.
process_env() {
  local link services="" name url
  echo "${F_PREFIX}ENV=$ENV_LABEL"
  echo "${F_PREFIX}GCP_PROJECT=$PROJECT"
  if [[ "$F_NAME" == orchestrator ]]; then
    for name in $(names); do
      [[ "$name" == orchestrator ]] && continue
      url=$(service_url "$name")
      services+="${services:+, }\"$name\": \"$url\""
    done
    echo "ORCH_SERVICES={$services}"
    echo "ORCH_SERVICE_AUTH=id-token"
    echo 'ORCH_ALLOWED_HOSTS=["*"]'
    echo "ORCH_STATE_BACKEND=$STATE_BACKEND"
    [[ "$STATE_BACKEND" == firestore ]] && echo "ORCH_FIRESTORE_PROJECT=$PROJECT"
    echo "ORCH_LLM=$LLM"
    echo "ORCH_VERTEX_PROJECT=$PROJECT"
    echo "ORCH_VERTEX_LOCATION=$VERTEX_LOCATION"
    return 0
  fi
  echo "${F_PREFIX}ALLOWED_HOSTS=[\"*\"]"
  if [[ "$F_LINKS" != "-" ]]; then
    echo "${F_PREFIX}SERVICE_AUTH=id-token"
    for link in ${F_LINKS//,/ }; do
      url=$(service_url "${link#*=}")
      echo "${F_PREFIX}${link%%=*}=$url"
    done
  fi
  case "$F_NAME" in
    chargebee) [[ -n "$CHARGEBEE_SITE" ]] && printf '%s\n' CHARGEBEE_BACKEND=chargebee "CHARGEBEE_SITE=$CHARGEBEE_SITE" ;;
    hubspot) echo "HUBSPOT_BACKEND=$HUBSPOT_BACKEND" ;;
    firebase) [[ -n "$FIREBASE_PROJECT_ID" ]] && printf '%s\n' FIREBASE_BACKEND=firebase "FIREBASE_PROJECT_ID=$FIREBASE_PROJECT_ID" ;;
  esac
  return 0
}

# Secrets of the process of the current `fields` line, one VARIABLE=secret-name per line.
process_secrets() {
  case "$F_NAME" in
    chargebee) [[ -n "$CHARGEBEE_SITE" ]] && echo CHARGEBEE_API_KEY=chargebee-api-key ;;
    hubspot) [[ "$HUBSPOT_BACKEND" == hubspot ]] && echo HUBSPOT_ACCESS_TOKEN=hubspot-access-token ;;
    orchestrator)
      [[ "$STATE_BACKEND" == redis ]] && echo ORCH_REDIS_URL=orch-redis-url
      secret_exists orch-mcp-api-keys && echo ORCH_MCP_API_KEYS=orch-mcp-api-keys ;;
  esac
  echo "${F_PREFIX}CALLER_KEYS=mcp-caller-keys"
  echo "${F_PREFIX}CALLER_KEY_ID=mcp-caller-key-id"
  if [[ "$F_DB" == yes && "$DATABASE" == postgres ]]; then
    echo "${F_PREFIX}DATABASE_URL=$(run_name "$F_NAME")-database-url"
  fi
  return 0
}

# ---------------------------------------------------------------- setup

# The caller-assertion keyring every process shares, made once: {kid: 48 random bytes, base64}.
ensure_caller_keys() {
  local kid
  secret_exists mcp-caller-keys && return 0
  log "caller-assertion keys: secrets mcp-caller-keys and mcp-caller-key-id"
  kid="k$(date -u +%Y%m%d)"
  printf '{"%s": "%s"}' "$kid" "$(head -c 48 /dev/urandom | base64 | tr -d '\n')" >"$WORK/caller-keys"
  printf %s "$kid" >"$WORK/caller-key-id"  # $WORK is private (mktemp -d) and removed on exit
  gc secrets create mcp-caller-keys --data-file="$WORK/caller-keys"
  gc secrets create mcp-caller-key-id --data-file="$WORK/caller-key-id"
  rm -f "$WORK/caller-keys"
}

grant_project_role() {  # member role [project]
  retry gc projects add-iam-policy-binding "${3:-$PROJECT}" --member="$1" --role="$2" --condition=None >/dev/null
}

ensure_service_account() {  # account-id display-name
  local email="$1@$PROJECT.iam.gserviceaccount.com"
  if ! gc_read iam service-accounts describe "$email" --format='value(email)' >/dev/null; then
    gc iam service-accounts create "$1" --display-name="$2"
  fi
}

setup() {
  local line role ns
  log "enabling APIs (a first run takes a few minutes)"
  gc services enable "${APIS[@]}"

  log "Artifact Registry repository $REPOSITORY in $REGION"
  if ! gc_read artifacts repositories describe "$REPOSITORY" --location="$REGION" --format='value(name)' >/dev/null; then
    gc artifacts repositories create "$REPOSITORY" --repository-format=docker --location="$REGION" \
      --description="MCP orchestrator images"
  fi

  log "runtime service accounts and their roles"
  for line in "${PROCESSES[@]}"; do
    fields "$line"
    ensure_service_account "mcp-$(run_name "$F_NAME")" "Cloud Run: $F_NAME"
    for role in "${COMMON_ROLES[@]}"; do grant_project_role "serviceAccount:$(sa_email "$F_NAME")" "$role"; done
    if [[ "$F_NAME" == orchestrator ]]; then
      for role in "${ORCHESTRATOR_ROLES[@]}"; do grant_project_role "serviceAccount:$(sa_email "$F_NAME")" "$role"; done
    fi
    if [[ "$F_DB" == yes && -n "$CLOUDSQL_INSTANCE" ]]; then
      grant_project_role "serviceAccount:$(sa_email "$F_NAME")" roles/cloudsql.client
    fi
  done
  if [[ -n "$FIREBASE_PROJECT_ID" ]]; then
    for role in roles/firebaseauth.viewer roles/datastore.viewer; do
      grant_project_role "serviceAccount:$(sa_email firebase)" "$role" "$FIREBASE_PROJECT_ID"
    done
  fi
  ensure_caller_keys
  ensure_service_account mcp-build "Cloud Build: MCP images"
  for role in "${BUILD_ROLES[@]}"; do
    grant_project_role "serviceAccount:mcp-build@$PROJECT.iam.gserviceaccount.com" "$role"
  done

  if [[ "$SERVICE_INGRESS" != all || "$STATE_BACKEND" == redis ]]; then
    log "Private Google Access on subnet $VPC_SUBNET (callers reach internal services through the VPC)"
    gc compute networks subnets update "$VPC_SUBNET" --region="$REGION" --enable-private-ip-google-access
  fi

  if [[ "$STATE_BACKEND" == firestore ]]; then
    log "Firestore database (default) in $FIRESTORE_LOCATION, TTL on expires_at"
    if ! gc_read firestore databases describe --database='(default)' --format='value(name)' >/dev/null; then
      gc firestore databases create --database='(default)' --location="$FIRESTORE_LOCATION" --type=firestore-native
    fi
    for ns in "${TTL_NAMESPACES[@]}"; do
      gc firestore fields ttls update expires_at --collection-group="orch_$ns" --enable-ttl --async
    done
  fi
}

# ---------------------------------------------------------------- build

build_args() {  # the --build-arg flags of the current `fields` line
  printf -- '--build-arg=%s\n' "SERVICE=$F_NAME" "PACKAGE=$F_PACKAGE" "MODULE=$F_MODULE" "ENV_PREFIX=$F_PREFIX"
  if [[ -n "$BASE" ]]; then printf -- '--build-arg=BASE=%s\n' "$BASE"; fi
}

# A Cloud Build configuration building every image in parallel from one upload of the source.
cloudbuild_config() {
  local line arg
  echo "steps:"
  for line in "${PROCESSES[@]}"; do
    fields "$line"
    echo "  - id: $F_NAME"
    echo "    name: gcr.io/cloud-builders/docker"
    echo "    env: [DOCKER_BUILDKIT=1]"
    echo "    waitFor: ['-']"
    echo "    args:"
    echo "      - build"
    echo "      - --file=deploy/Dockerfile"
    echo "      - --tag=$(image "$F_NAME")"
    while read -r arg; do echo "      - $arg"; done < <(build_args)
    echo "      - ."
  done
  echo "images:"
  for line in "${PROCESSES[@]}"; do fields "$line"; echo "  - $(image "$F_NAME")"; done
  echo "options:"
  echo "  machineType: E2_HIGHCPU_8"
  echo "  logging: CLOUD_LOGGING_ONLY"
  echo "timeout: 1800s"
}

build() {
  local line arg args
  if [[ "$BUILD" == cloudbuild ]]; then
    log "building ${#PROCESSES[@]} images with Cloud Build (tag $TAG)"
    cloudbuild_config >"$WORK/cloudbuild.yaml"
    [[ -n "$DRY_RUN" ]] && cat "$WORK/cloudbuild.yaml" >&2
    gc builds submit "$ROOT" --config="$WORK/cloudbuild.yaml" \
      --service-account="projects/$PROJECT/serviceAccounts/mcp-build@$PROJECT.iam.gserviceaccount.com"
  elif [[ "$BUILD" == docker ]]; then
    log "building ${#PROCESSES[@]} images with $DOCKER (tag $TAG)"
    if [[ -n "$DRY_RUN" ]]; then
      run sh -c "gcloud auth print-access-token | $DOCKER login -u oauth2accesstoken --password-stdin https://$REGION-docker.pkg.dev"
    else
      gcloud auth print-access-token | "$DOCKER" login -u oauth2accesstoken --password-stdin "https://$REGION-docker.pkg.dev"
    fi
    for line in "${PROCESSES[@]}"; do
      fields "$line"
      args=()
      while read -r arg; do args+=("$arg"); done < <(build_args)
      run "$DOCKER" build --file="$ROOT/deploy/Dockerfile" --tag="$(image "$F_NAME")" "${args[@]}" "$ROOT"
      run "$DOCKER" push "$(image "$F_NAME")"
    done
  else
    die "BUILD must be cloudbuild or docker, not $BUILD"
  fi
}

# ---------------------------------------------------------------- deploy

grant_invokers() {  # name: roles/run.invoker on it for its callers (and INVOKERS on the orchestrator)
  local caller member
  for caller in $(callers_of "$1"); do
    retry gc run services add-iam-policy-binding "$(run_name "$1")" --region="$REGION" \
      --member="serviceAccount:$(sa_email "$caller")" --role=roles/run.invoker >/dev/null
  done
  if [[ "$1" == orchestrator && -n "$INVOKERS" ]]; then
    for member in ${INVOKERS//,/ }; do
      gc run services add-iam-policy-binding orchestrator --region="$REGION" \
        --member="$member" --role=roles/run.invoker >/dev/null
    done
  fi
}

grant_secrets() {  # name pair...: the process's account may read each secret it is given
  local name=$1 pair secret
  shift
  for pair in "$@"; do
    secret=${pair#*=}
    secret_exists "$secret" || [[ -n "$DRY_RUN" ]] ||
      die "secret $secret is missing: printf %s VALUE | gcloud secrets create $secret --data-file=-"
    gc secrets add-iam-policy-binding "$secret" --member="serviceAccount:$(sa_email "$name")" \
      --role=roles/secretmanager.secretAccessor >/dev/null
  done
}

# Writes a YAML file for --env-vars-file from KEY=VALUE lines (JSON values need no escaping there).
env_file() {
  local line
  while IFS= read -r line; do
    [[ -n "$line" ]] || continue
    local value=${line#*=}
    printf "%s: '%s'\n" "${line%%=*}" "${value//\'/\'\'}"
  done
}

deploy_process() {
  local name=$F_NAME svc flags=() secrets=() pair max=$F_MAX exists
  svc=$(run_name "$name")
  exists=$(gc_read run services describe "$svc" --region="$REGION" --format='value(metadata.name)' || true)
  process_env | env_file >"$WORK/$svc.env.yaml"
  while read -r pair; do [[ -n "$pair" ]] && secrets+=("$pair"); done < <(process_secrets)
  if ((${#secrets[@]})); then grant_secrets "$name" "${secrets[@]}"; fi
  [[ -n "$DRY_RUN" ]] && sed "s/^/    $svc env: /" "$WORK/$svc.env.yaml" >&2

  if [[ "$name" == orchestrator ]]; then
    flags+=(--ingress=all)
    if [[ "$ORCH_PUBLIC" == true ]]; then flags+=(--allow-unauthenticated); else flags+=(--no-allow-unauthenticated); fi
  else
    flags+=(--ingress="$SERVICE_INGRESS" --no-allow-unauthenticated)
  fi
  # Requests to an internal service must come through the VPC: callers send all egress there.
  # The orchestrator also reaches Memorystore (STATE_BACKEND=redis) through it.
  if [[ ( "$F_LINKS" != "-" && "$SERVICE_INGRESS" != all ) || ( "$name" == orchestrator && "$STATE_BACKEND" == redis ) ]]; then
    flags+=(--network="$VPC_NETWORK" --subnet="$VPC_SUBNET" --vpc-egress=all-traffic)
  elif [[ -n "$exists" ]]; then
    flags+=(--clear-network)
  fi
  if ((${#secrets[@]})); then
    flags+=(--set-secrets="$(IFS=,; printf '%s' "${secrets[*]/%/:latest}")")
  elif [[ -n "$exists" ]]; then
    flags+=(--clear-secrets)
  fi
  if [[ "$F_DB" == yes && -n "$CLOUDSQL_INSTANCE" ]]; then
    flags+=(--set-cloudsql-instances="$CLOUDSQL_INSTANCE")
  elif [[ -n "$exists" ]]; then
    flags+=(--clear-cloudsql-instances)
  fi
  # A SQLite file lives in one instance: more than one would each hold different data.
  if [[ "$F_DB" == yes && "$DATABASE" == sqlite ]]; then max=1; fi

  log "deploying $svc"
  gc run deploy "$svc" --region="$REGION" --image="$(image "$name")" \
    --service-account="$(sa_email "$name")" --port=8080 \
    --cpu="$F_CPU" --memory="$F_MEMORY" --concurrency="$F_CONCURRENCY" \
    --min-instances="$F_MIN" --max-instances="$max" --cpu-boost --timeout="$TIMEOUT" \
    --execution-environment=gen2 --env-vars-file="$WORK/$svc.env.yaml" \
    --startup-probe="$STARTUP_PROBE" --liveness-probe="$LIVENESS_PROBE" \
    --labels=app=mcp-orchestrator,process="$svc" "${flags[@]}"
  grant_invokers "$name"
}

deploy() {
  local line
  for line in "${PROCESSES[@]}"; do
    fields "$line"
    deploy_process
  done
  log "orchestrator: $(service_url orchestrator)"
  echo "curl -s -X POST $(service_url orchestrator)/query -H 'content-type: application/json' \\" >&2
  echo "  -d '{\"query\": \"what plan am I on?\", \"email\": \"ada@example.com\"}'" >&2
}

# ---------------------------------------------------------------- YAML (gcloud run services replace)

render_one() {  # name: writes $OUT_DIR/<name>.yaml with its placeholders filled
  local name=$1 file="$ROOT/deploy/cloudrun/$1.yaml" out="$OUT_DIR/$1.yaml" var value host url args=()
  [[ -f "$file" ]] || die "missing $file"
  # shellcheck disable=SC2034  # read as ${!var}, like every ${NAME} placeholder
  local PROJECT_ID=$PROJECT FIREBASE_PROJECT_ID=${FIREBASE_PROJECT_ID:-$PROJECT}
  # shellcheck disable=SC2016  # the placeholders are literal ${NAME}
  while read -r var; do
    value=${!var:-}
    [[ -n "$value" ]] || die "$name.yaml needs $var"
    args+=(-e "s|\${$var}|$value|g")
  done < <(grep -o '\${[A-Z_]*}' "$file" | sort -u | tr -d '${}')
  while read -r host; do
    host=${host#https://}
    host=${host%%-<hash>*}
    url=$(service_url "${host//-/_}")
    args+=(-e "s|https://$host-<hash>-<region>\.a\.run\.app|$url|g")
  done < <(grep -o 'https://[a-z0-9-]*-<hash>-<region>\.a\.run\.app' "$file" | sort -u)
  mkdir -p "$OUT_DIR"
  sed "${args[@]}" "$file" >"$out"
  local unfilled='\$\{[A-Z_]+\}|<hash>|<region>'
  [[ -n "$DRY_RUN" ]] && unfilled='\$\{[A-Z_]+\}'  # the URLs stay placeholders
  if grep -vE '^[[:space:]]*#' "$out" | grep -nE "$unfilled" >&2; then
    die "unfilled placeholders in $out"
  fi
  echo "$out"
}

render() {
  local name
  for name in $(names); do render_one "$name"; done
}

replace() {
  local name out secret secrets
  for name in $(names); do
    out=$(render_one "$name")
    log "replacing $(run_name "$name") from $out"
    secrets=()
    while read -r secret; do secrets+=("$secret=$secret"); done < <(
      grep -A1 'secretKeyRef:' "$out" | sed -n 's/^ *name: *//p')
    if ((${#secrets[@]})); then grant_secrets "$name" "${secrets[@]}"; fi
    gc run services replace "$out" --region="$REGION"
    if [[ "$name" == orchestrator && "$ORCH_PUBLIC" == true ]]; then
      gc run services add-iam-policy-binding orchestrator --region="$REGION" \
        --member=allUsers --role=roles/run.invoker >/dev/null
    fi
    grant_invokers "$name"
  done
}

urls() {
  local name
  for name in $(names); do printf '%-16s %s\n' "$name" "$(service_url "$name")"; done
}

# ---------------------------------------------------------------- main

[[ $# -gt 0 ]] || set -- setup build deploy
for step in "$@"; do
  case "$step" in
    setup | build | deploy | render | replace | urls) "$step" ;;
    all) setup; build; deploy ;;
    *) die "unknown step: $step (setup, build, deploy, render, replace, urls, all)" ;;
  esac
done
