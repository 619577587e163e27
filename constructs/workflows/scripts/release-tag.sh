for context in $CONTEXTS; do
  (cd "$context" && npm version "$VERSION" --no-git-tag-version --allow-same-version > /dev/null)
done
git config user.name "github-actions[bot]"
git config user.email "41898282+github-actions[bot]@users.noreply.github.com"
git add -u
git diff --cached --quiet || git commit --quiet -m "release: $TAG"
git tag -a "$TAG" -F "$RUNNER_TEMP/release-notes.md"
git push --atomic origin "HEAD:refs/heads/$DEFAULT_BRANCH" "refs/tags/$TAG"
