#!/bin/sh
# Regenerates src/tflite_generated.rs from schema.fbs (TensorFlow's TFLite schema, unmodified).
#
#   cargo install planus-cli --version 1.3.0   # the same version as the `planus` dependency
#   import/schema/generate.sh
#
# planus does not accept `(deprecated)` on an enum value, a union variant or a table (flatc
# does), so those three attributes are stripped from a temporary copy first; this changes no
# field, index or layout, only which deprecated accessors would be generated.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed -e 's/^\(  REDUCE_WINDOW = 205\) (deprecated),/\1,/' \
    -e 's/^\(  ReduceWindowOptions\) (deprecated),/\1,/' \
    -e 's/^table ReduceWindowOptions (deprecated) {/table ReduceWindowOptions {/' \
    "$here/schema.fbs" > "$tmp/schema.fbs"
${PLANUS:-planus} rust -o "$tmp/generated.rs" "$tmp/schema.fbs"
# The generated comments name the source file: the committed one, not the temporary copy.
sed -e "s|$tmp/schema.fbs|import/schema/schema.fbs|g" "$tmp/generated.rs" > "$here/../src/tflite_generated.rs"
