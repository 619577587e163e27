if [ -z "$RELEASE_TOKEN" ]; then
  echo "::error::set the secret RELEASE_TOKEN on the release environment: a tag pushed with the workflow's own token would not start the production deploy"
  exit 1
fi
