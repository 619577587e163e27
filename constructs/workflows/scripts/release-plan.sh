if [ "$EVENT_NAME" = "schedule" ] && (( $(date -u +%s) / 604800 % EVERY_WEEKS != 0 )); then
  echo "Not a release week (a release every $EVERY_WEEKS weeks)"
  echo "due=false" >> "$GITHUB_OUTPUT"
  exit 0
fi
# The newest release is the highest version among the tags, wherever they point: a release commit need not be an
# ancestor of HEAD (git describe would find the first release forever).
last=""
while read -r candidate; do
  if [[ "${candidate#"$TAG_PREFIX"}" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then last="$candidate"; break; fi
done < <(git tag --list "${TAG_PREFIX}[0-9]*" --sort=-version:refname)
if [ -n "$last" ]; then
  range="$last..HEAD"
  base="${last#"$TAG_PREFIX"}"
else
  range="HEAD"
  base=""
fi
commits="$(git log --no-merges --format=%H "$range")"
if [ -z "$commits" ]; then
  echo "Nothing to release: no commits since $last"
  echo "due=false" >> "$GITHUB_OUTPUT"
  exit 0
fi
breaking=(); features=(); fixes=(); others=()
while read -r commit; do
  subject="$(git log -1 --format=%s "$commit")"
  line="- $subject (${commit:0:7})"
  if [[ "$subject" =~ ^[a-z]+(\([^\)]*\))?!: ]] || git log -1 --format=%b "$commit" | grep -q '^BREAKING[ -]CHANGE:'; then
    breaking+=("$line")
  elif [[ "$subject" =~ ^feat(\([^\)]*\))?: ]]; then
    features+=("$line")
  elif [[ "$subject" =~ ^fix(\([^\)]*\))?: ]]; then
    fixes+=("$line")
  else
    others+=("$line")
  fi
done <<< "$commits"
bump="${BUMP:-auto}"
if [ "$bump" = "auto" ]; then
  if [ ${#breaking[@]} -gt 0 ]; then bump="major"; elif [ ${#features[@]} -gt 0 ]; then bump="minor"; else bump="patch"; fi
fi
if [ -z "$base" ]; then
  # The first release is the version the application already declares.
  version="$(node -p 'require(require("path").resolve(process.argv[1])).version' "$FIRST_PACKAGE_JSON")"
else
  IFS=. read -r major minor patch <<< "${base%%-*}"
  case "$bump" in
    major) version="$((major + 1)).0.0" ;;
    minor) version="$major.$((minor + 1)).0" ;;
    *) version="$major.$minor.$((patch + 1))" ;;
  esac
fi
if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "::error::cannot derive a MAJOR.MINOR.PATCH version"
  exit 1
fi
tag="$TAG_PREFIX$version"
if git rev-parse -q --verify "refs/tags/$tag" > /dev/null; then
  echo "::error::the tag $tag exists already; delete the stray tag or release with a higher bump"
  exit 1
fi
notes="$RUNNER_TEMP/release-notes.md"
{
  echo "## $tag ($(date -u +%Y-%m-%d))"
  section() { local title="$1"; shift; if [ $# -gt 0 ]; then echo; echo "### $title"; printf '%s\n' "$@"; fi; }
  section "Breaking changes" "${breaking[@]}"
  section "Features" "${features[@]}"
  section "Fixes" "${fixes[@]}"
  section "Other changes" "${others[@]}"
} > "$notes"
cat "$notes"
{
  echo "due=true"
  echo "version=$version"
  echo "tag=$tag"
} >> "$GITHUB_OUTPUT"
