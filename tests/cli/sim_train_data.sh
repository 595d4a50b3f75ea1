#!/usr/bin/env bash
# sim-train's data side, through the real program (--dry-run): every dataset layout opens and yields
# balanced batches (named with --class-names when they come numbered); every broken dataset stops with exit 1 and a message naming the file, or is
# skipped with --skip-bad; bad flag values exit 2.
# Usage: sim_train_data.sh PATH/TO/sim-train FIXTURES_DIR [FASHION_MNIST_DIR]
set -u
train="$1"
fx="$2"
real="${3:-}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# expect STATUS PATTERN ARGS...: runs sim-train ARGS, checks the exit status and that stderr
# (for failures) or stdout (for success) matches PATTERN.
expect() {
  local want="$1" pattern="$2"
  shift 2
  "$train" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  local status=$?
  if [[ $status != "$want" ]]; then
    fail "sim-train $* exited $status, expected $want; stderr: $(tail -n 3 "$tmp/err")"
    return
  fi
  local where="$tmp/out"
  [[ $want != 0 ]] && where="$tmp/err"
  grep -q -- "$pattern" "$where" || fail "sim-train $*: no '$pattern' in: $(cat "$where")"
}

dry=(--dry-run --dry-run-batches 20 --threads 2)
expect 0 '"batch_size": 12' "$fx/images" "${dry[@]}" --examples-per-class 4
expect 0 '"train_items": 15' "$fx/images_split" "${dry[@]}" --aug-pad 2 --aug-flip --aug-brightness 0.2
expect 0 '"train_items": 60' "$fx/idx" "${dry[@]}" --image-size 32 --channels 3
# The augmentation recipes, on grey and colour images; the dry run says what augmenting costs.
expect 0 '"augment_ms_per_batch": [0-9]' "$fx/idx" "${dry[@]}" --aug-preset simclr
expect 0 '"augment_share": [0-9]' "$fx/idx" "${dry[@]}" --image-size 32 --channels 3 --aug-preset byol --aug-hue 0.5
expect 2 "--aug-crop-scale: must be MIN,MAX" "$fx/idx" "${dry[@]}" --aug-preset simclr --aug-crop-scale 0.9,0.2
expect 2 "--aug-preset" "$fx/idx" "${dry[@]}" --aug-preset moco
expect 0 '"train_items": 36' "$fx/vectors.h5" "${dry[@]}"
expect 0 '"train_items": 27' "$fx/vectors.csv" "${dry[@]}"

# What was found is said on stderr.
"$train" "$fx/idx" "${dry[@]}" -v 2>"$tmp/err" >/dev/null
grep -q "train: 60 items, 5 classes, shape 1x28x28 image (IDX)" "$tmp/err" || fail "no dataset summary: $(cat "$tmp/err")"
grep -q "validating on 20 items, 5 classes, shape 1x28x28 image (IDX) (test split)" "$tmp/err" ||
  fail "no validation summary: $(cat "$tmp/err")"

# --class-names: names for numbered classes (IDX, vectors without `classes`); refused elsewhere.
printf '%s\n' zero one two three four >"$tmp/names.txt"
"$train" "$fx/idx" "${dry[@]}" --class-names "$tmp/names.txt" --holdout-classes two,four -v 2>"$tmp/err" >/dev/null ||
  fail "--class-names on IDX: $(tail -n 3 "$tmp/err")"
grep -q "held-out classes, never trained on: two, four" "$tmp/err" || fail "--holdout-classes by name: $(cat "$tmp/err")"
printf '%s\n' zero one two >"$tmp/three.txt"
expect 1 "three.txt: names 3 classes, but '$fx/idx' has 5" "$fx/idx" "${dry[@]}" --class-names "$tmp/three.txt"
printf '%s\n' zero one one three four >"$tmp/twice.txt"
expect 1 "twice.txt: 'one' appears twice" "$fx/idx" "${dry[@]}" --class-names "$tmp/twice.txt"
expect 2 "has classes of its own ('circle')" "$fx/images" "${dry[@]}" --class-names "$tmp/names.txt"
expect 1 "missing.txt: cannot open" "$fx/idx" "${dry[@]}" --class-names "$tmp/missing.txt"

expect 1 "bad_truncated/circle/cut.png" "$fx/bad_truncated" "${dry[@]}"
expect 0 '"train_items"' "$fx/bad_truncated" "${dry[@]}" --skip-bad
expect 1 "bad_nonimage/square/notes.png: not an image" "$fx/bad_nonimage" "${dry[@]}"
expect 0 '"train_items"' "$fx/bad_nonimage" "${dry[@]}" --skip-bad
expect 1 "class 'alone': has 1 item" "$fx/bad_one_image" "${dry[@]}" --val-split 0
expect 0 '"train_items": 5' "$fx/bad_one_image" "${dry[@]}" --val-split 0 --skip-bad
expect 1 "big.png: is 16x20 but most images are 12x12" "$fx/bad_mixed_sizes" "${dry[@]}"
expect 0 '"train_items"' "$fx/bad_mixed_sizes" "${dry[@]}" --image-size 12
expect 1 "hollow: class folder has no images" "$fx/bad_empty_class" "${dry[@]}"
expect 1 "no dataset found" "$fx/empty" "${dry[@]}"
expect 1 "no column 'label' (columns: name, x)" "$fx/bad_no_label.csv" "${dry[@]}"
expect 1 "cannot open: No such file" "$fx/missing" "${dry[@]}"
# A corrupt gzip stream in an IDX images file: that file is named, not its labels file as unmatched.
cp -r "$fx/idx" "$tmp/idx_corrupt"
python3 -c 'import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[40:-20:7] = bytes(x ^ 0x5a for x in b[40:-20:7]); open(p, "wb").write(b)' \
  "$tmp/idx_corrupt/train-images-idx3-ubyte.gz"
expect 1 "idx_corrupt/train-images-idx3-ubyte.gz: corrupt gzip data: [a-z]" "$tmp/idx_corrupt" "${dry[@]}"
expect 2 "--image-size" "$fx/images" "${dry[@]}" --image-size 0x3
expect 2 "--holdout-classes" "$fx/images" "${dry[@]}" --holdout-classes nosuch
expect 2 "-o" "$fx/images"  # neither -o nor --dry-run

# Holding out whole classes: trained on the rest.
expect 0 '"train_items": 12' "$fx/images" "${dry[@]}" --holdout-classes triangle

# The same seed draws the same batches: two dry runs agree (timings aside) on what they report.
if [[ -n $real && -d $real ]]; then
  expect 0 '"train_items": 60000' "$real" --dry-run --dry-run-batches 200 --threads 2
fi

if [[ $failures -gt 0 ]]; then exit 1; fi
echo "ok: sim-train data side"
