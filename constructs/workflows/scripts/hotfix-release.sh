last="$(git describe --tags --abbrev=0 --match "${TAG_PREFIX}[0-9]*.[0-9]*.[0-9]*" 2>/dev/null || true)"
if [ -z "$last" ]; then
  echo "::error::the hotfix branch does not contain a release tag; cut hotfix branches from a release"
  exit 1
fi
IFS=. read -r major minor patch <<< "${last#"$TAG_PREFIX"}"
next=$(( ${patch%%-*} + 1 ))
# The full clone has every tag: earlier hotfixes of the same release take the next free patch.
while git rev-parse -q --verify "refs/tags/$TAG_PREFIX$major.$minor.$next" > /dev/null; do
  next=$((next + 1))
done
tag="$TAG_PREFIX$major.$minor.$next"
notes="$RUNNER_TEMP/hotfix-notes.md"
{
  echo "## $tag (hotfix, $(date -u +%Y-%m-%d))"
  echo
  echo "Hotfix from \`$BRANCH\` on top of $last, deployed to staging and production."
  echo
  echo "### Fixes"
  git log --no-merges --format='- %s (%h)' "$last..HEAD"
  echo
  echo "### Deployed images"
  printf '%s' "$VERSIONS" | node -e 'const v = JSON.parse(require("fs").readFileSync(0, "utf8")); for (const [app, tag] of Object.entries(v)) console.log("- " + app + ": " + tag);'
} > "$notes"
gh release create "$tag" --target "$GITHUB_SHA" --title "$tag (hotfix)" --notes-file "$notes"
