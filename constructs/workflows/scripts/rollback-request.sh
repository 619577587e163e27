environment="$INPUT_ENVIRONMENT"; application="${INPUT_APPLICATION:-all}"; version="$INPUT_VERSION"
reason="$INPUT_REASON"; alertname="$INPUT_ALERTNAME"; seen="$INPUT_SEEN_VERSION"; revert="${INPUT_REVERT_MIGRATION:-false}"
one_of() { # value, allowed words...
  local value="$1" allowed; shift
  for allowed in "$@"; do [ "$value" = "$allowed" ] && return 0; done
  return 1
}
read -r -a environments <<< "$ENVIRONMENTS"
read -r -a applications <<< "$APPLICATIONS"
if ! one_of "$environment" "${environments[@]}"; then
  echo "::error::the rollback names no known environment (expected exactly one of: $ENVIRONMENTS)"
  exit 1
fi
if ! one_of "$application" all "${applications[@]}"; then
  echo "::error::the rollback names no known application (expected exactly all or one of: $APPLICATIONS)"
  exit 1
fi
tag='^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$'
if [ -n "$version" ] && ! [[ "$version" =~ $tag ]]; then
  echo "::error::the version is not an image tag (letters, digits, . _ -)"
  exit 1
fi
if [ -n "$seen" ] && ! [[ "$seen" =~ $tag ]]; then
  echo "::error::the version the alert saw is not an image tag (letters, digits, . _ -)"
  exit 1
fi
[ "$revert" = "true" ] || revert="false"
reason="$(printf '%s' "$reason" | tr -d '\r' | tr '\n' ' ' | cut -c1-200)"
alertname="$(printf '%s' "$alertname" | tr -cd 'A-Za-z0-9_.:-' | cut -c1-100)"
{
  echo "environment=$environment"
  echo "application=$application"
  echo "version=$version"
  echo "reason=${reason:-rollback requested by $GITHUB_ACTOR}"
  echo "alertname=$alertname"
  echo "revert-migration=$revert"
  echo "seen-version=$seen"
} >> "$GITHUB_OUTPUT"
echo "Rolling back $application in $environment"
