review="$ARTIFACTS/plan-review"
number="$(head -n 1 "$review/pull-request" | tr -d '[:space:]')"
if ! [[ "$number" =~ ^[0-9]+$ ]]; then
  echo "::error::the plan-review artifact names no pull request"
  exit 1
fi
# The artifact is data from a possibly untrusted run: it may only comment on the pull request it was made for.
current="$(gh api "repos/$REPOSITORY/pulls/$number" --jq .head.sha)"
if [ "$current" != "$HEAD_SHA" ]; then
  echo "::notice::pull request #$number has moved on from $HEAD_SHA; its own run will comment"
  exit 0
fi
body="$RUNNER_TEMP/plan-comment.md"
{
  echo "$MARKER"
  echo "## Plan review"
  echo
  # The review already fits its report to $REPORT_LENGTH characters, stack by stack; the cut only bounds untrusted data.
  head -c "$REPORT_LENGTH" "$review/report.md"
  echo
  if [ -f "$ARTIFACTS/plan-diff/diff.md" ]; then
    echo
    head -c 8000 "$ARTIFACTS/plan-diff/diff.md"
    echo
  fi
  echo
  echo "<sub>For $HEAD_SHA · [run, with the full report as an artifact]($RUN_URL)</sub>"
} > "$body"
existing="$(gh api --paginate "repos/$REPOSITORY/issues/$number/comments" --jq '.[] | select(.user.login == "github-actions[bot]" and (.body | startswith($ENV.MARKER))) | .id' | head -n 1)"
if [ -n "$existing" ]; then
  gh api --method PATCH "repos/$REPOSITORY/issues/comments/$existing" -F "body=@$body" > /dev/null
  echo "updated the plan comment on #$number"
else
  gh api --method POST "repos/$REPOSITORY/issues/$number/comments" -F "body=@$body" > /dev/null
  echo "commented the plan on #$number"
fi
