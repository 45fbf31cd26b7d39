#!/usr/bin/env bash
# Reproduces the validate figures in docs/performance.md: estate validate
# against cue vet on the same generated files and the same schema, side by
# side, plus the warm (cached) run after 100 files change and peak memory.
#
#   bash bench/validate.sh            # 100,000 assets, 5 runs each
#   N=10000 RUNS=3 bash bench/validate.sh
#
# Needs hyperfine (apt-get install hyperfine) and GNU time (apt-get install
# time); installs cue v0.17.1 with go install.
set -euo pipefail
N=${N:-100000}
RUNS=${RUNS:-5}
CUE_RUNS=${CUE_RUNS:-$RUNS} # cue vet takes a minute a run at 100,000 files
work=${WORK:-$(mktemp -d)}
here=$(cd "$(dirname "$0")/.." && pwd)

echo "bench: building estate and cue into $work"
(cd "$here" && go build -o "$work/estate" ./cmd/estate)
GOBIN="$work" GOFLAGS=-buildvcs=false go install cuelang.org/go/cmd/cue@v0.17.1

est="$work/estate-$N"
rm -rf "$est"
"$work/estate" synth "$est" --assets "$N"
git -C "$est" init -q
"$work/estate" -C "$est" schema > "$work/estate.cue"
(cd "$est" && find inventory -name '*.yaml' -not -path 'inventory/licences/*' -not -path 'inventory/locations/*' | sort) > "$work/assets.txt"
echo "bench: $(wc -l < "$work/assets.txt") asset files, $(nproc) cores, $(uname -sr)"

cd "$est"
hyperfine --style basic --runs "$RUNS" --export-markdown "$work/cold.md" --export-json "$work/cold.json" \
  -n "estate validate --no-cache" "$work/estate validate --no-cache" \
  -n "estate validate --no-cache --cue-only" "$work/estate validate --no-cache --cue-only"
hyperfine --style basic --runs "$CUE_RUNS" --export-markdown "$work/cue.md" --export-json "$work/cue.json" \
  -n "cue vet (xargs, one process at a time)" "xargs -n 5000 $work/cue vet -c $work/estate.cue -d '#Asset' < $work/assets.txt" \
  -n "cue vet (xargs -P 2)" "xargs -P 2 -n 5000 $work/cue vet -c $work/estate.cue -d '#Asset' < $work/assets.txt"

# Warm: the cache is filled once; before each timed run 100 files change.
"$work/estate" validate > /dev/null
cat > "$work/touch100.sh" <<'SH'
#!/usr/bin/env bash
ls inventory/laptop | shuf -n 100 | while read -r f; do echo "# edited $RANDOM$RANDOM" >> "inventory/laptop/$f"; done
SH
hyperfine --style basic --runs "$RUNS" --export-markdown "$work/warm.md" --export-json "$work/warm.json" \
  --prepare "bash $work/touch100.sh" \
  -n "estate validate (cached, 100 files changed)" "$work/estate validate"

echo "bench: peak memory of a cold run"
/usr/bin/time -f "estate validate --no-cache: %e s wall, %M KB max RSS" "$work/estate" validate --no-cache > /dev/null
cat "$work/cold.md" "$work/cue.md" "$work/warm.md"
echo "bench: results in $work"
