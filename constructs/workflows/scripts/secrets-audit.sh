if [ -z "$GH_TOKEN" ]; then
  echo "::error::set the secret SECRETS_AUDIT_TOKEN: listing secrets needs a token with read access to environments and secrets (read only: see docs/workflows.md)"
  exit 1
fi
now="$(date -u +%s)"
problems=0
summary="$GITHUB_STEP_SUMMARY"
{
  echo "## Secrets audit"
  echo
  echo "Secrets last updated more than $MAX_AGE_DAYS days ago are flagged for rotation."
  echo
  echo "| Scope | Secret | Last updated | Age (days) | Status |"
  echo "|---|---|---|---|---|"
} >> "$summary"
row() { echo "| $1 | \`$2\` | $3 | $4 | $5 |" >> "$summary"; }
age_of() { echo $(( (now - $(date -u -d "$1" +%s)) / 86400 )); }
audit_listing() { # scope, "name updated_at" lines
  local scope="$1" name updated age status
  while read -r name updated; do
    [ -n "$name" ] || continue
    age="$(age_of "$updated")"
    status="ok"
    if [ "$age" -gt "$MAX_AGE_DAYS" ]; then status="**stale: rotate it**"; problems=$((problems + 1)); echo "::warning::$scope secret $name is $age days old"; fi
    row "$scope" "$name" "${updated%T*}" "$age" "$status"
  done <<< "$2"
}
repository_secrets="$(gh api --paginate "repos/$REPOSITORY/actions/secrets" --jq '.secrets[] | "\(.name) \(.updated_at)"')"
audit_listing "repository" "$repository_secrets"
for environment in $ENVIRONMENTS; do
  upper="${environment^^}"
  declared_names="DECLARED_$upper"; pipeline_names="PIPELINE_$upper"
  if ! listing="$(gh api --paginate "repos/$REPOSITORY/environments/$environment/secrets" --jq '.secrets[] | "\(.name) \(.updated_at)"' 2>/dev/null)"; then
    listing=""
    echo "::warning::cannot list the secrets of $environment (does the environment exist? run cdktf deploy $environment)"
  fi
  audit_listing "$environment" "$listing"
  present="$(printf '%s\n' "$listing" | cut -d' ' -f1)"
  for name in ${!declared_names}; do
    if ! grep -qx "$name" <<< "$present"; then
      row "$environment" "$name" "—" "—" "**missing: declared in the config**"; problems=$((problems + 1))
      echo "::error::$name is declared for $environment but not set"
    fi
  done
  for name in ${!pipeline_names}; do
    if ! grep -qx "$name" <<< "$present" && ! grep -q "^$name " <<< "$repository_secrets"; then
      row "$environment" "$name" "—" "—" "**missing: the deploy workflow reads it**"; problems=$((problems + 1))
      echo "::error::$name is read by deploy-$environment.yml but set neither on the environment nor the repository"
    fi
  done
done
echo >> "$summary"
if [ "$problems" -gt 0 ]; then
  echo "**$problems problem(s) found.**" >> "$summary"
  exit 1
fi
echo "No problems found." >> "$summary"
