out="$RUNNER_TEMP/plan-diff"
mkdir -p "$out"
status=0
npx --no-install cdktf diff "$STACK" > "$out/diff.txt" 2>&1 || status=$?
{
  echo "<details><summary>cdktf diff $STACK (real state)$([ "$status" = 0 ] || echo ": failed")</summary>"
  echo
  echo '```'
  tail -c 20000 "$out/diff.txt"
  echo '```'
  echo "</details>"
} > "$out/diff.md"
# A failed diff is reported in the comment; it must not stop the review from being posted.
[ "$status" = 0 ] || echo "::warning::cdktf diff $STACK failed; see the plan comment"
