version="$(node -p 'require(require("path").resolve(process.argv[1])).version' "$PACKAGE_JSON")"
if ! [[ "$version" =~ ^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$ ]]; then
  echo "::error file=$PACKAGE_JSON::the version in $PACKAGE_JSON is not SemVer (MAJOR.MINOR.PATCH)"
  exit 1
fi
sha7="${GITHUB_SHA::7}"
created="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
deployed="$version-$sha7"
tags="$IMAGE:$version-$sha7
$IMAGE:sha-$sha7"
if [[ "$GITHUB_REF" == refs/tags/* ]]; then
  if [ "${GITHUB_REF#refs/tags/}" != "$RELEASE_TAG_PREFIX$version" ]; then
    echo "::error file=$PACKAGE_JSON::the release tag does not match the version in $PACKAGE_JSON; release with the release workflow, which sets both"
    exit 1
  fi
  deployed="$version"
  tags="$tags
$IMAGE:$version"
fi
{
  echo "version=$deployed"
  echo "created=$created"
  echo "tags<<__TAGS__"
  echo "$tags"
  echo "__TAGS__"
  echo "labels<<__LABELS__"
  echo "org.opencontainers.image.version=$version"
  echo "org.opencontainers.image.revision=$GITHUB_SHA"
  echo "org.opencontainers.image.created=$created"
  echo "org.opencontainers.image.source=$GITHUB_SERVER_URL/$GITHUB_REPOSITORY"
  echo "__LABELS__"
} >> "$GITHUB_OUTPUT"
echo "$IMAGE: $deployed (built $created)"
