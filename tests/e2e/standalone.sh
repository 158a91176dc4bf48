#!/usr/bin/env bash
# The repository stands alone: a person who clones it sees nothing outside it, so no tracked file may
# read or cite a folder beside the checkout (../shared, /work/...), design notes that are not in the
# repository (DESIGN.md, QUIRKS.md) or an issue tracker's numbers ("issue 14", "(#12)"). A comment
# states its reason itself; explanations live in docs/. Fails listing every offending line.
# Usage: standalone.sh REPO   (exit 77 = skipped: REPO is not a git checkout, e.g. a source tarball)
set -euo pipefail
REPO=$1
THIS=tests/e2e/standalone.sh  # this file names the patterns, so it is the one file not searched

# One extended regex per rule (git grep -E, POSIX classes only).
PATTERNS=(
  '\.\./shared'                               # the reference folder beside a checkout
  '/work/(shared|\.mirror)'                   # machine-specific copies of reference material
  '(DESIGN|QUIRKS)\.md'                       # design notes kept outside the repository
  '(^|[^[:alnum:]_])[Ii]ssues?[ -]#?[0-9]'    # "issue 14", "Issue 14, 3.6", "issues 11"
  '\(#[0-9]+[),]'                             # "(#12)", "(#12, ...)"
)

# The patterns must catch what they are for and nothing the repository legitimately holds
# (colours, HTML entities, "Apartment #5", upstream pull requests named by their project).
must_match=('see ../shared/models/x.gguf' '/work/shared/reference' '/work/.mirror/x' 'DESIGN.md "Data flow"'
  '(QUIRKS.md)' '(issue 14)' 'Issue 14, 3.6' 'issue-12' '(#12)' 'fixed (#7, #8)')
must_not=("stroke: '#111'" '&#39;' 'Apartment #5' 'llama.cpp PR #28520' 'no issues found' 'shared memory'
  'PaperScalesOverTheFullGrid' 'a tissue 3 cm')
joined=$(IFS='|'; echo "${PATTERNS[*]}")
for s in "${must_match[@]}"; do
  grep -qE "$joined" <<< "$s" || { echo "standalone.sh: the patterns miss '$s'"; exit 1; }
done
for s in "${must_not[@]}"; do
  if grep -qE "$joined" <<< "$s"; then echo "standalone.sh: the patterns wrongly match '$s'"; exit 1; fi
done

git -C "$REPO" rev-parse --git-dir > /dev/null 2>&1 || { echo "standalone.sh: $REPO is not a git checkout: skipped"; exit 77; }
args=()
for p in "${PATTERNS[@]}"; do args+=(-e "$p"); done
# Tracked files as committed or edited in the work tree (-I: binary files such as models are skipped).
if hits=$(git -C "$REPO" grep -nIE "${args[@]}" -- . ":(exclude)$THIS"); then
  echo "$hits"
  echo "standalone.sh: $(wc -l <<< "$hits") line(s) above cite something outside the repository;"
  echo "say the reason in the line itself and put explanations in docs/ (docs/architecture.md, docs/paper-code.md)"
  exit 1
fi
echo "standalone.sh: ok, no tracked file cites ../shared, DESIGN.md, QUIRKS.md or an issue number"
